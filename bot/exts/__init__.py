"""The bot's areas, one extension each. An extension's `setup(bot)` adds its cog, which owns the area's
slash commands, listeners, loops and persistent views; `BriefBot.setup_hook` loads them in this order
(which is also the order of the commands as synced)."""

EXTENSIONS = ("bot.exts.ask", "bot.exts.timeline", "bot.exts.sources", "bot.exts.servers")
