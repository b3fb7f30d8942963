"""Fusion tuning: article diversity in the answer."""

import dataclasses
from pathlib import Path

from index.library import Library
from index.search import SearchSettings


def test_one_article_does_not_crowd_out_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    long_story = "\n\n".join(
        f"The river dam project reached stage {i}. Engineers said the dam on the river is nearly done."
        for i in range(8))
    (folder / "a.txt").write_text(long_story)
    (folder / "b.txt").write_text("Engineers said the new dam on the river will open next spring.")
    (folder / "manifest.toml").write_text('["a.txt"]\npublisher = "One"\n["b.txt"]\npublisher = "Two"\n')
    library = Library(tmp_path / "data", default_sources=[folder], max_words=20)
    searcher = library.searcher()
    answer = searcher.ask("When will the dam on the river open?", k=2)
    assert {h.source.publisher for h in answer.passages} == {"One", "Two"}
    searcher.settings = dataclasses.replace(SearchSettings(), diverse_documents=False)
    rows = [row for row, _ in searcher.rank("When will the dam on the river open?", 9)]
    assert len(rows) == 9

