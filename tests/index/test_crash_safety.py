"""Faults while indexing: `kill -9` at any point, a full disk, a read-only or misplaced data directory.

The promise (index/store/generations.py): a build writes a whole new generation aside and swaps the
CURRENT pointer atomically, so whatever happens to it, the previous index keeps answering, the next build
succeeds and removes the leftovers, and the user gets one line saying what failed and where (never a
traceback).

The builds run in child processes (`tests/index/crash_child.py`: the real `briefbot` CLI with a stand-in
embedder that replays real vectors, so a child starts in about a second instead of loading the model).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from index.library import Library
from index.store.generations import CURRENT, Generations
from tests.helpers import QUESTION, ROOT, SEED_SENTENCE, SEEDS

CHILD_TIMEOUT = 60  # seconds; a child takes about one

# Kill points in build order (see crash_child.py); from "swapped" on, the new generation is current.
POINTS = ["passages", "embedding", "sqlite", "bm25", "fsync", "renamed", "pointer", "swapped"]


@pytest.fixture
def data_dir(seed_library: Library, tmp_path: Path) -> Path:
    """A copy of the seed index (one generation), free to damage."""
    target = tmp_path / "data"
    shutil.copytree(seed_library.data_dir, target)
    return target


def config_for(data_dir: Path) -> Path:
    """A config file naming `data_dir` and the seeds, as the child's CLI reads it."""
    path = data_dir.parent / "briefbot.toml"
    path.write_text(f'data_dir = "{data_dir}"\n[sources]\npaths = ["{SEEDS}"]\n', encoding="utf-8")
    return path


def child(vectors: Path, point: str, *cli: str, fsize: int = 0, prefix: tuple[str, ...] = ()) -> list[str]:
    return [*prefix, sys.executable, "-m", "tests.index.crash_child", str(vectors), point, str(fsize), *cli]


def run_child(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=CHILD_TIMEOUT)


def assert_answers(data_dir: Path) -> None:
    """A fresh process's view of `data_dir` (a new `Library`) answers from the seed passages."""
    answer = Library(data_dir, default_sources=[SEEDS]).ask(QUESTION)
    assert answer.answered and SEED_SENTENCE in answer.passages[0].quote


def assert_no_leftovers(data_dir: Path) -> None:
    """Only the current generation and at most one older one; no temporary folders or pointer."""
    current = Generations(data_dir).current()
    assert current is not None and current.is_dir()
    assert not list(data_dir.glob("gen-*.tmp")) and not (data_dir / f"{CURRENT}.tmp").exists()
    generations = sorted(p.name for p in data_dir.glob("gen-*"))
    assert generations[-1] == current.name and len(generations) <= 2


def assert_one_line_error(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    assert result.returncode == 1, result.stderr
    error = result.stderr.strip()
    print(error)  # shown with -s: the message as the user sees it
    assert "Traceback" not in error and len(error.splitlines()) == 1, error
    assert error.startswith("briefbot: error: ")
    for phrase in phrases:
        assert phrase in error, error
    return error


def test_kill_9_at_any_point_keeps_an_answering_index(
    seed_library: Library, vectors: Path, tmp_path: Path,
) -> None:
    """One child per kill point, run side by side (each on its own copy of the index) to save time."""
    before = Generations(seed_library.data_dir).current()
    assert before is not None
    children: dict[str, tuple[Path, subprocess.Popen[str]]] = {}
    for point in POINTS:
        data_dir = tmp_path / point / "data"
        shutil.copytree(seed_library.data_dir, data_dir)
        command = child(vectors, point, "index", "--rebuild", "--config", str(config_for(data_dir)))
        children[point] = data_dir, subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.PIPE, text=True)
    outcomes = {point: (process.wait(CHILD_TIMEOUT), process.communicate()[1])
                for point, (_, process) in children.items()}

    for point, (data_dir, _) in children.items():
        code, stderr = outcomes[point]
        assert code == -signal.SIGKILL, f"{point}: {stderr}"
        after = Generations(data_dir).current()
        assert after is not None
        if POINTS.index(point) < POINTS.index("swapped"):
            assert after.name == before.name, point  # never swapped: the previous generation answers
        else:
            assert after.name > before.name, point  # the new generation is complete and current
        assert_answers(data_dir)

        # The next `briefbot index` (here in-process) succeeds and removes what the killed build left.
        Library(data_dir, default_sources=[SEEDS]).reindex()
        assert_no_leftovers(data_dir)
        assert_answers(data_dir)


# Kill points of an incremental add (a new source's document) and of the merge that follows it.
ADD_POINTS = ["sqlite", "bm25", "link", "fsync", "pointer", "swapped"]
MERGE_POINTS = ["merge-sqlite", "merge-bm25", "merge-fsync", "merge-pointer", "merge-swapped"]


def test_kill_9_during_an_add_or_a_merge_keeps_an_answering_index(
    seed_library: Library, vectors: Path, tmp_path: Path,
) -> None:
    """`briefbot index --source NEW` commits one new segment (the previous ones linked), then a merge of
    every segment is forced; a kill at any point of either leaves the previous state or the new one."""
    before = Generations(seed_library.data_dir).current()
    assert before is not None
    extra = tmp_path / "extra"
    extra.mkdir()
    seed_file = sorted(SEEDS.glob("*.txt"))[0]
    # The same text as a seed article: its passages' vectors are reused, the child embeds nothing.
    shutil.copyfile(seed_file, extra / "copy.txt")
    children: dict[str, tuple[Path, subprocess.Popen[str]]] = {}
    for point in ADD_POINTS + MERGE_POINTS:
        data_dir = tmp_path / point / "data"
        shutil.copytree(seed_library.data_dir, data_dir)
        config = config_for(data_dir)
        command = child(vectors, point, "index", "--source", str(extra), "--config", str(config))
        children[point] = data_dir, subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.PIPE, text=True)
    outcomes = {point: (process.wait(CHILD_TIMEOUT), process.communicate()[1])
                for point, (_, process) in children.items()}

    for point, (data_dir, _) in children.items():
        code, stderr = outcomes[point]
        assert code == -signal.SIGKILL, f"{point}: {stderr}"
        after = Generations(data_dir).current()
        assert after is not None
        number = int(after.name.removeprefix("gen-")) - int(before.name.removeprefix("gen-"))
        # The add's commit is generation +1, the merge's +2; each is current once its pointer is swapped.
        expected = {"swapped": 1, "merge-swapped": 2}.get(point, 1 if point.startswith("merge-") else 0)
        assert number == expected, point
        library = Library(data_dir, default_sources=[SEEDS])
        assert ("extra/copy.txt" in library.searcher().store.documents) == (number > 0), point
        assert_answers(data_dir)

        library.reindex()  # the next `briefbot index` succeeds and removes what the killed one left
        assert "extra/copy.txt" in library.searcher().store.documents
        assert_no_leftovers(data_dir)
        assert_answers(data_dir)


def test_kill_9_from_outside_while_the_generation_is_written(data_dir: Path, vectors: Path) -> None:
    """A real `kill -9` from another process, as soon as the build's temporary generation appears."""
    before = Generations(data_dir).current()
    command = child(vectors, "none", "index", "--rebuild", "--config", str(config_for(data_dir)))
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + CHILD_TIMEOUT
        # Nothing to await across processes: poll the folder (a build writes for ~100 ms).
        while process.poll() is None and not list(data_dir.glob("gen-*.tmp")):
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.001)
        process.kill()
    finally:
        process.wait(CHILD_TIMEOUT)
        assert process.stderr is not None
        process.stderr.close()
    # Killed while writing (the usual case) or, on a slow poll, already done: either way whole.
    assert Generations(data_dir).current() in (before, *data_dir.glob("gen-*[0-9]"))
    assert_answers(data_dir)
    Library(data_dir, default_sources=[SEEDS]).reindex()
    assert_no_leftovers(data_dir)


def test_disk_full_is_one_clear_line_and_the_old_index_answers(data_dir: Path, vectors: Path) -> None:
    """RLIMIT_FSIZE makes every write past 16 kB fail (EFBIG), as a full disk would, mid-build."""
    before = Generations(data_dir).current()
    result = run_child(child(vectors, "none", "index", "--rebuild", "--config", str(config_for(data_dir)),
                             fsize=16 * 1024))
    assert_one_line_error(result, f"cannot write the new index in {data_dir}", "the previous index is still "
                          "in use")
    assert "disk" in result.stderr  # "the disk is full" or "... (or the disk is full)"
    assert Generations(data_dir).current() == before
    assert not list(data_dir.glob("gen-*.tmp"))  # nothing half-written left to fill the disk further
    assert_answers(data_dir)


def test_data_dir_that_is_a_file_or_under_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BRIEFBOT_CONFIG", raising=False)
    monkeypatch.delenv("BRIEFBOT_DATA_DIR", raising=False)
    afile = tmp_path / "not-a-folder"
    afile.write_text("x")
    for data_dir, reason in [(afile, "it exists and is not a folder"),
                             (afile / "data", "a part of the path is a file, not a folder")]:
        for argv in (["index"], ["ask", QUESTION]):
            assert main([*argv, "--data-dir", str(data_dir)]) == 1
            error = capsys.readouterr().err.strip()
            assert error == f"briefbot: error: cannot access {data_dir}: {reason}", error


def _read_only(data_dir: Path) -> tuple[str, ...]:
    """A prefix that runs a command with `data_dir` bind-mounted read-only in a private mount namespace
    (works as root, where chmod would not stop writes); skips the test where namespaces are unavailable."""
    script = f'mount --bind "{data_dir}" "{data_dir}" && mount -o remount,bind,ro "{data_dir}" && exec "$@"'
    prefix = ("unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh")
    if shutil.which("unshare") is None or subprocess.run(
            [*prefix, "test", "!", "-w", str(data_dir / CURRENT)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only bind mount here (needs unshare with user namespaces)")
    return prefix


def test_read_only_data_dir_still_answers_and_index_fails_clearly(data_dir: Path, vectors: Path) -> None:
    prefix = _read_only(data_dir)
    before = Generations(data_dir).current()
    asked = run_child(child(vectors, "none", "ask", QUESTION, "--data-dir", str(data_dir), prefix=prefix))
    assert asked.returncode == 0, asked.stderr
    assert SEED_SENTENCE in asked.stdout
    result = run_child(child(vectors, "none", "index", "--rebuild", "--config", str(config_for(data_dir)),
                             prefix=prefix))
    assert_one_line_error(result, "read-only")
    assert Generations(data_dir).current() == before
    assert_answers(data_dir)
