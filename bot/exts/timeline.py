"""`/timeline [topic] [since] [until]`: dated events from the briefings, with the chart as an image."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import cooldown
from bot.render import timeline_embed
from index import alt_text, timeline_png

if TYPE_CHECKING:
    from bot.client import BriefBot

DATE_HELP = "YYYY, YYYY-MM, YYYY-MM-DD or e.g. May 2024"


class Timeline(commands.Cog):
    """Lays out the events the briefings date, in date order, every date backed by a quote."""

    def __init__(self, bot: BriefBot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline", description="Dated events from the briefings, in order")
    @app_commands.describe(topic="Only events about this (e.g. a person or a place)",
                           since=f"From this date ({DATE_HELP})", until=f"Up to this date ({DATE_HELP})")
    @cooldown("timeline")
    async def timeline(
        self, interaction: discord.Interaction[BriefBot],
        topic: app_commands.Range[str, 1, 200] | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
        until: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        await interaction.response.defer(thinking=True)
        result = await asyncio.to_thread(self.bot.core.timeline, topic, since, until)
        embed = timeline_embed(result)
        if not result.events:
            await interaction.followup.send(embed=embed)
            return
        png = await asyncio.to_thread(timeline_png, result)  # drawn from this result, not computed again
        embed.set_image(url="attachment://timeline.png")
        chart = discord.File(io.BytesIO(png), "timeline.png", description=alt_text(result))
        await interaction.followup.send(embed=embed, file=chart)


async def setup(bot: BriefBot) -> None:
    await bot.add_cog(Timeline(bot))
