"""The slash commands, one module per area; each module's `register(bot)` adds its commands to the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts import ask, moderation, sources, timeline

if TYPE_CHECKING:
    from bot.client import BriefBot


def register(bot: BriefBot) -> None:
    for module in (ask, timeline, sources, moderation):
        module.register(bot)
