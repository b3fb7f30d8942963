"""The bot's own records in `<data_dir>/bot.sqlite3`: answers given, feedback on them, timelines asked for,
the audit log, and the servers the bot was removed from.

Answers and timelines are recorded so paging buttons, 👍/👎 and "All quotes" work on any message the bot
ever posted, also after a restart (a button's custom id carries only the answer or timeline id); each with
the server it was asked in, which says what it may quote. The audit log says who ran which moderator
command, on whose sources (the scope), when, and how it ended. A departure remembers when the bot was
removed from a server, so that the server's sources are purged after the grace period even if the bot
restarts meanwhile. Kept apart from the core's `state.sqlite3`, which belongs to `index/`. Writes are single
small statements, fast enough to run on the event loop.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from index import UserError, now

JOURNAL_DB = "bot.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, guild_id INTEGER, channel_id INTEGER,
    user_id INTEGER NOT NULL, question TEXT NOT NULL, sources TEXT NOT NULL, k INTEGER NOT NULL,
    message_id INTEGER);
CREATE INDEX IF NOT EXISTS answers_message ON answers(message_id);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id INTEGER NOT NULL REFERENCES answers(id), user_id INTEGER NOT NULL, vote INTEGER NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (answer_id, user_id));
CREATE TABLE IF NOT EXISTS timelines (
    id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, guild_id INTEGER, channel_id INTEGER,
    user_id INTEGER NOT NULL, topic TEXT, since TEXT, until TEXT);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, guild_id INTEGER, user_id INTEGER NOT NULL,
    user_name TEXT NOT NULL, action TEXT NOT NULL, argument TEXT, outcome TEXT, finished_at TEXT);
CREATE TABLE IF NOT EXISTS departures (
    guild_id INTEGER PRIMARY KEY, name TEXT, left_at REAL NOT NULL);
"""
# Columns added since the first version: (table, column, definition), added to an older journal at open.
_ADDED = [("audit", "scope", "TEXT")]


@dataclass(frozen=True)
class AskedQuestion:
    id: int
    user_id: int
    question: str
    sources: list[str]
    k: int
    guild_id: int | None  # where it was asked: what it may quote (`index.seen_in`)


@dataclass(frozen=True)
class TimelineRequest:
    id: int
    topic: str | None
    since: str | None
    until: str | None
    guild_id: int | None


@dataclass(frozen=True)
class Departure:
    """The bot was removed from a server at `left_at` (seconds since the epoch)."""

    guild_id: int
    name: str | None
    left_at: float


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    guild_id: int | None
    user_id: int
    user_name: str
    action: str
    argument: str | None
    outcome: str | None
    finished_at: str | None
    scope: str | None  # whose sources the command acted on (`index.scopes`)


class JournalError(UserError):
    """The journal cannot be opened; the message says which file and what to do."""


class Journal:
    """Thread-safe access to `bot.sqlite3` (one connection, serialized by a lock)."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / JOURNAL_DB
        try:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.db.executescript(_SCHEMA)
            for table, column, definition in _ADDED:
                if column not in {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except sqlite3.Error as exc:
            # Checked at start, so a damaged journal stops the bot with this line rather than failing later.
            raise JournalError(
                f"the bot's journal {path} cannot be used ({exc}); if it is damaged, move it away and start "
                "the bot again (a new one is created; past answers' buttons, feedback and the audit log stay "
                "in the old file)") from exc
        self._lock = threading.Lock()

    def _run(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.db.execute(sql, params)

    def record_answer(self, *, guild_id: int | None, channel_id: int | None, user_id: int, question: str,
                      sources: list[str], k: int) -> int:
        """Store a question as asked; returns the answer id that buttons refer to."""
        cursor = self._run(
            "INSERT INTO answers (asked_at, guild_id, channel_id, user_id, question, sources, k) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now(), guild_id, channel_id, user_id, question, json.dumps(sources), k),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def set_message(self, answer_id: int, message_id: int) -> None:
        self._run("UPDATE answers SET message_id = ? WHERE id = ?", (message_id, answer_id))

    def answer(self, answer_id: int) -> AskedQuestion | None:
        row = self._run("SELECT id, user_id, question, sources, k, guild_id FROM answers WHERE id = ?",
                        (answer_id,)).fetchone()
        return AskedQuestion(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5]) if row else None

    def answer_for_message(self, message_id: int) -> int | None:
        row = self._run("SELECT id FROM answers WHERE message_id = ?", (message_id,)).fetchone()
        return row[0] if row else None

    def record_timeline(self, *, guild_id: int | None, channel_id: int | None, user_id: int,
                        topic: str | None, since: str | None, until: str | None) -> int:
        """Store a timeline as asked; returns the id its "All quotes" button refers to."""
        cursor = self._run(
            "INSERT INTO timelines (asked_at, guild_id, channel_id, user_id, topic, since, until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (now(), guild_id, channel_id, user_id, topic, since, until))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def timeline(self, timeline_id: int) -> TimelineRequest | None:
        row = self._run("SELECT id, topic, since, until, guild_id FROM timelines WHERE id = ?",
                        (timeline_id,)).fetchone()
        return TimelineRequest(*row) if row else None

    def record_feedback(self, answer_id: int, user_id: int, vote: int) -> None:
        """One vote (+1 or -1) per user and answer; voting again replaces the earlier vote."""
        if vote not in (1, -1):
            raise ValueError("a vote is +1 or -1")
        self._run("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?)", (answer_id, user_id, vote, now()))

    def feedback(self, answer_id: int) -> dict[int, int]:
        """Votes on one answer by user id."""
        return dict(self._run("SELECT user_id, vote FROM feedback WHERE answer_id = ?", (answer_id,)))

    def audit_start(self, *, guild_id: int | None, user_id: int, user_name: str, action: str,
                    argument: str | None, scope: str | None) -> int:
        cursor = self._run(
            "INSERT INTO audit (at, guild_id, user_id, user_name, action, argument, scope) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now(), guild_id, user_id, user_name, action, argument, scope),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def audit_finish(self, audit_id: int, outcome: str) -> None:
        self._run("UPDATE audit SET outcome = ?, finished_at = ? WHERE id = ?", (outcome, now(), audit_id))

    def audit(self) -> list[AuditEntry]:
        return [AuditEntry(*row) for row in self._run(
            "SELECT id, at, guild_id, user_id, user_name, action, argument, outcome, finished_at, scope "
            "FROM audit ORDER BY id")]

    def record_departure(self, guild_id: int, name: str | None, left_at: float) -> Departure:
        """The bot was removed from a server; returns the departure that holds (one already recorded keeps
        its time)."""
        self._run("INSERT OR IGNORE INTO departures VALUES (?, ?, ?)", (guild_id, name, left_at))
        departure = self.departure(guild_id)
        assert departure is not None
        return departure

    def departure(self, guild_id: int) -> Departure | None:
        row = self._run("SELECT * FROM departures WHERE guild_id = ?", (guild_id,)).fetchone()
        return Departure(*row) if row else None

    def forget_departure(self, guild_id: int) -> None:
        """The bot is in the server again (invited back), or the server's sources were purged."""
        self._run("DELETE FROM departures WHERE guild_id = ?", (guild_id,))

    def departures(self) -> list[Departure]:
        return [Departure(*row) for row in self._run("SELECT * FROM departures ORDER BY left_at")]

    def close(self) -> None:
        self.db.close()
