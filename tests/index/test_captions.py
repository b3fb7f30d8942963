"""Photo captions, credits and embedded posts are page furniture: never quoted, never events."""

from datetime import date

import pytest

from index.captions import is_caption
from index.clean import clean
from index.paragraphs import Role, role_of


@pytest.mark.parametrize("line", [
    "Volunteers stack sandbags outside the harbour office on Tuesday. Jane Roe/Harbour Times",
    "A crane lifts the last span into place in Portville on May 3. Ann Lee/Reuters",
    "The mayor cuts the ribbon on the new bridge. JOHN DOE III/AP POOL/ASSOCIATED PRESS",
    "A ferry waits at the pier. Getty Images",
    "A ferry waits at the pier, 2019. Sam Poe/Bloomberg/Getty Images Prev Next",
    "Photos: The harbour bridge A ferry waits at the pier. Hide Caption 3 of 12",
    "Image via Shutterstock",
    "(AP Photo/Jane Roe)",
    "The bridge is open at last! pic.twitter.com/AbCdEf12 — Mayor Jo Smith (@mayorjo) March 5, 2024",
    # credits that are no known agency: a station, an office, a photographer for an outlet
    "The storm's eye is seen from orbit as the sun rises over the gulf on Tuesday. NOAA",
    "Crews clear fallen trees from the coast road near the harbour. Portville Fire Department",
    "A volunteer hands out water outside the shelter. Jane Roe for The Harbour Times",
])
def test_captions_credits_and_posts_are_recognised(line: str) -> None:
    assert is_caption(line)
    assert clean(f"The bridge opened on Tuesday.\n\n{line}\n\nTraffic was light.") == \
        "The bridge opened on Tuesday.\n\nTraffic was light."


@pytest.mark.parametrize("line", [
    "The bridge opened on Tuesday, the mayor told CNN.",
    "Traffic was light, according to AP.",
    "The Portville/Harbour line reopens on Monday, officials said.",
    "Ann Lee, a spokeswoman for the port, said the ferries would run late.",
    "It cost $5 million, Reuters reported.",
])
def test_prose_is_not_a_caption(line: str) -> None:
    assert not is_caption(line)


@pytest.mark.parametrize("line", [
    "He set a county record in the final game of the season, three weeks after his injury. READ MORE",
    "The ferry will stop at Portville, Dunmore and Kells, officials said, after talks with Sen. Ann Lee",
    "The season opener is the Harbour Dragons vs. the Portville Giants",
    "They can run the ferries themselves if the council stays out of the way. Look-",
])
def test_prose_ending_in_capitals_is_not_a_caption(line: str) -> None:
    assert not is_caption(line)


SCENE = "A fisherman takes photos Thursday, September 29, of a pier damaged by the storm in Portville."


def test_a_caption_without_credit_is_told_by_its_present_tense_scene_and_past_day() -> None:
    """A picture's caption describes its scene in the present tense on the day it was taken; with the
    article's publication date known, that is enough to tell it from prose, credit or none."""
    assert is_caption(SCENE, date(2022, 9, 29))
    assert is_caption("Residents wade through a flooded street in Portville on Wednesday, Sept. 28, 2022.",
                      date(2022, 9, 30))
    assert not is_caption(SCENE)  # without the publication date, the scene alone is not enough
    assert clean(f"The storm made landfall on Wednesday.\n\n{SCENE}", date(2022, 9, 29)) == \
        "The storm made landfall on Wednesday."
    assert role_of(SCENE, None, date(2022, 9, 29)) is Role.CAPTION  # in text cleaned before


@pytest.mark.parametrize("line", [
    # a present tense with a day to come: a listing, not a caption
    "The Harbour Dragons play the Portville Giants on Friday, Oct. 7, at the new stadium.",
    # the past tense, reported speech, a relative clause: prose
    "Residents waded through flooded streets in Portville on Wednesday, Sept. 28, the mayor said.",
    "The mayor visits the shelter on Wednesday, Sept. 28, officials said.",
    "Delegates gather in Portville every autumn for the fair, which began on Monday, Sept. 26.",
    "On the clear evening of Saturday, Sept. 24, the ferry left Portville.",
])
def test_prose_and_listings_with_a_day_are_not_captions(line: str) -> None:
    assert not is_caption(line, date(2022, 9, 29))
