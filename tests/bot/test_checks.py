"""Cooldowns, the per-server budget and the reindex guard."""

from __future__ import annotations

import pytest

from bot.checks import RateLimits, ReindexBusy, ReindexGuard
from tests.fake_discord import FakeUser
from tests.helpers import EPHEMERAL, QUESTION, WAIT, World


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_per_user_cooldown_per_command() -> None:
    clock = Clock()
    limits = RateLimits(per_user=10, per_guild_per_minute=100, clock=clock)
    assert limits.hit("ask", 1, 5) is None
    limited = limits.hit("ask", 1, 5)
    assert limited is not None and limited[1] == pytest.approx(10)
    assert limits.hit("timeline", 1, 5) is None  # another command has its own cooldown
    assert limits.hit("ask", 2, 5) is None  # another user too
    clock.now += 10.5
    assert limits.hit("ask", 1, 5) is None


def test_per_server_budget_and_no_user_cooldown() -> None:
    clock = Clock()
    limits = RateLimits(per_user=0, per_guild_per_minute=3, clock=clock)
    assert [limits.hit("ask", user, 7) is None for user in range(4)] == [True, True, True, False]
    assert limits.hit("ask", 9, 8) is None  # another server
    assert limits.hit("ask", 9, None) is None  # DMs have no server budget


def test_a_refused_use_is_not_counted() -> None:
    clock = Clock()
    limits = RateLimits(per_user=10, per_guild_per_minute=2, clock=clock)
    assert limits.hit("ask", 1, 7) is None
    assert limits.hit("ask", 1, 7) is not None  # user limit: the server budget is not spent
    assert limits.hit("ask", 2, 7) is None


def test_buckets_of_past_users_are_freed() -> None:
    clock = Clock()
    limits = RateLimits(per_user=10, per_guild_per_minute=10_000, clock=clock)
    for user in range(1000):
        assert limits.hit("ask", user, 7) is None
    assert len(limits) == 1001  # a bucket per user, one for the server
    clock.now += 61  # every window has passed
    assert limits.hit("ask", 1, 7) is None
    assert len(limits) == 2  # only the buckets of the use just counted


async def test_per_server_budget_refuses_over_the_wire(world: World) -> None:
    """Two questions a minute per server: the third, from a third user (no per-user cooldown), is refused
    with a short ephemeral message, and answered again in another server's budget (none here)."""
    fake = world.fake
    world.bot.limits = RateLimits(per_user=0, per_guild_per_minute=2)
    users = [fake.guild.add_member(FakeUser(id=fake.user.id + 500 + i, username=f"u{i}")).user
             for i in range(3)]
    answered = []
    for user in users[:2]:
        ids = await fake.send_interaction("ask", {"question": QUESTION}, user=user)
        answered.append(await fake.wait_for(lambda r, ids=ids: r.is_followup_of(ids), WAIT))
    assert all(r.status == 200 and r.json["embeds"] for r in answered)
    ids = await fake.send_interaction("ask", {"question": QUESTION}, user=users[2])
    refusal = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert refusal.json["type"] == 4 and refusal.json["data"]["flags"] & EPHEMERAL
    assert refusal.json["data"]["content"].startswith("Slow down: try again in")


def test_reindex_guard_one_at_a_time() -> None:
    guard = ReindexGuard()
    guard.acquire("reindex by mod")
    with pytest.raises(ReindexBusy, match="reindex by mod"):
        guard.acquire("reindex by other")
    guard.release()
    guard.acquire("reindex by other")
