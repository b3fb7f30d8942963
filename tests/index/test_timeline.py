from pathlib import Path

import pytest

from index.dates import period
from index.library import Library
from index.timeline import parse_bound, topic_names


def dates(timeline) -> list[str]:
    out: list[str] = []
    for entry in timeline.events:
        if not out or out[-1] != entry.date:
            out.append(entry.date)
    return out


def entry_with(timeline, text: str):
    [entry] = [e for e in timeline.events if any(text in q.quote for q in e.quotes)]
    return entry


def test_seed_timeline_in_order(seed_library: Library) -> None:
    timeline = seed_library.timeline()
    assert dates(timeline) == ["2000", "2002", "2020", "2024-04", "2024-05", "2024-06-17", "2024-06-18"]
    by_date = {e.date: e for e in reversed(timeline.events)}  # the first entry of each date
    assert "Putin’s first visit to North Korea since 2000" in by_date["2000"].summary
    assert by_date["2002"].summary.startswith("Set up in 2002")
    assert "vice-ministerial level in 2020" in by_date["2020"].summary
    assert "Biden" in by_date["2024-04"].summary and by_date["2024-04"].granularity == "month"
    for entry in timeline.events:
        for quote in entry.quotes:
            assert quote.source.published == "2024-06-17"  # reported on, kept apart from the event date


def test_seed_events_are_one_entry_each(seed_library: Library) -> None:
    """The 2+2 dialogue of Tuesday, reported in three sentences, is one entry beside Putin's trip; the May
    summit, reported four times by two outlets, is one entry; the two statements of Monday stay apart."""
    timeline = seed_library.timeline()
    assert [e.date for e in timeline.events] == [
        "2000", "2002", "2020", "2024-04", "2024-05", "2024-06-17", "2024-06-17", "2024-06-18", "2024-06-18"]
    dialogue = entry_with(timeline, "will be in Seoul on Tuesday")
    assert entry_with(timeline, "Regarding Tuesday's dialogue") is dialogue
    assert entry_with(timeline, "besides agreeing on Tuesday's") is dialogue
    assert len(dialogue.quotes) == 3 and "2+2" in dialogue.headline
    putin = entry_with(timeline, "Putin will travel to North Korea on Tuesday")
    assert putin is not dialogue and len(putin.quotes) == 1
    assert putin.headline == "…Putin will travel to North Korea on Tuesday…"
    [may] = [e for e in timeline.events if e.date == "2024-05"]
    assert len(may.quotes) == 4
    assert {q.source.publisher for q in may.quotes} == {"Benzinga", "South China Morning Post"}
    assert entry_with(timeline, "Bloomberg reported on Monday") is not entry_with(timeline, "Lin Jian said")


def test_label_lines_are_never_quoted(seed_library: Library) -> None:
    quotes = [q.quote for e in seed_library.timeline().events for q in e.quotes]
    assert any(q.startswith("The talks will involve vice ministers") for q in quotes)  # was "What Happened:"
    assert any(q.startswith("The trilateral summit held last month") for q in quotes)  # was "Why It Matters:"
    assert not any(label in q for q in quotes for label in ("What Happened", "Why It Matters"))


def test_headlines_are_verbatim_clauses(seed_library: Library) -> None:
    """Every headline is pieces of its first quote, in order, joined by "…" where words are left out."""
    for entry in seed_library.timeline().events:
        quote, at = entry.quotes[0].quote, 0
        for piece in filter(None, (p.strip() for p in entry.headline.split("…"))):
            found = quote.find(piece, at)
            assert found >= 0, (piece, quote)
            at = found + len(piece)
        assert len(entry.headline) <= 142


def test_topic_and_range(seed_library: Library) -> None:
    putin = seed_library.timeline("Putin")
    assert dates(putin) == ["2000", "2024-06-18"]
    assert all("Putin" in q.quote for e in putin.events for q in e.quotes)
    assert dates(seed_library.timeline(since="2024-05", until="June 17, 2024")) == ["2024-05", "2024-06-17"]
    assert dates(seed_library.timeline(until="2010")) == ["2000", "2002"]
    assert seed_library.timeline("football results").events == []


@pytest.mark.parametrize(("since", "until", "message"), [
    ("2024-06", "2024-05", "after"), ("someday", None, "cannot read the date"), (None, "2024-13", "cannot"),
])
def test_bad_ranges_are_refused(seed_library: Library, since, until, message) -> None:
    with pytest.raises(ValueError, match=message):
        seed_library.timeline(since=since, until=until)


def test_bounds_cover_whole_periods() -> None:
    assert period("2024") == (parse_bound("2024", end=False), parse_bound("2024", end=True))
    assert parse_bound("May 2024", end=True).isoformat() == "2024-05-31"
    assert parse_bound("2024-02", end=True).isoformat() == "2024-02-29"


def test_outlets_that_disagree_on_a_date_are_flagged(tmp_path: Path) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    sentence = "The new harbour bridge was opened by the mayor on {}, after four years of construction."
    (folder / "a.txt").write_text(sentence.format("Tuesday"))
    (folder / "b.txt").write_text(sentence.format("Wednesday"))
    (folder / "manifest.toml").write_text(
        '["a.txt"]\npublisher = "Harbour Times"\npublished = "2024-03-08"\n'
        '["b.txt"]\npublisher = "Daily Port"\npublished = "2024-03-08"\n'
    )
    [entry] = Library(tmp_path / "data", default_sources=[folder]).timeline().events
    assert len(entry.quotes) == 2
    assert entry.disagreement == "Harbour Times: 2024-03-05; Daily Port: 2024-03-06"


def test_undated_articles_keep_only_absolute_dates(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("The treaty was signed on June 3, 2019. The talks resume on Tuesday.")
    [entry] = Library(tmp_path / "data", default_sources=[folder]).timeline().events
    assert (entry.date, entry.granularity) == ("2019-06-03", "day")


def test_topic_names_are_matched_not_its_common_words(tmp_path: Path) -> None:
    """"Hurricane Ian" keeps Ian's events, not Fiona's: "hurricane" names a kind of story, "Ian" this one."""
    folder = tmp_path / "storms"
    folder.mkdir()
    (folder / "ian.txt").write_text(
        "Hurricane Ian made landfall in Florida on Wednesday as a Category 4 storm.\n\n"
        "Ian later hit South Carolina on Friday.")
    (folder / "fiona.txt").write_text(
        "Hurricane Fiona struck Puerto Rico on Sunday, knocking out power to the whole island.\n\n"
        "A hurricane warning was issued for Bermuda on Thursday.")
    (folder / "manifest.toml").write_text(
        '["ian.txt"]\npublisher = "Gulf Daily"\npublished = "2022-10-01"\n'
        '["fiona.txt"]\npublisher = "Island Post"\npublished = "2022-09-24"\n')
    library = Library(tmp_path / "data", default_sources=[folder])
    ian = library.timeline("Hurricane Ian")
    assert [e.date for e in ian.events] == ["2022-09-28", "2022-09-30"]
    assert all("Ian" in q.quote for e in ian.events for q in e.quotes)
    assert [e.date for e in library.timeline("Fiona").events] == ["2022-09-18", "2022-09-22"]


def test_topic_names() -> None:
    assert topic_names("Hurricane Ian") == ["Ian"]
    assert topic_names("Liz Truss") == ["Truss"]
    assert topic_names("NASA's Artemis I launch") == ["Artemis"]
    assert topic_names("Putin and Xi Jinping") == ["Putin", "Jinping"]
    assert topic_names("When will Putin travel to North Korea?") == ["Putin", "Korea"]
    assert topic_names("football results") == []


def truss_quotes(tmp_path: Path, *paragraphs: str) -> list[str]:
    """The quotes of the timeline of "Liz Truss" over one wire article of `paragraphs`."""
    folder = tmp_path / "uk"
    folder.mkdir()
    (folder / "pm.txt").write_text("\n\n".join(paragraphs))
    (folder / "manifest.toml").write_text('["pm.txt"]\npublisher = "Wire"\npublished = "2022-09-10"\n')
    truss = Library(tmp_path / "data", default_sources=[folder]).timeline("Liz Truss")
    return [q.quote for e in truss.events for q in e.quotes]


APPOINTED = ("Liz Truss was appointed prime minister by the Queen at Balmoral on Tuesday, and she said her "
             "government would act at once. She spoke to President Biden on Wednesday.")


def test_a_pronoun_refers_back_to_the_topic_only_if_it_is_the_topics(tmp_path: Path) -> None:
    """"She" after a sentence naming Truss is Truss; "His" is someone else the sentence named (the King)."""
    quotes = truss_quotes(
        tmp_path, "The country has a new leader.", APPOINTED,
        "King Charles was heard telling Liz Truss on Friday that he had dreaded the day. His first address "
        "as king on Friday began with a tribute to the Queen.")
    assert any(q.startswith("She spoke to President Biden") for q in quotes)
    assert not any(q.startswith("His first address") for q in quotes)


def test_an_article_about_the_topic_keeps_its_events_that_do_not_name_it(tmp_path: Path) -> None:
    """A live blog titled for Hurricane Ian tells of "the hurricane" long after it last names Ian; an
    article on Fiona tells of "the hurricane" too, and stays out."""
    folder = tmp_path / "storms"
    folder.mkdir()
    (folder / "ian.txt").write_text(
        "Hurricane Ian live updates: Florida braces for a Category 4 storm\n\n"
        "Hurricane Ian strengthened over western Cuba on Tuesday. Officials in Tampa urged residents to "
        "leave. Shelters opened across the Gulf Coast.\n\n"
        "The hurricane made landfall near Cayo Costa on Wednesday afternoon with winds of 150 mph.")
    (folder / "fiona.txt").write_text(
        "Hurricane Fiona batters Puerto Rico\n\n"
        "Hurricane Fiona struck Puerto Rico on Sunday. Officials in San Juan urged residents to stay inside. "
        "Shelters opened across the island.\n\n"
        "The hurricane knocked out power to the whole island on Monday.")
    (folder / "manifest.toml").write_text(
        '["ian.txt"]\npublisher = "Gulf Daily"\npublished = "2022-09-29"\n'
        '["fiona.txt"]\npublisher = "Island Post"\npublished = "2022-09-20"\n')
    ian = Library(tmp_path / "data", default_sources=[folder]).timeline("Hurricane Ian")
    quotes = [q.quote for e in ian.events for q in e.quotes]
    assert any(q.startswith("The hurricane made landfall near Cayo Costa") for q in quotes)
    assert not any("Fiona" in q or "the whole island" in q for q in quotes)


def test_a_persons_timeline_leaves_out_others_acts_that_name_her(tmp_path: Path) -> None:
    """A sentence that names Truss but dates Johnson's act is not an entry of her timeline; hers are."""
    quotes = truss_quotes(
        tmp_path, "Liz Truss takes office as Britain's prime minister", APPOINTED,
        "In his farewell speech outside Downing Street early Tuesday, Johnson touted his achievements and "
        "pledged to support Truss’ new government. Earlier this year, Truss’s predecessor Johnson narrowly "
        "survived a confidence vote in his leadership.",
        "Truss fired Kwasi Kwarteng, her finance minister, on Friday.")
    assert any(q.startswith("Liz Truss was appointed prime minister") for q in quotes)
    assert any(q.startswith("She spoke to President Biden") for q in quotes)
    assert any(q.startswith("Truss fired Kwasi Kwarteng") for q in quotes)
    assert not any("Johnson" in q for q in quotes)


def test_a_sentence_of_her_article_that_does_not_mention_her_is_not_her_event(tmp_path: Path) -> None:
    """An article titled for Truss also tells of others: a sentence in it that names her by neither name nor
    pronoun is left out; one that mentions her ("her chairmanship") stays."""
    quotes = truss_quotes(
        tmp_path, "Liz Truss takes office as Britain's prime minister", APPOINTED,
        "Truss named her cabinet on Thursday, keeping the finance ministry for a close ally. Hundreds of "
        "protesters marched through central London on Friday. On Saturday the new cabinet met for the first "
        "time under her chairmanship.")
    assert any(q.startswith("Truss named her cabinet") for q in quotes)
    assert any(q.startswith("On Saturday the new cabinet met") for q in quotes)
    assert not any("protesters" in q for q in quotes)


def test_a_sentence_of_her_article_that_mentions_her_by_one_word_is_judged_like_one_that_names_her(
        tmp_path: Path) -> None:
    """In an article titled for Liz Truss, a sentence that calls her "Liz" only is hers when its dated
    clause is hers ("'We will cut taxes on Monday,' Liz told her cabinet": the first person is the
    speaker), not when it is someone else's act that names her ("Liz's predecessor Johnson")."""
    quotes = truss_quotes(
        tmp_path, "Liz Truss takes office as Britain's prime minister", APPOINTED,
        "Liz's predecessor Johnson spoke at a charity dinner in London on Friday. “We will cut taxes on "
        "Monday,” Liz told her new cabinet at its first meeting.")
    assert any(q.startswith("“We will cut taxes on Monday") for q in quotes)
    assert not any("charity dinner" in q for q in quotes)
