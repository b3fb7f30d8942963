"""`/sources`, and the autocomplete of source names used by the other commands."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.render import sources_embed

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


@app_commands.command(name="sources", description="List the briefing sources and how much of each is indexed")
async def sources(interaction: discord.Interaction[BriefBot]) -> None:
    await interaction.response.defer(thinking=True, ephemeral=True)
    entries = await asyncio.to_thread(interaction.client.core.sources)
    await interaction.followup.send(embed=sources_embed(entries), ephemeral=True)


def register(bot: BriefBot) -> None:
    bot.tree.add_command(sources)
