"""Who may run what, and how often: the moderator check, per-user cooldowns, the one-reindex-at-a-time guard.

`default_member_permissions` only hides moderator commands by default (server admins can change it, and
Discord ignores it on subcommands), so every moderator command also checks the member at run time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.client import BriefBot

T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """The member has none of the configured moderator roles."""

    def __init__(self, roles: Sequence[str]) -> None:
        names = ", ".join(roles) or "(none configured)"
        super().__init__(f"Only moderators can do this (roles: {names}, or server administrators).")


class ReindexBusy(app_commands.CheckFailure):
    """A reindex (or source change) is already running."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"A reindex is already running ({holder}); try again when it has finished.")


def is_moderator(member: discord.Member | discord.User, roles: Sequence[str]) -> bool:
    """True for the server owner, administrators, and members with a configured moderator role."""
    if not isinstance(member, discord.Member):
        return False  # a DM: there are no roles to check
    if member.guild.owner_id == member.id or member.guild_permissions.administrator:
        return True
    wanted = {name.casefold() for name in roles}
    return any(role.name.casefold() in wanted for role in member.roles)


def moderator_only() -> Callable[[T], T]:
    """An app-command check: the user must be a moderator (see `is_moderator`) in a server."""

    async def predicate(interaction: discord.Interaction[BriefBot]) -> bool:
        roles = interaction.client.settings.discord.moderator_roles
        if not is_moderator(interaction.user, roles):
            raise NotModerator(roles)
        return True

    return app_commands.check(predicate)


class RateLimits:
    """Per-user cooldowns (one use per `per_user` seconds per command) and a per-server budget per minute.

    Shared by slash commands and questions asked by mention, so neither route bypasses the other.
    """

    def __init__(self, per_user: float, per_guild_per_minute: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user = per_user
        self.per_guild = per_guild_per_minute
        self._clock = clock
        self._buckets: dict[tuple[Any, ...], app_commands.Cooldown] = {}

    def hit(self, command: str, user_id: int,
            guild_id: int | None) -> tuple[app_commands.Cooldown, float] | None:
        """Count one use; if a limit is exceeded, (that cooldown, seconds to wait) and nothing is counted."""
        keys: list[tuple[tuple[Any, ...], float, float]] = []
        if self.per_user > 0:
            keys.append(((command, "user", user_id), 1, self.per_user))
        if guild_id is not None:
            keys.append((("guild", guild_id), self.per_guild, 60.0))
        now = self._clock()
        for key, rate, per in keys:
            bucket = self._buckets.setdefault(key, app_commands.Cooldown(rate, per))
            if bucket.get_tokens(now) == 0:
                return bucket, bucket.get_retry_after(now)
        for key, _, _ in keys:
            self._buckets[key].update_rate_limit(now)
        return None


def cooldown(command: str) -> Callable[[T], T]:
    """An app-command check applying the bot's `RateLimits` for `command`."""

    async def predicate(interaction: discord.Interaction[BriefBot]) -> bool:
        limited = interaction.client.limits.hit(command, interaction.user.id, interaction.guild_id)
        if limited is not None:
            raise app_commands.CommandOnCooldown(*limited)
        return True

    return app_commands.check(predicate)


class ReindexGuard:
    """At most one reindex per bot process; the core's file lock covers other processes."""

    def __init__(self) -> None:
        self.holder: str | None = None

    def acquire(self, holder: str) -> None:
        """Take the guard for `holder` (e.g. "/reindex by alice") or raise `ReindexBusy`."""
        if self.holder is not None:
            raise ReindexBusy(self.holder)
        self.holder = holder

    def release(self) -> None:
        self.holder = None
