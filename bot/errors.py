"""What a Discord user is told when something fails.

A `UserError` (the core's, or the bot's own refusals: `InvalidInput`) and a failed check say in their
message what is wrong and what to do, so they are shown as they are. Anything else is a bug or an
unforeseen failure whose message may carry internals (paths, SQL, a library's wording): it is logged with
its traceback and the user only sees `UNEXPECTED`.
"""

from __future__ import annotations

from discord import app_commands

from index import UserError

UNEXPECTED = "Something went wrong; the error was logged."


def user_text(error: BaseException) -> str | None:
    """The message to show for `error`, or None when it is unexpected (log it, show `UNEXPECTED`)."""
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, (app_commands.CheckFailure, UserError)):
        return str(error)
    return None
