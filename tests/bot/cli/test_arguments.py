"""The command line's grammar: global options anywhere, argument errors, help pages and the version."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.arguments import parser
from tests.helpers import ROOT, run_cli


@pytest.mark.parametrize("argv", [
    ["--data-dir", "{data}", "--config", "{config}", "--json", "sources"],
    ["sources", "--data-dir", "{data}", "--config", "{config}", "--json"],
    ["--json", "--config", "{config}", "source", "list", "--data-dir", "{data}"],
])
def test_global_options_before_or_after_the_command(
    argv: list[str], data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
) -> None:
    """`--data-dir`, `--config` and `--json` count wherever they are (before the command they were reset)."""
    chosen, folder, config = tmp_path / "chosen", tmp_path / "notes", tmp_path / "briefbot.toml"
    folder.mkdir()
    (folder / "a.txt").write_text("The ferry to the island runs twice a day in winter.")
    config.write_text(f'[sources]\npaths = ["{folder}"]\n', encoding="utf-8")
    code, out, _ = run_cli(capsys, *(a.format(data=chosen, config=config) for a in argv))
    assert code == 0
    [entry] = json.loads(out)
    assert (entry["name"], entry["location"]) == ("notes", str(folder))
    assert chosen.exists() and not data_dir.exists()


def test_ask_as_of_a_day_before_the_briefings(data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    for day in ("2024-06-01", "0001-01-01"):  # the first day of the calendar too (issue 12)
        code, out, _ = run_cli(capsys, "ask", "Will Putin travel to North Korea yesterday?", "--as-of", day,
                               "--json")
        assert code == 0 and json.loads(out)["answered"] is False
    with pytest.raises(SystemExit) as exit_:
        main(["ask", "When will Putin travel to North Korea?", "--as-of", "June 1"])
    assert exit_.value.code == 2
    assert "argument --as-of: invalid day value: 'June 1'" in capsys.readouterr().err


def help_pages() -> dict[str, str]:
    """`briefbot --help` and every command's help page (`source add` too), by command."""
    pages: dict[str, str] = {}

    def walk(page: argparse.ArgumentParser, command: str) -> None:
        pages[command] = page.format_help()
        for action in page._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{command} {name}")

    walk(parser(), "briefbot")
    return pages


def library_names() -> set[str]:
    """The names of the libraries the product runs on (distributions and the modules they install), but
    the two a user meets by name: Discord, and FAISS as a value of the [store] engine setting."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    distributions = {re.match(r"[A-Za-z0-9._-]+", d)[0].lower() for d in project["dependencies"]}
    modules = {module.lower() for module, owners in packages_distributions().items()
               if any(owner.lower() in distributions for owner in owners)}
    return (distributions | modules) - {"discord", "faiss"}


# Words of the project's own process, never of the product.
PROCESS_WORDS = {"issue", "issues", "todo", "stub"}


def test_help_and_version_work_and_name_nothing_but_the_product(capsys: pytest.CaptureFixture) -> None:
    briefbot = Path(sys.executable).parent / "briefbot"
    top = subprocess.run([str(briefbot), "--help"], capture_output=True, text=True, check=True)
    assert top.stderr == "" and "briefbot ask" in top.stdout and "--version" in top.stdout
    shown = subprocess.run([str(briefbot), "--version"], capture_output=True, text=True, check=True)
    assert shown.stdout == f"briefbot {version('briefbot')}\n"

    pages = help_pages()
    assert {"briefbot ask", "briefbot source add", "briefbot run"} <= set(pages)
    for command in pages:
        with pytest.raises(SystemExit) as exit_:
            main([*command.split()[1:], "--help"])
        assert exit_.value.code == 0 and capsys.readouterr().out == pages[command]
    code, payload, _ = run_cli(capsys, "commands", "--json")
    assert code == 0
    descriptions = re.findall(r'"description": "([^"]*)"', payload)  # the slash commands' and options'
    assert len(descriptions) > 10

    names = library_names() | PROCESS_WORDS
    assert {"torch", "onnxruntime", "trafilatura", "discord.py", "bm25s", "stemmer"} <= names
    for text in [*pages.values(), *descriptions]:
        words = set(re.findall(r"[a-z0-9][a-z0-9._-]*[a-z0-9]", text.lower()))
        assert not words & names, text
