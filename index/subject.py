"""Whose event a sentence reports: a timeline about a person keeps the person's events, not every sentence
that names her.

"In his farewell speech early Tuesday, Johnson ... pledged to support Truss' new government" names Truss,
but Tuesday is Johnson's speech. The sentence's parse (`index.language`) tells: the date belongs to the
clause it hangs from (its trigger), and the event is the person's when she is that clause's actor (subject,
passive agent, or the possessor of a subject that is not another person: "Truss' government unveiled tax
cuts") or one of its own arguments ("the appointing of Truss on Tuesday", "a meeting with Truss on
Sunday"), or by name the subject or object of a clause it reports ("announced Monday it had chosen Liz
Truss"); a "when", "as" or "while" clause shares the time of the clause it hangs from. Not when she is only
named in another clause of the sentence ("... positions at odds with what most would consider mainstream
Conservatism in 2022") or in someone else's subject ("Truss's predecessor Johnson narrowly survived a
confidence vote"), nor in what describes the subject or an argument (a relative clause, an appositive's
own phrase, a clause completing a noun: "Kerry, who speaks with Charles", "De Moraes, a thorn in
Bolsonaro's side", "rumors that the show depicts Charles"). "Today" or "now" dating a present "be" with a
predicate ("Charles is the King today") means "these days" and dates no event. A date after a closing
quotation mark dates the clause outside the quotation, wherever the parser hangs it. The first person of a
quotation is its speaker ("'We gather today,' the King said"). A reported clause tells of her through its
verbs only, not through a noun in it or a state it reports ("Xi is 'concerned' ..., said Biden").

Measured in bench/timeline.py (bench/README.md, "Whose event"): Liz Truss 0.829 -> 0.935 precision with no
labelled sentence lost; on held-out people it trades recall for precision (three stories pooled: 0.906 ->
0.929, recall 29/29 -> 26/29), mostly where the parser attaches the date to the wrong clause. Round 2
(descriptions, "today", quotations; with the title rule of `index.timeline`; every labelled story dev):
Truss 0.935 -> 1.000, Bolsonaro 0.708 -> 0.857, King Charles 0.581 -> 0.750, Herschel Walker 0.833 ->
0.857, no labelled sentence lost (recall 94/104 -> 96/104 over six people). Round 3 (the first person,
reported clauses, and title sentences that call her by one word of her name, `index.timeline`; all twelve
stories dev): Xi 0.909 -> 1.000, Musk 0.882 -> 0.909, Griner 0.364 -> 0.400, no labelled sentence lost.

Whether a topic is a person is the named-entity tagger's reading of the topic's name in the sentences that
name it (the topic alone is too short to read: "Hurricane Fiona" alone is tagged a person).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

# the forms of each person's pronoun: "his" cannot refer back to a topic that the briefings call "she"
PRONOUNS = {"she": {"she", "her", "hers", "herself"}, "he": {"he", "him", "his", "himself"},
            "it": {"it", "its", "itself"}, "they": {"they", "them", "their", "theirs", "themselves"}}
PERSON_OF = {form: person for person, forms in PRONOUNS.items() for form in forms}  # "hers" -> "she"
PERSONAL = (None, "he", "she")  # the pronoun of a topic that may be a person (None: the briefings use none)
_CORE = {"nsubj", "nsubjpass", "dobj"}
_AT_THE_TIME = {"when", "as", "while"}
_RELATIVE = {"who", "whom", "whose", "that", "which"}
_WHO = {"who", "whom"}
_FIRST_PERSON = {"i", "we"}
# what describes a noun rather than names it: "Kerry, who speaks with X", "Moraes, a thorn in X's side"
_DESCRIPTION = {"relcl", "acl"}
_SUBJECTS = {"nsubj", "nsubjpass", "csubj", "csubjpass"}
# a clause with no subject of its own takes its head's ("Truss defeated Sunak ... and will take over on
# Tuesday"; "Speaking on Tuesday, Truss said")
_INHERITS = {"conj", "xcomp", "advcl", "pcomp", "prep", "pobj", "acl"}
# dependents that open another clause: what is said inside them is not an argument of the trigger
_OTHER_CLAUSE = {"advcl", "ccomp", "relcl", "parataxis", "csubj", "csubjpass"}
# "today" and "now" also mean "these days"; a present "be" with a predicate they date is a state, no event
_NOW = {"today", "now", "'s", "’s"}
_PRESENT_BE = {"is", "are", "am", "'s", "’s", "'re", "’re", "being"}


def parse(sentences: Sequence[str]) -> list[Doc]:
    """The sentences parsed, with entities (the lemmatizer is left out when the model is loaded)."""
    from index.language import english

    return list(english().pipe(sentences))


def names_a_person(docs: Iterable[Doc], names: Sequence[str], pronoun: str | None) -> bool:
    """Whether the topic is a person: the tagger reads its names as a person in most of the sentences that
    hold them, and the briefings do not call it "it" (the tagger takes "Ian" for a person even in
    "Hurricane Ian made landfall"; a storm is "it")."""
    if pronoun not in PERSONAL:
        return False
    person = other = 0
    for doc in docs:
        for token in doc:
            if token.text in names:
                if token.ent_type_ == "PERSON":
                    person += 1
                else:
                    other += 1
    return person > other


def tells_of(doc: Doc, timex: str, names: Sequence[str], pronoun: str | None) -> bool:
    """Whether the event the sentence dates by `timex` is the person's (see the module's docstring).

    `names` are the topic's names; `pronoun` the person the briefings use for it ("she"), whose pronouns
    count as the person in a sentence that names her. A sentence that does not name her is not judged here
    (True): it was taken for hers by what comes before it ("She resigned on Thursday") or by its article.
    """
    own = PRONOUNS.get(pronoun or "", set())

    def is_person(token: Token) -> bool:
        if token.lower_ in _RELATIVE and token.head.dep_ == "relcl":
            token = token.head.head  # "Truss, who became prime minister ..."
        return _named(token, names) or token.lower_ in own

    if not any(t.text in names for t in doc):
        return True
    at = doc.text.find(timex)
    span = doc.char_span(at, at + len(timex), alignment_mode="expand") if at >= 0 else None
    if span is not None and _a_state_now(span):
        return False
    root = span.root if span is not None else doc[:].root
    chain = _chain(_outside_quotes(root, _clause(root)))
    actors = [a for verb in chain for a in _actors(verb)]
    # the first person of a quotation is its speaker: "'We gather today,' the King said"
    actors += [s for a in actors if a.lower_ in _FIRST_PERSON and _quoted(a) for s in _actors(_speech(a))]
    return (any(_is_or_holds(a, is_person, own) for a in actors)
            or any(_argument(verb, is_person, names) for verb in chain))


def _named(token: Token, names: Sequence[str]) -> bool:
    """Whether the token is one of the names, or a name's head ("King Charles III": III)."""
    return token.text in names or any(c.dep_ == "compound" and c.text in names for c in token.children)


def _clause(token: Token) -> Token:
    """The verb of the clause a date hangs from: "Tuesday" in "In his speech early Tuesday, Johnson touted"
    hangs from "touted"."""
    while token.pos_ not in ("VERB", "AUX") and token.head != token:
        token = token.head
    return token


def _outside_quotes(date: Token, verb: Token) -> Token:
    """The clause a date outside quotation marks dates: the parser often hangs what follows a quotation on
    its last clause ("said she will accept the results 'as long as they are fair,' in an interview this
    month": are); the date belongs to the first clause outside the quotation."""
    marks = [t.i for t in date.doc[:date.i] if t.is_quote]
    if not marks or len(marks) % 2:
        return verb  # no quotation before the date, or the date is inside one
    opening, closing = marks[-2], marks[-1]
    while opening < verb.i < closing and verb.head != verb:
        verb = _clause(verb.head)
    return verb


def _quoted(token: Token) -> bool:
    """Whether the token is inside quotation marks (an odd number of them before it)."""
    return sum(t.is_quote for t in token.doc[:token.i]) % 2 == 1


def _speech(token: Token) -> Token:
    """The verb that reports the quotation a token is in ("'We gather today,' the King said": said)."""
    while _quoted(token) and token.head != token:
        token = token.head
    return _clause(token)


def _a_state_now(span: Span) -> bool:
    """Whether "today" or "now" dates a state rather than an event: a present "be" with a predicate ("X is
    the King today", "the problem facing X today", "from being a rebel to the embodiment of the party
    today"), read as "these days", not as the day of the article."""
    if not all(t.lower_ in _NOW for t in span):
        return False
    verb = _clause(span.root)
    while verb.dep_ == "acl" and verb.tag_ in ("VBG", "VBN"):  # "the problem facing X today": is
        verb = _clause(verb.head)
    return (verb.lower_ in _PRESENT_BE and verb.dep_ not in ("aux", "auxpass")
            and not any(c.dep_ == "aux" for c in verb.children)
            and any(c.dep_ in ("attr", "acomp") for c in verb.children))


def _chain(verb: Token) -> list[Token]:
    """The trigger, and the clauses whose time or subject it shares: the clauses it takes its subject from
    when it has none of its own ("Twitter's lawyers had planned to depose Musk starting on Thursday":
    starting, planned), and the clause a time clause dates ("King Charles III was joined by his siblings as
    they held vigil on Monday evening": held, joined)."""
    chain = [verb]
    while verb.head != verb and ((verb.dep_ in _INHERITS and not _actors(verb)) or _at_the_time(verb)):
        verb = _clause(verb.head)
        chain.append(verb)
    return chain


def _at_the_time(verb: Token) -> bool:
    """A clause of "when", "as" or "while": what it tells happens at the time of the clause it hangs from."""
    return verb.dep_ == "advcl" and any(c.lower_ in _AT_THE_TIME for c in verb.children
                                        if c.dep_ in ("mark", "advmod"))


def _actors(verb: Token) -> list[Token]:
    """The clause's subjects and passive agents ("by the Queen")."""
    actors = [c for c in verb.children if c.dep_ in _SUBJECTS]
    return actors + [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]


def _is_or_holds(actor: Token, is_person, own: set[str]) -> bool:
    """Whether the actor is the person or a phrase that holds her ("Truss' government", "Musk and Agrawal"),
    unless she is only the possessor of someone else ("Truss's predecessor Johnson": a name the tagger calls
    a person, or a pronoun not hers, in the subject or in apposition to it)."""
    if actor.lower_ in _RELATIVE and actor.head.dep_ == "relcl":
        noun = actor.head.head  # "Musk's takeover, which was finalized Thursday night"
        # "who" stands for a person: "his mother, who died Thursday" is not his act
        return is_person(noun) or (actor.lower_ not in _WHO
                                   and any(is_person(c) for c in noun.children if c.dep_ == "poss"))
    if is_person(actor):
        return True
    held = [t for t in _phrase(actor) if is_person(t)]
    if not held:
        return False
    heads = [actor, *(c for c in actor.children if c.dep_ == "appos")]
    someone_else = any((h.ent_type_ == "PERSON" and not is_person(h))
                       or (h.lower_ in PERSON_OF and h.lower_ not in own) for h in heads)
    return not (someone_else and all(t.dep_ == "poss" for t in held))


def _phrase(noun: Token) -> list[Token]:
    """The words that make up a noun phrase, without what describes it: its relative and participle clauses
    and what its appositives' own phrases say ("De Moraes, a thorn in X's side": not X)."""
    words, stack = [], [noun]
    while stack:
        token = stack.pop()
        words.append(token)
        stack.extend(c for c in token.children if c.dep_ not in _DESCRIPTION
                     and not (token.dep_ == "appos" and c.dep_ == "prep"))
    return words


def _argument(verb: Token, is_person, names: Sequence[str]) -> bool:
    """Whether the person is among the verb's own arguments and their phrases (objects, prepositional
    phrases, complements), not in a clause of its own or in its subject (the subject is `_is_or_holds`');
    or the subject or object of a clause it reports ("announced Monday it had chosen Liz Truss")."""
    stack = [c for c in verb.children if c.dep_ not in _SUBJECTS | {"agent"}]
    while stack:
        token = stack.pop()
        if token.dep_ == "ccomp" and _reported(token, names):
            return True
        if _opens_clause(token):
            continue
        if is_person(token):
            return True
        stack.extend(token.children)
    return False


def _opens_clause(token: Token) -> bool:
    """A dependent that is a clause of its own: a relative or adverbial clause, a reported clause, a clause
    with its own subject that completes a noun ("rumors that the show depicts X"), or a second verb joined
    by "and" ("Johnson touted ... and pledged to support Truss' government"). An
    adverbial clause of the same time ("today when Liz Truss meets the Queen") or purpose ("came to pay a
    call on Truss") is the trigger's own."""
    if _at_the_time(token) or (token.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to"
                                                              for c in token.children)):
        return False
    return (token.dep_ in _OTHER_CLAUSE or (token.dep_ == "conj" and token.pos_ in ("VERB", "AUX"))
            or (token.dep_ == "acl" and any(c.dep_ in _SUBJECTS for c in token.children)))


def _reported(clause: Token, names: Sequence[str]) -> bool:
    """Whether a reported clause has the person, by name, as a subject or object of its verb (or of the
    clauses it reports in turn: "said Sunday he is optimistic that Griner will be released"), not of a noun
    in it or of a state it reports ("Xi is 'concerned' about ..., said Biden on Thursday"); a pronoun there
    is more often the speaker ("Mordaunt confirmed that she was running to replace Truss")."""
    stack = [clause]
    while stack:
        token = stack.pop()
        if token.dep_ in _CORE and _named(token, names) and not _a_state(token.head):
            return True
        if token.pos_ in ("VERB", "AUX"):  # not into a noun: "showed commitment to securing Griner's freedom"
            stack.extend(c for c in token.children if c.dep_ not in _OTHER_CLAUSE - {"ccomp"} | {"xcomp"})
    return False


def _a_state(verb: Token) -> bool:
    """Whether a clause tells a state, not a happening: an adjective as its head or as the predicate of its
    "be" ("Xi is 'concerned' about ..., said Biden on Thursday")."""
    return verb.pos_ == "ADJ" or (verb.lower_ in _PRESENT_BE
                                  and any(c.dep_ == "acomp" for c in verb.children))
