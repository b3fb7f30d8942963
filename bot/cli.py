"""The `briefbot` command line: index, ask, sources (and the commands of the later issues).

Every command takes `--json` for machine-readable output. Errors are one line on stderr with a non-zero
exit status; tracebacks only with `--debug`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import discord

from bot.journal import JournalError
from bot.settings import ConfigError, Settings, load_settings, open_library
from index.build import Progress
from index.dates import tag
from index.embed import EncoderError
from index.library import Library, ReindexResult
from index.plot import timeline_png
from index.registry import KINDS, RegistryError
from index.search import Answer, citation
from index.sources import SourceError
from index.store import StoreError, os_error_message

EXIT_ERROR, EXIT_USAGE = 1, 2
# Errors whose message is meant for the user as it is.
USER_ERRORS = (ConfigError, SourceError, StoreError, RegistryError, JournalError, EncoderError, ValueError,
               OSError)


class UsageError(Exception):
    pass


# Secrets (the Discord token) masked in every log record and error line once they are known.
_SECRETS: set[str] = set()
_MASK = "[token redacted]"


def redact(text: str) -> str:
    """`text` with every known secret replaced by a mask."""
    for secret in _SECRETS:
        text = text.replace(secret, _MASK)
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


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config, args.data_dir)
        return args.handler(args, settings)
    except UsageError as exc:
        print(f"briefbot: {redact(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except USER_ERRORS as exc:
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


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML config file (default: $BRIEFBOT_CONFIG)")
    common.add_argument("--data-dir", type=Path, help="index directory (default: $BRIEFBOT_DATA_DIR or a "
                        "per-user data dir)")
    common.add_argument("--json", action="store_true", help="print JSON")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    parser = argparse.ArgumentParser(prog="briefbot", description=__doc__.split("\n")[0], parents=[common])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    index = commands.add_parser("index", parents=[common], help="index the registered sources")
    index.add_argument("--source", action="append", default=[], metavar="PATH",
                       help="add a folder or file as a source first (repeatable)")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything")
    index.set_defaults(handler=cmd_index)

    ask = commands.add_parser("ask", parents=[common], help="answer a question with quoted passages")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--k", type=int, help="number of passages (default from config: 3)")
    ask.add_argument("--source", action="append", default=None, metavar="NAME",
                     help="only this source or publisher (repeatable)")
    ask.add_argument("--as-of", type=day, metavar="YYYY-MM-DD",
                     help="ask as on this day: later articles are unknown, 'this week' is that week "
                          "(default: today)")
    ask.add_argument("--jsonl", action="store_true",
                     help='read {"id", "question"[, "as_of"]} lines on stdin, write a JSON result line each')
    ask.set_defaults(handler=cmd_ask)

    sources = commands.add_parser("sources", parents=[common], help="list the sources")
    sources.set_defaults(handler=cmd_sources)

    source = commands.add_parser("source", parents=[common], help="add, remove or list sources")
    actions = source.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="add a folder, file, web page or feed; index it")
    add.add_argument("location", help="a folder or file, or the http(s) URL of an article page or a feed")
    add.add_argument("--name", help="source name (default: the folder, file or host name)")
    add.add_argument("--kind", choices=KINDS, help="default: found from the location (a URL serving a feed "
                     "is a feed)")
    add.set_defaults(handler=cmd_source_add)
    remove = actions.add_parser("remove", parents=[common], help="remove a source and its passages")
    remove.add_argument("name", help="the source's name (see `briefbot sources`)")
    remove.set_defaults(handler=cmd_source_remove)
    listing = actions.add_parser("list", parents=[common], help="list the sources (as `briefbot sources`)")
    listing.set_defaults(handler=cmd_sources)

    refresh = commands.add_parser("refresh", parents=[common],
                                  help="download the web pages and feeds again; index what changed")
    refresh.set_defaults(handler=cmd_refresh)

    timeline = commands.add_parser("timeline", parents=[common], help="dated events in date order, quoted")
    timeline.add_argument("topic", nargs="?", help="only events about this (default: all)")
    timeline.add_argument("--since", metavar="DATE", help="YYYY, YYYY-MM, YYYY-MM-DD or e.g. 'May 2024'")
    timeline.add_argument("--until", metavar="DATE", help="same forms; a month or year counts whole")
    timeline.add_argument("--png", type=Path, metavar="FILE", help="also draw the timeline into FILE")
    timeline.set_defaults(handler=cmd_timeline)

    timex = commands.add_parser("timex", parents=[common], help="tag time expressions (TimeML TIMEX3)")
    timex.add_argument("--jsonl", action="store_true", required=True,
                       help='read {"id", "dct", "text"} lines on stdin, write {"id", "timexes"} lines')
    timex.set_defaults(handler=cmd_timex)

    run = commands.add_parser("run", parents=[common], help="start the Discord bot (token: $DISCORD_TOKEN)")
    run.add_argument("--sync", action="store_true", help="sync the slash commands at start-up")
    run.set_defaults(handler=cmd_run)

    payload = commands.add_parser("commands", parents=[common],
                                  help="print the slash commands (--json: the payload as synced)")
    payload.set_defaults(handler=cmd_commands)

    sync = commands.add_parser("sync", parents=[common], help="sync the slash commands to Discord")
    sync.add_argument("--guild", type=int, action="append", metavar="ID",
                      help="sync to this server only, at once (repeatable; default: [discord] guild_ids, "
                           "else globally)")
    sync.set_defaults(handler=cmd_sync)
    return parser


def _emit(args: argparse.Namespace, data: object, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if args.json else text)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress display on stderr, one bar per indexing stage; nothing when disabled."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as RichProgress

    with RichProgress(console=Console(stderr=True), transient=True) as bars:
        tasks: dict[str, int] = {}

        def update(stage: str, advance: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], advance=advance)

        yield update


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    library.sources()  # register the default sources before any added here
    for location in args.source:
        library.add_source(location)
    with progress_bar(not args.json) as progress:
        result = library.reindex(rebuild=args.rebuild, progress=progress)
    _emit_update(args, result)
    return 0


def _emit_update(args: argparse.Namespace, result: ReindexResult, head: dict | None = None,
                 title: str | None = None) -> None:
    """Print what a reindex or refresh did (after `title`, with `head` in the JSON); warnings on stderr."""
    for warning in result.warnings:
        print(f"briefbot: warning: {warning}", file=sys.stderr)
    report = result.report.as_dict()
    lines = [title] if title else []
    lines.append(
        f"{report['documents']} documents, {report['passages']} passages; "
        f"{report['documents_added']} added, {report['documents_changed']} changed, "
        f"{report['documents_removed']} removed; {report['embedded']} passages embedded"
        + ("" if report["generation"] else " (index unchanged)")
    )
    lines += [
        f"  {name}: {len(c.added)} added, {len(c.changed)} changed, {len(c.removed)} removed documents; "
        f"{c.passages_added} added, {c.passages_removed} removed passages"
        for name, c in result.report.sources.items()
    ]
    if result.fetched:
        lines.append("web: " + ", ".join(f"{n} {origin}" for origin, n in sorted(result.fetched.items())))
    _emit(args, {**(head or {}), **result.as_dict()}, "\n".join(lines))


def cmd_source_add(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    library.sources()  # register the default sources before the one added here
    entry = library.add_source(args.location, name=args.name, kind=args.kind, added_by="cli")
    with progress_bar(not args.json) as progress:
        result = library.reindex(progress=progress)
    entry = library.registry.get(entry.name) or entry  # with its counts
    _emit_update(args, result, {"source": vars(entry)},
                 f"source {entry.name} ({entry.kind}, {entry.location}): {entry.documents} documents")
    return 0


def cmd_source_remove(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    entry = library.remove_source(args.name)
    with progress_bar(not args.json) as progress:
        result = library.reindex(progress=progress)
    _emit_update(args, result, {"removed": vars(entry)}, f"removed source {entry.name} ({entry.location})")
    return 0


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    with progress_bar(not args.json) as progress:
        result = library.refresh(progress=progress)
    _emit_update(args, result)
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    if args.jsonl:
        return _ask_lines(args, library)
    if args.question is None:
        raise UsageError("ask needs a QUESTION (or --jsonl)")
    with progress_bar(not args.json) as progress:
        library.searcher(progress)
    sources = set(args.source) if args.source else None
    answer = library.ask(args.question, args.k, sources, args.as_of)
    _emit(args, answer.as_dict(), render_text(answer))
    return 0


def _ask_lines(args: argparse.Namespace, library: Library) -> int:
    sources = set(args.source) if args.source else None
    library.searcher()
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        qid: object = number
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or not isinstance(request.get("question"), str):
                raise ValueError('each line needs a "question" string')
            qid = request.get("id", number)
            as_of = day(request["as_of"]) if request.get("as_of") is not None else args.as_of
            start = time.perf_counter()
            answer = library.ask(request["question"], args.k, sources, as_of)
            took_ms = (time.perf_counter() - start) * 1000
            out = {"id": qid, **answer.as_dict(), "took_ms": round(took_ms, 3),
                   "timings_ms": {k: round(v, 3) for k, v in answer.timings_ms.items()}}
        except (ValueError, json.JSONDecodeError) as exc:
            out = {"id": qid, "error": str(exc)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def day(text: object) -> date:
    """An --as-of day (argparse names this function in its "invalid day value" error)."""
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"not a day: {text!r} (use YYYY-MM-DD)") from None


def render_text(answer: Answer) -> str:
    """An answer for a terminal: the answering sentence, then numbered quotes with their sources."""
    lines = [answer.answer]
    for number, hit in enumerate(answer.passages, 1):
        source = hit.source
        link = f" <{source.url}>" if source.url else ""
        lines += ["", f"[{number}] {hit.quote}", f"    — {citation(source)}{link}"]
        if hit.also_reported_by:
            lines.append("    also reported by: " + "; ".join(citation(s) for s in hit.also_reported_by))
    return "\n".join(lines)


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    entries = open_library(settings).sources()
    data = [e.__dict__ for e in entries]
    width = max((len(e.name) for e in entries), default=4)
    text = "\n".join(
        f"{e.name:<{width}}  {e.kind:<6}  {e.documents:>5} docs  {e.passages:>6} passages  "
        f"indexed {e.last_indexed or 'never'}  {e.location}"
        for e in entries
    ) or "no sources"
    _emit(args, data, text)
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    with progress_bar(not args.json) as progress:
        library.searcher(progress)
    timeline = library.timeline(args.topic, args.since, args.until)
    if args.png:
        write_atomic(args.png, timeline_png(timeline))
    lines = []
    for entry in timeline.events:
        flag = f"  (dates disagree: {entry.disagreement})" if entry.disagreement else ""
        lines.append(f"{entry.date}{flag}")
        lines += [f"    “{q.quote}” — {citation(q.source)}" for q in entry.quotes]
    about = f" about {args.topic!r}" if args.topic else ""
    _emit(args, timeline.as_dict(), "\n".join(lines) or f"No dated events{about} in the briefings.")
    return 0


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that it is either whole or absent, never half-written."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def cmd_timex(args: argparse.Namespace, settings: Settings) -> int:
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            found = tag(doc["text"], date.fromisoformat(doc["dct"][:10]))
            out = {"id": doc.get("id", number), "timexes": [asdict(t) for t in found]}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            out = {"id": number, "error": f'each line needs "text" and an ISO "dct" ({exc})'}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def _token(settings: Settings) -> str:
    token = settings.discord.token
    if token is None or not token.get_secret_value().strip():
        raise ConfigError("no Discord token: set DISCORD_TOKEN or `token` in the [discord] section of the "
                          "config")
    protect_secret(token.get_secret_value())
    return token.get_secret_value()


async def _connect(client: discord.Client, token: str, *, gateway: bool) -> None:
    """Log in (and connect to the gateway if asked), turning Discord's refusals into one-line errors."""
    try:
        await client.login(token)
        if gateway:
            await client.connect()
    except discord.LoginFailure:
        raise ConfigError("Discord rejected the token (DISCORD_TOKEN or [discord] token)") from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError("the Message Content intent is not enabled for this bot: enable it in the "
                          "developer portal (Bot > Privileged Gateway Intents)") from None


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import BriefBot

    token = _token(settings)
    discord.utils.setup_logging()

    async def run() -> None:
        async with BriefBot(settings, sync_on_start=args.sync) as bot:
            await _connect(bot, token, gateway=True)

    asyncio.run(run())
    return 0


def cmd_commands(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import BriefBot

    payload = BriefBot(settings, serve=False).command_payload()
    text = "\n".join(f"/{c['name']:<10} {c['description']}" for c in payload)
    _emit(args, payload, text)
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import BriefBot

    token = _token(settings)

    async def sync() -> list:
        async with BriefBot(settings, serve=False) as bot:
            await _connect(bot, token, gateway=False)
            return await bot.sync_commands(args.guild)

    synced = asyncio.run(sync())
    where = args.guild or settings.discord.guild_ids
    target = f"to server(s) {', '.join(map(str, where))}" if where else "globally"
    _emit(args, [{"id": c.id, "name": c.name} for c in synced], f"synced {len(synced)} commands {target}")
    return 0
