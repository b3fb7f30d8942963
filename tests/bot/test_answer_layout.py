"""The /ask embed on a phone: it leads with the answering sentence and fits one 400 px-wide screen.

The height is checked two ways: by `bot.render.phone_lines`, the estimate the renderer budgets with (no
browser needed), and, where Chromium is installed, by laying the embeds out in the Discord mock of bench/
(bench/discord_mock.py) and measuring them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.discord_mock import PHONE_MESSAGE_HEIGHT, PHONE_WIDTH, available, measure
from bot.exts.ask import PAGES, answer_view
from bot.render import PHONE_LINES, PHONE_TITLE_CHARS, answer_embed, escape, page_of, phone_lines
from index.library import Library

SEED_DEV = Path(__file__).resolve().parent.parent / "data" / "seed_dev.jsonl"
QUESTIONS = [json.loads(line)["question"] for line in SEED_DEV.read_text().splitlines() if line]
PER_PAGE = 3


def _first_pages(library: Library) -> list[tuple[str, dict, list[str]]]:
    """(question, first page's embed dict, button labels) of the bot's answer to each seed dev question."""
    pages = []
    for question in QUESTIONS:
        answer = library.ask(question, PER_PAGE * PAGES)
        page = page_of(answer, 0, PER_PAGE)
        buttons = [getattr(item, "item", item) for item in answer_view(1, answer, page).children]
        pages.append((question, answer, answer_embed(answer, page).to_dict(),
                      [" ".join(x for x in (str(b.emoji or ""), b.label) if x) for b in buttons]))
    return pages


@pytest.fixture(scope="module")
def pages(seed_library: Library) -> list:
    return _first_pages(seed_library)


def test_the_first_line_is_the_answering_sentence(pages: list) -> None:
    answered = [(answer, data) for _, answer, data, _ in pages if answer.answered]
    assert len(answered) >= len(pages) // 2
    for answer, data in answered:
        first = data["description"].split("\n")[0]
        assert first == f"**{escape(answer.passages[0].sentence.strip())}** [1]"


def test_the_answer_fits_a_phone_screen_by_the_estimate(pages: list) -> None:
    for question, _, data, _ in pages:
        text = data["description"] + "\n" + "\n".join(f["value"] for f in data.get("fields", []))
        lines = phone_lines(data["title"], PHONE_TITLE_CHARS) + phone_lines(text)
        assert lines <= PHONE_LINES + 3, question  # the sources field's name and gaps round it up


@pytest.mark.skipif(not available(), reason="chromium is not installed")
def test_the_answer_fits_a_phone_screen_as_laid_out(pages: list) -> None:
    messages = [{"embeds": [data], "buttons": [labels]} for _, _, data, labels in pages]
    heights = measure(messages, PHONE_WIDTH)["heights"]
    tall = [(q, h["message"]) for (q, *_), h in zip(pages, heights, strict=True)
            if h["message"] > PHONE_MESSAGE_HEIGHT]
    assert not tall
