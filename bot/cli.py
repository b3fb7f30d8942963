"""The `briefbot` command line: index, ask, sources (and the commands of the later issues).

Every command takes `--json` for machine-readable output. Errors are one line on stderr with a non-zero
exit status; tracebacks only with `--debug`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.settings import ConfigError, Settings, load_settings, open_library
from index.build import Progress
from index.library import Library
from index.registry import RegistryError
from index.search import Answer, citation
from index.sources import SourceError
from index.store import StoreError

EXIT_ERROR, EXIT_USAGE = 1, 2
# Errors whose message is meant for the user as it is.
USER_ERRORS = (ConfigError, SourceError, StoreError, RegistryError, ValueError, OSError)


class UsageError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config, args.data_dir)
        return args.handler(args, settings)
    except UsageError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except USER_ERRORS as exc:
        if args.debug:
            raise
        print(f"briefbot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("briefbot: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"briefbot: unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
              file=sys.stderr)
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
    ask.add_argument("--jsonl", action="store_true",
                     help='read {"id", "question"} lines on stdin, write one JSON result line each')
    ask.set_defaults(handler=cmd_ask)

    sources = commands.add_parser("sources", parents=[common], help="list the sources")
    sources.set_defaults(handler=cmd_sources)
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
    for warning in result.warnings:
        print(f"briefbot: warning: {warning}", file=sys.stderr)
    report = result.report.as_dict()
    summary = (
        f"{report['documents']} documents, {report['passages']} passages; "
        f"{report['documents_added']} added, {report['documents_changed']} changed, "
        f"{report['documents_removed']} removed; {report['embedded']} passages embedded"
        + ("" if report["generation"] else " (index unchanged)")
    )
    _emit(args, {**report, "warnings": result.warnings}, summary)
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
    answer = library.ask(args.question, args.k, sources)
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
            start = time.perf_counter()
            answer = library.ask(request["question"], args.k, sources)
            took_ms = (time.perf_counter() - start) * 1000
            out = {"id": qid, **answer.as_dict(), "took_ms": round(took_ms, 3),
                   "timings_ms": {k: round(v, 3) for k, v in answer.timings_ms.items()}}
        except (ValueError, json.JSONDecodeError) as exc:
            out = {"id": qid, "error": str(exc)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


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
