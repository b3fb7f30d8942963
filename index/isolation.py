"""One bad document never fails a job: each document is read, cut, dated and embedded on its own.

A stage that fails on one document (a reader, the cleaner, the splitter, the date tagger, the encoder) gives
a `Skipped` record instead of an exception: the document is left out of this build with a one-line
warning naming it (the file, and the record id inside it) and the reason, while every other document is
indexed. The traceback is kept for `--debug` and the bot's log. Catching every `Exception` is deliberate
here, and only here: whatever the cause, it concerns that one document.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

Stage = Literal["read", "clean", "passages", "dates", "embedding"]
_REASON_MAX = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Skipped:
    """A document (or a whole file) left out: where it is, the stage that failed, why, and the traceback."""

    where: str  # "<file>", "<file>:<line>" or a document id
    stage: Stage
    reason: str  # one line
    detail: str = ""  # the traceback, for --debug and logs

    def __str__(self) -> str:
        return f"{self.where}: skipped ({self.stage}: {self.reason})"

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "stage": self.stage, "reason": self.reason}


def reason(exc: BaseException) -> str:
    """One short line for an exception: its class and the first line of its message ("cannot read" and the
    system's words for a file that cannot be read)."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read ({exc.strerror})"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= _REASON_MAX else line[:_REASON_MAX - 1] + "…"


def skipped(where: str, stage: Stage, exc: BaseException) -> Skipped:
    """The record of `exc` raised while `stage` ran on the document at `where` (call it in the handler)."""
    return Skipped(where, stage, reason(exc), "".join(traceback.format_exception(exc)))


def attempt(where: str, stage: Stage, work: Callable[[], T]) -> T | Skipped:
    """`work()`, or the `Skipped` record of its failure."""
    try:
        return work()
    except Exception as exc:  # the isolation boundary of one document
        return skipped(where, stage, exc)
