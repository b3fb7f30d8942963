"""Helpers shared by the tests: paths and shared data, the bot on the fake Discord, what to look for in its
requests, and the import walker of the layout tests. Fixtures are in the conftest files; test files never
import each other."""

from __future__ import annotations

import ast
import json
import logging
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest

from bot.cli import main
from bot.client import BriefBot
from bot.render import LIMITS
from bot.secrets import forget_secrets
from bot.settings import DiscordConfig, SearchConfig, ServersConfig, Settings, SourcesConfig
from index import Library
from tests.fake_discord import (
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionIds,
    Request,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


# Page furniture of the seed pages: none of it may ever be quoted.
FURNITURE = [
    "Advertisement", "ADVERTISEMENT", "Straits Times Index", "3,367.90", "+29.33 (+0.88%)", "Bitcoin",
    "markets open", "Do you have questions", "Image via Shutterstock", "Benzinga Neuro",
    "investment advice", "All rights reserved", "Copyright", "©", "Comments", "Trade confidently",
    "originally appeared",
]


def shared_jsonl(relative: str) -> list[dict]:
    """Lines of an evaluation file in ../shared, inside a test; the test is skipped where ../shared is
    absent. To parametrize a test by them, use `shared_cases`."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(_no_shared(path))
    return _json_lines(path)


def shared_cases(relative: str, name: str) -> list:
    """The lines of an evaluation file in ../shared as test parameters with the id `line[name]`, at
    collection: where ../shared is absent, one case skipped with the reason (a skip at collection would
    stop it)."""
    path = SHARED / relative
    if not path.exists():
        return [pytest.param(None, id="no-shared", marks=pytest.mark.skip(reason=_no_shared(path)))]
    return [pytest.param(case, id=str(case[name])) for case in _json_lines(path)]


def _no_shared(path: Path) -> str:
    return f"{path} not found (../shared is expected beside the checkout)"


def _json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


WAIT = 10.0  # upper bound for one wait; a search takes milliseconds, the first one loads the model


class FastBot(BriefBot):
    """The bot without discord.py's 5 s pause before a non-initial IDENTIFY."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@dataclass
class Connected:
    """The bot connected to the fake Discord."""

    fake: FakeDiscord
    bot: BriefBot

    @property
    def library(self) -> Library:
        return self.bot.core


@dataclass
class World(Connected):
    """The fake server with a moderator and an ask-channel, and the bot connected to it."""

    moderator: FakeMember
    ask_channel_id: int


def make_settings(data_dir: Path, *, guild_ids: list[int], ask_channels: list[int],
                  cooldown_seconds: float = 0, purge_after_seconds: float = 7 * 86_400) -> Settings:
    return Settings(
        data_dir=data_dir, sources=SourcesConfig(paths=[SEEDS]), search=SearchConfig(k=2),
        discord=DiscordConfig(moderator_roles=["Moderator"], guild_ids=guild_ids, ask_channels=ask_channels,
                              cooldown_seconds=cooldown_seconds),
        servers=ServersConfig(purge_after_days=purge_after_seconds / 86_400),
    )


# Shaped like a bot token (three dot-separated parts), as `briefbot run` requires; the fake Discord takes any.
TOKEN = "MTIzNDU2Nzg5.fake.token-for-the-tests"


@dataclass
class TwoServers(Connected):
    """The bot in two servers of the fake Discord (the `servers` fixture).

    Server A is the first guild: its owner is the bot's owner (`fake.owner`); `mod_a` holds its "Moderator"
    role, `lookalike` a second role of A also named "Moderator" (names are not unique). Server B belongs to
    `bob`; `admin_b` is an administrator there, and `carol` holds B's "Moderator" role while being a plain
    member of A. `alice` (`fake.user`) is a plain member of both.
    """

    a: FakeGuild
    b: FakeGuild
    mod_a: FakeMember
    moderator_role_a: FakeRole
    lookalike: FakeMember
    admin_b: FakeMember
    bob: FakeUser
    carol: FakeUser


QUESTION = "When will Putin travel to North Korea?"
SEED_SENTENCE = "Putin will travel to North Korea on Tuesday"
SEED_PUBLISHER = "South China Morning Post"
EPHEMERAL = 1 << 6
GRACE = 1.5  # seconds from the bot's removal from a server to the purge of its sources, in `servers`


def embed_text(embed: dict) -> str:
    """Everything a reader sees in an embed, with markdown escapes removed."""
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts).replace("\\", "")


def within_limits(embed: discord.Embed) -> bool:
    """Whether `embed` keeps every Discord embed limit (`bot.render.LIMITS`; the total counts title,
    description, fields, footer and author)."""
    data = embed.to_dict()
    fields = data.get("fields", [])
    return (len(data.get("title", "")) <= LIMITS.title
            and len(data.get("description", "")) <= LIMITS.description
            and len(fields) <= LIMITS.fields
            and all(len(f["name"]) <= LIMITS.field_name and len(f["value"]) <= LIMITS.field_value
                    for f in fields)
            and len(data.get("footer", {}).get("text", "")) <= LIMITS.footer
            and len(embed) <= LIMITS.total)  # discord.py's own count of the same parts


def bold_spans(markdown: str) -> list[str]:
    """The texts between unescaped ** markers, unescaped."""
    return [span.replace("\\", "") for span in re.findall(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*", markdown)]


def flags(request: object) -> int:
    """The message flags of a recorded interaction response or followup (64: ephemeral)."""
    return int(request.json.get("flags") or request.json.get("data", {}).get("flags") or 0)  # type: ignore[attr-defined]


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """`briefbot ARGV`: exit status, stdout and stderr (which never holds a traceback)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@contextmanager
def restored_logging() -> Iterator[None]:
    """Undo what `briefbot run` does to the process's logging: the root handler of discord.py's
    `setup_logging`, the root level, the redacting record factory and the secrets it masks."""
    root = logging.getLogger()
    handlers, level, factory = list(root.handlers), root.level, logging.getLogRecordFactory()
    try:
        yield
    finally:
        root.handlers[:], root.level = handlers, level
        logging.setLogRecordFactory(factory)
        forget_secrets()


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, by absolute name: `from x import y` gives `x`, and also `x.y`
    when that is a module of this repository; relative imports are resolved against the file's package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if _is_module(f"{base}.{alias.name}"))
    return found


def _is_module(name: str) -> bool:
    """Whether `name` is a module or package of this repository."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def milvus_lite_server(data_dir: Path, ready_timeout: float = 60.0) -> Iterator[str]:
    """`milvus-lite server` (the package's own command) as a child process on a free port of 127.0.0.1:
    yields its http:// URI once it listens (it does once ready); stopped by its process id."""
    port = free_port()
    log = data_dir.parent / f"{data_dir.name}.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data_dir),
                                   "--host", "127.0.0.1", "--port", str(port)], stdout=output,
                                  stderr=subprocess.STDOUT)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            assert server.poll() is None, f"milvus-lite server exited: {log.read_text()[-2000:]}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"milvus-lite never answered: {log.read_text()[-2000:]}"
                time.sleep(0.2)
        yield uri
    finally:
        stop_process(server)


def stop_process(process: subprocess.Popen) -> None:
    """Stop a child process by its id: SIGTERM, then SIGKILL if it is still there after 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


UPLOADED = "The lunar base on Mare Tranquillitatis opened to visitors on Friday, its operator said."


@dataclass
class FileServer:
    """Stands in for Discord's CDN: serves `files` by name at `url` (the `file_server` fixture)."""

    url: str
    files: dict[str, bytes]


def attachment_options(name: str, server: FileServer, filename: str = "briefing.txt",
                       size: int | None = None) -> tuple[list[dict], dict]:
    """The options and resolved data of `/source add name:<name> file:<filename>` served by `server`."""
    options = [{"name": "name", "type": 3, "value": name}, {"name": "file", "type": 11, "value": "777"}]
    url = f"{server.url}/{filename}"
    size = len(server.files.get(filename, b"")) if size is None else size
    resolved = {"attachments": {"777": {"id": "777", "filename": filename, "size": size, "url": url,
                                        "proxy_url": url, "content_type": "text/plain"}}}
    return options, resolved


def finished(ids: InteractionIds, request: Request) -> bool:
    """The final edit of a job's progress message, reporting success."""
    return request.method == "PATCH" and ids.token in request.path and "✅" in request.json["content"]


def failed(ids: InteractionIds, request: Request) -> bool:
    """The final edit of a job's progress message, reporting failure."""
    return request.method == "PATCH" and ids.token in request.path and "❌" in request.json["content"]


# --- bad input side by side with good articles (issue 12) --------------------------------------------------

@dataclass(frozen=True)
class BadInputs:
    """Files of every kind of input that once failed a whole build, beside good articles.

    `warnings`: per file, what a warning about it says (each file here is named by one); `skipped`: how many
    of them are left out as unreadable; `answers`: (question, as-of day or None, words the quote holds) that
    the index must answer once they are indexed, from the good articles and from what the bad files still
    give."""

    files: dict[str, bytes]
    warnings: dict[str, list[str]]
    skipped: int
    answers: list[tuple[str, str | None, str]]


def _jsonl(*records: object) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode()


def bad_inputs() -> BadInputs:
    import gzip

    harbour = [{"id": str(i), "text": f"Harbour notice {i}: the pier of Port Ellen stays closed. " * 30}
               for i in range(200)]
    whole = gzip.compress(_jsonl(*harbour))
    files = {
        "good.txt": b"Harbour bridge opens\n\nVALMORA, March 3, 2025 - The new harbour bridge of Valmora "
                    b"carried its first cars on Monday morning, two years after work began.",
        # undated, so tagged against 2100-12-31: "next winter" in December crashed the date tagger
        "winter.txt": b"The Dunmore ski lifts will reopen next winter, the resort's owners said.\n\n"
                      b"The coming winter will also bring a new cable car to the valley.",
        # dates at the ends of the calendar with words relative to them
        "extreme.jsonl": _jsonl(
            {"id": "late", "published": "9999-12-31", "text": "The lighthouse keeper of Skerra retired "
             "yesterday. The lamp goes dark tomorrow, on Christmas and on Tuesday."},
            {"id": "early", "published": "0001-01-01", "text": "The granary of Ostmark burned yesterday; "
             "the new one opens tomorrow, on Thanksgiving, before next winter."}),
        # publication dates that would change from day to day, or are no dates at all
        "relative.jsonl": _jsonl(*({"id": f"r{n}", "published": value, "text": text} for n, (value, text) in
                                   enumerate([("yesterday", "The ferry to Karso changed its timetable."),
                                              ("in 3 days", "The Karso market moved to the quay."),
                                              (-1, "The Karso school got a new roof."),
                                              (1e308, "The Karso library lent its millionth book.")]))),
        # a lone surrogate in the text and the title (UTF-8 cannot encode it)
        "surrogates.jsonl": b'{"id": "s1", "title": "Tide \\ud800 tables", "text": "The tide tables of '
                            b'Port Mara \\ud800 were corrected by the harbour master."}\n',
        # null ids twice, a missing id equal to a real one, and an id used twice
        "ids.jsonl": _jsonl({"id": None, "text": "The orchard of Bellvue harvested its first cider apples."},
                            {"id": None, "text": "The orchard of Bellvue opened a cider press."},
                            {"text": "The choir of Bellvue sang at the harvest festival."},
                            {"id": "3", "text": "The bakery of Bellvue baked a giant apple pie."},
                            {"id": 3, "text": "A second record claiming to be the bakery story."}),
        "cut.jsonl.gz": whole[:len(whole) // 2],  # truncated mid-stream
        "junk.jsonl.gz": b"\x1f\x8b\x08\x00 not deflate at all " * 4,
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "empty.txt": b"",
    }
    warnings = {
        "relative.jsonl": [f"relative.jsonl:{n}: published ignored" for n in (1, 2, 3, 4)],
        "surrogates.jsonl": ["surrogates.jsonl:1: invalid Unicode in the text replaced by U+FFFD"],
        "ids.jsonl": ["ids.jsonl:5: skipped (read: id '3' is already the record of line 4)"],
        "cut.jsonl.gz": ["cut.jsonl.gz: skipped (read: unreadable (EOFError"],
        "junk.jsonl.gz": ["junk.jsonl.gz: skipped (read: unreadable ("],
        "binary.txt": ["binary.txt: skipped (read: binary data, not text)"],
        "empty.txt": ["empty.txt: skipped (read: no article text)"],
    }
    answers = [
        ("When did the harbour bridge of Valmora carry its first cars?", None, "first cars"),
        ("When will the Dunmore ski lifts reopen?", None, "next winter"),
        ("When did the lighthouse keeper of Skerra retire?", "9999-12-31", "lighthouse keeper"),
        ("What happened to the granary of Ostmark?", None, "granary of Ostmark burned"),
        ("What did the ferry to Karso change?", None, "timetable"),
        ("What was corrected in Port Mara?", None, "tide tables of Port Mara \ufffd"),
        ("What did the orchard of Bellvue harvest?", None, "first cider apples"),
        ("What did the orchard of Bellvue open?", None, "cider press"),
        ("What did the bakery of Bellvue bake?", None, "giant apple pie"),
        ("Which pier stays closed?", None, "pier of Port Ellen"),
    ]
    return BadInputs(files, warnings, 5, answers)
