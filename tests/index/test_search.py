import json
from datetime import date
from pathlib import Path

import pytest

from index.library import Library
from index.search import NOT_COVERED
from tests.helpers import FURNITURE, shared_cases


@pytest.mark.parametrize("case", shared_cases("eval/seed_questions.jsonl", "question"))
def test_seed_questions(seed_library: Library, case: dict) -> None:
    answer = seed_library.ask(case["question"])
    if not case["answerable"]:
        assert (answer.answered, answer.answer, answer.passages) == (False, NOT_COVERED, [])
        return
    assert answer.answered
    quotes = [hit.quote for hit in answer.passages[:3]]
    assert any(case["answer_contains"] in quote for quote in quotes), quotes
    for quote in quotes:
        assert not any(phrase in quote for phrase in FURNITURE), quote


def test_quotes_are_verbatim_slices_of_the_stored_text(seed_library: Library) -> None:
    searcher = seed_library.searcher()
    answer = searcher.ask("When will Putin travel to North Korea?")
    texts = {d.id: d.text for name in searcher.source_names() for d in searcher.store.source_documents(name)}
    for hit in answer.passages:
        assert hit.quote in texts[hit.source.id]
        assert hit.sentence in hit.quote
    assert answer.passages[0].sentence.startswith("Meanwhile, Putin will travel to North Korea on Tuesday")
    assert answer.answer.startswith("“Meanwhile, Putin will travel")
    assert "South China Morning Post" in answer.answer


def test_json_contract(seed_library: Library) -> None:
    data = seed_library.ask("What have Washington and Seoul warned against?", k=2).as_dict()
    assert set(data) == {"question", "answered", "answer", "passages"}
    assert len(data["passages"]) == 2
    passage = data["passages"][0]
    assert {"quote", "score", "source", "also_reported_by"} <= set(passage)
    assert set(passage["source"]) == {"id", "title", "publisher", "published", "url"}


def test_source_filter(seed_library: Library) -> None:
    answer = seed_library.ask("What are the talks about?", sources={"Benzinga"})
    assert answer.passages and {h.source.publisher for h in answer.passages} == {"Benzinga"}
    assert not seed_library.ask("What are the talks about?", sources={"nobody"}).answered


def test_empty_question_is_refused(seed_library: Library) -> None:
    with pytest.raises(ValueError, match="empty"):
        seed_library.ask(" \n\t")


def test_the_same_report_from_two_outlets_is_grouped(tmp_path: Path) -> None:
    story = ("The harbour authority said the new container terminal will open in March, doubling capacity "
             "for cargo ships arriving from Asia.")
    folder = tmp_path / "wire"
    folder.mkdir()
    (folder / "a.txt").write_text(story)
    (folder / "b.txt").write_text(story.replace("said", "announced that"))
    (folder / "c.txt").write_text("The city council debated a new library for the northern district.")
    (folder / "manifest.toml").write_text(
        '["a.txt"]\npublisher = "Daily Port"\n["b.txt"]\npublisher = "Harbour Times"\n'
        '["c.txt"]\npublisher = "Daily Port"\n'
    )
    library = Library(tmp_path / "data", default_sources=[folder])
    answer = library.ask("When will the container terminal open?")
    first = answer.passages[0]
    assert len([h for h in answer.passages if "terminal" in h.quote]) == 1
    assert [s.publisher for s in first.also_reported_by] == (
        ["Harbour Times"] if first.source.publisher == "Daily Port" else ["Daily Port"])


def test_a_story_republished_by_the_same_outlet_is_quoted_once(tmp_path: Path) -> None:
    story = "The harbour authority said the new container terminal will open in March."
    (tmp_path / "src").mkdir()
    lines = [json.dumps({"id": doc_id, "title": title, "publisher": "Daily Port", "published": "2024-01-02",
                         "url": f"https://example.org/{doc_id}", "text": text})
             for doc_id, title, text in [("web", "Terminal to open", story), ("app", "Terminal opens", story),
                                         ("other", "Library", "The council debated a new library.")]]
    (tmp_path / "src" / "a.jsonl").write_text("\n".join(lines) + "\n")
    answer = Library(tmp_path / "data", default_sources=[tmp_path / "src"]).ask(
        "When will the container terminal open?", k=3)
    assert [h.quote for h in answer.passages].count(story) == 1
    first = answer.passages[0]
    assert {first.source.title, *(d.title for d in first.also_reported_by)} == {"Terminal to open",
                                                                                "Terminal opens"}


def test_documents_from_jsonl_are_cited_with_their_url(tmp_path: Path) -> None:
    url = "https://example.org/dam"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.jsonl").write_text(json.dumps({
        "id": "1", "title": "Dam", "publisher": "River Post", "published": "2024-01-02", "url": url,
        "text": "Engineers finished the dam on the northern river after nine years of work.",
    }) + "\n")
    answer = Library(tmp_path / "data", default_sources=[tmp_path / "src"]).ask("Who finished the dam?")
    assert answer.passages[0].source.url == url


def _dated_library(tmp_path: Path, articles: list[tuple[str, str, str]]) -> Library:
    """A library over (id, published, text) articles of one publisher."""
    (tmp_path / "src").mkdir()
    lines = [json.dumps({"id": doc_id, "title": doc_id, "publisher": "Wire", "published": published,
                         "text": text}) for doc_id, published, text in articles]
    (tmp_path / "src" / "a.jsonl").write_text("\n".join(lines) + "\n")
    return Library(tmp_path / "data", default_sources=[tmp_path / "src"])


def test_this_week_prefers_the_report_published_that_week(tmp_path: Path) -> None:
    library = _dated_library(tmp_path, [
        ("2019-recall", "2019-03-01",
         "Which automaker recalled vehicles? Ford recalled 2.9 million vehicles, the automaker said."),
        ("2022-recall", "2022-06-14", "General Motors is recalling almost three million vehicles because of "
                                      "a brake defect."),
    ])
    question = "Which automaker recalled 2.9 million vehicles this week?"
    # Asked today, no article is of this week: a recall of another week is no answer (`Confidence.answers`).
    assert not library.ask(question).answered
    asked_then = date(2022, 6, 16)
    searcher = library.searcher()
    [first] = searcher.store.passages([searcher.rank(question, 1, as_of=asked_then)[0][0]])
    assert searcher.store.documents[first.doc_id].title == "2022-recall"
    asked = library.ask(question, as_of=asked_then)
    # The week's report answers, though the older one matches the question's words better; the older one
    # is still quoted below it.
    assert [h.source.title for h in asked.passages] == ["2022-recall", "2019-recall"]


def test_articles_published_after_the_asking_day_are_never_quoted(tmp_path: Path) -> None:
    library = _dated_library(tmp_path, [
        ("before", "2022-06-01", "The river authority opened the new dam on the northern river."),
        ("after", "2022-07-01", "The new dam on the northern river flooded a village downstream."),
    ])
    question = "the dam on the northern river"
    assert {h.source.title for h in library.ask(question).passages} == {"before", "after"}
    earlier = library.ask(question, as_of=date(2022, 6, 15))
    assert [h.source.title for h in earlier.passages] == ["before"]
    from_wire = library.ask(question, sources={"Wire"}, as_of=date(2022, 6, 15))  # with a source filter too
    assert [h.source.title for h in from_wire.passages] == ["before"]
