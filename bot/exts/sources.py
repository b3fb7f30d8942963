"""Sources and moderation: `/sources`, and for moderators `/reindex`, `/source add`, `/source remove`;
the scheduled refresh of web pages and feeds (the `Sources` cog).

Each server has its own sources (`index.scopes`): `/source add` adds to this server's, `/source remove` and
`/reindex` act on this server's only. The operator's sources (the config's and the CLI's, shared by every
server) are refused to a server's moderators and administrators; only the bot's owner may remove or reindex
them from Discord. Moderator commands pair `default_permissions` (which only hides them, and which server
admins can change) with `moderator_only`, a real check at run time. Each change runs as one background job
(`bot.jobs`), audited with the scope it changes.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.autocomplete import own_source_names
from bot.checks import ReindexBusy, moderator_only
from bot.jobs import in_thread, start_job, summary
from bot.render import sources_embed
from bot.uploads import UPLOADS, accepted_filename, accepted_types, check_content, save_upload
from index import (
    OPERATOR,
    InvalidInput,
    Progress,
    SourceEntry,
    check_room,
    check_source_name,
    seen_in,
    server_scope,
    web_kinds,
)

if TYPE_CHECKING:
    from bot.client import BriefBot

log = logging.getLogger("briefbot")

MANAGE_SERVER = discord.Permissions(manage_guild=True)


async def own_source(interaction: discord.Interaction[BriefBot], name: str, action: str) -> SourceEntry:
    """The source `name` a moderator may `action` here: this server's own; one of the operator's only for
    the bot's owner. Anything else is refused (`InvalidInput`: a short ephemeral message, nothing changed)."""
    bot = interaction.client
    assert interaction.guild_id is not None  # the commands are guild_only
    entry = await asyncio.to_thread(bot.core.registry.get, name, server_scope(interaction.guild_id))
    if entry is not None:
        return entry
    shared = await asyncio.to_thread(bot.core.registry.get, name, OPERATOR)
    if shared is None:
        raise InvalidInput(f"This server has no source named {name!r}.")
    if await bot.is_owner(interaction.user):
        return shared
    raise InvalidInput(f"{name!r} is one of the operator's sources, shared by every server: only the bot's "
                       f"operator can {action} it.")


def uploaded_folder(data_dir: Path, entry: SourceEntry) -> Path | None:
    """The folder the bot saved a source's upload in (its to delete with the source), else None."""
    uploads = (data_dir / UPLOADS).resolve()
    location = Path(entry.location)
    return location if location.is_relative_to(uploads) and location != uploads else None


class Sources(commands.Cog):
    """Lists the sources; lets moderators add, remove and reindex their server's; refreshes the web ones."""

    def __init__(self, bot: BriefBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        minutes = self.bot.settings.discord.feed_refresh_minutes
        if self.bot.serve and minutes > 0:
            self.refresh_feeds.change_interval(minutes=minutes)
            self.refresh_feeds.start()

    async def cog_unload(self) -> None:
        self.refresh_feeds.cancel()

    @app_commands.command(name="sources", description="List the sources answered here (this server's "
                                                      "and the shared ones) and how much is indexed")
    async def sources(self, interaction: discord.Interaction[BriefBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        entries = await asyncio.to_thread(self.bot.core.sources, seen_in(interaction.guild_id))
        await interaction.followup.send(embed=sources_embed(entries), ephemeral=True)

    @app_commands.command(name="reindex",
                          description="Re-read this server's sources and update the index (moderators)")
    @app_commands.describe(source="Only this source (default: all of this server's sources)")
    @app_commands.autocomplete(source=own_source_names)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderator_only()
    async def reindex(self, interaction: discord.Interaction[BriefBot], source: str | None = None) -> None:
        library = self.bot.core
        assert interaction.guild_id is not None
        if source is not None:
            entry = await own_source(interaction, source, "reindex")
            scope, keys = entry.scope, {entry.key}
        else:
            scope = server_scope(interaction.guild_id)
            keys = {e.key for e in await asyncio.to_thread(library.sources, {scope})}
            if not keys:
                raise InvalidInput("This server has no sources of its own to reindex (the operator's are "
                                   "kept up to date by the bot's operator).")
        await start_job(interaction, "reindex", source, scope,
                        in_thread(lambda progress: summary(library.reindex(progress=progress, only=keys))))

    source = app_commands.Group(name="source", description="Add or remove this server's sources (moderators)",
                                default_permissions=MANAGE_SERVER, guild_only=True)

    @source.command(name="add", description="Add a web page, an RSS/Atom feed or an attached file to this "
                                            "server's sources")
    @app_commands.describe(name="Name of the new source (letters, digits, - and _)",
                           file=f"A {accepted_types()} file",
                           url="An article page or an RSS/Atom feed")
    @moderator_only()
    async def source_add(self, interaction: discord.Interaction[BriefBot], name: str,
                         file: discord.Attachment | None = None, url: str | None = None) -> None:
        if (url is None) == (file is None):
            raise InvalidInput(f"Give either a URL (a page or a feed) or an attached {accepted_types()} "
                               "file.")
        assert interaction.guild_id is not None
        scope = server_scope(interaction.guild_id)
        filename = accepted_filename(file.filename, file.size) if file is not None else None
        check_source_name(name)
        seen = await asyncio.to_thread(self.bot.core.sources, seen_in(interaction.guild_id))
        own = [e for e in seen if e.scope == scope]
        if any(e.name == name for e in own):
            raise InvalidInput(f"This server already has a source named {name!r}.")
        if any(e.name == name for e in seen):  # one name, one source, wherever a question is asked
            raise InvalidInput(f"A source named {name!r} already exists (shared by every server); choose "
                               "another name.")
        check_room(self.bot.core.server_limits, scope, len(own))  # refused at once, before any download
        added_by = f"discord:{interaction.user.id} ({interaction.user.name})"
        if url is not None:
            work = in_thread(partial(self._add_web, url.strip(), name, scope, added_by))
        else:
            assert file is not None and filename is not None
            work = partial(self._add_upload, file, filename, name, scope, added_by)
        await start_job(interaction, "source add", name, scope, work)

    def _add_web(self, url: str, name: str, scope: str, added_by: str, progress: Progress) -> str:
        # The page or feed is downloaded and checked first: nothing is registered if that fails, nor if
        # indexing it fails (a server's limit reached).
        _, result = self.bot.core.add_and_index(url, name=name, added_by=added_by, scope=scope,
                                                progress=progress)
        return summary(result)

    async def _add_upload(self, file: discord.Attachment, filename: str, name: str, scope: str,
                          added_by: str, progress: Progress) -> str:
        data = await file.read()
        check_content(filename, data)
        folder = await asyncio.to_thread(save_upload, self.bot.settings.data_dir, scope, name, filename, data)

        def register_and_index() -> str:
            try:
                _, result = self.bot.core.add_and_index(str(folder), name=name, added_by=added_by,
                                                        scope=scope, progress=progress)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            return summary(result)

        return await asyncio.to_thread(register_and_index)

    @source.command(name="remove", description="Remove one of this server's sources and its passages")
    @app_commands.describe(name="The source to remove")
    @app_commands.autocomplete(name=own_source_names)
    @moderator_only()
    async def source_remove(self, interaction: discord.Interaction[BriefBot], name: str) -> None:
        library = self.bot.core
        entry = await own_source(interaction, name, "remove")
        upload = uploaded_folder(self.bot.settings.data_dir, entry)

        def remove(progress: Progress) -> str:
            library.remove_source(entry.name, entry.scope)
            if upload is not None:  # a file uploaded through Discord: the bot's to delete
                shutil.rmtree(upload, ignore_errors=True)
            return summary(library.reindex(progress=progress, only=set()))  # the others are kept unread

        await start_job(interaction, "source remove", name, entry.scope, in_thread(remove))

    @tasks.loop(minutes=30)
    async def refresh_feeds(self) -> None:
        """Download the web pages and feeds again and reindex what changed (interval from the config).

        Skipped while a moderator's job holds the reindex guard; the next round catches up.
        """
        bot = self.bot
        sources = await asyncio.to_thread(bot.core.sources)
        if not any(entry.kind in web_kinds() for entry in sources):
            return
        try:
            bot.reindex_guard.acquire("scheduled feed refresh")
        except ReindexBusy:
            return
        try:
            result = await asyncio.to_thread(bot.core.refresh)
            log.info("feed refresh: %s", result.report.as_dict())
            for warning in result.warnings:
                log.warning("feed refresh: %s", warning)
        except Exception:
            log.exception("feed refresh failed")
        finally:
            bot.reindex_guard.release()


async def setup(bot: BriefBot) -> None:
    await bot.add_cog(Sources(bot))
