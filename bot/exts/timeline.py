"""`/timeline [topic] [since] [until]`: dated events from the briefings, with the chart as an image.

The message holds one short field per event and the chart (with a text alternative for screen readers);
an "All quotes" button opens every outlet's whole sentence, page by page, for whoever clicks. Buttons are
`DynamicItem`s whose custom id carries the timeline's id in the journal
(`timeline:<id>:quotes:<page>`), so they keep working after a restart: the timeline is laid out again
from the same request.
"""

from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import cooldown
from bot.render import timeline_embed, timeline_quotes_embed
from index import InvalidInput, alt_text, seen_in, timeline_png
from index import Timeline as TimelineResult

if TYPE_CHECKING:
    from bot.client import BriefBot

DATE_HELP = "YYYY, YYYY-MM, YYYY-MM-DD or e.g. May 2024"


async def timeline_reply(bot: BriefBot, interaction: discord.Interaction, timeline: TimelineResult,
                         ) -> dict[str, Any]:
    """The keyword arguments of the message that shows `timeline`: the embed, and for a timeline with
    events the chart (drawn in a worker thread) and the "All quotes" button."""
    embed = timeline_embed(timeline)
    if not timeline.events:
        return {"embed": embed}
    timeline_id = bot.journal.record_timeline(
        guild_id=interaction.guild_id, channel_id=interaction.channel_id, user_id=interaction.user.id,
        topic=timeline.topic, since=timeline.since and timeline.since.isoformat(),
        until=timeline.until and timeline.until.isoformat())
    png = await asyncio.to_thread(timeline_png, timeline)  # drawn from this result, not computed again
    embed.set_image(url="attachment://timeline.png")
    view = discord.ui.View(timeout=None)
    view.add_item(QuotesButton(timeline_id, 0, opens=True))
    chart = discord.File(io.BytesIO(png), "timeline.png", description=alt_text(timeline))
    return {"embed": embed, "file": chart, "view": view}


class QuotesButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"timeline:(?P<id>\d+):(?P<action>quotes|page):(?P<page>\d+)"):
    """"All quotes" under a timeline (opens page 0 for whoever clicks), or a page button on those pages."""

    def __init__(self, timeline_id: int, page: int, *, opens: bool = False, label: str | None = None,
                 disabled: bool = False) -> None:
        action = "quotes" if opens else "page"
        super().__init__(discord.ui.Button(
            label=label or "All quotes", emoji="💬" if opens else None, style=discord.ButtonStyle.secondary,
            custom_id=f"timeline:{timeline_id}:{action}:{page}", disabled=disabled))
        self.timeline_id, self.page, self.opens = timeline_id, page, opens

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> QuotesButton:
        return cls(int(match["id"]), int(match["page"]), opens=match["action"] == "quotes")

    async def callback(self, interaction: discord.Interaction[BriefBot]) -> None:  # type: ignore[override]
        bot = interaction.client
        try:
            if self.opens:
                await interaction.response.defer(thinking=True, ephemeral=True)
            else:
                await interaction.response.defer()
            request = bot.journal.timeline(self.timeline_id)
            if request is None:
                raise InvalidInput("This timeline is no longer available; please ask again.")
            timeline = await asyncio.to_thread(bot.core.timeline, request.topic, request.since, request.until,
                                               seen_in(request.guild_id))
            embed, count = timeline_quotes_embed(timeline, self.page)
            view = discord.ui.View(timeout=None)
            if count > 1:
                view.add_item(QuotesButton(self.timeline_id, max(self.page - 1, 0), label="Previous",
                                           disabled=self.page == 0))
                view.add_item(QuotesButton(self.timeline_id, min(self.page + 1, count - 1), label="More",
                                           disabled=self.page >= count - 1))
            if self.opens:
                await interaction.followup.send(embed=embed, view=view, ephemeral=True)
            else:
                await interaction.edit_original_response(embed=embed, view=view)
        except Exception as exc:
            await bot.report_error(interaction, exc)


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
        result = await asyncio.to_thread(self.bot.core.timeline, topic, since, until,
                                         seen_in(interaction.guild_id))
        await interaction.followup.send(**await timeline_reply(self.bot, interaction, result))

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(QuotesButton)  # buttons of any timeline ever posted, also after a restart

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(QuotesButton)


async def setup(bot: BriefBot) -> None:
    await bot.add_cog(Timeline(bot))
