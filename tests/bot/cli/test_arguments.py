"""The command line's grammar: global options anywhere, argument errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.helpers import run_cli


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
    code, out, _ = run_cli(capsys, "ask", "Will Putin travel to North Korea?", "--as-of", "2024-06-01",
                           "--json")
    assert code == 0 and json.loads(out)["answered"] is False
    with pytest.raises(SystemExit) as exit_:
        main(["ask", "When will Putin travel to North Korea?", "--as-of", "June 1"])
    assert exit_.value.code == 2
    assert "argument --as-of: invalid day value: 'June 1'" in capsys.readouterr().err
