"""The store test suite: what every engine must do, run against each engine of `engine_cases.ENGINES`.

Writing and reading back, filters inside the dense and keyword searches (names in filters are values, never
syntax), change sets applied to a previous state, readers keeping their state while commits run in another
thread, another handle (another process) seeing each commit, one writer at a time, a failed commit
changing nothing, damage found at open and cured by a rebuild, and the source registry kept with the
index. Only the interface of `index.store` is used here.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from index.lexical import terms
from index.scopes import OPERATOR
from index.store import (
    DamagedIndex,
    DocumentInfo,
    DocumentState,
    DocumentUpdate,
    Engine,
    Filter,
    KeywordIndex,
    NoIndex,
    Snapshot,
    StoreError,
    StoreWriteError,
    VectorIndex,
)
from tests.index.store.engine_cases import (
    DAY,
    DIM,
    MODEL,
    SERVER_A,
    SERVER_B,
    EngineCase,
    changes,
    corpus,
    document,
    scoped_corpus,
    update,
)


def written(engine: Engine, *updates: DocumentUpdate) -> Snapshot:
    with engine.writer():
        engine.commit(None, changes(*(updates or corpus())))
    return engine.open(MODEL, DIM)


def by_doc(snapshot: Snapshot, keys) -> list[str]:
    owners = snapshot.documents_of(list(keys))
    return [owners[k] for k in keys]


def key_of(snapshot: Snapshot, doc_id: str, words: str) -> int:
    """The key of the passage of `doc_id` whose text contains `words`."""
    found = [p.key for p in snapshot.passages(snapshot.keys()) if p.doc_id == doc_id and words in p.text]
    assert len(found) == 1, (doc_id, words)
    return found[0]


def test_an_empty_store_has_no_index(engine: Engine) -> None:
    assert isinstance(engine, Engine)
    assert engine.current() is None
    with pytest.raises(NoIndex):
        engine.open(MODEL, DIM)


def test_what_is_written_reads_back(engine: Engine) -> None:
    updates = corpus()
    snapshot = written(engine, *updates)
    assert isinstance(snapshot, Snapshot)
    assert isinstance(snapshot.vectors, VectorIndex) and isinstance(snapshot.keywords, KeywordIndex)
    assert snapshot.name == engine.current()
    assert snapshot.meta["model"] == MODEL and snapshot.meta["dim"] == str(DIM)
    assert snapshot.count == len(snapshot.keys()) == sum(len(u.passages) for u in updates)
    assert len(set(snapshot.keys())) == snapshot.count

    for u in updates:
        doc = u.document
        assert snapshot.documents[doc.id] == DocumentInfo(doc.id, doc.source, doc.title, doc.publisher,
                                                          doc.published, doc.url, OPERATOR)
        assert snapshot.document_states()[doc.id] == DocumentState(doc.source, doc.digest)
        assert snapshot.passage_ids([doc.id]) == {doc.id: [p.id for p in u.passages]}
        # Every passage: its text is a slice of the document, its sentences, its vector, its owner.
        for passage, vector in zip(u.passages, u.vectors, strict=True):
            key = key_of(snapshot, doc.id, passage.text)
            stored = snapshot.passages([key])[0]
            assert (stored.id, stored.start, stored.end, stored.text) == (
                passage.id, passage.start, passage.end, doc.text[passage.start:passage.end])
            assert stored.sentences == passage.sentences
            assert np.allclose(snapshot.vectors.get([key])[0], vector, atol=1e-6)
            assert snapshot.documents_of([key]) == {key: doc.id}
            [same] = snapshot.keys_of_texts([passage.text_hash]).values()  # equal texts may share one
            assert snapshot.passages([same])[0].text == passage.text
    assert snapshot.passages([]) == [] and snapshot.passages([max(snapshot.keys()) + 1]) == []

    ports = [d for d in snapshot.source_documents("port")]
    assert sorted(d.id for d in ports) == ["harbour", "storm"]
    assert next(d for d in ports if d.id == "storm") == document("storm")
    assert snapshot.passage_counts() == {
        (OPERATOR, source): sum(len(u.passages) for u in updates if u.document.source == source)
        for source in ("port", "wire")}
    snapshot.close()


def test_each_document_keeps_its_scope(engine: Engine) -> None:
    updates = scoped_corpus()
    snapshot = written(engine, *updates)
    for u in updates:
        doc = u.document
        assert snapshot.documents[doc.id].scope == doc.scope
        assert snapshot.document_states()[doc.id] == DocumentState(doc.source, doc.digest, doc.scope)
    assert snapshot.documents["111:harbour"] == DocumentInfo(
        "111:harbour", "port", "Harbour", "Port Daily", "2024-06-03", None, SERVER_A)
    # Sources are known by scope and name: server A's "port" is not the operator's.
    assert snapshot.source_documents("port", SERVER_A) == [document("harbour", scope=SERVER_A)]
    assert sorted(d.id for d in snapshot.source_documents("port")) == ["harbour", "storm"]
    assert snapshot.source_documents("port", "333") == []
    counts = snapshot.passage_counts()
    assert counts[SERVER_A, "port"] == counts[OPERATOR, "port"] - len(updates[2].passages)
    assert set(counts) == {(OPERATOR, "port"), (OPERATOR, "wire"), (SERVER_A, "port"), (SERVER_A, "wire"),
                           (SERVER_B, "port"), (SERVER_B, "wire")}
    snapshot.close()


def test_events_are_stored_with_their_sentence_and_passage(engine: Engine) -> None:
    updates = corpus()
    snapshot = written(engine, *updates)
    events = snapshot.events()
    expected = sorted(((e.date, e.doc_id, e.start) for u in updates for e, _ in u.events))
    assert [(e.date, e.doc_id, e.start) for e in events] == expected
    opened = next(e for e in events if e.doc_id == "harbour" and e.date == "2024-06-01")
    assert opened.text == "The harbour terminal opened on June 1, 2024." and opened.granularity == "day"
    assert opened.timex == "June 1, 2024"
    holder = snapshot.passages([opened.key])[0]
    assert holder.doc_id == "harbour" and holder.start <= opened.start < holder.end


def test_dense_search_finds_a_passage_by_its_vector_best_first(engine: Engine) -> None:
    updates = corpus()
    snapshot = written(engine, *updates)
    target = updates[1].passages[0]
    query = updates[1].vectors[0]
    found = snapshot.vectors.search(query, 3)
    keys = list(found)
    assert len(keys) == 3 and snapshot.passages([keys[0]])[0].id == target.id
    assert found[keys[0]] == pytest.approx(1.0, abs=1e-5)
    assert list(found.values()) == sorted(found.values(), reverse=True)
    assert len(snapshot.vectors.search(query, 1000)) == snapshot.count  # n beyond the count: every passage
    assert snapshot.vectors.search(query, 0) == {}


def test_keyword_search_ranks_the_passages_with_the_words(engine: Engine) -> None:
    snapshot = written(engine)
    [ranking] = snapshot.keywords.search("harbour", 10)
    assert sorted(by_doc(snapshot, ranking)) == ["archive", "harbour", "storm"]
    [ranking] = snapshot.keywords.search("cargo ships from Asia", 10)
    assert by_doc(snapshot, ranking) == ["harbour"]
    assert snapshot.keywords.search("zeppelin", 10) == [[]]
    assert snapshot.keywords.search("harbour", 0) == [[]]
    assert set(snapshot.keywords.rarity(terms("harbour zeppelin"))) == {"harbour"}  # "zeppelin" is unknown
    assert snapshot.keywords.rarity(terms("the of")) == {}  # no search terms at all


def test_keyword_rarity_is_higher_for_words_fewer_passages_use(engine: Engine) -> None:
    snapshot = written(engine)
    rarity = snapshot.keywords.rarity(terms("harbour cargo zeppelin"))
    assert set(rarity) == {"harbour", "cargo"}  # a word no passage uses has none
    assert rarity["cargo"] > rarity["harbour"] > 0  # "harbour" is in three articles, "cargo" in one


def test_keyword_rarity_is_the_snapshots_own(engine: Engine) -> None:
    before = written(engine)
    assert set(before.keywords.rarity(terms("cargo zeppelin"))) == {"cargo"}
    airship = update(document("storm", "A zeppelin carried cargo over the harbour. Cargo was unloaded."))
    with engine.writer():
        engine.commit(before, changes(airship))
    after = engine.open(MODEL, DIM)
    # A word the change brought is known to the new state only; a word it spread to more passages is rarer
    # in the old one.
    assert set(before.keywords.rarity(terms("cargo zeppelin"))) == {"cargo"}
    assert set(after.keywords.rarity(terms("cargo zeppelin"))) == {"cargo", "zeppelin"}
    assert before.keywords.rarity(["cargo"])["cargo"] > after.keywords.rarity(["cargo"])["cargo"]


@pytest.mark.parametrize(("where", "expected"), [
    (Filter(published_by=DAY("2024-06-09")), {"harbour", "archive"}),  # undated: always known
    (Filter(published_by=DAY("2024-06-10")), {"harbour", "budget", "archive"}),
    (Filter(published_by=DAY("2030-01-01")), {"harbour", "budget", "storm", "archive"}),
    (Filter(published_between=(DAY("2024-06-04"), DAY("2024-06-20"))), {"budget", "storm"}),  # no undated
    (Filter(published_between=(DAY("2024-07-01"), DAY("2024-07-31"))), set()),
    (Filter(sources={"PORT"}), {"harbour", "storm"}),  # a source name, any case
    (Filter(sources={"archive press"}), {"archive"}),  # a publisher: only its articles, not its source's
    (Filter(sources={"nowhere"}), set()),
    (Filter(published_by=DAY("2024-06-15"), sources={"port", "Capital Times"}), {"harbour", "budget"}),
    (Filter(published_between=(DAY("2024-06-01"), DAY("2024-06-30")), sources={"port"}),
     {"harbour", "storm"}),
    (Filter(), {"harbour", "budget", "storm", "archive"}),
])
def test_filters_hold_inside_both_searches(engine: Engine, where: Filter, expected: set[str]) -> None:
    updates = corpus()
    assert_filtered(written(engine, *updates), updates, where, expected)


def assert_filtered(snapshot: Snapshot, updates: list[DocumentUpdate], where: Filter, expected: set[str],
                    ) -> None:
    """Dense and keyword searches under `where` return passages of the `expected` documents only."""
    for u in updates:
        dense = snapshot.vectors.search(u.vectors[0], 100, where)
        assert set(by_doc(snapshot, dense)) == expected
        if u.document.id in expected:  # the filter does not cost the best match its place
            assert snapshot.passages([next(iter(dense))])[0].id == u.passages[0].id
    plain, filtered = snapshot.keywords.search("harbour storm vote court old", 100, [None, where])
    assert set(by_doc(snapshot, filtered)) == expected
    assert filtered == [key for key in plain if key in set(filtered)]  # the same order, fewer passages
    snapshot.close()


OPERATORS = {"harbour", "budget", "storm", "archive"}
A_DOCS = {"111:harbour", "111:budget"}


@pytest.mark.parametrize(("where", "expected"), [
    (Filter(scopes={OPERATOR}), OPERATORS),
    (Filter(scopes={OPERATOR, SERVER_A}), OPERATORS | A_DOCS),
    (Filter(scopes={SERVER_A}), A_DOCS),
    # A publisher's or a source's name never reaches past the scopes: server A's Port Daily stays out.
    (Filter(scopes={OPERATOR, SERVER_B}, sources={"Port Daily"}), {"harbour", "storm", "222:storm"}),
    (Filter(scopes={OPERATOR, SERVER_B}, sources={"port"}), {"harbour", "storm", "222:storm"}),
    (Filter(scopes={SERVER_B}, sources={"capital times", "wire"}), {"222:archive"}),
    (Filter(scopes={SERVER_A}, published_by=DAY("2024-06-09")), {"111:harbour"}),
    (Filter(scopes={SERVER_B}, published_between=(DAY("2024-06-01"), DAY("2024-06-30"))), {"222:storm"}),
    (Filter(scopes=set()), set()),
    (Filter(scopes={"333"}), set()),
    (Filter(sources={"port"}), {"harbour", "storm", "111:harbour", "222:storm"}),  # no scope condition
])
def test_scopes_hold_inside_both_searches(engine: Engine, where: Filter, expected: set[str]) -> None:
    updates = scoped_corpus()
    assert_filtered(written(engine, *updates), updates, where, expected)


def test_a_change_set_applies_to_the_previous_state_and_readers_keep_theirs(engine: Engine) -> None:
    before = written(engine)
    kept_key = key_of(before, "storm", "storm")
    kept_vector = before.vectors.get([kept_key])[0]
    revised = update(document("harbour", "The harbour terminal closed on June 2, 2024 after a fire."), seed=9)
    with engine.writer():
        name = engine.commit(before, changes(revised, removed=("budget",)))
    assert engine.current() == name != before.name
    after = engine.open(MODEL, DIM)
    assert sorted(after.documents) == ["archive", "harbour", "storm"]
    assert [p.text for p in after.passages(after.keys()) if p.doc_id == "harbour"] == [revised.document.text]
    assert after.passage_ids(["budget"]) == {}
    assert np.allclose(after.vectors.get([key_of(after, "storm", "storm")])[0], kept_vector, atol=1e-6)
    assert [e.date for e in after.events() if e.doc_id == "harbour"] == ["2024-06-02"]
    assert not [e for e in after.events() if e.doc_id == "budget"]
    def archive_events(snapshot: Snapshot) -> list[tuple[str, str]]:
        return [(e.date, e.text) for e in snapshot.events() if e.doc_id == "archive"]

    assert archive_events(before) and archive_events(after) == archive_events(before)
    [ranking] = after.keywords.search("vote parliament", 10)
    assert ranking == []
    # The reader of the previous state still answers from it, whole.
    assert "budget" in before.documents and before.passages([kept_key])[0].doc_id == "storm"
    [ranking] = before.keywords.search("vote parliament", 10)
    assert by_doc(before, ranking) == ["budget"]
    before.close()
    after.close()


def test_a_commit_without_a_base_replaces_everything(engine: Engine) -> None:
    written(engine).close()
    with engine.writer():
        engine.commit(None, changes(update(document("storm"))))
    assert sorted(engine.open(MODEL, DIM).documents) == ["storm"]


def test_one_writer_at_a_time(engine: Engine) -> None:
    with engine.writer(), pytest.raises(StoreError, match="already running"), engine.writer():
        pass
    with engine.writer():  # released
        pass


class _FailingVectors:
    """Vectors whose reading fails halfway through a commit, as a disk error would."""

    shape = (1, DIM)

    def __len__(self) -> int:
        return 1

    def __array__(self, *args, **kwargs):
        raise RuntimeError("input/output error")


def test_a_failed_commit_changes_nothing(engine: Engine) -> None:
    before = written(engine)
    bad = update(document("budget", "A late amendment was adopted."))
    failing = DocumentUpdate(bad.document, bad.passages, _FailingVectors(), bad.events)  # type: ignore[arg-type]
    with engine.writer(), pytest.raises(StoreWriteError, match="the previous index is still in use"):
        engine.commit(before, changes(failing))
    assert engine.current() == before.name
    again = engine.open(MODEL, DIM)
    assert again.count == before.count and again.document_states() == before.document_states()
    with engine.writer():  # and the next commit succeeds
        engine.commit(again, changes(bad))
    assert engine.open(MODEL, DIM).passage_ids(["budget"]) == {"budget": [p.id for p in bad.passages]}


def test_another_model_is_refused_with_the_way_out(engine: Engine) -> None:
    written(engine).close()
    with pytest.raises(StoreError, match=r"built with test-model \(16 dims\).*--rebuild"):
        engine.open("another-model", DIM)
    with pytest.raises(StoreError, match="--rebuild"):
        engine.open(MODEL, DIM * 2)


def test_damage_is_found_at_open_and_a_rebuild_cures_it(engine: Engine, case: EngineCase) -> None:
    written(engine).close()
    case.damage(engine)
    with pytest.raises(DamagedIndex, match=r"damaged.*briefbot index --rebuild") as caught:
        engine.open(MODEL, DIM)
    assert "\n" not in str(caught.value)
    with engine.writer():
        engine.commit(None, changes(*corpus()))
    assert sorted(engine.open(MODEL, DIM).documents) == ["archive", "budget", "harbour", "storm"]


def test_names_in_filters_are_values_never_syntax(engine: Engine) -> None:
    odd = 'Wire "A" \\ B\nC\'s'
    others = [u for u in corpus() if u.document.id != "budget"]
    snapshot = written(engine, *others, update(document("budget", source=odd)))
    query = corpus()[1].vectors[0]
    assert set(by_doc(snapshot, snapshot.vectors.search(query, 100, Filter(sources={odd})))) == {"budget"}
    [found] = snapshot.keywords.search("vote parliament", 100, [Filter(sources={odd.upper()})])
    assert by_doc(snapshot, found) == ["budget"]
    for trick in ('port" or source != "', "port' or 1 == 1 or '", 'x"] or born >= 0 or source in ["x',
                  "port\\", '"'):
        where = Filter(sources={trick})
        assert snapshot.vectors.search(query, 100, where) == {}
        assert snapshot.keywords.search("harbour storm vote", 100, [where]) == [[]]


def test_readers_answer_while_commits_run(engine: Engine) -> None:
    """Readers in threads open the current state and search it while another thread commits change after
    change: every answer comes whole from the state it was asked of, and nothing fails."""
    written(engine).close()
    failures: list[BaseException] = []
    stop = threading.Event()
    seen: set[str] = set()
    query = corpus()[0].vectors[0]

    def read() -> None:
        try:
            while not stop.is_set():
                snapshot = engine.open(MODEL, DIM)
                seen.add(snapshot.name)
                found = snapshot.vectors.search(query, 100)
                [keyword] = snapshot.keywords.search("harbour storm", 100)
                assert set(by_doc(snapshot, found)) == set(snapshot.documents)
                assert set(by_doc(snapshot, keyword)) <= set(snapshot.documents)
                assert len(snapshot.passages(list(found))) == len(found) == snapshot.count
                snapshot.close()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(4):
            base = engine.open(MODEL, DIM)
            text = f"Round {round_}: the harbour storm was worse than forecast."
            with engine.writer():
                engine.commit(base, changes(update(document("storm", text), seed=round_),
                                            removed=("budget",) if round_ % 2 else ()))
            base.close()
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not failures, failures
    assert len(seen) >= 2  # the readers saw the states change


def test_another_handle_sees_each_commit(engine: Engine, case: EngineCase) -> None:
    other = case.again(engine)
    assert other.current() is None
    written(engine).close()
    first = other.current()
    assert first == engine.current() and sorted(other.open(MODEL, DIM).documents) == [
        "archive", "budget", "harbour", "storm"]
    with engine.writer():
        engine.commit(engine.open(MODEL, DIM), changes(removed=("budget",)))
    assert other.current() not in (None, first)
    assert "budget" not in other.open(MODEL, DIM).documents


def test_the_source_registry_is_kept_with_the_index(engine: Engine, case: EngineCase) -> None:
    table = engine.source_rows()
    assert table.rows() == [] and table.row(OPERATOR, "port") is None
    assert table.insert(OPERATOR, "port", "folder", "/data/port", "cli", "2024-06-01T00:00:00+00:00")
    assert not table.insert(OPERATOR, "port", "file", "/elsewhere", "cli", "2024-06-02T00:00:00+00:00")
    assert table.insert(OPERATOR, "wire", "feed", "https://example.com/feed", "discord:1",
                        "2024-06-03T00:00:00+00:00")
    # Each scope names its sources: server A may have a "port" of its own.
    assert table.insert(SERVER_A, "port", "feed", "https://a.example/feed", "discord:2",
                        "2024-06-03T00:00:00+00:00")
    table.record_indexed({(OPERATOR, "port"): (2, 5), (SERVER_A, "port"): (1, 3), (OPERATOR, "gone"): (1, 1)},
                         "2024-06-04T00:00:00+00:00")
    rows = case.again(engine).source_rows().rows()  # as another process sees it
    day = "2024-06-0{}T00:00:00+00:00".format
    assert rows == [("port", "folder", "/data/port", "cli", day(1), day(4), 2, 5, OPERATOR),
                    ("wire", "feed", "https://example.com/feed", "discord:1", day(3), None, 0, 0, OPERATOR),
                    ("port", "feed", "https://a.example/feed", "discord:2", day(3), day(4), 1, 3, SERVER_A)]
    assert table.row(SERVER_A, "port")[2] == "https://a.example/feed" and table.row(SERVER_B, "port") is None
    table.delete(OPERATOR, "port")
    assert [row[::8] for row in case.again(engine).source_rows().rows()] == [("wire", OPERATOR),
                                                                             ("port", SERVER_A)]
