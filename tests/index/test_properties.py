"""Property-based tests: hostile text never crashes the cleaner or the splitter, and quotes stay verbatim."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.clean import clean
from index.lexical import terms
from index.passages import make_passages

# Any unicode, control characters included, plus the syntax that must survive untouched in a quote.
hostile = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.lists(
    st.sampled_from([
        "@everyone", "<@123>", "[link](https://evil.example)", "**bold**", "`code`", "U.S.", "Mr.", "\u202e",
        "\x00", "\r\n", "\n\n", ".", "!?", "  ", "Advertisement", "• Dow", "3,367.90", "Ü", "😀", "word",
        "\ud800", "\udfff",  # lone surrogates: JSON can spell them ("\\ud800"), UTF-8 cannot
    ]),
    max_size=200,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile, st.integers(min_value=5, max_value=120))
def test_passages_are_verbatim_slices_of_clean_text(raw: str, max_words: int) -> None:
    text = clean(raw)
    assert clean(text) == text  # cleaning is idempotent: stored text cleans to itself
    for passage in make_passages("doc", text, max_words):
        assert text[passage.start:passage.end] == passage.text
        assert passage.text.strip() == passage.text and passage.text
        for start, end in passage.sentences:
            assert 0 <= start < end <= len(passage.text)
        assert len(passage.text.split()) <= max_words
    terms(raw)


@settings(max_examples=5, deadline=None)
@given(st.sampled_from(["x", "ab ", "Ü", "\t"]))
def test_a_100k_character_line(unit: str) -> None:
    raw = unit * 100_000
    text = clean(raw)
    passages = make_passages("doc", text)
    assert all(text[p.start:p.end] == p.text for p in passages)
