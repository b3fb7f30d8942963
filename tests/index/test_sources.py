import gzip
import json
from pathlib import Path

import pytest

from index.readers.files import read_source
from index.sources import SourceError
from tests.helpers import SEEDS


def test_seeds_carry_manifest_metadata() -> None:
    docs = {d.id: d for d in read_source(SEEDS).documents}
    scmp = docs["seeds/002_1af863bfc7ff0215.txt"]
    assert scmp.publisher == "South China Morning Post"
    assert scmp.title.startswith("Chinese senior officials' South Korea trip")
    assert scmp.published == "2024-06-17"
    benzinga = docs["seeds/000_d118e415474155d3.txt"]
    assert benzinga.publisher == "Benzinga"
    assert benzinga.title == "000_d118e415474155d3.txt (untitled)"  # no headline: its lede is no title


def test_jsonl_articles_with_aliases_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        {"id": "a1", "title": "T", "url": "https://example.org/a1", "publisher": "P",
         "published": "2024-06-17", "text": "Body one."},
        {"doc_id": "b2", "domain": "cnn.com", "publish_date": "June 3, 2022", "text": "Body two."},
        "not json",
        {"id": "c3"},
    ]
    path = tmp_path / "feed.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for line in lines:
            out.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    result = read_source(path)
    assert [(d.id, d.publisher, d.published) for d in result.documents] == [
        ("feed/feed.jsonl.gz#a1", "P", "2024-06-17"), ("feed/feed.jsonl.gz#b2", "cnn.com", "2022-06-03"),
    ]
    assert result.documents[0].url == "https://example.org/a1"
    assert [(Path(s.where).name, s.reason) for s in result.skipped] == [
        ("feed.jsonl.gz:3", "not JSON (Expecting value)"), ("feed.jsonl.gz:4", 'no "text" string')]


def test_html_goes_through_trafilatura(tmp_path: Path) -> None:
    body = " ".join(["The council approved the new budget on Monday after a long debate."] * 5)
    (tmp_path / "page.html").write_text(
        "<html><head><title>Budget passes</title><meta property='og:site_name' content='City News'></head>"
        f"<body><nav>Home | World | Sport</nav><article><h1>Budget passes</h1><p>{body}</p></article>"
        "<footer>Copyright 2024 City News</footer></body></html>"
    )
    [doc] = read_source(tmp_path).documents
    assert doc.title == "Budget passes"
    assert "The council approved the new budget" in doc.text
    assert "Home | World" not in doc.text and "Copyright" not in doc.text


def test_markdown_heading_is_the_title(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("# Port reopens\n\nThe port reopened on Friday.\n")
    [doc] = read_source(tmp_path).documents
    assert (doc.title, doc.text) == ("Port reopens", "The port reopened on Friday.")


def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A fine article about the harbour.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("Le café a ouvert à Genève.".encode("latin-1"))
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    result = read_source(tmp_path)
    texts = {Path(d.id).name: d.text for d in result.documents}
    assert texts == {
        "good.txt": "A fine article about the harbour.", "latin1.txt": "Le café a ouvert à Genève.",
    }
    assert "latin1.txt: not UTF-8, read as Windows-1252" in "\n".join(result.warnings)
    assert sorted(str(s).removeprefix(f"{tmp_path}/") for s in result.skipped) == [
        "binary.txt: skipped (read: binary data, not text)",
        "dangling.txt: skipped (read: cannot read (No such file or directory))",
        "empty.txt: skipped (read: no article text)",
    ]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        read_source(tmp_path / "nope")


def _jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


# --- published: a calendar date or nothing ---------------------------------------------------------------

@pytest.mark.parametrize(("published", "expected"), [
    ("2024-06-17", "2024-06-17"), ("2024-06-17T23:30:00Z", "2024-06-17"), ("June 3, 2022", "2022-06-03"),
    ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05"), ("9999-12-31", "9999-12-31"),
    ("0001-01-01", "0001-01-01"),
])
def test_published_is_a_calendar_date(tmp_path: Path, published: str, expected: str) -> None:
    _jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "The ferry ran.", "published": published}])
    result = read_source(tmp_path)
    assert result.documents[0].published == expected and result.warnings == []


@pytest.mark.parametrize("published", ["yesterday", "in 3 days", "tomorrow", "Tuesday", "Christmas", "now",
                                       "3 days ago", "June 2022", "March 3", -1, 1e308, "1e308", "-1", True,
                                       [2024, 6, 17], {"y": 2024}])
def test_clock_relative_or_absurd_dates_are_refused_with_a_warning(tmp_path: Path, published: object) -> None:
    _jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "The ferry ran.", "published": published}])
    result = read_source(tmp_path)
    [doc] = result.documents
    assert doc.published is None
    [warning] = result.warnings
    assert warning.startswith(f"{tmp_path / 'a.jsonl'}:1: published ignored: ")


def test_manifest_dates_toml_or_written(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The ferry ran.")
    (tmp_path / "b.txt").write_text("The ferry stopped.")
    (tmp_path / "manifest.toml").write_text(
        '["a.txt"]\npublished = 2025-03-03\n["b.txt"]\npublished = "yesterday"\n')
    result = read_source(tmp_path)
    assert [d.published for d in result.documents] == ["2025-03-03", None]
    assert any("b.txt: published ignored" in w for w in result.warnings)


# --- datelines and titles ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "published"), [
    ("Harbour bridge opens\n\nVALMORA, March 3, 2025 - The new bridge carried its first cars.", "2025-03-03"),
    ("LONDON, 3 March 2025 (Reuters) - Markets rose.", "2025-03-03"),
    ("Jan. 5, 2025 (Reuters) - Markets fell.", "2025-01-05"),
    ("NEW YORK, Sept. 30, 2024 /PRNewswire/ -- A company said things.", "2024-09-30"),
    ("WASHINGTON (AP) — Talks ended.", None),  # a dateline without a date
    ("Jan. 5 (Reuters) - Markets fell.", None),  # no year: guessing one would be inventing a date
    ("The talks of March 3, 2025 - the last ones - failed.", None),  # a sentence, not a dateline
])
def test_a_plain_text_dateline_gives_the_publication_date(tmp_path: Path, text: str, published: str | None,
                                                          ) -> None:
    (tmp_path / "a.txt").write_text(text)
    [doc] = read_source(tmp_path).documents
    assert doc.published == published


def test_the_manifest_date_wins_over_the_dateline(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("VALMORA, March 3, 2025 - The new bridge carried its first cars.")
    (tmp_path / "manifest.toml").write_text('["a.txt"]\npublished = "2025-03-04"\n')
    assert read_source(tmp_path).documents[0].published == "2025-03-04"


def test_untitled_articles_are_cited_by_their_file_name_marked_as_such(tmp_path: Path) -> None:
    (tmp_path / "bridge.txt").write_text(
        "Harbour bridge opens\n\nVALMORA, March 3, 2025 - The new bridge carried its first cars.")
    (tmp_path / "lede.txt").write_text("The mayor of Valmora opened the bridge on Monday, after two years.")
    (tmp_path / "two.txt").write_text("The mayor spoke first.\n\nThen the choir sang.")
    _jsonl(tmp_path / "wire.jsonl", [
        {"id": "1", "text": "New York CNN Business —\n\nFor the first time ever, a gallon of gas costs $5."},
        {"id": "2", "text": "WASHINGTON (AP) — Talks end."}, {"title": "Given", "text": "Talks end."}])
    titles = {d.id.removeprefix(f"{tmp_path.name}/"): d.title for d in read_source(tmp_path).documents}
    assert titles == {
        "bridge.txt": "Harbour bridge opens",  # a headline line above the dateline
        "lede.txt": "lede.txt (untitled)", "two.txt": "two.txt (untitled)",  # first sentences, no headlines
        "wire.jsonl#1": "wire.jsonl#1 (untitled)", "wire.jsonl#2": "wire.jsonl#2 (untitled)",
        "wire.jsonl:3": "Given",
    }


# --- bad records and files ----------------------------------------------------------------------------------

def test_lone_surrogates_become_replacement_characters_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "s\\ud800", "title": "T \\udfff", "text": "a \\ud800 b"}\n'
                                      '{"id": "ok", "text": "Fine."}\n')
    result = read_source(tmp_path)
    bad, good = result.documents
    assert (bad.id.split("#")[1], bad.title, bad.text) == ("s\ufffd", "T \ufffd", "a \ufffd b")
    assert good.text == "Fine."
    assert bad.digest  # encodable: the build can hash and store it
    assert len(result.warnings) == 3 and all("invalid Unicode" in w for w in result.warnings)


def test_a_truncated_or_corrupt_gzip_is_a_warning_and_keeps_what_was_read(tmp_path: Path) -> None:
    records = [{"id": str(i), "text": f"Article number {i} about the harbour. " * 40} for i in range(200)]
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[:len(whole) // 2])
    (tmp_path / "junk.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage, not deflate" * 3)
    (tmp_path / "good.txt").write_text("The harbour reopened.")
    result = read_source(tmp_path)
    cut = [d for d in result.documents if "cut.jsonl.gz" in d.id]
    assert 0 < len(cut) < 200 and any(d.id.endswith("good.txt") for d in result.documents)
    reasons = {Path(s.where).name: s.reason for s in result.skipped}
    assert reasons["cut.jsonl.gz"].startswith("unreadable (EOFError")
    assert reasons["cut.jsonl.gz"].endswith(f"after line {len(cut)}; the records before are kept")
    assert "nothing read" in reasons["junk.jsonl.gz"]


def test_a_manifest_entry_that_is_not_a_table_is_ignored_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The ferry ran.")
    (tmp_path / "b.txt").write_text("The ferry stopped.")
    (tmp_path / "manifest.toml").write_text(
        '"a.txt" = "x"\n["b.txt"]\ntitle = "Ferry stops"\nauthor = "Me"\n')
    result = read_source(tmp_path)
    assert [d.title for d in result.documents] == ["a.txt (untitled)", "Ferry stops"]
    assert [w.removeprefix(f"{tmp_path}/") for w in result.warnings] == [
        "manifest.toml: entry 'a.txt' is not a table of fields; ignored",
        "manifest.toml: entry 'b.txt': unknown fields author ignored"]


def test_record_ids_never_collide_and_a_repeated_id_is_named(tmp_path: Path) -> None:
    _jsonl(tmp_path / "a.jsonl", [
        {"id": None, "text": "First without an id."}, {"id": None, "text": "Second without an id."},
        {"text": "Third, no id field."}, {"id": "3", "text": "A real id equal to a line number."},
        {"id": 3, "text": "The same id again."}, {"id": ["x"], "text": "A list is no id."}])
    result = read_source(tmp_path)
    assert [d.id.split("/a.jsonl")[1] for d in result.documents] == [":1", ":2", ":3", "#3", ":6"]
    [repeated] = result.skipped
    assert repeated.where.endswith("a.jsonl:5")
    assert repeated.reason == "id '3' is already the record of line 4"
    assert any("a.jsonl:6: id ignored: a list is not an id" in w for w in result.warnings)
