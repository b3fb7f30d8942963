"""Cooldowns, the reindex guard, the journal and upload saving, without Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.checks import RateLimits, ReindexBusy, ReindexGuard
from bot.journal import Journal
from bot.uploads import save_upload
from index import RegistryError


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


def test_reindex_guard_one_at_a_time() -> None:
    guard = ReindexGuard()
    guard.acquire("reindex by mod")
    with pytest.raises(ReindexBusy, match="reindex by mod"):
        guard.acquire("reindex by other")
    guard.release()
    guard.acquire("reindex by other")


def test_journal_answers_feedback_and_audit(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    answer_id = journal.record_answer(guild_id=1, channel_id=2, user_id=3, question="Q?", sources=["seeds"],
                                      k=6)
    journal.set_message(answer_id, 99)
    assert journal.answer_for_message(99) == answer_id and journal.answer_for_message(98) is None
    asked = journal.answer(answer_id)
    assert asked is not None and (asked.question, asked.sources, asked.k) == ("Q?", ["seeds"], 6)
    journal.record_feedback(answer_id, 3, 1)
    journal.record_feedback(answer_id, 3, -1)  # a second vote replaces the first
    assert journal.feedback(answer_id) == {3: -1}
    with pytest.raises(ValueError):
        journal.record_feedback(answer_id, 3, 5)
    audit_id = journal.audit_start(guild_id=1, user_id=3, user_name="mod", action="reindex", argument=None)
    journal.audit_finish(audit_id, "ok: done")
    journal.close()
    [entry] = Journal(tmp_path).audit()  # persisted
    assert (entry.user_name, entry.action, entry.outcome) == ("mod", "reindex", "ok: done")
    assert entry.finished_at is not None


def test_save_upload_is_atomic_and_confined(tmp_path: Path) -> None:
    folder = save_upload(tmp_path, "moon", "briefing.txt", b"text")
    assert folder == (tmp_path / "uploads" / "moon").resolve()
    assert [p.name for p in folder.iterdir()] == ["briefing.txt"]  # no temporary file left
    for name, filename in [("../x", "a.txt"), ("ok", "../a.txt"), ("ok", ".hidden.txt"), ("a/b", "a.txt"),
                           ("..", "a.txt"), ("café", "a/../../b.txt")]:
        with pytest.raises((RegistryError, ValueError)):
            save_upload(tmp_path, name, filename, b"")
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["moon"]
