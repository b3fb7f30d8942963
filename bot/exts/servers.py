"""The servers the bot is in (the `Servers` cog): when the bot is removed from a server, that server's own
sources and their uploads are purged once the grace period (`[servers] purge_after_days`) has passed.

A departure is recorded in the journal when Discord says the bot was removed (GUILD_DELETE that is not an
outage), and at start-up for a server that has sources but that the bot is no longer in (removed while it
was down). Invited back within the grace period, the bot keeps the server's sources. Recorded departures
survive restarts; each is purged when its period ends (a purge waits for a running reindex). With several
processes, each looks after the servers of its own shards.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.checks import ReindexBusy
from bot.jobs import summary
from bot.uploads import purge_server
from index import OPERATOR, server_scope

if TYPE_CHECKING:
    from bot.client import BriefBot
    from bot.journal import Departure

log = logging.getLogger("briefbot")

RETRY_SECONDS = 60.0  # a purge that found a reindex running, or failed, is tried again this much later


class Servers(commands.Cog):
    """Records the servers the bot is removed from and purges their sources after the grace period."""

    def __init__(self, bot: BriefBot) -> None:
        self.bot = bot
        self._purges: dict[int, asyncio.Task[None]] = {}

    async def cog_unload(self) -> None:
        for task in self._purges.values():
            task.cancel()

    @property
    def grace(self) -> float:
        return self.bot.settings.servers.purge_after_days * 86_400

    def _mine(self, guild_id: int) -> bool:
        """Whether the server is on one of this process's shards (Discord's rule: id >> 22 mod count)."""
        bot = self.bot
        return bot.shard_ids is None or (guild_id >> 22) % (bot.shard_count or 1) in bot.shard_ids

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Record the servers that have sources but no bot (removed while it was down), forget those it is
        in again, and schedule the purge of every departure."""
        if not self.bot.serve:
            return
        entries = await asyncio.to_thread(self.bot.core.sources)
        for guild_id in {int(e.scope) for e in entries if e.scope != OPERATOR}:
            if self.bot.get_guild(guild_id) is None and self._mine(guild_id):
                self.bot.journal.record_departure(guild_id, None, time.time())
        for departure in self.bot.journal.departures():
            if self.bot.get_guild(departure.guild_id) is not None:
                self.bot.journal.forget_departure(departure.guild_id)
            elif self._mine(departure.guild_id):
                self._schedule(departure)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        log.info("removed from server %s (%s): its sources are purged in %.0f s", guild.id, guild.name,
                 self.grace)
        self._schedule(self.bot.journal.record_departure(guild.id, guild.name, time.time()))

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.bot.journal.forget_departure(guild.id)
        task = self._purges.pop(guild.id, None)
        if task is not None:
            task.cancel()
            log.info("back in server %s (%s): its sources are kept", guild.id, guild.name)

    def _schedule(self, departure: Departure) -> None:
        if departure.guild_id not in self._purges or self._purges[departure.guild_id].done():
            delay = max(0.0, departure.left_at + self.grace - time.time())
            self._purges[departure.guild_id] = self.bot.spawn(self._purge_after(departure, delay))

    async def _purge_after(self, departure: Departure, delay: float) -> None:
        await asyncio.sleep(delay)
        while not await self.purge(departure):
            await asyncio.sleep(RETRY_SECONDS)

    async def purge(self, departure: Departure) -> bool:
        """Purge the server's sources unless the bot is back in it; False to be tried again later."""
        bot, guild_id = self.bot, departure.guild_id
        if bot.get_guild(guild_id) is not None or bot.journal.departure(guild_id) is None:
            return True
        try:
            bot.reindex_guard.acquire(f"purge of server {guild_id}")
        except ReindexBusy:
            return False
        scope = server_scope(guild_id)
        me = bot.user
        audit_id = bot.journal.audit_start(
            guild_id=guild_id, user_id=me.id if me else 0, user_name=me.name if me else "briefbot",
            action="purge", argument=f"removed from {departure.name or guild_id}", scope=scope)
        try:
            removed, result = await asyncio.to_thread(purge_server, bot.core, bot.settings.data_dir, scope)
        except Exception as exc:
            log.exception("purging the sources of server %s failed; trying again later", guild_id)
            bot.journal.audit_finish(audit_id, f"failed: {type(exc).__name__}: {exc}")
            return False
        finally:
            bot.reindex_guard.release()
        bot.journal.forget_departure(guild_id)
        names = ", ".join(e.name for e in removed) or "no sources"
        bot.journal.audit_finish(audit_id, f"ok: {names}; {summary(result)}")
        log.info("purged server %s: %s", guild_id, names)
        return True


async def setup(bot: BriefBot) -> None:
    await bot.add_cog(Servers(bot))
