"""Screenshots of `/ask` answers as Discord shows them (bench/discord_mock.py), with their heights.

Asks the seed dev set (tests/data/seed_dev.jsonl) or the given questions against the seed briefings,
renders each answer's first page with its buttons, and writes `<n>-<width>.png` at 800 and 400 px, then
prints, per question, the message height at 400 px against one phone screen (`PHONE_MESSAGE_HEIGHT`).

Usage: python bench/embeds.py --out /tmp/embeds [--limit 10] [question ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import CACHE, SEEDS, emit, seed_dev_questions
from discord_mock import PHONE_MESSAGE_HEIGHT, PHONE_WIDTH, available, measure, screenshot

from bot.exts.ask import PAGES, answer_view
from bot.render import answer_embed, page_of
from index.library import Library

PER_PAGE = 3  # the bot's default `search.k`


def message_of(library: Library, question: str) -> dict:
    """The first page of the bot's answer to `question` as the mock's message: embed and button rows."""
    answer = library.ask(question, PER_PAGE * PAGES)
    page = page_of(answer, 0, PER_PAGE)
    view = answer_view(1, answer, page)
    buttons = [getattr(item, "item", item) for item in view.children]  # a DynamicItem wraps its button
    labels = [("~" if b.disabled else "") + " ".join(x for x in (str(b.emoji or ""), b.label) if x)
              for b in buttons]
    return {"embeds": [answer_embed(answer, page).to_dict()], "buttons": [labels] if labels else []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="*")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--no-png", action="store_true", help="only measure the heights")
    args = parser.parse_args()
    if not available():
        sys.exit("chromium is not installed")
    library = Library(CACHE / "seeds-embeds", default_sources=[SEEDS])
    asked = args.questions or [c["question"] for c in seed_dev_questions()][: args.limit]
    messages = [message_of(library, q) for q in asked]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "messages.json").write_text(json.dumps(messages, indent=1))
    if args.no_png:
        heights = measure(messages, PHONE_WIDTH)["heights"]
    else:
        heights = []
        for number, message in enumerate(messages):
            screenshot([message], args.out / f"{number}-800.png", 800)
            phone = screenshot([message], args.out / f"{number}-{PHONE_WIDTH}.png", PHONE_WIDTH)
            heights.append(phone["heights"][0])
    rows = [[n, q[:60], h["message"], h["message"] <= PHONE_MESSAGE_HEIGHT] for n, (q, h) in
            enumerate(zip(asked, heights, strict=True))]
    emit({"phone_message_height": PHONE_MESSAGE_HEIGHT, "questions": [
              {"question": q, **h} for q, h in zip(asked, heights, strict=True)],
          "fit": sum(r[3] for r in rows), "total": len(rows)},
         f"/ask answers at {PHONE_WIDTH} px (one screen: {PHONE_MESSAGE_HEIGHT} px)",
         ["#", "question", "height", "fits"], rows)


if __name__ == "__main__":
    main()
