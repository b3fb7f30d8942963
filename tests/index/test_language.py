from index.language import english


def test_entities_and_subjects_of_news_text():
    doc = english()("Liz Truss met Joe Biden in New York on Sept. 20 before she resigned.")
    assert {(e.text, e.label_) for e in doc.ents} >= {
        ("Liz Truss", "PERSON"), ("Joe Biden", "PERSON"), ("New York", "GPE"), ("Sept. 20", "DATE")}
    subjects = {(t.text, t.head.text) for t in doc if t.dep_ == "nsubj"}
    assert subjects == {("Truss", "met"), ("she", "resigned")}


def test_loaded_once():
    assert english() is english()
