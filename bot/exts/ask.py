"""Questions: `/ask`, questions asked by mentioning the bot or in ask-channels, 👍/👎 reactions on an
answer, and the buttons under it (the `Ask` cog).

Buttons are `DynamicItem`s whose custom id carries the answer id (`ask:<id>:<action>[:<page>]`); the
question is looked up in the journal, so paging and feedback keep working after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.autocomplete import source_names
from bot.checks import cooldown
from bot.errors import UNEXPECTED, user_text
from bot.exts.timeline import timeline_reply
from bot.render import Page, answer_embed, clip, message, page_of
from index import Answer, InvalidInput, seen_in

if TYPE_CHECKING:
    from bot.client import BriefBot

log = logging.getLogger("briefbot")

PAGES = 3  # an answer fetches this many pages of passages up front
QUESTION_MAX = 500
THREAD_NAME_MAX = 100
VOTES = {"👍": 1, "👎": -1}  # reactions
BUTTON_VOTES = {"up": 1, "down": -1}


def per_page(bot: BriefBot) -> int:
    return bot.settings.search.k


async def ask_core(bot: BriefBot, question: str, sources: list[str], k: int, guild_id: int | None,
                   ) -> Answer:
    """Run the search in a worker thread (embedding the question takes milliseconds of CPU), over what the
    server `guild_id` sees: the operator's sources and its own (in a direct message, the operator's)."""
    return await asyncio.to_thread(bot.core.ask, question, k, set(sources) or None, None, seen_in(guild_id))


def answer_view(answer_id: int, answer: Answer, page: Page) -> discord.ui.View:
    """Paging (when there is more than one page), feedback and timeline buttons for one answer."""
    view = discord.ui.View(timeout=None)
    if page.count > 1:
        view.add_item(AnswerButton(answer_id, "prev", max(page.number - 1, 0), disabled=page.number == 0))
        view.add_item(AnswerButton(answer_id, "next", min(page.number + 1, page.count - 1),
                                   disabled=page.number == page.count - 1))
    if answer.answered:
        view.add_item(AnswerButton(answer_id, "up"))
        view.add_item(AnswerButton(answer_id, "down"))
        view.add_item(AnswerButton(answer_id, "timeline"))
    return view


_BUTTONS = {
    "prev": ("Previous", "◀️", discord.ButtonStyle.secondary),
    "next": ("More passages", "▶️", discord.ButtonStyle.secondary),
    "up": (None, "👍", discord.ButtonStyle.secondary),
    "down": (None, "👎", discord.ButtonStyle.secondary),
    "timeline": ("Timeline", "📈", discord.ButtonStyle.secondary),
}


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"ask:(?P<answer>\d+):(?P<action>prev|next|up|down|timeline)(?::(?P<page>\d+))?"):
    """One button under an answer; `page` is the page that prev/next go to."""

    def __init__(self, answer_id: int, action: str, page: int = 0, *, disabled: bool = False) -> None:
        label, emoji, style = _BUTTONS[action]
        custom_id = f"ask:{answer_id}:{action}" + (f":{page}" if action in ("prev", "next") else "")
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id,
                                           disabled=disabled))
        self.answer_id, self.action, self.page = answer_id, action, page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> AnswerButton:
        return cls(int(match["answer"]), match["action"], int(match["page"] or 0))

    async def callback(self, interaction: discord.Interaction[BriefBot]) -> None:  # type: ignore[override]
        bot = interaction.client
        try:
            if self.action in ("prev", "next"):
                await show_page(interaction, self.answer_id, self.page)
            elif self.action == "timeline":
                await show_timeline_image(interaction, self.answer_id)
            else:
                bot.journal.record_feedback(self.answer_id, interaction.user.id, BUTTON_VOTES[self.action])
                await interaction.response.send_message("Thanks, your feedback was recorded.", ephemeral=True)
        except Exception as exc:
            await bot.report_error(interaction, exc)


async def show_page(interaction: discord.Interaction[BriefBot], answer_id: int, number: int) -> None:
    """Edit the answer message to show another page (the question is searched again: milliseconds)."""
    bot = interaction.client
    await interaction.response.defer()
    asked = bot.journal.answer(answer_id)
    if asked is None:
        raise InvalidInput("This answer is no longer available; please ask again.")
    answer = await ask_core(bot, asked.question, asked.sources, asked.k, asked.guild_id)
    page = page_of(answer, number, per_page(bot))
    await interaction.edit_original_response(embed=answer_embed(answer, page),
                                             view=answer_view(answer_id, answer, page))


async def show_timeline_image(interaction: discord.Interaction[BriefBot], answer_id: int) -> None:
    """Send the timeline of the answer's question (events and chart), visible only to whoever clicked."""
    bot = interaction.client
    await interaction.response.defer(thinking=True, ephemeral=True)
    asked = bot.journal.answer(answer_id)
    if asked is None:
        raise InvalidInput("This answer is no longer available; please ask again.")
    timeline = await asyncio.to_thread(bot.core.timeline, asked.question, None, None,
                                       seen_in(asked.guild_id))
    if not timeline.events:
        await interaction.followup.send(message("The briefings date no events about this question."),
                                        ephemeral=True)
        return
    await interaction.followup.send(**await timeline_reply(bot, interaction, timeline), ephemeral=True)


async def answer_to(
    bot: BriefBot, question: str, sources: list[str], *, user_id: int, guild_id: int | None,
    channel_id: int | None,
) -> tuple[int, discord.Embed, discord.ui.View]:
    """Search, record the answer in the journal and render its first page."""
    k = per_page(bot) * PAGES
    answer = await ask_core(bot, question, sources, k, guild_id)
    answer_id = bot.journal.record_answer(guild_id=guild_id, channel_id=channel_id, user_id=user_id,
                                          question=question, sources=sources, k=k)
    page = page_of(answer, 0, per_page(bot))
    return answer_id, answer_embed(answer, page), answer_view(answer_id, answer, page)


def question_in(bot: BriefBot, msg: discord.Message) -> str | None:
    """The question a message asks the bot: in an ask-channel, or when it mentions the bot."""
    if msg.author.bot or msg.guild is None or bot.user is None:
        return None
    mentioned = bot.user in msg.mentions
    if not mentioned and msg.channel.id not in bot.settings.discord.ask_channels:
        return None
    text = re.sub(rf"<@!?{bot.user.id}>", " ", msg.content)
    return " ".join(text.split())[:QUESTION_MAX] or None


async def answer_message(bot: BriefBot, msg: discord.Message) -> None:
    """Answer a question asked in a message, in a thread started from it (or in the thread it is in)."""
    question = question_in(bot, msg)
    if question is None:
        return
    if bot.limits.hit("ask", msg.author.id, msg.guild.id if msg.guild else None) is not None:
        await msg.add_reaction("⏳")
        return
    try:
        answer_id, embed, view = await answer_to(bot, question, [], user_id=msg.author.id,
                                                 guild_id=msg.guild.id if msg.guild else None,
                                                 channel_id=msg.channel.id)
        if isinstance(msg.channel, discord.Thread):
            sent = await msg.channel.send(embed=embed, view=view)
        else:
            thread = await msg.create_thread(name=clip(question, THREAD_NAME_MAX, escaped=False))
            sent = await thread.send(embed=embed, view=view)
        bot.journal.set_message(answer_id, sent.id)
    except discord.HTTPException:
        log.exception("could not answer message %s", msg.id)
    except Exception as exc:
        text = user_text(exc)
        if text is None:
            log.exception("answering message %s failed", msg.id)
            text = UNEXPECTED
        await msg.reply(message(text))


def record_reaction(bot: BriefBot, event: discord.RawReactionActionEvent) -> None:
    """👍/👎 on an answer message counts as feedback, like the buttons."""
    vote = VOTES.get(str(event.emoji))
    if vote is None or (bot.user is not None and event.user_id == bot.user.id):
        return
    answer_id = bot.journal.answer_for_message(event.message_id)
    if answer_id is not None:
        bot.journal.record_feedback(answer_id, event.user_id, vote)


class Ask(commands.Cog):
    """Answers questions wherever they are asked, and keeps the buttons of past answers working."""

    def __init__(self, bot: BriefBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton)  # buttons of any answer ever posted, also after a restart

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)

    @app_commands.command(name="ask",
                          description="Ask the briefings a question; the answer quotes them verbatim")
    @app_commands.describe(question="What you want to know", source="Only quote this source",
                           private="Show the answer only to you")
    @app_commands.autocomplete(source=source_names)
    @cooldown("ask")
    async def ask(self, interaction: discord.Interaction[BriefBot],
                  question: app_commands.Range[str, 1, QUESTION_MAX], source: str | None = None,
                  private: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=private)
        answer_id, embed, view = await answer_to(
            self.bot, question, [source] if source else [], user_id=interaction.user.id,
            guild_id=interaction.guild_id, channel_id=interaction.channel_id,
        )
        sent = await interaction.followup.send(embed=embed, view=view, ephemeral=private, wait=True)
        self.bot.journal.set_message(answer_id, sent.id)

    @commands.Cog.listener()
    async def on_message(self, msg: discord.Message) -> None:
        await answer_message(self.bot, msg)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        record_reaction(self.bot, event)


async def setup(bot: BriefBot) -> None:
    await bot.add_cog(Ask(bot))
