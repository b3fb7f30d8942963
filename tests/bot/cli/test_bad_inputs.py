"""Issue 12, done when: every input that once failed a whole build, side by side with good articles in one
`briefbot index`, gives exit 0, a warning naming each bad one, and answers from the good ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.helpers import bad_inputs, run_cli


def test_one_index_of_bad_inputs_beside_good_ones(data_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    bad = bad_inputs()
    folder = tmp_path / "briefings"
    folder.mkdir()
    for name, data in bad.files.items():
        (folder / name).write_bytes(data)
    (folder / "notes.txt").write_text("The museum of Valmora reopened after repairs to its roof.")
    (folder / "manifest.toml").write_text('"notes.txt" = "x"\n["good.txt"]\npublisher = "Valmora Courier"\n')

    code, out, err = run_cli(capsys, "index", "--source", str(folder), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["skipped"] == bad.skipped == len(report["skipped_documents"])
    for expected in [*(w for ws in bad.warnings.values() for w in ws),
                     "manifest.toml: entry 'notes.txt' is not a table of fields; ignored"]:
        assert expected in err, expected
    for question, as_of, words in bad.answers:
        code, out, _ = run_cli(capsys, "ask", question, "--json", *(["--as-of", as_of] if as_of else []))
        answer = json.loads(out)
        assert code == 0 and answer["answered"], question
        assert any(words in p["quote"] for p in answer["passages"]), (question, answer["passages"][:1])
    good = json.loads(run_cli(capsys, "ask", bad.answers[0][0], "--json")[1])["passages"][0]["source"]
    assert (good["title"], good["publisher"], good["published"]) == (
        "Harbour bridge opens", "Valmora Courier", "2025-03-03")  # headline, manifest, dateline

    (folder / "gone.txt").symlink_to(folder / "missing.txt")  # a failure no reader foresees
    (folder / "more.txt").write_text("The Valmora tram got new carriages.")  # the folder changed: read again
    assert main(["index", "--debug"]) == 0
    err = capsys.readouterr().err
    assert "gone.txt: skipped (read: cannot read (No such file or directory))" in err
    assert "Traceback" in err and "FileNotFoundError" in err  # --debug: the skipped file's traceback
