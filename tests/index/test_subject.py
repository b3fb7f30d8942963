"""Whose event a sentence reports (`index.subject`): a person's own acts, not someone else's that name her."""

import pytest

from index.subject import names_a_person, parse, tells_of

TRUSS = ["Truss"]


@pytest.mark.parametrize(("sentence", "timex"), [
    ("Truss fired Kwasi Kwarteng, her close ally and finance minister, on Oct. 14.", "Oct. 14"),
    ("Speaking on the steps of Downing Street on Tuesday evening, Truss said her priorities were tax cuts.",
     "Tuesday evening"),
    ("Truss defeated rival Rishi Sunak among party members and will take over as leader on Tuesday.",
     "Tuesday"),
    ("Truss, who became prime minister one month ago, started off her speech with a warning.",
     "one month ago"),
    ("The market meltdown began after Prime Minister Liz Truss’ government unveiled tax cuts on Sept. 23.",
     "Sept. 23"),
    ("The Queen's last public engagement had been the appointing of Truss on Tuesday.", "Tuesday"),
    ("The President meets with one of those leaders, British Prime Minister Liz Truss, later Wednesday.",
     "later Wednesday"),
    ("Britain will officially have a new prime minister today when Liz Truss meets with Queen Elizabeth II.",
     "today"),
    ("The ruling Conservative Party announced Monday it had chosen Liz Truss to be its new leader.",
     "Monday"),
    # a time clause dates the clause it hangs from: the vigil is when the King was joined
    ("King Charles III was joined by his siblings as they briefly held vigil around the coffin on Monday "
     "evening.", "Monday evening"),
    # the name is part of its head ("King Charles III": III) in the clause the palace reports
    ("Buckingham Palace announced Tuesday that King Charles III will be crowned on Saturday, May 6, 2023.",
     "Tuesday"),
])
def test_the_persons_own_acts_are_hers(sentence: str, timex: str) -> None:
    [doc] = parse([sentence])
    names, pronoun = (["Charles"], "he") if "Charles" in sentence else (TRUSS, "she")
    assert tells_of(doc, timex, names, pronoun)


@pytest.mark.parametrize(("sentence", "timex"), [
    ("In his farewell speech outside Downing Street early Tuesday, Johnson touted his achievements, made no "
     "mention of failures, and pledged to support Truss’ new government.", "early Tuesday"),
    ("Earlier this year, Truss’s predecessor Johnson narrowly survived a confidence vote in his leadership.",
     "Earlier this year"),
    ("During her time as a Liberal Democrat, Truss supported the abolition of the royal family – positions "
     "that are at total odds with what most would consider to be mainstream Conservatism in 2022.", "2022"),
    ("Mordaunt confirmed in a tweet Friday afternoon that she was running to replace Truss.",
     "Friday afternoon"),
])
def test_someone_elses_act_that_names_her_is_not_hers(sentence: str, timex: str) -> None:
    [doc] = parse([sentence])
    assert not tells_of(doc, timex, TRUSS, "she")


MOSS = ["Moss"]


@pytest.mark.parametrize(("sentence", "timex"), [
    # what a relative clause or an appositive says of the subject does not make its act hers
    ("Gray, who often dines with Moss, told reporters on Monday that the deal was off.", "Monday"),
    ("Gray, a longtime thorn in Moss's side, on Monday filed a lawsuit against the council.", "Monday"),
    ("Moss took over the firm from her father, who died on Tuesday after a long illness.", "Tuesday"),
    # a clause with its own subject that completes a noun is not an argument of the trigger
    ("Gray responded on Saturday to reports that a new film depicts Moss as a villain.", "Saturday"),
])
def test_what_describes_someone_else_is_not_her_event(sentence: str, timex: str) -> None:
    [doc] = parse([sentence])
    assert not tells_of(doc, timex, MOSS, "she")


@pytest.mark.parametrize(("sentence", "timex", "hers"), [
    # "today" dating a present "be" with a predicate means "these days": no event
    ("Moss is the face of the party today.", "today", False),
    ("This is the question facing Moss today.", "today", False),
    ("They say Moss has changed, from being a rebel in her youth to the voice of the party today.", "today",
     False),
    # ... but an act of hers today is one
    ("Moss is expected to address the party today.", "today", True),
    ("Moss said today that she would stay on.", "today", True),
])
def test_today_dates_a_state_or_an_event(sentence: str, timex: str, hers: bool) -> None:
    [doc] = parse([sentence])
    assert tells_of(doc, timex, MOSS, "she") is hers


def test_a_sentence_that_does_not_name_her_is_not_judged() -> None:
    [doc] = parse(["He said on Tuesday that the country would be fine."])
    assert tells_of(doc, "Tuesday", TRUSS, "she")


def test_a_storm_is_no_person_though_the_tagger_reads_its_name_as_one() -> None:
    ian = parse(["Hurricane Ian made landfall in Florida on Wednesday.", "Ian hit South Carolina on Friday."])
    assert names_a_person(parse(["Liz Truss resigned on Thursday.", "Truss met Biden on Wednesday."]),
                          TRUSS, "she")
    assert not names_a_person(ian, ["Ian"], "it")



@pytest.mark.parametrize(("sentence", "timex", "hers"), [
    # a date after a closing quotation mark dates the clause outside the quotation, where the parser often
    # hangs it inside (on the quotation's last clause)
    ("Moss has said that she will accept the results of the vote “as long they are fair and clean,” in an "
     "interview with the BBC this month.", "this month", True),
    ("Gray described Moss as “a singer that wants to be a mayor” during a rally Friday night in Leeds, "
     "praising the band she led as “one of the best of all time.”", "Friday night", True),
    ("Moss promised “a review that will be ready soon” during an interview on Friday.", "Friday", True),
    # ... and a date inside the quotation, the quoted clause
    ("“Gray will resign on Friday,” Moss said.", "Friday", False),
])
def test_a_date_after_a_quotation_dates_the_clause_outside_it(sentence: str, timex: str, hers: bool) -> None:
    [doc] = parse([sentence])
    assert tells_of(doc, timex, MOSS, "she") is hers


@pytest.mark.parametrize(("sentence", "timex", "hers"), [
    # the first person of a quotation is its speaker
    ("“We gather today to remember the Queen,” Moss said.", "today", True),
    ("“I will sign the order on Monday,” Moss told reporters.", "Monday", True),
    ("“We gather today to remember the Queen,” Gray said of Moss.", "today", False),
])
def test_the_first_person_of_a_quotation_is_its_speaker(sentence: str, timex: str, hers: bool) -> None:
    [doc] = parse([sentence])
    assert tells_of(doc, timex, MOSS, "she") is hers


@pytest.mark.parametrize("sentence", [
    # a reported clause tells of her when she is the subject or object of its verbs, not when she is in a
    # noun phrase of it or the subject of a reported state (an adjective)
    "Gray said on Friday that the council had shown its commitment to freeing Moss.",
    "Moss is “concerned” about the plans for the port, said Gray in a speech on Thursday.",
])
def test_a_reported_clause_tells_of_her_only_through_its_verbs(sentence: str) -> None:
    [doc] = parse([sentence])
    timex = "Friday" if "Friday" in sentence else "Thursday"
    assert not tells_of(doc, timex, MOSS, "she")
