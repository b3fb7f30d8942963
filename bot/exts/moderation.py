"""Moderator commands: `/reindex [source]`, `/source add`, `/source remove`.

Each runs as one background job: the command answers at once with a progress message, the index build
runs in a worker thread, and the message is edited as it progresses (at most every `EDIT_INTERVAL`
seconds) and when it ends. Questions keep being answered from the old index until the core swaps the new
one in. One job at a time (`ReindexGuard`); each is recorded in the journal's audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import moderator_only
from bot.exts.sources import source_names
from bot.render import message
from index.build import Progress
from index.library import ReindexResult
from index.store import os_error_message

if TYPE_CHECKING:
    from bot.client import BriefBot

log = logging.getLogger("briefbot")

EDIT_INTERVAL = 2.0  # seconds between progress edits (Discord rate-limits message edits)
MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
UPLOADS = "uploads"
# The registry's rule for source names; checked here first because the name becomes a folder name.
_SOURCE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MANAGE_SERVER = discord.Permissions(manage_guild=True)


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
        with self._lock:
            return " · ".join(f"{stage} {done}/{total}" for stage, (done, total) in self._stages.items())


def summary(result: ReindexResult) -> str:
    report = result.report
    text = (f"{report.documents} documents, {report.passages} passages; {len(report.added)} added, "
            f"{len(report.changed)} changed, {len(report.removed)} removed"
            + ("" if report.generation else " (index unchanged)"))
    return text + "".join(f"\n⚠️ {warning}" for warning in result.warnings[:5])


Work = Callable[[Progress], Awaitable[str]]  # a job: reports progress, returns a one-line outcome


def in_thread(work: Callable[[Progress], str]) -> Work:
    """A blocking job (an index build) as a `Work` that runs in a worker thread."""

    async def run(progress: Progress) -> str:
        return await asyncio.to_thread(work, progress)

    return run


async def start_job(interaction: discord.Interaction[BriefBot], action: str, argument: str | None,
                    work: Work) -> None:
    """Take the reindex guard, audit, answer with a progress message and run `work` in the background."""
    bot = interaction.client
    who = interaction.user
    bot.reindex_guard.acquire(f"{action} by {who.name}")
    audit_id = bot.journal.audit_start(guild_id=interaction.guild_id, user_id=who.id, user_name=who.name,
                                       action=action, argument=argument)
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
        log.exception("%s failed", title)
        reason = os_error_message(exc) if isinstance(exc, OSError) else str(exc)  # says what and where
        text, audit = f"❌ {title} failed: {reason}", f"failed: {reason}"
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


@app_commands.command(name="reindex", description="Re-read the sources and update the index (moderators)")
@app_commands.describe(source="Check that this source is registered (all sources are re-read; "
                              "unchanged documents are skipped)")
@app_commands.autocomplete(source=source_names)
@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
@moderator_only()
async def reindex(interaction: discord.Interaction[BriefBot], source: str | None = None) -> None:
    library = interaction.client.core
    if source is not None and await asyncio.to_thread(library.registry.get, source) is None:
        raise ValueError(f"There is no source named {source!r}.")
    await start_job(interaction, "reindex", source,
                    in_thread(lambda progress: summary(
                        library.reindex(progress=progress, only={source} if source else None))))


source_group = app_commands.Group(name="source", description="Add or remove briefing sources (moderators)",
                                  default_permissions=MANAGE_SERVER, guild_only=True)


@source_group.command(name="add", description="Add a web page, an RSS/Atom feed or an attached file")
@app_commands.describe(name="Name of the new source (letters, digits, - and _)",
                       file="A .txt, .md, .html or .jsonl file", url="An article page or an RSS/Atom feed")
@moderator_only()
async def source_add(interaction: discord.Interaction[BriefBot], name: str,
                     file: discord.Attachment | None = None, url: str | None = None) -> None:
    bot = interaction.client
    if (url is None) == (file is None):
        raise ValueError("Give either a URL (a page or a feed) or an attached .txt, .md, .html or .jsonl "
                         "file.")
    added_by = f"discord:{interaction.user.id} ({interaction.user.name})"
    if url is not None:
        if not _SOURCE_NAME.fullmatch(name):
            raise ValueError("A source name is up to 64 letters, digits, '-' or '_'.")

        def fetch_and_index(progress: Progress) -> str:
            # add_source downloads and checks the page or feed; nothing is registered if that fails.
            bot.core.add_source(url.strip(), name=name, added_by=added_by)
            return summary(bot.core.reindex(progress=progress, only={name}))

        await start_job(interaction, "source add", name, in_thread(fetch_and_index))
        return
    filename = Path(file.filename).name
    if not filename.lower().endswith(UPLOAD_SUFFIXES):
        raise ValueError(f"Unsupported file type: use one of {', '.join(UPLOAD_SUFFIXES)}.")
    if file.size > MAX_UPLOAD:
        raise ValueError(f"The file is too large ({file.size // 1024} KiB; at most {MAX_UPLOAD // 1024} KiB)")
    if not _SOURCE_NAME.fullmatch(name):
        raise ValueError("A source name is up to 64 letters, digits, '-' or '_'.")
    if await asyncio.to_thread(bot.core.registry.get, name) is not None:
        raise ValueError(f"A source named {name!r} already exists.")

    async def work(progress: Progress) -> str:
        data = await file.read()
        if len(data) > MAX_UPLOAD:
            raise ValueError("the file is too large")
        folder = await asyncio.to_thread(save_upload, bot.settings.data_dir, name, filename, data)

        def register_and_index() -> str:
            try:
                bot.core.add_source(str(folder), name=name, added_by=added_by)
            except Exception:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            return summary(bot.core.reindex(progress=progress, only={name}))

        return await asyncio.to_thread(register_and_index)

    await start_job(interaction, "source add", name, work)


@source_group.command(name="remove", description="Remove a source and its passages from the index")
@app_commands.describe(name="The source to remove")
@app_commands.autocomplete(name=source_names)
@moderator_only()
async def source_remove(interaction: discord.Interaction[BriefBot], name: str) -> None:
    library = interaction.client.core
    if await asyncio.to_thread(library.registry.get, name) is None:
        raise ValueError(f"There is no source named {name!r}.")
    uploads = (interaction.client.settings.data_dir / UPLOADS).resolve()

    def remove(progress: Progress) -> str:
        entry = library.remove_source(name)
        location = Path(entry.location)
        if location.is_relative_to(uploads):  # a file uploaded through Discord: the bot's to delete
            shutil.rmtree(uploads / name, ignore_errors=True)
        return summary(library.reindex(progress=progress))

    await start_job(interaction, "source remove", name, in_thread(remove))


def save_upload(data_dir: Path, name: str, filename: str, data: bytes) -> Path:
    """Write an uploaded file to `<data_dir>/uploads/<name>/<filename>` atomically; returns the folder.

    A reader (an index build) never sees a half-written file: the data goes to a temporary file in the
    same folder, which is then renamed.
    """
    if not _SOURCE_NAME.fullmatch(name) or Path(filename).name != filename or filename.startswith("."):
        raise ValueError("invalid source or file name")
    folder = data_dir / UPLOADS / name
    if folder.exists():  # left over from a source removed while the bot was down
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / filename)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return folder.resolve()


def register(bot: BriefBot) -> None:
    bot.tree.add_command(reindex)
    bot.tree.add_command(source_group)
