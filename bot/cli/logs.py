"""What reaches stderr while a command runs, beside its own output: the project's log records, and the
libraries' only with `--debug`.

Libraries log and warn about things a user cannot act on (discord.py's "PyNaCl is not installed, voice
will NOT be supported", an HTML extractor's "empty HTML tree", a deprecation in a dependency); the project
says what matters in its own words. A command shows the project's warnings as `briefbot: warning: ...`
lines. `briefbot run` is a service: its lines carry the time and the logger, from INFO up, and discord.py's
errors (an exception in a listener) show too. Never colour codes: a service's stderr goes to a journal.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

OWN = ("bot", "index", "briefbot")  # the project's loggers: its packages and the bot's own


class _Stderr(logging.Handler):
    """Writes each record as a line to the current `sys.stderr` (a test's capture may have replaced it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def _shown(*, debug: bool, service: bool) -> logging.Filter:
    """The project's records from WARNING up (INFO in a service or with --debug); libraries' with --debug,
    and their errors in a service."""
    own_level = logging.INFO if service or debug else logging.WARNING
    library_level = logging.INFO if debug else logging.ERROR if service else logging.CRITICAL + 1

    def shown(record: logging.LogRecord) -> bool:
        own = record.name.split(".", 1)[0] in OWN
        return record.levelno >= (own_level if own else library_level)

    return shown  # type: ignore[return-value]  # a callable is a filter


@contextmanager
def stderr_logging(*, debug: bool, service: bool) -> Iterator[None]:
    """Log to stderr as described above while the command runs; Python warnings (a library's) only with
    --debug."""
    handler = _Stderr()
    handler.addFilter(_shown(debug=debug, service=service))
    handler.setFormatter(logging.Formatter("{asctime} {levelname:<7} {name}: {message}", "%Y-%m-%d %H:%M:%S",
                                           style="{") if service else _CommandFormatter(debug=debug))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    if service or debug:
        root.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default" if debug else "ignore")
            logging.captureWarnings(True)  # as records of the "py.warnings" logger: a library's
            yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)
        root.setLevel(level)


class _CommandFormatter(logging.Formatter):
    """`briefbot: warning: the message` (a library's: `discord.client: warning: ...`), with the traceback
    only with --debug."""

    def __init__(self, *, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        source = "briefbot" if record.name.split(".", 1)[0] in OWN else record.name
        text = f"{source}: {record.levelname.lower()}: {record.getMessage()}"
        if self.debug and record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text
