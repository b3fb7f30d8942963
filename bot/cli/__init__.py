"""The `briefbot` command line: `main` runs one command and shows its errors.

Parsing is in `arguments`, the commands in `commands`, what they print in `text`, what else reaches stderr
in `logs`. Every command takes `--json` for machine-readable output. Errors are one line on stderr with a
non-zero exit status; tracebacks and libraries' messages only with `--debug`.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import warnings

# The imports below make ~50k objects (numpy, faiss, pydantic, ours) that live as long as the process.
# Collecting while they are made scans them again and again (~0.1 s CPU of a cold `ask`: 0.63 -> 0.53 s);
# frozen afterwards, they are never scanned again, by `ask` or by the bot's later collections.
gc.disable()

from bot.cli.arguments import parse
from bot.cli.commands import COMMANDS, UsageError
from bot.cli.logs import stderr_logging
from bot.cli.text import warn
from bot.secrets import redact
from bot.settings import ConfigDeprecation, Settings, load_settings
from index import UserError, os_error_message

gc.freeze()
gc.enable()

EXIT_ERROR, EXIT_USAGE = 1, 2


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with stderr_logging(debug=args.debug, service=args.command == "run"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The command, with its errors shown as one line each."""
    try:
        settings = _settings(args)
        return COMMANDS[args.command](args, settings)
    except UsageError as exc:
        print(f"briefbot: {redact(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `briefbot ... | head`: the reader has what it wanted, as for any Unix tool
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit flush cannot fail again
        return 128 + signal.SIGPIPE
    except (UserError, OSError) as exc:  # a file the CLI was given or the data dir: the path and the reason
        if args.debug:
            raise
        text = os_error_message(exc) if isinstance(exc, OSError) else str(exc)
        print(f"briefbot: error: {redact(text)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("briefbot: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"briefbot: unexpected error: {type(exc).__name__}: {redact(str(exc))} (rerun with --debug for "
              "details)", file=sys.stderr)
        return EXIT_ERROR


def _settings(args: argparse.Namespace) -> Settings:
    """The settings; keys of an older config are read, each with a warning line on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        settings = load_settings(args.config, args.data_dir)
    for warning in caught:
        if issubclass(warning.category, ConfigDeprecation):
            warn(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return settings
