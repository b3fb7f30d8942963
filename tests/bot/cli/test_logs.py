"""What reaches stderr beside a command's output: the project's warnings; libraries' messages only with
--debug."""

from __future__ import annotations

import argparse
import logging
import warnings

import pytest

from bot.cli import commands
from bot.settings import Settings
from tests.helpers import run_cli


def noisy_sources(args: argparse.Namespace, settings: Settings) -> int:
    """A command during which libraries log and warn, and the project warns once."""
    logging.getLogger("discord.client").warning("PyNaCl is not installed, voice will NOT be supported")
    logging.getLogger("trafilatura.core").error("empty HTML tree: None")
    warnings.warn("a dependency's deprecation", FutureWarning, stacklevel=1)
    logging.getLogger("index.fetch").warning("https://example.org/feed: kept the last copy (HTTP 503)")
    logging.getLogger("index.fetch").info("downloaded 3 pages")
    print("the output")
    return 0


@pytest.fixture
def noisy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(commands.COMMANDS, "sources", noisy_sources)


def test_a_command_shows_the_projects_warnings_only(noisy: None, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run_cli(capsys, "sources")
    assert (code, out) == (0, "the output\n")
    assert err == "briefbot: warning: https://example.org/feed: kept the last copy (HTTP 503)\n"


def test_debug_shows_the_libraries_messages_too(noisy: None, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run_cli(capsys, "sources", "--debug")
    assert code == 0
    for text in ("voice will NOT be supported", "empty HTML tree", "a dependency's deprecation",
                 "kept the last copy", "downloaded 3 pages"):
        assert text in err
    assert "\x1b[" not in err  # no colour codes


def test_the_process_logging_is_left_as_it_was(noisy: None, capsys: pytest.CaptureFixture) -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    run_cli(capsys, "sources", "--debug")
    assert (list(root.handlers), root.level) == before
