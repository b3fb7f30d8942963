"""Property-based: any article text (any unicode, control characters, huge lines, markdown and mention
syntax) renders without error, within Discord's limits, and can neither ping nor mention anyone."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import answer_embed, page_of
from index.search import Answer, Hit
from index.store import DocumentInfo
from tests.helpers import within_limits

SYNTAX = ["@everyone", "@here", "<@123456789012345678>", "<@&1>", "<#2>", "[x](https://e.example)", "**",
          "__", "~~", "||", "`", "\\", "> ", "# ", "\n", "\r", "\x00", "\u200b", "\u202e", "…", ". "]
text = st.lists(st.sampled_from(SYNTAX) | st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
                max_size=60).map("".join)
huge = st.sampled_from(["x", "@everyone ", "**", "Ü", "\t"]).map(lambda unit: unit * (100_000 // len(unit)))


def _answer(before: str, sentence: str, after: str, meta: str) -> Answer:
    quote = before + sentence + after
    source = DocumentInfo("d", "s", meta or "t", meta or "p", None, "https://e.example/a")
    hits = [Hit(quote, 0.7, source, f"p{i}", (len(before), len(before) + len(sentence)), [source])
            for i in range(4)]
    return Answer(meta, True, sentence, hits, {})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text | huge, text, text | huge, text)
def test_any_article_text_renders_within_limits_without_mentions(
    before: str, sentence: str, after: str, meta: str,
) -> None:
    answer = _answer(before, sentence or "S.", after, meta)
    for number in range(2):
        embed = answer_embed(answer, page_of(answer, number, 2))
        assert within_limits(embed)
        data = embed.to_dict()
        shown = " ".join([data.get("title", ""), data.get("description", ""),
                          *(f"{f['name']} {f['value']}" for f in data.get("fields", []))])
        assert "@everyone" not in shown and "@here" not in shown  # broken by a zero-width space
        assert "<@" not in shown and "<#" not in shown  # no user, role or channel mention
