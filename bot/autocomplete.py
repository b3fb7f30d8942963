"""Autocomplete of slash-command options that several areas share."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from index import seen_in, server_scope

if TYPE_CHECKING:
    from bot.client import BriefBot

MAX_CHOICES = 25  # Discord's limit for autocomplete results


async def source_names(
    interaction: discord.Interaction[BriefBot], current: str,
) -> list[app_commands.Choice[str]]:
    """Names of the sources this server (or a direct message) sees containing what was typed so far."""
    return await _names(interaction, seen_in(interaction.guild_id), current)


async def own_source_names(
    interaction: discord.Interaction[BriefBot], current: str,
) -> list[app_commands.Choice[str]]:
    """Names of this server's own sources containing what was typed so far: those its moderators change."""
    if interaction.guild_id is None:
        return []
    return await _names(interaction, {server_scope(interaction.guild_id)}, current)


async def _names(interaction: discord.Interaction[BriefBot], scopes: Collection[str], current: str,
                 ) -> list[app_commands.Choice[str]]:
    entries = await asyncio.to_thread(interaction.client.core.sources, scopes)
    typed = current.casefold()
    names = list(dict.fromkeys(e.name for e in entries if typed in e.name.casefold()))
    return [app_commands.Choice(name=name, value=name) for name in names[:MAX_CHOICES]]
