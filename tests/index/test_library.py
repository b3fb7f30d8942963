from pathlib import Path

import pytest

from index.library import Library
from index.registry import RegistryError


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
