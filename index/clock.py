"""The time records are stamped with: registrations, downloads, the bot's journal."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    """The current UTC time to the second, in ISO 8601 ("2026-11-29T23:40:05+00:00")."""
    return datetime.now(UTC).isoformat(timespec="seconds")
