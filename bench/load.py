"""Load: N concurrent `/ask` interactions through the loopback fake Discord server (issue 7).

A real `BriefBot` (discord.py, the real model and index) connects to `tests.fake_discord.FakeDiscord` on
127.0.0.1. N interactions from N different users (so per-user cooldowns do not refuse them; the per-server
budget is set above N) are sent at once. For each, the script records when the fake received its defer
callback and its followup (the answer), measured from the moment the INTERACTION_CREATE was sent.

Discord's contract is that every interaction is acknowledged within 3 s; the run fails (exit status 1) if
one is deferred later, answered wrongly, or never answered. Prints a table (stderr) and one JSON object
(stdout), like the other bench scripts.

    python bench/load.py [--n 200] [--deadline 60]

Note that the fake server and the bot share one event loop and the 2 cores with the search threads, so the
figures include the fake's own work: they are an upper bound for the bot's share.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.client import BriefBot  # noqa: E402
from bot.settings import DiscordConfig, SearchConfig, Settings, SourcesConfig  # noqa: E402
from index.library import Library  # noqa: E402
from tests.fake_discord import FakeDiscord, FakeUser, InteractionIds, Request  # noqa: E402

SEEDS = ROOT / "seeds"
QUESTION = "When will Putin travel to North Korea?"
EXPECTED = "Putin will travel to North Korea on Tuesday"
ACK_DEADLINE = 3.0  # seconds: Discord drops an interaction not acknowledged by then


class _NoIdentifyPause(BriefBot):
    """The bot without discord.py's 5 s pause before a non-initial IDENTIFY (as in the tests)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class TimedFake(FakeDiscord):
    """`FakeDiscord` that notes when each interaction's callback and first followup arrive.

    The fake signals every recorded request through `_notify`; this indexes the new ones by interaction
    token as they come, so waiting for N interactions costs O(requests) in all, not O(N * requests).
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.callbacks: dict[str, tuple[float, Request]] = {}
        self.followups: dict[str, tuple[float, Request]] = {}
        self._seen = 0

    async def start(self) -> None:
        """`FakeDiscord.start` with a listen backlog of 1024 instead of aiohttp's 128.

        With 128, a burst of 200 new connections (discord.py opens one per concurrent request) overflows
        the accept queue and the kernel drops SYNs, which the client retransmits only after 1 s: that
        second would be the fake's, not the bot's (Discord's edge does not refuse connections so).
        """
        app = web.Application(middlewares=[self._record_middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        assert site._server is not None and site._server.sockets
        self.port = site._server.sockets[0].getsockname()[1]
        self.patch()

    def _notify(self) -> None:
        now = time.perf_counter()
        for request in self.requests[self._seen:]:
            parts = request.path.split("/")
            if request.method == "POST" and parts[1:2] == ["interactions"] and parts[-1] == "callback":
                self.callbacks.setdefault(parts[3], (now, request))
            elif request.method == "POST" and parts[1:2] == ["webhooks"] and len(parts) == 4:
                self.followups.setdefault(parts[3], (now, request))
        self._seen = len(self.requests)
        super()._notify()


@dataclass
class Sample:
    """One interaction: seconds from sending it to its defer and to its answer (None: never came)."""

    user_id: int
    defer_s: float | None = None
    answer_s: float | None = None
    callback_type: int | None = None
    answered_ok: bool = False


@dataclass
class LoadResult:
    n: int
    samples: list[Sample] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def lost(self) -> list[Sample]:
        """Interactions never deferred, deferred late, or not answered with the expected quote."""
        return [s for s in self.samples
                if s.defer_s is None or s.defer_s > ACK_DEADLINE or s.callback_type != 5
                or s.answer_s is None or not s.answered_ok]


def load_settings(data_dir: Path, guild_id: int, n: int) -> Settings:
    """No per-user cooldown, and a per-server budget above `n`, so the limits refuse nothing."""
    return Settings(data_dir=data_dir, sources=SourcesConfig(paths=[SEEDS]), search=SearchConfig(k=2),
                    discord=DiscordConfig(guild_ids=[guild_id], cooldown_seconds=0,
                                          cooldown_per_guild=max(n * 2, 30), feed_refresh_minutes=0))


async def run_load(library: Library, n: int, *, deadline: float = 60.0) -> LoadResult:
    """Send `n` concurrent `/ask` interactions to a bot over `library`; wait (at most `deadline` s) for all.

    Every interaction comes from its own user. Returns the per-interaction timings; never raises on a
    missing answer (see `LoadResult.lost`), only if the bot cannot connect.
    """
    async with TimedFake() as fake:
        users = [fake.guild.add_member(FakeUser(id=fake.user.id + 10_000 + i, username=f"user{i}")).user
                 for i in range(n)]
        settings = load_settings(library.data_dir, fake.guild.id, n)
        bot = _NoIdentifyPause(settings, library=library, guild_ready_timeout=0.05)
        async with fake.run_client(bot, ready_timeout=30):
            await fake.send_interaction("ask", {"question": QUESTION})  # warm up: model and first search
            await fake._wait_until(lambda: fake.followups or None, 30, "warm-up answer")
            fake.callbacks.clear()
            fake.followups.clear()

            sent: list[tuple[InteractionIds, float]] = []
            start = time.perf_counter()
            for user in users:
                t0 = time.perf_counter()
                ids = await fake.send_interaction("ask", {"question": QUESTION}, user=user)
                sent.append((ids, t0))
            with contextlib.suppress(TimeoutError):  # the missing ones are reported as lost below
                await fake._wait_until(lambda: len(fake.followups) >= n or None, deadline, f"{n} answers")
            result = LoadResult(n, wall_s=time.perf_counter() - start)
            for ids, t0 in sent:
                sample = Sample(ids.user_id)
                if (callback := fake.callbacks.get(ids.token)) is not None:
                    sample.defer_s = callback[0] - t0
                    sample.callback_type = (callback[1].json or {}).get("type")
                if (followup := fake.followups.get(ids.token)) is not None:
                    sample.answer_s = followup[0] - t0
                    embeds = (followup[1].json or {}).get("embeds") or [{}]
                    sample.answered_ok = (followup[1].status == 200
                                          and EXPECTED in json.dumps(embeds[0], ensure_ascii=False))
                result.samples.append(sample)
            return result


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p90/p99/max in milliseconds (nearest-rank)."""
    if not values:
        return {}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {"p50": rank(50) * 1000, "p90": rank(90) * 1000, "p99": rank(99) * 1000,
            "max": ordered[-1] * 1000, "mean": statistics.fmean(ordered) * 1000}


def report(result: LoadResult) -> dict:
    defers = [s.defer_s for s in result.samples if s.defer_s is not None]
    answers = [s.answer_s for s in result.samples if s.answer_s is not None]
    return {
        "n": result.n, "deferred": len(defers), "answered": len(answers),
        "deferred_within_3s": sum(d <= ACK_DEADLINE for d in defers),
        "lost": len(result.lost), "wall_s": round(result.wall_s, 3),
        "defer_ms": {k: round(v, 1) for k, v in percentiles(defers).items()},
        "answer_ms": {k: round(v, 1) for k, v in percentiles(answers).items()},
        "cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="concurrent interactions (default 200)")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds to wait for all answers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefbot-load-") as tmp:
        seed = Library(Path(tmp) / "seed", default_sources=[SEEDS])
        seed.searcher()  # builds the seed index
        data_dir = Path(tmp) / "data"
        shutil.copytree(seed.data_dir, data_dir)
        result = asyncio.run(run_load(Library(data_dir, default_sources=[SEEDS]), args.n,
                                      deadline=args.deadline))
    data = report(result)
    print(f"{args.n} concurrent /ask: {data['deferred']} deferred ({data['deferred_within_3s']} within 3 s), "
          f"{data['answered']} answered, {data['lost']} lost, {data['wall_s']} s in all", file=sys.stderr)
    print(f"{'':8}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}  (ms)", file=sys.stderr)
    for name in ("defer", "answer"):
        row = data[f"{name}_ms"]
        print(f"{name:8}" + "".join(f"{row.get(k, float('nan')):9.1f}" for k in ("p50", "p90", "p99", "max")),
              file=sys.stderr)
    print(json.dumps(data))
    return 0 if data["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
