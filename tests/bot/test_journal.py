"""The bot's journal: answers, feedback and the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.journal import Journal


def test_journal_answers_feedback_and_audit(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    answer_id = journal.record_answer(guild_id=1, channel_id=2, user_id=3, question="Q?", sources=["seeds"],
                                      k=6)
    journal.set_message(answer_id, 99)
    assert journal.answer_for_message(99) == answer_id and journal.answer_for_message(98) is None
    asked = journal.answer(answer_id)
    assert asked is not None and (asked.question, asked.sources, asked.k, asked.guild_id) == (
        "Q?", ["seeds"], 6, 1)
    journal.record_feedback(answer_id, 3, 1)
    journal.record_feedback(answer_id, 3, -1)  # a second vote replaces the first
    assert journal.feedback(answer_id) == {3: -1}
    with pytest.raises(ValueError):
        journal.record_feedback(answer_id, 3, 5)
    audit_id = journal.audit_start(guild_id=1, user_id=3, user_name="mod", action="reindex", argument=None,
                                   scope="1")
    journal.audit_finish(audit_id, "ok: done")
    journal.close()
    [entry] = Journal(tmp_path).audit()  # persisted
    assert (entry.user_name, entry.action, entry.outcome, entry.scope) == ("mod", "reindex", "ok: done", "1")
    assert entry.finished_at is not None


def test_departures_are_kept_until_forgotten(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.record_departure(111, "Server A", 1000.0)
    again = journal.record_departure(111, "Server A", 2000.0)  # removed again before the purge
    assert again.left_at == 1000.0  # the first time holds
    journal.record_departure(222, None, 1500.0)
    journal.close()
    journal = Journal(tmp_path)
    assert [(d.guild_id, d.name, d.left_at) for d in journal.departures()] == [
        (111, "Server A", 1000.0), (222, None, 1500.0)]
    journal.forget_departure(111)
    assert [d.guild_id for d in journal.departures()] == [222]
    assert journal.departure(111) is None and journal.departure(222) == journal.departures()[0]


def test_an_older_journal_gets_the_scope_column(tmp_path: Path) -> None:
    """An audit log written before scopes keeps its entries (scope unknown) and records scopes from now on."""
    import sqlite3

    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    db.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, guild_id INTEGER, "
               "user_id INTEGER NOT NULL, user_name TEXT NOT NULL, action TEXT NOT NULL, argument TEXT, "
               "outcome TEXT, finished_at TEXT)")
    db.execute("INSERT INTO audit VALUES (1, '2024', 1, 3, 'mod', 'reindex', NULL, 'ok', '2024')")
    db.commit()
    db.close()
    journal = Journal(tmp_path)
    journal.audit_start(guild_id=1, user_id=3, user_name="mod", action="source add", argument="x", scope="1")
    assert [(e.action, e.scope) for e in journal.audit()] == [("reindex", None), ("source add", "1")]
