"""Sources and moderation: `/sources`, and for moderators `/reindex`, `/source add`, `/source remove`;
the scheduled refresh of web pages and feeds (the `Sources` cog).

Moderator commands pair `default_permissions` (which only hides them, and which server admins can change)
with `moderator_only`, a real check at run time. Each change runs as one background job (`bot.jobs`).
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

from bot.autocomplete import source_names
from bot.checks import ReindexBusy, moderator_only
from bot.jobs import in_thread, start_job, summary
from bot.render import sources_embed
from bot.uploads import UPLOADS, accepted_filename, accepted_types, check_content, save_upload
from index import InvalidInput, Progress, check_source_name, web_kinds

if TYPE_CHECKING:
    from bot.client import BriefBot

log = logging.getLogger("briefbot")

MANAGE_SERVER = discord.Permissions(manage_guild=True)


class Sources(commands.Cog):
    """Lists the sources; lets moderators add, remove and reindex them; refreshes the web ones."""

    def __init__(self, bot: BriefBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        minutes = self.bot.settings.discord.feed_refresh_minutes
        if self.bot.serve and minutes > 0:
            self.refresh_feeds.change_interval(minutes=minutes)
            self.refresh_feeds.start()

    async def cog_unload(self) -> None:
        self.refresh_feeds.cancel()

    @app_commands.command(name="sources",
                          description="List the briefing sources and how much of each is indexed")
    async def sources(self, interaction: discord.Interaction[BriefBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        entries = await asyncio.to_thread(self.bot.core.sources)
        await interaction.followup.send(embed=sources_embed(entries), ephemeral=True)

    @app_commands.command(name="reindex", description="Re-read the sources and update the index (moderators)")
    @app_commands.describe(source="Check that this source is registered (all sources are re-read; "
                                  "unchanged documents are skipped)")
    @app_commands.autocomplete(source=source_names)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderator_only()
    async def reindex(self, interaction: discord.Interaction[BriefBot], source: str | None = None) -> None:
        library = self.bot.core
        if source is not None and await asyncio.to_thread(library.registry.get, source) is None:
            raise InvalidInput(f"There is no source named {source!r}.")
        await start_job(interaction, "reindex", source,
                        in_thread(lambda progress: summary(
                            library.reindex(progress=progress, only={source} if source else None))))

    source = app_commands.Group(name="source", description="Add or remove briefing sources (moderators)",
                                default_permissions=MANAGE_SERVER, guild_only=True)

    @source.command(name="add", description="Add a web page, an RSS/Atom feed or an attached file")
    @app_commands.describe(name="Name of the new source (letters, digits, - and _)",
                           file=f"A {accepted_types()} file",
                           url="An article page or an RSS/Atom feed")
    @moderator_only()
    async def source_add(self, interaction: discord.Interaction[BriefBot], name: str,
                         file: discord.Attachment | None = None, url: str | None = None) -> None:
        if (url is None) == (file is None):
            raise InvalidInput(f"Give either a URL (a page or a feed) or an attached {accepted_types()} "
                               "file.")
        added_by = f"discord:{interaction.user.id} ({interaction.user.name})"
        if url is not None:
            check_source_name(name)
            await start_job(interaction, "source add", name,
                            in_thread(partial(self._add_web, url.strip(), name, added_by)))
            return
        filename = accepted_filename(file.filename, file.size)
        check_source_name(name)
        if await asyncio.to_thread(self.bot.core.registry.get, name) is not None:
            raise InvalidInput(f"A source named {name!r} already exists.")
        await start_job(interaction, "source add", name,
                        partial(self._add_upload, file, filename, name, added_by))

    def _add_web(self, url: str, name: str, added_by: str, progress: Progress) -> str:
        # The page or feed is downloaded and checked first; nothing stays registered if that or indexing
        # fails.
        return summary(self.bot.core.add_and_index(url, name=name, added_by=added_by, progress=progress)[1])

    async def _add_upload(self, file: discord.Attachment, filename: str, name: str, added_by: str,
                          progress: Progress) -> str:
        data = await file.read()
        check_content(filename, data)
        folder = await asyncio.to_thread(save_upload, self.bot.settings.data_dir, name, filename, data)

        def register_and_index() -> str:
            try:  # nothing stays registered if indexing fails, and the file goes too
                _, result = self.bot.core.add_and_index(str(folder), name=name, added_by=added_by,
                                                        progress=progress)
            except Exception:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            return summary(result)

        return await asyncio.to_thread(register_and_index)

    @source.command(name="remove", description="Remove a source and its passages from the index")
    @app_commands.describe(name="The source to remove")
    @app_commands.autocomplete(name=source_names)
    @moderator_only()
    async def source_remove(self, interaction: discord.Interaction[BriefBot], name: str) -> None:
        library = self.bot.core
        if await asyncio.to_thread(library.registry.get, name) is None:
            raise InvalidInput(f"There is no source named {name!r}.")
        uploads = (self.bot.settings.data_dir / UPLOADS).resolve()

        def remove(progress: Progress) -> str:
            entry = library.remove_source(name)
            location = Path(entry.location)
            if location.is_relative_to(uploads):  # a file uploaded through Discord: the bot's to delete
                shutil.rmtree(uploads / name, ignore_errors=True)
            return summary(library.reindex(progress=progress))

        await start_job(interaction, "source remove", name, in_thread(remove))

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
