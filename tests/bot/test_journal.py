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
