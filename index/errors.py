"""The one user-facing error base of the core.

A `UserError`'s message is written for the person using the bot or the CLI (what is wrong and what to do),
so front ends show it as it is; any other exception is a bug or an unforeseen failure, shown as a short
"unexpected error" and logged. Every error the core raises on purpose for a user subclasses `UserError`.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is for users: shown as it is, one line, no traceback."""


class InvalidInput(UserError, ValueError):
    """A question, date or option given by the user cannot be used; nothing was changed.

    Also a `ValueError`, as the validation errors of the standard library it stands beside.
    """
