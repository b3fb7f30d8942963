"""Autocomplete of slash-command options that several areas share."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.client import BriefBot

MAX_CHOICES = 25  # Discord's limit for autocomplete results


async def source_names(
    interaction: discord.Interaction[BriefBot], current: str,
) -> list[app_commands.Choice[str]]:
    """Registered source names containing what was typed so far (case-insensitive)."""
    entries = await asyncio.to_thread(interaction.client.core.sources)
    typed = current.casefold()
    names = [e.name for e in entries if typed in e.name.casefold()]
    return [app_commands.Choice(name=name, value=name) for name in names[:MAX_CHOICES]]
