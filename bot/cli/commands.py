"""One function per `briefbot` command: open the library, call the core, print the result.

Each takes the parsed arguments (`bot.cli.arguments`) and the settings, prints text (`bot.cli.text`) or
JSON, and returns the exit status; errors are raised and shown by `bot.cli.main`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.arguments import day
from bot.cli.text import (
    answer_text,
    commands_text,
    emit,
    migrate_text,
    progress_bar,
    scopes_text,
    sources_text,
    store_text,
    timeline_text,
    update_text,
    warn,
)
from bot.journal import Journal
from bot.secrets import discord_token
from bot.settings import Settings, open_library
from bot.uploads import purge_server
from index import OPERATOR, Library, ReindexResult, UserError, seen_in, tag, timeline_png

log = logging.getLogger("briefbot")


class UsageError(Exception):
    """The command line asks for something it cannot do (shown as it is, exit status 2)."""


def _emit_update(args: argparse.Namespace, result: ReindexResult, head: dict | None = None,
                 title: str | None = None) -> None:
    """Print what a reindex or refresh did (after `title`, with `head` in the JSON); warnings on stderr,
    with the traceback of each skipped document under `--debug`."""
    for warning in result.warnings:
        warn(warning)
    if args.debug:
        for skipped in result.skipped:
            if skipped.detail:
                print(f"{skipped}:\n{skipped.detail}", file=sys.stderr)
    emit(args.json, {**(head or {}), **result.as_dict()}, update_text(result, title))


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    library.sources()  # register the default sources before any added here
    for location in args.source:
        library.add_source(location)
    with progress_bar(not args.json) as progress:
        result = library.reindex(rebuild=args.rebuild, progress=progress)
    _emit_update(args, result)
    return 0


def cmd_source_add(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    with progress_bar(not args.json) as progress:  # if indexing fails, nothing stays registered
        library.searcher(progress)  # a first index holds the default sources, as `ask` would build it
        entry, result = library.add_and_index(args.location, name=args.name, kind=args.kind, added_by="cli",
                                              scope=args.scope, progress=progress)
    _emit_update(args, result, {"source": vars(entry)},
                 f"source {entry.name} ({entry.kind}, {entry.location}): {entry.documents} documents")
    return 0


def cmd_source_remove(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    entry = library.remove_source(args.name, args.scope)
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
    answer = library.ask(args.question, args.k, sources, args.as_of, _seen(args.scope))
    emit(args.json, answer.as_dict(), answer_text(answer))
    return 0


def _seen(scope: str | None) -> frozenset[str] | None:
    """The scopes a --scope sees: a server its own and the operator's; "operator" the operator's; None
    (no --scope) every scope."""
    if scope is None:
        return None
    return seen_in(None if scope == OPERATOR else int(scope))


def _ask_lines(args: argparse.Namespace, library: Library) -> int:
    sources = set(args.source) if args.source else None
    library.searcher()

    def answer(request: dict) -> dict:
        if not isinstance(request.get("question"), str):
            raise ValueError('each line needs a "question" string')
        as_of = day(request["as_of"]) if request.get("as_of") is not None else args.as_of
        start = time.perf_counter()
        answer = library.ask(request["question"], args.k, sources, as_of, _seen(args.scope))
        took_ms = (time.perf_counter() - start) * 1000
        return {**answer.as_dict(), "took_ms": round(took_ms, 3),
                "timings_ms": {k: round(v, 3) for k, v in answer.timings_ms.items()}}

    return _json_lines(args, answer)


def _json_lines(args: argparse.Namespace, answer: Callable[[dict], dict]) -> int:
    """Answer each JSON object line of stdin with one JSON line, `{"id", ...}`. A line that cannot be
    answered, whatever the reason, gives `{"id", "error"}` (with its traceback on stderr under `--debug`),
    and the lines after it are still answered."""
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        qid: object = number
        try:
            try:
                request = json.loads(line)
            except json.JSONDecodeError as exc:  # its own words would say "line 1" of every line
                reason = exc.msg.removesuffix(" at")
                raise ValueError(f"line {number} is not JSON ({reason}, column {exc.colno})") from None
            if not isinstance(request, dict):
                raise ValueError("each line must be a JSON object")
            qid = request.get("id", number)
            out = {"id": qid, **answer(request)}
        except Exception as exc:  # one bad line never stops the others
            if args.debug:
                traceback.print_exc()
            known = isinstance(exc, ValueError | UserError)
            out = {"id": qid,
                   "error": str(exc) if known else f"unexpected error: {type(exc).__name__}: {exc}"}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the index between the data dir's FAISS engine and Milvus ([store], or --uri/--collection)."""
    given = {key: value for key, value in (("uri", args.uri), ("collection", args.collection)) if value}
    stores = {engine: settings.store.model_copy(update={**given, "engine": engine})
              for engine in ("faiss", "milvus")}
    source, target = stores["faiss" if args.to == "milvus" else "milvus"], stores[args.to]
    library = open_library(settings.model_copy(update={"store": source}))
    start = time.perf_counter()
    copied = library.migrate(target.to_settings())
    where = {engine: store_text(store.to_settings(), settings.data_dir) for engine, store in stores.items()}
    emit(args.json, {"from": where[source.engine], "to": where[args.to], **asdict(copied),
                     "seconds": round(time.perf_counter() - start, 1)},
         migrate_text(copied, where[source.engine], where[args.to], args.to))
    return 0


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    entries = open_library(settings).sources(_seen(args.scope))
    emit(args.json, [e.__dict__ for e in entries], sources_text(entries))
    return 0


def cmd_scopes(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    with progress_bar(not args.json) as progress:
        library.searcher(progress)
    scopes = library.scopes()
    departed = {str(d.guild_id): d for d in Journal(settings.data_dir).departures()}
    grace = settings.servers.purge_after_days * 86_400
    rows = [{"scope": scope, **asdict(counts),
             "removed_at": _iso(departed[scope].left_at) if scope in departed else None,
             "purged_after": _iso(departed[scope].left_at + grace) if scope in departed else None}
            for scope, counts in scopes.items()]
    emit(args.json, rows, scopes_text(rows))
    return 0


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def cmd_scopes_purge(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    with progress_bar(not args.json) as progress:
        removed, result = purge_server(library, settings.data_dir, args.server, progress)
    names = ", ".join(e.name for e in removed) or "no sources"
    _emit_update(args, result, {"scope": args.server, "removed": [vars(e) for e in removed]},
                 f"purged server {args.server}: {names}")
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    with progress_bar(not args.json) as progress:
        library.searcher(progress)
    timeline = library.timeline(args.topic, args.since, args.until, _seen(args.scope))
    if not args.png:
        emit(args.json, timeline.as_dict(), timeline_text(timeline, args.topic))
        return 0
    path = args.png.resolve()
    write_atomic(path, timeline_png(timeline))
    emit(args.json, {**timeline.as_dict(), "png": str(path)},
         f"Wrote the chart of {len(timeline.events)} events to {path}")
    return 0


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that it is either whole or absent, never half-written."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def cmd_timex(args: argparse.Namespace, settings: Settings) -> int:
    def answer(doc: dict) -> dict:
        if not isinstance(doc.get("text"), str) or not isinstance(doc.get("dct"), str):
            raise ValueError('each line needs "text" and an ISO "dct"')
        return {"timexes": [asdict(t) for t in tag(doc["text"], day(doc["dct"].split("T")[0]))]}

    return _json_lines(args, answer)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # imported here with discord: `ask` needs neither

    from bot.client import BriefBot, connect

    token = discord_token(settings)

    async def run() -> None:
        async with BriefBot(settings, sync_on_start=args.sync) as bot:
            # A service manager stops the bot with SIGTERM (systemd, a container runtime): close the
            # connections and return, so the stop is clean and the exit status 0.
            closing: list[asyncio.Task[None]] = []  # a strong reference to the closing task

            def stop() -> None:
                log.info("stopping (SIGTERM)")
                closing.append(asyncio.create_task(bot.close()))

            # (No signal handlers on Windows, nor in a thread other than the main one.)
            with contextlib.suppress(NotImplementedError, RuntimeError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
            await connect(bot, token, gateway=True)

    asyncio.run(run())
    return 0


def cmd_commands(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot.client import BriefBot

    async def load() -> list[dict[str, Any]]:
        async with BriefBot(settings, serve=False) as bot:
            await bot.load_areas()
            return bot.command_payload()

    payload = asyncio.run(load())
    emit(args.json, payload, commands_text(payload))
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot.client import BriefBot, connect

    token = discord_token(settings)

    async def sync() -> list:
        async with BriefBot(settings, serve=False) as bot:
            await connect(bot, token, gateway=False)
            return await bot.sync_commands(args.guild)

    synced = asyncio.run(sync())
    where = args.guild or settings.discord.guild_ids
    target = f"to server(s) {', '.join(map(str, where))}" if where else "globally"
    emit(args.json, [{"id": c.id, "name": c.name} for c in synced], f"synced {len(synced)} commands {target}")
    return 0


# The command names of `bot.cli.arguments` and what runs them.
COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "index": cmd_index, "ask": cmd_ask, "sources": cmd_sources, "source add": cmd_source_add,
    "source remove": cmd_source_remove, "scopes": cmd_scopes, "scopes purge": cmd_scopes_purge,
    "refresh": cmd_refresh, "timeline": cmd_timeline,
    "timex": cmd_timex, "migrate": cmd_migrate, "run": cmd_run, "commands": cmd_commands, "sync": cmd_sync,
}
