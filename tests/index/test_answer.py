"""Answer selection: the question's form, candidates and their signals, the answer passage first, and
abstention that does not hinge on one word."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from index.answer import (
    Confidence,
    Form,
    PassageText,
    Weights,
    best,
    candidates,
    content_terms,
    entity_form,
    figures,
    form_match,
    missing_figures,
    missing_names,
    named_entities,
    names,
    names_person,
    names_window,
    question_form,
    read_entities,
    staleness,
)
from index.library import Library
from index.passages import sentence_spans
from index.search import NOT_COVERED, SearchSettings

ROOT = Path(__file__).resolve().parent.parent
SEED_DEV = [json.loads(line) for line in (ROOT / "data" / "seed_dev.jsonl").read_text().splitlines() if line]


@pytest.mark.parametrize(("question", "form"), [
    ("Who is the Chinese foreign ministry spokesman?", Form.PERSON),
    ("Which US president met the Japanese prime minister in April?", Form.PERSON),
    ("When will Putin travel to North Korea?", Form.DATE),
    ("On what day does the Russian leader go to the North?", Form.DATE),
    ("Where will the 2+2 dialogue take place?", Form.PLACE),
    ("In which city will the officials meet?", Form.PLACE),
    ("How many artillery shells were sent?", Form.NUMBER),
    ("How much does the new bridge cost?", Form.AMOUNT),
    ("Why is Russia under sanctions?", Form.CAUSE),
    ("Which automaker recalled 2.9 million vehicles this week?", Form.NAME),
    ("What export rules are mentioned?", Form.OTHER),
    # The first question phrase, in the last sentence when that has one.
    ("Who led South Korea when the talks were raised to deputy-minister rank?", Form.PERSON),
    ("Police arrested 31 men who planned to riot at an event. Where was the event?", Form.PLACE),
])
def test_question_form(question: str, form: Form) -> None:
    assert question_form(question) is form


def test_form_match_wants_what_the_question_does_not_already_say() -> None:
    question = "When will Putin travel to North Korea?"
    assert form_match(Form.DATE, "Putin will travel to North Korea on Tuesday.", question) == 1.0
    assert form_match(Form.DATE, "Putin will travel to North Korea.", question) == 0.0
    assert form_match(Form.DATE, "It is his first visit in two decades.", question) == 0.0  # no when
    assert form_match(Form.AMOUNT, "The bridge will cost 48 million euros.", "How much does it cost?") == 1.0
    assert form_match(Form.AMOUNT, "It took two years.", "How much does it cost?") == 0.5
    assert form_match(Form.NUMBER, "On March 3, 2025, it opened.", "How many lanes does it have?") == 0.0
    assert form_match(Form.NUMBER, "The 2+2 dialogue meets.", "How often does the 2+2 dialogue meet?") == 0.0
    assert form_match(Form.NUMBER, "Seventeen lanes cross it.", "How many lanes does it have?") == 1.0
    assert form_match(Form.PERSON, "Spokesman Lin Jian said so.", "Who is the spokesman?") == 1.0
    assert form_match(Form.PERSON, "The spokesman said so.", "Who is the spokesman?") == 0.0
    assert form_match(Form.PLACE, "They will be in Seoul on Tuesday.", "Where will they meet?") == 1.0
    assert form_match(Form.CAUSE, "Russia is under sanctions over the war.", "Why is it sanctioned?") == 1.0


def test_places_are_known_places_from_geonames() -> None:
    country = "Which country was shaken by an earthquake?"
    assert form_match(Form.PLACE, "An earthquake shook parts of the Philippines today.", country) == 1.0
    # A country inside a longer name is no place named.
    assert form_match(Form.PLACE, "The quake was measured by the US Geological Survey.", country) == 0.0
    where = "Where are many Americans moving?"
    assert form_match(Form.PLACE, "Americans cross the border to make Mexico City their home.", where) == 1.0
    # A capitalized name after "from" that is no known place is half a place.
    assert form_match(Form.PLACE, "Moving is costlier, according to a survey from Avail.", where) == 0.5
    assert form_match(Form.PLACE, "They will be in Seoul on Tuesday.", "Where will the Seoul talks be?") == 0


def _passage(text: str, score: float = 0.5, title: str | None = None) -> PassageText:
    spans, start = [], 0
    for part in text.replace("\n\n", "\n").split("\n"):
        for sentence in part.split(". "):
            begin = text.index(sentence, start)
            spans.append((begin, begin + len(sentence)))
            start = begin + len(sentence)
    return PassageText(text, spans, score, title)


def test_headlines_labels_and_captions_are_never_candidates() -> None:
    text = ("New bridge opens in Valmora\n\nWhat Happened:\n\nThe bridge cost 48 million euros.\n\n"
            "Workers on the bridge on Monday. Jane Doe/AP")
    found = candidates("How much does the new bridge cost?",
                       [_passage(text, title="New bridge opens in Valmora")], {"bridg": 1.0, "cost": 1.0})
    assert [c.text for c in found] == ["The bridge cost 48 million euros."]


def test_a_sentence_cut_in_two_is_one_candidate_and_a_link_none() -> None:
    text = ("The awards show begins at 8 p.m. ET on CBS and Paramount+. Tickets sold out. "
            "http://www.example.com/story/awards/2022/06/12/tonys\n\n"
            "ET, excluding federal holidays, under the new schedule.")
    spans = [(s.start, s.end) for s in sentence_spans(text)]
    found = candidates("When does the awards show begin?", [PassageText(text, spans, 0.5)], {"award": 1.0})
    # The first half of the last line's sentence is not in this passage: that half is no candidate either.
    assert [c.text for c in found] == ["The awards show begins at 8 p.m. ET on CBS and Paramount+.",
                                       "Tickets sold out."]


def test_sentences_of_later_passages_compete_and_the_best_is_chosen() -> None:
    first = _passage("The dialogue was set up long ago. It meets every year.", 0.6)
    second = _passage("The officials will be in Seoul on Tuesday for the dialogue.", 0.5)
    found = candidates("Where will the dialogue take place?", [first, second], {"dialogu": 1.0, "place": 1.0})
    chosen = best(found, __import__("index.answer", fromlist=["Weights"]).Weights())
    assert chosen is not None and chosen.passage == 1 and "Seoul" in chosen.text


def test_which_country_wants_a_country_and_which_show_a_title() -> None:
    country = "What country cracked down on rainbow-colored toys?"
    assert form_match(Form.PLACE, "Officials in Riyadh acted.", country) == 0.0  # a city
    assert form_match(Form.PLACE, "Saudi Arabian officials acted.", country) == 0.0
    assert form_match(Form.PLACE, "Saudi Arabia's commerce ministry acted.", country) == 1.0
    assert form_match(Form.PLACE, "Officials in Riyadh acted.", "Where did officials act?") == 1.0
    show = "Which wildly popular show was green lit?"
    assert form_match(Form.NAME, "Netflix announced that the show is green lit.", show) == 0.0
    assert form_match(Form.NAME, "“Squid Game” is officially coming back.", show) == 1.0
    assert form_match(Form.NAME, "Netflix announced it.", "Which streamer renewed the show?") == 1.0


def test_the_sentence_naming_the_answer_beats_the_one_restating_the_question() -> None:
    """The sentence holding the question's words lacks the answer; the one beside it names it, and counts
    half its neighbour's words (`Weights.context`)."""
    country = "What country cracked down on rainbow-colored toys?"
    text = ("Saudi Arabian officials cracked down on rainbow-colored toys in shops in Riyadh on Tuesday. "
            "Saudi Arabia's commerce ministry confirmed the seizures.")
    found = candidates(country, [_passage(text)], {"crack": 1.0, "rainbow": 1.0, "toy": 1.0, "color": 1.0})
    assert best(found, Weights()).text.startswith("Saudi Arabia's commerce")
    show = "Which wildly popular show was green lit for a new season?"
    text = ("Netflix announced Sunday that the wildly popular South Korean show is green lit for a second "
            "season. “Squid Game” is officially coming back.")
    rarity = {"wild": 1.0, "popular": 1.0, "show": 1.0, "green": 1.0, "lit": 1.0, "season": 1.0}
    found = candidates(show, [_passage(text)], rarity)
    assert best(found, Weights()).text == "“Squid Game” is officially coming back."
    # Without the neighbour's words, the name alone does not outweigh the question's words.
    assert best(found, Weights(context=0.0)).text.startswith("Netflix announced")


def test_which_team_wants_an_organization_read_from_named_entities() -> None:
    """Capitalized words guess that both sentences name a team; the entities say the first names a person.
    The best candidate is read first, and reading stops once the best one's form is confirmed."""
    team = "Which team won the Stanley Cup?"
    assert entity_form(team, [("Cale Makar", "PERSON"), ("the Stanley Cup", "EVENT")]) == 0.0
    assert entity_form(team, [("the Tampa Bay Lightning", "ORG")]) == 1.0
    assert entity_form(team, [("Stanley Cup", "ORG")]) == 0.0  # the question names it
    text = ("Defenseman Cale Makar lifted the Stanley Cup after the final on Sunday night. "
            "The Colorado Avalanche beat the Tampa Bay Lightning 2-1.")
    found = candidates(team, [_passage(text)], {"team": 1.0, "won": 1.0, "stanley": 1.0, "cup": 1.0})
    assert best(found, Weights()).text.startswith("Defenseman Cale Makar")
    read: list[str] = []

    def entities(text: str) -> list[tuple[str, str]]:
        read.append(text)
        return named_entities(text)

    chosen = best(read_entities(found, team, Weights(), entities=entities), Weights())
    assert chosen is not None and chosen.text.startswith("The Colorado Avalanche")
    assert len(read) == 2
    # A question for another kind of name reads nothing.
    assert read_entities(found, "Which show won?", Weights(), entities=entities) == found
    assert len(read) == 2


def test_entities_are_read_around_the_new_names_only() -> None:
    """The recognizer reads the new names with a few words either side, not the whole sentence."""
    question = "Which team won the Stanley Cup?"
    names = "the Colorado Avalanche beat the Tampa Bay Lightning"
    sentence = f"In a long season of injuries and doubts, {names} 2-1 on Sunday night in front of 18,000."
    window = names_window(sentence, question)
    assert window == f"injuries and doubts, {names} 2-1 on Sunday night"
    assert entity_form(question, named_entities(window)) == 1.0
    assert names_window("Fans filled the arena.", question) == "Fans filled the arena."


def test_a_sentence_is_read_for_entities_once() -> None:
    """Questions about one story bring the same passages back: their entities are read by the model once."""
    named_entities.cache_clear()
    sentence = "The Colorado Avalanche beat the Tampa Bay Lightning 2-1."
    assert named_entities(sentence) == named_entities(sentence)
    assert ("the Tampa Bay Lightning", "ORG") in named_entities(sentence)
    assert named_entities.cache_info().misses == 1


def test_generic_question_words_carry_no_topic() -> None:
    assert content_terms("What export rules are mentioned?") == ["export", "rule"]
    assert content_terms("What did the report say, according to the article?") == []


@pytest.fixture(scope="module")
def town_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """Plain-text articles with a headline line and a dateline, as a user would drop them in a folder."""
    folder = tmp_path_factory.mktemp("town")
    (folder / "bridge.txt").write_text(
        "Valmora council approves new river bridge\n\n"
        "VALMORA, March 3, 2025 - The city council approved the construction of a new bridge over the river "
        "on Monday after two years of debate.\n\n"
        "The 48-million-euro bridge will be paid for by the region and the national government, said "
        "Mayor Anna Berg, who called it the most important project of her term.\n\n"
        "Work starts in June and should end in 2027, the council said.\n")
    (folder / "library.txt").write_text(  # a second briefing: "new" is a common word, not a topic
        "New library opens in Esterby\n\nThe new library opened on Saturday with a new reading room for "
        "children, the town's librarian said.\n")
    return Library(tmp_path_factory.mktemp("town-index"), default_sources=[folder])


@pytest.mark.parametrize(("question", "expected"), [
    ("How much will the bridge cost?", "The 48-million-euro bridge"),
    ("Who is the mayor?", "The 48-million-euro bridge"),
    ("When does the work on the bridge start?", "Work starts in June"),
])
def test_a_headline_line_is_never_the_answer(town_library: Library, question: str, expected: str) -> None:
    answer = town_library.ask(question)
    assert answer.answered and answer.passages[0].sentence.startswith(expected)
    assert all(not hit.sentence.startswith("Valmora council approves") for hit in answer.passages)


def test_a_further_passage_of_the_best_article_may_hold_the_answer(tmp_path: Path) -> None:
    """The passage that best matches the question only restates it; the next passage of the same article,
    not among the passages asked for, names the team. It is read too, and quoted first."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "cup.txt").write_text(
        "Hockey final ends\n\n"
        "The Stanley Cup final ended on Sunday night after six games, and the winning team lifted the cup on "
        "the ice. The series drew the largest television audience for a final in years, the league said. "
        "The arena was full hours before the puck dropped, and the commissioner of the league watched from "
        "the stands as both sides traded goals in a tense first period. "
        "The league said ticket prices for the last game set a record.\n\n"
        "The Colorado Avalanche won the final 2-1 to take their first cup since 2001. "
        "Defenseman Cale Makar was named the most valuable player of the playoffs after scoring twice in the "
        "series. Coach Jared Bednar thanked the fans in Denver, who will hold a parade on Thursday downtown. "
        "The players celebrated while their families watched from the benches nearby.\n")
    (folder / "weather.txt").write_text("Weather\n\nIt rained in Denver on Monday, forecasters said.\n")
    question = "Which team won the Stanley Cup final?"
    answer = Library(tmp_path / "index", default_sources=[folder]).ask(question, k=1)
    assert len(answer.passages) == 1
    assert answer.passages[0].sentence.startswith("The Colorado Avalanche won the final")
    alone = Library(tmp_path / "index", default_sources=[folder],
                    settings=SearchSettings(further_passages=0)).ask(question, k=1)
    assert alone.passages[0].sentence.startswith("The Stanley Cup final ended")


def test_the_passage_holding_the_answer_comes_first(seed_library: Library) -> None:
    answer = seed_library.ask("Where will the 2+2 dialogue take place?")
    assert "will be in Seoul on Tuesday" in answer.passages[0].sentence
    assert answer.passages[0].sentence in answer.passages[0].quote
    assert answer.answer.startswith("“Foreign vice-minister Sun Weidong")


@pytest.mark.parametrize("question", ["What export rules are mentioned?",
                                      "What American export rules are mentioned?",
                                      "What U.S. export rules?"])
def test_abstention_does_not_hinge_on_one_word(seed_library: Library, question: str) -> None:
    answer = seed_library.ask(question)
    assert answer.answered and "U.S. chip export rules" in answer.passages[0].sentence


def _bolds(sentence: str, answers: list[str]) -> bool:
    sentence = sentence.strip()
    return bool(sentence) and any(sentence in s or s in sentence for s in answers)


# Questions of the seed dev set the bot does not get right yet (bench/README.md, "Answer selection"): kept
# as strict expected failures, so that one that starts to pass is noticed and moved out of the list.
NOT_YET = {
    'What is the 2+2 dialogue?',
    'Who will the talks involve?',
    'Who are the senior Chinese officials going to Seoul?',
    'Which US restrictions target Chinese semiconductor makers?',
    'In which city will the Chinese and Korean officials meet?',
    "Who from China's army is going to Seoul?",
    'Is trade between North and South Korea still going on?',
    'What might let Moscow step in with its army on the peninsula?',
    'Who led South Korea when the talks were raised to deputy-minister rank?',
    'In what year was the 2+2 mechanism created?',
    'Does Seoul want a winner-takes-all approach to diplomacy?',
    'Which trade deal are Beijing and Seoul renegotiating?',
    'How many troops does China have stationed in North Korea?',
    'How much did the trilateral summit cost?',
    'How many people will attend the dialogue in Seoul?',
    'What agreements did China and South Korea sign at the dialogue?',
    'What is the population of North Korea?',
    'Which NATO country would host the additional nuclear weapons?',
    "Who is the Kremlin's spokesman?",
    'What did the Japanese foreign minister say about the talks?',
}


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="not met yet")) if c["question"] in NOT_YET
    else c for c in SEED_DEV], ids=lambda c: c["question"])
def test_seed_dev_set(seed_library: Library, case: dict) -> None:
    """Every answerable question bolds its answering sentence; every unanswerable one abstains."""
    answer = seed_library.ask(case["question"], k=9)
    if case["answerable"]:
        assert answer.answered, answer.evidence
        assert _bolds(answer.passages[0].sentence, case["sentences"]), answer.passages[0].sentence
    else:
        assert (answer.answered, answer.answer, answer.passages) == (False, NOT_COVERED, []), \
            (answer.passages[0].sentence, answer.evidence)


@pytest.fixture(scope="module")
def recall_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """Two recall stories of different weeks, dated by a manifest."""
    folder = tmp_path_factory.mktemp("recalls")
    (folder / "toyota.txt").write_text(
        "Toyota recalls SUVs over seat belts\n\nToyota said Thursday it is recalling nearly 2.9 million "
        "sports utility vehicles because of seat belts that might fail in a crash.\n")
    (folder / "swings.txt").write_text(
        "Baby swings recalled\n\nAbout 2 million baby swings and rockers were recalled on Tuesday after "
        "reports of infant injuries, the safety commission said.\n")
    (folder / "manifest.toml").write_text(
        '["toyota.txt"]\npublisher = "Wire"\npublished = "2016-02-18"\n\n'
        '["swings.txt"]\npublisher = "Wire"\npublished = "2022-08-16"\n')
    return Library(tmp_path_factory.mktemp("recalls-index"), default_sources=[folder])


def test_a_question_about_this_week_is_not_answered_from_another_week(recall_library: Library) -> None:
    question = "Which automaker recalled 2.9 million vehicles this week?"
    assert recall_library.ask(question, as_of=date(2016, 2, 19)).answered
    answer = recall_library.ask(question, as_of=date(2020, 1, 10))
    assert (answer.answered, answer.answer, answer.passages) == (False, NOT_COVERED, [])
    assert answer.evidence is not None and answer.evidence.short and not answer.evidence.timely
    # "Recently" is no short time: an older article of the month may still answer.
    assert recall_library.ask("How many baby swings were recalled recently?", as_of=date(2022, 9, 1)).answered


def test_staleness_counts_weeks_before_the_latest_news() -> None:
    latest = date(2022, 8, 16)
    assert staleness("2022-08-16", latest) == staleness(None, latest) == staleness("2022-08-01", None) == 0
    assert staleness("2022", latest) == 0  # no day: nothing to weigh
    week, year, years = (staleness(day, latest) for day in ("2022-08-09", "2021-08-16", "2016-02-18"))
    assert 0 < week < year < years


def test_an_answer_from_an_article_older_than_the_latest_news_is_weaker(recall_library: Library) -> None:
    question = "Which automaker is recalling SUVs over seat belts?"
    then = recall_library.ask(question, as_of=date(2016, 2, 19))
    later = recall_library.ask(question, as_of=date(2022, 9, 1))
    assert then.evidence is not None and later.evidence is not None
    # Asked in 2016 it is the latest news; asked in 2022 the briefings know news of August 2022.
    assert then.evidence.age == 0
    assert later.evidence.age == pytest.approx(staleness("2016-02-18", date(2022, 8, 16)))
    assert Confidence().value(later.evidence) < Confidence().value(then.evidence)
    # Measured against the briefings' latest article, not the calendar: asked years later it is not stale.
    late = recall_library.ask("How many baby swings were recalled?", as_of=date(2030, 1, 1))
    assert late.answered and late.evidence is not None and late.evidence.age == 0


def test_names_person_wants_a_person_the_question_does_not_name() -> None:
    question = "Who are the senior Chinese officials going to Seoul?"
    assert names_person("Foreign vice-minister Sun Weidong will be in Seoul on Tuesday.", question)
    # A place or a company is no person, and neither is the person the question names.
    assert not names_person("China and South Korea will hold talks in Seoul.", question)
    assert not names_person("Samsung Electronics said it will invest in Seoul.", question)
    assert not names_person("Sun Weidong will be in Seoul.", "Who is Sun Weidong?")


def test_a_who_question_answered_without_a_person_is_weaker(seed_library: Library) -> None:
    with_person = seed_library.ask("Who is Zhang Baoqun?")
    assert with_person.evidence is not None and with_person.evidence.no_person == 0
    without = seed_library.ask("Who won the 2022 World Cup?")
    assert without.evidence is not None and without.evidence.no_person == 1
    assert not without.answered
    # Only who-questions are asked for a person.
    other = seed_library.ask("What is the 2+2 dialogue?")
    assert other.evidence is not None and other.evidence.no_person == 0


def test_figures_are_figures_written_on_their_own() -> None:
    assert figures("Police arrested 31 men; more than 1,000 died in 2022, at $5.02 a gallon, 60%.") == {
        31, 1000, 5.02, 60}
    assert figures("Covid-19, BA.4, a 10-year plan and the 2+2 dialogue; 2.9 million cars") == {2, 2.9e6}
    assert figures("six months and one billion people", in_words=True) == {6, 1e9}
    assert figures("seventeen people, sixty days, the eleventh tenant", in_words=True) == {17, 60}
    assert missing_figures("Why were 7 people arrested?", "Police arrested seventeen people.") == 1
    assert missing_figures("Approximately 1 billion people?", "up to one billion Chinese citizens") == 0
    assert missing_figures("Who recalled 2.9 million cars?", "It recalls almost three million cars.") == 0
    assert missing_figures("Why were 31 men arrested?", "Police arrested 25 men.") == 1
    assert missing_figures("Why were the men arrested?", "Police arrested 25 men.") == 0


def test_a_question_whose_figures_the_article_lacks_is_weaker(recall_library: Library) -> None:
    given = recall_library.ask("Which automaker is recalling 2.9 million SUVs?", as_of=date(2016, 2, 19))
    assert given.answered and given.evidence is not None and given.evidence.missing_figures == 0
    other = recall_library.ask("Why were 7 million baby swings recalled?", as_of=date(2022, 9, 1))
    plain = recall_library.ask("Why were baby swings recalled?", as_of=date(2022, 9, 1))
    assert other.evidence is not None and plain.evidence is not None
    assert other.evidence.missing_figures == 1 and plain.evidence.missing_figures == 0
    assert Confidence().value(other.evidence) < Confidence().value(plain.evidence)


def test_names_of_several_words_must_be_in_the_answering_article() -> None:
    assert names("What did Kim Jong Un say about Putin's visit?") == ["Kim Jong Un"]
    # One capitalized word is often paraphrased ("US" by "President Joe Biden"), and the first is no name.
    assert names("Which US president met the Japanese prime minister in April?") == []
    article = "Russian President Vladimir Putin will visit North Korea, the Kremlin said."
    assert missing_names("What did Kim Jong Un say about Putin's visit?", article) == 1
    assert missing_names("When will Vladimir Putin visit North Korea?", article) == 0
