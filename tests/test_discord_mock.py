"""The Discord mock of bench/: its markdown matches how Discord shows embed text; Chromium lays it out."""

from __future__ import annotations

import pytest

from bench.discord_mock import available, inline, markdown, measure


def test_escapes_show_the_character_and_bare_urls_are_links() -> None:
    assert inline(r"\*not bold\* \[x\]\(y\)") == "*not bold* [x](y)"
    assert inline("see https://example.org/a_b_c.") == \
        'see <a href="https://example.org/a_b_c">https://example.org/a_b_c</a>.'
    # An escaped underscore inside a URL is part of the link text: the backslash shows.
    assert "a\\_b" in inline(r"https://example.org/a\_b")


def test_bold_links_mentions_and_quotes() -> None:
    assert inline("**a** [t](https://e.org/x)") == '<strong>a</strong> <a href="https://e.org/x">t</a>'
    assert 'class="mention"' in inline("@everyone") and 'class="mention"' in inline("<@123>")
    assert 'class="mention"' not in inline("@\u200beveryone")
    html = markdown("first\n> quoted **bold**\n> more\nafter")
    assert html.count("<blockquote>") == 1 and "<strong>bold</strong>" in html
    assert html.endswith("after</div>")


@pytest.mark.skipif(not available(), reason="chromium is not installed")
def test_a_longer_description_is_taller_and_narrower_is_taller() -> None:
    long = {"embeds": [{"title": "Q", "description": "A sentence of some length. " * 20}]}
    short = {"embeds": [{"title": "Q", "description": "One line."}], "buttons": [["More passages"]]}
    wide, small = measure([long, short], 800)["heights"]
    narrow = measure([long], 400)["heights"][0]
    assert narrow["embed"] > wide["embed"] > small["embed"] > 0
    assert small["message"] > small["embed"] + 32  # the name line and the button row
