"""The registry of readers: a new kind of source is one module that declares its name, what it accepts and
how it reads; the core then reads it in folders and single files, and accepts it where it accepts files."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

import index.readers
from index.library import Library
from index.readers import file_reader, readable_suffixes, source_kinds, web_kinds
from index.readers.files import read_source

# A whole new file format, as one module: CSV exports of a newsroom tool, one article a row.
CSV_MODULE = '''
    """Articles as CSV rows: `id,title,published,text`."""

    import csv

    from index.readers import FileInput, register
    from index.sources import Articles


    class CsvArticles:
        name = "csv"
        suffixes = (".csv",)

        def read(self, file: FileInput, articles: Articles) -> None:
            with file.path.open(newline="", encoding="utf-8") as rows:
                for row in csv.DictReader(rows):
                    articles.add(doc_id=f"{file.doc_id}#{row['id']}", where=str(file.path), name=file.name,
                                 text=row["text"], title=row["title"], published=row["published"])


    register(CsvArticles())
'''


@pytest.fixture
def csv_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSV module written to a folder of its own and imported; the registry is restored afterwards."""
    monkeypatch.setattr(index.readers, "_FILE_READERS", dict(index.readers._FILE_READERS))
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "csv_articles.py").write_text(textwrap.dedent(CSV_MODULE))
    monkeypatch.syspath_prepend(str(plugins))
    importlib.import_module("csv_articles")
    yield
    sys.modules.pop("csv_articles", None)


def test_the_built_in_kinds() -> None:
    assert source_kinds() == ("folder", "file", "url", "feed") and web_kinds() == ("url", "feed")
    assert sorted(readable_suffixes()) == [".htm", ".html", ".jsonl", ".jsonl.gz", ".md", ".txt"]
    assert file_reader(Path("a/B.JSONL.GZ")).name == "jsonl"  # the longest ending, any case
    assert file_reader(Path("notes.gz")) is None


def test_a_new_file_kind_is_one_module(csv_kind: None, tmp_path: Path) -> None:
    assert ".csv" in readable_suffixes() and file_reader(Path("export.csv")).name == "csv"
    news = tmp_path / "news"
    news.mkdir()
    (news / "export.csv").write_text(
        "id,title,published,text\n"
        "1,Ferry resumes,2025-03-03,The ferry to Dunmore resumed its crossings on Monday after the storm.\n"
        "2,Choir wins,yesterday,The school choir of Dunmore won the regional contest.\n")
    result = read_source(news)
    assert [(d.id, d.title, d.published) for d in result.documents] == [
        ("news/export.csv#1", "Ferry resumes", "2025-03-03"), ("news/export.csv#2", "Choir wins", None)]
    assert any("published ignored" in w for w in result.warnings)  # the shared rules apply to it too

    library = Library(tmp_path / "data", default_sources=[news / "export.csv"])
    answer = library.ask("When did the ferry to Dunmore resume its crossings?")
    assert answer.answered and answer.passages[0].source.title == "Ferry resumes"
    assert library.sources()[0].kind == "file"


def test_without_the_module_the_kind_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text("id,title,published,text\n1,T,2025-03-03,Text.\n")
    result = read_source(tmp_path / "export.csv")
    assert result.documents == [] and "unsupported file type" in result.skipped[0].reason
