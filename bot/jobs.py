"""Moderator jobs: an index change that runs in the background while a public message shows its progress.

The command answers at once with a progress message, the work (an index build) runs in a worker thread,
and the message is edited as it progresses (at most every `EDIT_INTERVAL` seconds) and when it ends.
Questions keep being answered from the old index until the core swaps the new one in. One job at a time
(`ReindexGuard`); each is recorded in the journal's audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.errors import UNEXPECTED, user_text
from bot.render import message
from index import Progress, ReindexResult, os_error_message

if TYPE_CHECKING:
    from bot.client import BriefBot

log = logging.getLogger("briefbot")

EDIT_INTERVAL = 2.0  # seconds between progress edits (Discord rate-limits message edits)


class ProgressText:
    """Progress callbacks from the build thread, collected for the event loop to show.

    `__call__` runs in the worker thread: it only updates counters under a lock and wakes the loop.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._stages: dict[str, tuple[int, int]] = {}
        self.changed = asyncio.Event()

    def __call__(self, stage: str, advance: int, total: int) -> None:
        with self._lock:
            done, _ = self._stages.get(stage, (0, total))
            self._stages[stage] = (done + advance, total)
        self._loop.call_soon_threadsafe(self.changed.set)

    def text(self) -> str:
        """'documents 3/3 · passages embedded 40/120'; a step without a count is '…' until it ends, then ✓."""
        with self._lock:
            return " · ".join(f"{stage} {done}/{total}" if total else f"{stage} {'✓' if done else '…'}"
                              for stage, (done, total) in self._stages.items())


SHOWN_WARNINGS = 5


def summary(result: ReindexResult) -> str:
    """One line of counts (with the documents skipped as unreadable), then the first warnings."""
    report = result.report
    skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
    text = (f"{report.documents} documents, {report.passages} passages; {len(report.added)} added, "
            f"{len(report.changed)} changed, {len(report.removed)} removed{skipped}"
            + ("" if report.generation else " (index unchanged)"))
    more = len(result.warnings) - SHOWN_WARNINGS
    return (text + "".join(f"\n⚠️ {warning}" for warning in result.warnings[:SHOWN_WARNINGS])
            + (f"\n… and {more} more warnings" if more > 0 else ""))


Work = Callable[[Progress], Awaitable[str]]  # a job: reports progress, returns a one-line outcome


def in_thread(work: Callable[[Progress], str]) -> Work:
    """A blocking job (an index build) as a `Work` that runs in a worker thread."""

    async def run(progress: Progress) -> str:
        return await asyncio.to_thread(work, progress)

    return run


async def start_job(interaction: discord.Interaction[BriefBot], action: str, argument: str | None,
                    scope: str, work: Work) -> None:
    """Take the reindex guard, audit (with the `scope` whose sources change), answer with a progress
    message and run `work` in the background."""
    bot = interaction.client
    who = interaction.user
    bot.reindex_guard.acquire(f"{action} by {who.name}")
    audit_id = bot.journal.audit_start(guild_id=interaction.guild_id, user_id=who.id, user_name=who.name,
                                       action=action, argument=argument, scope=scope)
    header = f"⏳ {action}" + (f" {argument}" if argument else "") + ": working…"
    try:
        await interaction.response.send_message(message(header))
    except BaseException:
        bot.reindex_guard.release()
        bot.journal.audit_finish(audit_id, "failed: could not answer the interaction")
        raise
    bot.spawn(_run_job(interaction, action, argument, audit_id, header, work))


async def _run_job(interaction: discord.Interaction[BriefBot], action: str, argument: str | None,
                   audit_id: int, header: str, work: Work) -> None:
    bot = interaction.client
    progress = ProgressText(asyncio.get_running_loop())
    editor = asyncio.create_task(_show_progress(interaction, header, progress))
    title = f"{action}" + (f" {argument}" if argument else "")
    try:
        outcome = await work(progress)
        text, audit = f"✅ {title}: {outcome}", f"ok: {outcome}"
    except Exception as exc:
        shown = user_text(exc)
        if shown is None:  # internals stay in the log and the audit log, out of the public message
            log.exception("%s failed", title)
        detail = os_error_message(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        text, audit = f"❌ {title} failed: {shown or UNEXPECTED}", f"failed: {shown or detail}"
    finally:
        editor.cancel()
        bot.reindex_guard.release()
    bot.journal.audit_finish(audit_id, audit)
    try:
        await interaction.edit_original_response(content=message(text))
    except discord.HTTPException:  # e.g. the interaction token expired after 15 minutes
        log.warning("could not report the end of %s", title, exc_info=True)


async def _show_progress(interaction: discord.Interaction, header: str, progress: ProgressText) -> None:
    while True:
        await progress.changed.wait()
        progress.changed.clear()
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(content=message(f"{header}\n{progress.text()}"))
        await asyncio.sleep(EDIT_INTERVAL)
