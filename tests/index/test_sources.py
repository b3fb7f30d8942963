import gzip
import json
from pathlib import Path

import pytest

from index.sources import SourceError, read_source
from tests.helpers import SEEDS


def test_seeds_carry_manifest_metadata() -> None:
    docs = {d.id: d for d in read_source(SEEDS).documents}
    scmp = docs["seeds/002_1af863bfc7ff0215.txt"]
    assert scmp.publisher == "South China Morning Post"
    assert scmp.title.startswith("Chinese senior officials' South Korea trip")
    assert scmp.published == "2024-06-17"
    benzinga = docs["seeds/000_d118e415474155d3.txt"]
    assert benzinga.publisher == "Benzinga"
    assert benzinga.title.startswith("In a significant development")  # falls back to the lede


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
    assert any(":3: not JSON" in w for w in result.warnings)
    assert any(':4: no "text"' in w for w in result.warnings)


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


def test_an_untitled_article_is_titled_by_its_first_line_after_a_bare_dateline(tmp_path: Path) -> None:
    body = ("For the first time ever, a gallon of regular gas now costs $5 on average nationwide, according "
            "to the motoring club's Saturday reading.")
    records = [{"id": "1", "text": f"New York CNN Business —\n\n{body}"},
               {"id": "2", "text": "WASHINGTON (AP) — Talks end."}]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    titles = [d.title for d in read_source(tmp_path).documents]
    assert titles == [body[:99].rsplit(" ", 1)[0] + "…", "WASHINGTON (AP) — Talks end."]


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
    warnings = "\n".join(result.warnings)
    assert "empty.txt: no article text" in warnings
    assert "binary.txt: binary file skipped" in warnings
    assert "latin1.txt: not UTF-8" in warnings
    assert "dangling.txt: cannot read" in warnings


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        read_source(tmp_path / "nope")
