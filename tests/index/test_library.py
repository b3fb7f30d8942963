from pathlib import Path

import pytest

from index.library import Library
from index.registry import RegistryError
from index.store import StoreError


def test_reindex_only_some_sources(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, text in ((one, "The ferry to the island runs twice a day."),
                         (two, "The mountain railway closes for the winter.")):
        folder.mkdir()
        (folder / "a.txt").write_text(text)
    library = Library(tmp_path / "data", default_sources=[one, two])
    library.searcher()
    (one / "a.txt").write_text("The ferry to the island now runs four times a day.")
    (two / "a.txt").write_text("The mountain railway stays open all winter.")
    report = library.reindex(only={"one"}).report
    assert (report.changed, report.removed) == (["one/a.txt"], [])
    texts = {d.source: d.text for d in library.searcher().store.source_documents("one")
             + library.searcher().store.source_documents("two")}
    assert texts == {"one": "The ferry to the island now runs four times a day.",
                     "two": "The mountain railway closes for the winter."}
    with pytest.raises(RegistryError, match="no source named nope"):
        library.reindex(only={"nope"})


def test_an_unchanged_reindex_never_loads_the_model(seed_library: Library, tmp_path: Path) -> None:
    import shutil

    from index.embed import Embedder
    from tests.helpers import SEEDS

    shutil.copytree(seed_library.data_dir, tmp_path / "data")
    library = Library(tmp_path / "data", default_sources=[SEEDS], embedder_factory=Embedder)
    report = library.reindex().report
    assert (report.generation, report.embedded) == (None, 0)
    assert not library.embedder.loaded
    assert library.ask("When will Putin travel to North Korea?").answered and library.embedder.loaded


def test_a_failed_source_add_registers_nothing_and_a_retry_succeeds(tmp_path: Path) -> None:
    base, extra = tmp_path / "base", tmp_path / "extra"
    for folder, text in ((base, "The ferry to the island runs twice a day."),
                         (extra, "The mountain railway closes for the winter.")):
        folder.mkdir()
        (folder / "a.txt").write_text(text)
    library = Library(tmp_path / "data", default_sources=[base])
    library.searcher()
    registered = library.registry.list()
    with library.engine.writer(), pytest.raises(StoreError, match="another index build is already running"):
        library.add_and_index(str(extra), name="extra")  # as if another process were building
    assert library.registry.list() == registered
    entry, result = library.add_and_index(str(extra), name="extra")
    assert (entry.name, entry.documents, result.report.added) == ("extra", 1, ["extra/a.txt"])
