"""Photo captions, credits and embedded posts are page furniture: never quoted, never events."""

import pytest

from index.captions import is_caption
from index.clean import clean


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
