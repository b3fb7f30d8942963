from index.passages import make_passages, sentence_spans


def test_abbreviations_do_not_split_sentences() -> None:
    text = "Mr. Smith met U.S. officials in Washington. He left on Tuesday."
    spans = sentence_spans(text)
    assert [text[s.start:s.end] for s in spans] == [
        "Mr. Smith met U.S. officials in Washington.", "He left on Tuesday.",
    ]


def test_passages_are_verbatim_slices_with_stable_ids() -> None:
    text = "\n\n".join(f"Paragraph {i} has a sentence. And a second one here." for i in range(40))
    first = make_passages("doc", text, max_words=30)
    assert len(first) > 5
    for p in first:
        assert text[p.start:p.end] == p.text
        for start, end in p.sentences:
            assert p.text[start:end].strip() == p.text[start:end]
    assert [p.id for p in make_passages("doc", text, max_words=30)] == [p.id for p in first]
    assert {p.id for p in make_passages("other", text, max_words=30)}.isdisjoint(p.id for p in first)


def test_passages_end_at_paragraphs_and_overlap_inside_one() -> None:
    long_paragraph = " ".join(f"Sentence number {i} is here." for i in range(30))
    text = f"A short opening paragraph stands here.\n\n{long_paragraph}"
    passages = make_passages("doc", text, max_words=40)
    # A cut inside the long paragraph repeats its last sentence in the next passage.
    assert passages[1].text.split(". ")[-1] in passages[2].text
    assert all("\n\n" not in p.text for p in passages[1:])


def test_a_huge_line_without_punctuation_is_cut_by_words() -> None:
    text = " ".join(f"w{i}" for i in range(10_000))
    passages = make_passages("doc", text, max_words=80)
    assert max(len(p.text.split()) for p in passages) <= 80
    assert sum(len(p.text.split()) for p in passages) == 10_000


def test_repeated_text_is_not_stored_twice() -> None:
    passages = make_passages("doc", "Same words again. " * 200, max_words=10)
    assert len(passages) == len({p.text for p in passages}) < 5
