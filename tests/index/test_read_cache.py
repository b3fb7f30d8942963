"""An unchanged source is not read again (`index.read_cache`): same files (by size and time, or by SHA-1
after a touch), and the index still holds what it gave; anything else reads it again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import index.library
from index.library import Library
from index.read_cache import FILE

TEXTS = {
    "harbour.txt": "The harbour terminal opened on June 1, 2024. Cargo ships from Asia docked there first.",
    "budget.txt": "Parliament passed the budget on Friday. The vote was close.",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "briefings"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the sources read from their files, in order."""
    seen: list[str] = []
    read = index.library._read_path

    def counted(entry):
        seen.append(entry.name)
        return read(entry)

    monkeypatch.setattr(index.library, "_read_path", counted)
    return seen


def test_an_unchanged_source_is_not_read_again(folder: Path, tmp_path: Path, reads: list[str]) -> None:
    library = Library(tmp_path / "data", default_sources=[folder])
    first = library.reindex().report
    assert reads == ["briefings"] and first.documents == 2
    again = library.reindex().report
    assert reads == ["briefings"]  # not read
    assert (again.generation, again.documents, again.added, again.removed) == (None, 2, [], [])
    assert library.ask("Who passed the budget?").answered

    # A fresh process (a new Library) knows it too.
    fresh = Library(tmp_path / "data", default_sources=[folder])
    assert fresh.reindex().report.generation is None and reads == ["briefings"]
    # A rebuild reads everything, whatever the record says.
    assert fresh.reindex(rebuild=True).report.generation is not None and reads == ["briefings"] * 2


def test_a_touched_file_is_recognised_by_its_content(folder: Path, tmp_path: Path, reads: list[str]) -> None:
    library = Library(tmp_path / "data", default_sources=[folder])
    library.reindex()
    stat = (folder / "budget.txt").stat()
    os.utime(folder / "budget.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert library.reindex().report.generation is None and reads == ["briefings"]


CHANGES = ["edit", "add", "remove", "other record", "garbage record"]


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_reads_the_source_again(
    folder: Path, tmp_path: Path, reads: list[str], change: str,
) -> None:
    library = Library(tmp_path / "data", default_sources=[folder])
    library.reindex()
    if change == "edit":
        (folder / "budget.txt").write_text("Parliament rejected the budget on Friday.", encoding="utf-8")
    elif change == "add":
        (folder / "storm.txt").write_text("A storm flooded the harbour district overnight.", encoding="utf-8")
    elif change == "remove":
        (folder / "harbour.txt").unlink()
    elif change == "other record":
        (tmp_path / "data" / FILE).write_text('{"briefings": {"location": "elsewhere"}}')
    elif change == "garbage record":
        (tmp_path / "data" / FILE).write_bytes(b"\x00\xff not json")
    reads.clear()
    report = library.reindex().report
    assert reads == ["briefings"]
    expected = {"edit": (["briefings/budget.txt"], []), "add": ([], []),
                "remove": ([], ["briefings/harbour.txt"])}
    if change in expected:
        assert (report.changed, report.removed) == expected[change]
    if change == "add":
        assert report.added == ["briefings/storm.txt"]
    assert library.reindex().report.generation is None and reads == ["briefings"]  # then recorded again


def test_a_document_that_cannot_be_cut_does_not_make_its_source_read_again(
    folder: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    import index.build

    cut = index.build.make_passages

    def failing(doc_id: str, *args, **kwargs):
        if doc_id.endswith("budget.txt"):
            raise ValueError("cannot cut")
        return cut(doc_id, *args, **kwargs)

    monkeypatch.setattr(index.build, "make_passages", failing)
    library = Library(tmp_path / "data", default_sources=[folder])
    assert [s.where for s in library.reindex().report.skipped] == ["briefings/budget.txt"]
    assert library.reindex().report.generation is None and reads == ["briefings"]  # it would fail again


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The generations opened (snapshots of the index), in order."""
    from index.store.faiss_engine import FaissEngine

    seen: list[str] = []
    open_ = FaissEngine.open

    def counted(self, model: str, dim: int):
        snapshot = open_(self, model, dim)
        seen.append(snapshot.name)
        return snapshot

    monkeypatch.setattr(FaissEngine, "open", counted)
    return seen


def test_an_unchanged_reindex_of_the_state_recorded_does_not_open_the_index(
    folder: Path, tmp_path: Path, reads: list[str], opened: list[str],
) -> None:
    first = Library(tmp_path / "data", default_sources=[folder]).reindex().report
    opened.clear()
    again = Library(tmp_path / "data", default_sources=[folder]).reindex().report
    assert opened == [] and reads == ["briefings"]
    assert (again.generation, again.documents, again.passages) == (None, first.documents, first.passages)


def test_another_state_or_passage_size_opens_the_index(
    folder: Path, tmp_path: Path, reads: list[str], opened: list[str],
) -> None:
    Library(tmp_path / "data", default_sources=[folder]).reindex()
    record = (tmp_path / "data" / FILE).read_bytes()
    # The index changed since the record was written (a rebuild, its record lost): the record does not
    # describe the current state.
    Library(tmp_path / "data", default_sources=[folder]).reindex(rebuild=True)
    (tmp_path / "data" / FILE).write_bytes(record)
    opened.clear()
    assert Library(tmp_path / "data", default_sources=[folder]).reindex().report.generation is None
    assert opened and reads == ["briefings"] * 2  # opened to compare, not read
    # Passages of another size: read and cut again, though no file changed.
    assert Library(tmp_path / "data", default_sources=[folder], max_words=8).reindex().report.generation
    assert reads == ["briefings"] * 3
