"""Who may run what, and how often: the moderator check, per-user cooldowns, the one-reindex-at-a-time guard.

`default_member_permissions` only hides moderator commands by default (server admins can change it, and
Discord ignores it on subcommands), so every moderator command also checks the member at run time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.app_commands import Cooldown
from discord.ext.commands import CooldownMapping

if TYPE_CHECKING:
    from bot.client import BriefBot

T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """The member has none of the server's moderator roles."""

    def __init__(self, roles: Sequence[int | str], guild: discord.Guild | None) -> None:
        names = ", ".join(_role_name(role, guild) for role in roles)
        super().__init__(f"Only moderators can do this (roles: {names or '(none configured)'}, or server "
                         "administrators).")


def _role_name(role: int | str, guild: discord.Guild | None) -> str:
    """A configured role as people know it: a role id by the name it has in this server."""
    if isinstance(role, str):
        return role
    found = guild.get_role(role) if guild is not None else None
    return found.name if found is not None else f"role {role}"


class ReindexBusy(app_commands.CheckFailure):
    """A reindex (or source change) is already running."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"A reindex is already running ({holder}); try again when it has finished.")


def is_moderator(member: discord.Member | discord.User, roles: Sequence[int | str]) -> bool:
    """True for the server owner, administrators, and members with one of the server's moderator `roles`
    (ids, or names). A member's roles are those of the server the command runs in, and what a moderator may
    change there is that server's sources (`bot.exts.sources`): a role of another server, whatever its
    name, counts for nothing here."""
    if not isinstance(member, discord.Member):
        return False  # a DM: there are no roles to check
    if member.guild.owner_id == member.id or member.guild_permissions.administrator:
        return True
    ids = {role for role in roles if isinstance(role, int)}
    names = {role.casefold() for role in roles if isinstance(role, str)}
    return any(role.id in ids or role.name.casefold() in names for role in member.roles)


def moderator_only() -> Callable[[T], T]:
    """An app-command check: the user must be a moderator (see `is_moderator`) of the server the command
    runs in; in a direct message nobody is."""

    async def predicate(interaction: discord.Interaction[BriefBot]) -> bool:
        if interaction.guild_id is None:  # `guild_only` is Discord's to enforce; a DM changes no server's
            raise app_commands.NoPrivateMessage()
        roles = interaction.client.settings.discord.moderator_roles_in(interaction.guild_id)
        if not is_moderator(interaction.user, roles):
            raise NotModerator(roles, interaction.guild)
        return True

    return app_commands.check(predicate)


class RateLimits:
    """Per-user cooldowns (one use per `per_user` seconds per command) and a per-server budget per minute.

    Shared by slash commands and questions asked by mention, so neither route bypasses the other. The
    buckets are discord.py's `CooldownMapping`s, which free a bucket once its window has passed, so the
    memory held is bounded by the users active within a cooldown, not by every user ever seen.
    """

    def __init__(self, per_user: float, per_guild_per_minute: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._per_user = CooldownMapping(Cooldown(1, per_user), _itself) if per_user > 0 else None
        self._per_guild = CooldownMapping(Cooldown(per_guild_per_minute, 60.0), _itself)

    def hit(self, command: str, user_id: int,
            guild_id: int | None) -> tuple[app_commands.Cooldown, float] | None:
        """Count one use; if a limit is exceeded, (that cooldown, seconds to wait) and nothing is counted."""
        now = self._clock()
        buckets = []
        if self._per_user is not None:
            buckets.append(self._per_user.get_bucket((command, user_id), now))
        if guild_id is not None:
            buckets.append(self._per_guild.get_bucket(guild_id, now))
        for bucket in buckets:
            if bucket is not None and bucket.get_tokens(now) == 0:
                return bucket, bucket.get_retry_after(now)
        for bucket in buckets:
            if bucket is not None:
                bucket.update_rate_limit(now)
        return None

    def __len__(self) -> int:
        """How many buckets are held (expired ones are freed on the next use); read from discord.py's
        mapping, which has no public size."""
        return sum(len(m._cache) for m in (self._per_user, self._per_guild) if m is not None)


def _itself(key: Hashable) -> Hashable:
    """The bucket key of a `CooldownMapping` keyed by what `RateLimits` passes: (command, user) or guild."""
    return key


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
