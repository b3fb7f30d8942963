"""The Discord bot: `BriefBot`, a `commands.AutoShardedBot` whose areas are the cogs of `bot.exts`.

The client holds what the areas share (settings, the core library, the journal, rate limits, the reindex
guard, background jobs, error reporting); each area's commands, listeners, loops and persistent views live
in its cog, loaded in `setup_hook`. The models and the index load once, in `setup_hook`, off the event loop;
commands then call the core in worker threads (`asyncio.to_thread`) so the gateway heartbeat and other
interactions never wait on a search or an index build. Nothing the bot sends can ping anyone:
`AllowedMentions.none()` applies to every message and interaction response.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from bot.checks import RateLimits, ReindexGuard
from bot.errors import UNEXPECTED, user_text
from bot.exts import EXTENSIONS
from bot.journal import Journal
from bot.render import message
from bot.settings import ConfigError, Settings, open_library
from index import Library, UserError, english

log = logging.getLogger("briefbot")


def intents() -> discord.Intents:
    """Servers and their channels, messages (for mentions and ask-channels) and reactions (feedback).

    `message_content` is privileged: it must be enabled in the developer portal, or the gateway refuses
    the connection. Without it the bot still sees the text of messages that mention it.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.guild_reactions = True
    wanted.message_content = True
    return wanted


class BriefBot(commands.AutoShardedBot):
    """The bot. Pass `library` to reuse one already open (tests); otherwise `setup_hook` opens it.

    `serve=False` makes a client that only talks REST (for `briefbot sync` and `briefbot commands`): the
    areas register their commands, but no model, no index, no loops.
    """

    def __init__(self, settings: Settings, *, library: Library | None = None, serve: bool = True,
                 sync_on_start: bool = False, **options: Any) -> None:
        config = settings.discord
        if config.shard_ids is not None and config.shard_count is None:
            raise ConfigError("discord.shard_ids needs discord.shard_count (the total over all processes)")
        super().__init__(
            command_prefix=(),  # slash commands only: no message is a prefix command
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_ids=config.shard_ids,
            shard_count=config.shard_count,
            **options,
        )
        self.settings = settings
        self.library = library
        self.serve = serve
        self.sync_on_start = sync_on_start
        self.journal = Journal(settings.data_dir)
        self.limits = RateLimits(config.cooldown_seconds, config.cooldown_per_guild)
        self.reindex_guard = ReindexGuard()
        self.background: set[asyncio.Task[None]] = set()  # strong references to running jobs
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    @property
    def core(self) -> Library:
        """The library; only None before `setup_hook` has run."""
        assert self.library is not None, "the library is opened in setup_hook"
        return self.library

    async def setup_hook(self) -> None:
        if self.serve:
            if self.library is None:
                self.library = open_library(self.settings)
            await asyncio.to_thread(self.library.searcher)  # loads the model; indexes on the first run
            # The language model too (a few seconds), or the first who-question or person's timeline waits.
            await asyncio.to_thread(english)
            log.info("index loaded: %d sources", len(await asyncio.to_thread(self.library.sources)))
            # What is loaded lives as long as the bot: kept out of the garbage collector's full passes, each
            # of which would otherwise walk it all (about 130 ms) in the middle of some question. The state a
            # reindex swaps in later is not frozen again: it is about two objects a document (under 1 ms of
            # a full pass for 3,600 documents), and freezing while questions run would keep their reference
            # cycles for good.
            gc.freeze()
        await self.load_areas()
        if self.sync_on_start:
            await self.sync_commands()

    async def load_areas(self) -> None:
        """Load the cog of every area (`bot.exts.EXTENSIONS`) that is not loaded yet."""
        for name in EXTENSIONS:
            if name not in self.extensions:
                await self.load_extension(name)

    def command_payload(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The application commands exactly as `CommandTree.sync` sends them (global, or to one guild)."""
        guild = discord.Object(guild_id) if guild_id is not None else None
        return [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]

    async def sync_commands(self, guild_ids: list[int] | None = None) -> list[app_commands.AppCommand]:
        """Sync to the given guilds (or the configured `guild_ids`) at once, else globally (slow to show)."""
        targets = self.settings.discord.guild_ids if guild_ids is None else guild_ids
        if not targets:
            return await self.tree.sync()
        synced: list[app_commands.AppCommand] = []
        for guild_id in targets:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced += await self.tree.sync(guild=guild)
        return synced

    def spawn(self, job: Any) -> asyncio.Task[None]:
        """Run a coroutine in the background, keeping a reference until it ends."""
        task = asyncio.create_task(job)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def on_ready(self) -> None:
        # The service's sign that it is up (discord.py's own lines show with --debug only).
        log.info("connected to Discord as %s, in %d servers", self.user, len(self.guilds))

    async def close(self) -> None:
        for task in list(self.background):
            task.cancel()
        await super().close()  # unloads the areas' cogs, which stop their loops

    async def on_app_command_error(self, interaction: discord.Interaction, error: Exception) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await self.report_error(interaction, original)

    async def report_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        """Tell the user in a short ephemeral message (see `bot.errors`); log unexpected errors."""
        text = user_text(error)
        if text is None:
            log.error("command %s failed", interaction.command and interaction.command.qualified_name,
                      exc_info=error)
            text = UNEXPECTED
        await send_ephemeral(interaction, text)


class DiscordUnreachable(UserError):
    """Discord cannot be reached, or does not answer, at start-up."""


async def connect(client: discord.Client, token: str, *, gateway: bool) -> None:
    """Log in (and connect to the gateway if asked), turning Discord's refusals and a network that does not
    reach it into one-line errors. Once connected, discord.py reconnects by itself after an outage."""
    try:
        await client.login(token)
        if gateway:
            await client.connect()
    except discord.LoginFailure:
        raise ConfigError("Discord rejected the token (DISCORD_TOKEN or [discord] token)") from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError("the Message Content intent is not enabled for this bot: enable it in the "
                          "developer portal (Bot > Privileged Gateway Intents)") from None
    except discord.DiscordServerError as exc:
        raise DiscordUnreachable(f"Discord is not answering (HTTP {exc.status}); try again later") from None
    except (OSError, aiohttp.ClientError) as exc:  # TimeoutError is an OSError
        host = urlsplit(Route.BASE).hostname
        raise DiscordUnreachable(f"cannot reach Discord ({host}): {_reason(exc)}; check this machine's "
                                 "network connection") from None


def _reason(error: BaseException) -> str:
    """Why a connection failed, in the system's words ('Name or service not known', 'Connection refused')."""
    cause = getattr(error, "os_error", None) or error  # aiohttp wraps the socket's OSError
    if isinstance(cause, TimeoutError):
        return "no answer in time"
    if isinstance(cause, OSError) and cause.errno and cause.errno > 0:  # asyncio words some errors itself
        return os.strerror(cause.errno)
    return getattr(cause, "strerror", None) or str(cause) or type(cause).__name__


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Reply with `text` only the user sees, whatever state the interaction is in.

    After a public defer the first followup would replace the "thinking…" message publicly, so the
    placeholder is deleted first and the followup becomes a separate ephemeral message.
    """
    text = message(text)
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)
            return
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await interaction.followup.send(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message to the user", exc_info=True)
