"""Scopes in the core: a server's sources are answered in that server only, named apart from the operator's
and other servers' sources of the same name, reindexed and purged alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import InvalidInput
from index.library import Library
from index.registry import RegistryError
from index.scopes import OPERATOR, LimitReached, ServerLimits, check_scope, visible

A, B = "111", "222"
FERRY = "The ferry to the island runs twice a day, the harbour office said."
LUNAR = "The lunar base on Mare Tranquillitatis opened to visitors on June 14, 2024, its operator said."
LUNAR_QUESTION = "When did the lunar base open to visitors?"


def folder(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.mkdir(parents=True)
    (path / "a.txt").write_text(text)
    return path


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """The operator's source "news" (the ferry) and server A's own source also named "news" (the lunar
    base), indexed."""
    library = Library(tmp_path / "data", default_sources=[folder(tmp_path / "operator", "news", FERRY)])
    library.add_source(str(folder(tmp_path / "a", "news", LUNAR)), name="news", added_by="discord:1", scope=A)
    library.reindex()
    return library


def quotes(library: Library, question: str, **options) -> list[str]:
    return [hit.quote for hit in library.ask(question, 3, **options).passages]


def test_a_servers_source_is_answered_in_that_server_only(library: Library) -> None:
    assert LUNAR in quotes(library, LUNAR_QUESTION, scopes=visible(A))
    assert LUNAR not in quotes(library, LUNAR_QUESTION, scopes=visible(B))
    assert LUNAR not in quotes(library, LUNAR_QUESTION, scopes={OPERATOR})  # a DM
    # Its publisher is named after the source ("news", no publisher given), like the operator's: a source
    # option naming it in server B reaches the operator's "news" only.
    hit = library.ask(LUNAR_QUESTION, 1, scopes=visible(A)).passages[0]
    assert (hit.source.id, hit.source.source, hit.source.publisher, hit.source.scope) == (
        "111:news/a.txt", "news", "news", A)
    assert quotes(library, LUNAR_QUESTION, sources={"news"}, scopes=visible(B)) in ([], [FERRY])
    assert FERRY in quotes(library, "How often does the ferry run?", sources={"news"}, scopes=visible(A))


def test_a_timeline_shows_the_events_of_the_scopes_asked(library: Library) -> None:
    def dated(**options) -> list[str]:
        return [quote.quote for entry in library.timeline(**options).events for quote in entry.quotes]

    assert any("lunar base" in text for text in dated(scopes=visible(A)))
    assert not any("lunar base" in text for text in dated(scopes=visible(B)))
    assert not any("lunar base" in text for text in dated(topic="lunar base", scopes={OPERATOR}))


def test_sources_of_one_name_in_two_scopes(library: Library, tmp_path: Path) -> None:
    assert [(e.scope, e.name) for e in library.sources()] == [(OPERATOR, "news"), (A, "news")]
    assert [e.key for e in library.sources(visible(B))] == ["news"]
    assert [e.key for e in library.sources(visible(A))] == ["news", "111:news"]
    with pytest.raises(RegistryError, match="already exists"):
        library.add_source(str(tmp_path / "operator" / "news"), name="news", scope=A)
    (tmp_path / "a" / "news" / "a.txt").write_text(LUNAR.replace("June 14", "June 21"))
    (tmp_path / "operator" / "news" / "a.txt").write_text(FERRY.replace("twice", "three times"))
    result = library.reindex(only={"111:news"})  # by key: server A's only
    assert list(result.report.sources) == ["111:news"]
    assert result.report.changed == ["111:news/a.txt"]
    assert library.registry.get("news", A).passages == 1 and library.registry.get("news").passages == 1
    with pytest.raises(RegistryError, match="no source named 222:news"):
        library.reindex(only={"222:news"})


def test_purging_a_scope_removes_its_sources_alone(library: Library, tmp_path: Path) -> None:
    library.add_source(str(folder(tmp_path / "b", "moon", LUNAR)), name="moon", scope=B)
    library.reindex(only={"222:moon"})
    assert {scope: counts.sources for scope, counts in library.scopes().items()} == {
        OPERATOR: 1, A: 1, B: 1}
    removed, result = library.purge_scope(A)
    assert [(e.scope, e.name) for e in removed] == [(A, "news")]
    assert result.report.removed == ["111:news/a.txt"] and list(result.report.sources) == ["111:news"]
    assert LUNAR not in quotes(library, LUNAR_QUESTION, scopes=visible(A))
    assert LUNAR in quotes(library, LUNAR_QUESTION, scopes=visible(B))  # server B's copy stays
    assert list(library.scopes()) == [OPERATOR, B]
    with pytest.raises(InvalidInput, match="operator"):
        library.purge_scope(OPERATOR)


def test_a_servers_sources_are_limited_and_the_operators_are_not(tmp_path: Path) -> None:
    long = " ".join(f"Sentence {i} of the long briefing names the harbour." for i in range(60))
    library = Library(tmp_path / "data", default_sources=[folder(tmp_path / "operator", "news", long)],
                      server_limits=ServerLimits(sources=2, passages=3))
    library.reindex()
    assert library.registry.get("news").passages > 3  # the operator's: no limit
    small = library.add_source(str(folder(tmp_path / "a", "small", FERRY)), name="small", scope=A)
    library.reindex(only={small.key})
    big = library.add_source(str(folder(tmp_path / "a", "big", long)), name="big", scope=A)
    before = library.searcher().store.name
    with pytest.raises(LimitReached, match=r"would hold \d+ passages, more than the 3"):
        library.reindex(only={big.key})
    assert library.searcher().store.name == before  # nothing embedded, nothing written
    assert {d.source for d in library.searcher().store.documents.values() if d.scope == A} == {"small"}
    with pytest.raises(LimitReached, match="2 sources, the most"):
        library.add_source(str(tmp_path / "operator" / "news"), name="third", scope=A)
    # A full reindex (the scheduled refresh) goes on for everyone else, with a warning for this server.
    (tmp_path / "operator" / "news" / "a.txt").write_text(FERRY)
    result = library.reindex()
    assert result.report.over_cap == {A: result.report.over_cap[A]} and any(
        "server 111's sources would hold" in w for w in result.warnings)
    assert library.registry.get("news").passages == 1
    # Under a lowered cap, a change that does not grow the server still goes through.
    library.server_limits = ServerLimits(passages=0)
    (tmp_path / "a" / "small" / "a.txt").write_text(FERRY.replace("twice", "three times"))
    result = library.reindex(only={small.key})
    assert result.report.changed == ["111:small/a.txt"] and result.report.over_cap == {}


@pytest.mark.parametrize(("text", "scope"), [("operator", OPERATOR), (" Operator ", OPERATOR),
                                             ("123456789012345678", "123456789012345678"), ("007", "7")])
def test_check_scope(text: str, scope: str) -> None:
    assert check_scope(text) == scope


@pytest.mark.parametrize("text", ["", "server", "12:news", "-1", "1" * 21, "١٢٣"])
def test_check_scope_refuses(text: str) -> None:
    with pytest.raises(InvalidInput, match="server id"):
        check_scope(text)
