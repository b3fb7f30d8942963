"""A damaged index at rest (bytes flipped by a failing disk, garbage over the pointer): found when it is
opened, one line that says to run `briefbot index --rebuild`, and that rebuild always recovers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from index.library import Library
from index.store.generations import CURRENT, Generations
from tests.index.store.engine_cases import flip_bytes_mid_file

QUESTION = "When will Putin travel to North Korea?"
SEED_SENTENCE = "Putin will travel to North Korea on Tuesday"


def _flip(victim: str):
    def damage(data_dir: Path) -> None:
        flip_bytes_mid_file(Generations(data_dir).current() / victim)
    return damage


def _garbage_pointer(data_dir: Path) -> None:
    (data_dir / CURRENT).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe" * 8)


@pytest.mark.parametrize("damage", [
    _flip("seg-000001/index.sqlite3"), _flip("seg-000001/bm25/vocab.index.json"),
    _flip("seg-000001/bm25/data.csc.index.npy"),
    _garbage_pointer,
], ids=["sqlite-flipped", "bm25-vocabulary-flipped", "bm25-scores-flipped", "pointer-garbage"])
def test_damage_is_one_line_that_says_rebuild_and_rebuild_recovers(
    seed_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], damage,
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_library.data_dir, data_dir)
    monkeypatch.delenv("BRIEFBOT_CONFIG", raising=False)
    damage(data_dir)
    for argv in (["ask", QUESTION], ["index"], ["timeline"]):
        assert main([*argv, "--data-dir", str(data_dir)]) == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert err.startswith("briefbot: error: ") and "damaged" in err
        assert err.rstrip().endswith("run `briefbot index --rebuild` to rebuild it from the sources"), err

    assert main(["index", "--rebuild", "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    assert main(["ask", QUESTION, "--data-dir", str(data_dir)]) == 0
    assert SEED_SENTENCE in capsys.readouterr().out
    assert Generations(data_dir).current().name == "gen-000002"  # a new generation, written whole
