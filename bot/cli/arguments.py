"""The command line's grammar: every command, its arguments and the options all of them take.

Parsing only: `parse` returns a namespace whose `command` names the function of `bot.cli.commands` that
runs it. The global options (`--config`, `--data-dir`, `--json`, `--debug`) may come before or after the
command name.
"""

from __future__ import annotations

import argparse
from datetime import date
from importlib.metadata import version
from pathlib import Path

from index import check_scope, source_kinds

DESCRIPTION = """Briefbot answers questions about news briefings with passages quoted word for
word, each with its source; it lays the events they report out on a timeline,
and runs as a Discord bot."""
EPILOG = """start with:
  briefbot ask "When will Putin travel to North Korea?"   (the first run indexes the briefings in seeds/)
  briefbot COMMAND --help                                 (a command's options)
Documentation: README.md; the Discord bot: docs/discord.md."""


def day(text: object) -> date:
    """An --as-of day (argparse names this function in its "invalid day value" error)."""
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"not a day: {text!r} (use YYYY-MM-DD)") from None


def scope(text: object) -> str:
    """A --scope: "operator" or a server id."""
    try:
        return check_scope(str(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a scope: {text!r} (use 'operator' or a server id)") from None


SCOPE_HELP = "see what this server sees: its own sources and the operator's ('operator': the operator's only)"


def _global_options(*, defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes. Only the top-level parser sets their defaults: a subcommand's
    parser leaves an absent option alone, so one given before the command name is not reset after it."""
    unset = {} if defaults else {"default": argparse.SUPPRESS}
    options = argparse.ArgumentParser(add_help=False)
    every = options.add_argument_group("options of every command")
    every.add_argument("--config", type=Path, metavar="FILE",
                       help="the config file (default: $BRIEFBOT_CONFIG; see config.example.toml)", **unset)
    every.add_argument("--data-dir", type=Path, metavar="DIR", help="where the index and the bot's records "
                       "are kept (default: $BRIEFBOT_DATA_DIR, else the config's data_dir, else a per-user "
                       "folder such as ~/.local/share/briefbot)", **unset)
    every.add_argument("--json", action="store_true", help="print JSON, for scripts (no progress display)",
                       **unset)
    every.add_argument("--debug", action="store_true", help="show tracebacks and the libraries' own messages",
                       **unset)
    return options


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="briefbot", description=DESCRIPTION, epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  parents=[_global_options(defaults=True)])
    top.add_argument("--version", action="version", version=f"briefbot {version('briefbot')}",
                     help="show the version and exit")
    common = _global_options(defaults=False)
    commands = top.add_subparsers(required=True, metavar="COMMAND", title="commands")

    def command(name: str, summary: str, *, runs: str | None = None,
                under: argparse._SubParsersAction = commands) -> argparse.ArgumentParser:
        sub = under.add_parser(name, parents=[common], help=summary,
                               description=f"{summary[:1].upper()}{summary[1:]}.")
        sub.set_defaults(command=runs or name)
        return sub

    index = command("index", "bring the index up to date with the sources (only what changed is embedded)")
    index.add_argument("--source", action="append", default=[], metavar="PATH",
                       help="add a folder or file as a source first (repeatable)")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything")

    ask = command("ask", "answer a question with quoted passages")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--k", type=int, help="number of passages (default from config: 3)")
    ask.add_argument("--source", action="append", default=None, metavar="NAME",
                     help="only this source or publisher (repeatable)")
    ask.add_argument("--as-of", type=day, metavar="YYYY-MM-DD",
                     help="ask as on this day: later articles are unknown, 'this week' is that week "
                          "(default: today)")
    ask.add_argument("--jsonl", action="store_true",
                     help='read {"id", "question"[, "as_of"]} lines on stdin, write a JSON result line each')
    ask.add_argument("--scope", type=scope, metavar="SERVER_ID", help=f"{SCOPE_HELP} (default: every source)")

    sources = command("sources", "list the sources, each with its scope (the operator's, or a server's), and "
                      "what is indexed of each")
    sources.add_argument("--scope", type=scope, metavar="SERVER_ID", help=f"{SCOPE_HELP} (default: all)")

    source = command("source", "add, remove or list sources")
    actions = source.add_subparsers(required=True, metavar="ACTION")
    add = command("add", "add a folder, file, web page or feed; index it", runs="source add", under=actions)
    add.add_argument("location", help="a folder or file, or the http(s) URL of an article page or a feed")
    add.add_argument("--name", help="source name (default: the folder, file or host name)")
    add.add_argument("--kind", choices=source_kinds(),
                     help="default: found from the location (a URL serving a feed is a feed)")
    add.add_argument("--scope", type=scope, default="operator", metavar="SCOPE",
                     help="whose source: 'operator' (answered in every server and in DMs; the default) or a "
                          "server id (answered in that server only)")
    remove = command("remove", "remove a source and its passages", runs="source remove", under=actions)
    remove.add_argument("name", help="the source's name (see `briefbot sources`)")
    remove.add_argument("--scope", type=scope, default="operator", metavar="SCOPE",
                        help="the scope of the source: 'operator' (default) or a server id")
    listing = command("list", "list the sources (as `briefbot sources`)", runs="sources", under=actions)
    listing.add_argument("--scope", type=scope, metavar="SERVER_ID", help=f"{SCOPE_HELP} (default: all)")

    scopes = command("scopes", "list the scopes: the operator's and each server's, with what they hold")
    scope_actions = scopes.add_subparsers(metavar="ACTION")
    purge = command("purge", "remove every source of one server and its passages and uploads",
                    runs="scopes purge", under=scope_actions)
    purge.add_argument("server", type=scope, metavar="SERVER_ID", help="the server whose sources go")

    command("refresh", "download the web pages and feeds again; index what changed")

    timeline = command("timeline", "the events the briefings date, in date order, each quoted")
    timeline.add_argument("topic", nargs="?", help="only events about this (default: all)")
    timeline.add_argument("--since", metavar="DATE", help="YYYY, YYYY-MM, YYYY-MM-DD or e.g. 'May 2024'")
    timeline.add_argument("--until", metavar="DATE", help="same forms; a month or year counts whole")
    timeline.add_argument("--png", type=Path, metavar="FILE",
                          help="draw the timeline into FILE and print where (not the events)")
    timeline.add_argument("--scope", type=scope, metavar="SERVER_ID",
                          help=f"{SCOPE_HELP} (default: every source)")

    timex = command("timex", "find the time expressions in texts (TimeML TIMEX3 values)")
    timex.add_argument("--jsonl", action="store_true", required=True,
                       help='read {"id", "dct", "text"} lines on stdin, write {"id", "timexes"} lines')

    run = command("run", "start the Discord bot (token: $DISCORD_TOKEN)")
    run.add_argument("--sync", action="store_true", help="sync the slash commands at start-up")

    migrate = command("migrate", "copy the index and its sources to the other store engine (no re-embedding)")
    migrate.add_argument("--to", choices=("milvus", "faiss"), required=True,
                         help="milvus: from the data dir's FAISS index into Milvus ([store] uri and "
                              "collection); faiss: back from Milvus into the data dir")
    migrate.add_argument("--uri", help="the Milvus to use instead of [store] uri (a path ending in .db runs "
                         "Milvus Lite; or http://host:19530)")
    migrate.add_argument("--collection", help="the index's name in Milvus instead of [store] collection")

    command("commands", "list the Discord slash commands (--json: exactly what is synced)")

    sync = command("sync", "register the slash commands with Discord")
    sync.add_argument("--guild", type=int, action="append", metavar="ID",
                      help="sync to this server only, at once (repeatable; default: [discord] guild_ids, "
                           "else globally)")
    return top


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The parsed command line; exits with status 2 and a usage line when it does not parse."""
    return parser().parse_args(argv)
