"""The Discord token: read from the settings, and masked in every log line and error once it is known."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from bot.settings import ConfigError, Settings

# Secrets masked in every log record and error line once they are known (in this process).
_SECRETS: set[str] = set()
MASK = "[token redacted]"


def redact(text: str) -> str:
    """`text` with every known secret replaced by a mask."""
    for secret in _SECRETS:
        text = text.replace(secret, MASK)
    return text


def _redacting_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if not _SECRETS:
            return record
        message = record.getMessage()
        if redact(message) != message:
            record.msg, record.args = redact(message), None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            if redact(text) != text:
                record.exc_text = redact(text)  # formatters print exc_text instead of formatting anew
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    make.redacting = True  # type: ignore[attr-defined]
    return make


def protect_secret(secret: str) -> None:
    """Mask `secret` from now on, in this process: in every log record (of any logger, discord.py's
    included, messages and tracebacks alike, whatever handler writes them) and in the CLI's error lines.

    Done with a log record factory rather than a handler filter, so that handlers added later (discord.py's
    `setup_logging`, a test's log capture) only ever see the masked record.
    """
    if not secret:
        return
    _SECRETS.add(secret)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacting", False):
        logging.setLogRecordFactory(_redacting_factory(factory))


def forget_secrets() -> None:
    """Stop masking (tests that restore the process's logging call this)."""
    _SECRETS.clear()


# A bot token is three base64url parts joined by dots (the bot's id, a time stamp, a signature). Checked
# before anything goes to Discord, so pasting the application id, the public key or the client secret
# instead is told apart from a token Discord rejects.
BOT_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def discord_token(settings: Settings) -> str:
    """The configured token, protected from now on; a `ConfigError` when there is none or it is not shaped
    like a bot token."""
    token = settings.discord.token
    if token is None or not token.get_secret_value().strip():
        raise ConfigError("no Discord token: set DISCORD_TOKEN or `token` in the [discord] section of the "
                          "config")
    value = token.get_secret_value().strip()
    protect_secret(value)
    if not BOT_TOKEN.fullmatch(value):
        raise ConfigError("the Discord token (DISCORD_TOKEN or [discord] token) is not a bot token: copy it "
                          "from the developer portal, Bot > Reset Token (three parts separated by dots)")
    return value
