"""Load through the fake Discord: many concurrent `/ask` interactions, each deferred in time and answered.

The contract tested is Discord's: an interaction not acknowledged within 3 s is lost to the user. No other
timing is asserted (the machine is shared); the full 200-interaction run with its latency distribution is
`bench/load.py`.
"""

from __future__ import annotations

from bench.load import ACK_DEADLINE, run_load
from index.library import Library

CONCURRENT = 50


async def test_concurrent_asks_are_all_deferred_in_time_and_answered(library: Library) -> None:
    result = await run_load(library, CONCURRENT, deadline=60)
    assert len(result.samples) == CONCURRENT
    assert len({s.user_id for s in result.samples}) == CONCURRENT  # no cooldown could have refused one
    late = [s.defer_s for s in result.samples if s.defer_s is None or s.defer_s > ACK_DEADLINE]
    assert late == [], f"deferred after {ACK_DEADLINE} s or never: {late}"
    assert all(s.callback_type == 5 for s in result.samples)  # a deferred "thinking…" response
    assert result.lost == []  # every one answered with the expected quote
