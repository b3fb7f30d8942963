"""The briefings as one object: registered sources, the current index, and questions against it.

Both front ends (the CLI and the Discord bot) use this and nothing below it. The model loads once; the
searcher is swapped as a whole after a reindex, so queries never see a half-built index.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from index.build import BuildReport, Progress, build
from index.embed import Embedder, shared_embedder
from index.errors import InvalidInput
from index.fetch import FetchPolicy, HttpCache, Mode
from index.isolation import Skipped
from index.passages import MAX_WORDS
from index.plot import timeline_png
from index.read_cache import Indexed, ReadCache, Stamp, stamps
from index.readers import web_kinds
from index.readers.files import read_source
from index.readers.web import WebRead, WebSource, default_name, is_url, read_web_sources
from index.registry import Registry, RegistryError, SourceEntry
from index.scopes import OPERATOR, LimitReached, ServerLimits, as_scoped, check_room, source_key
from index.search import Answer, Searcher, SearchSettings
from index.sources import Document, ReadResult, SourceError, source_name
from index.store import NoIndex, Snapshot, StoreError
from index.store.engines import StoreSettings, open_engine
from index.store.migrate import Copied, copy_index
from index.timeline import Timeline, build_timeline


@dataclass
class ReindexResult:
    """What a reindex or refresh did: the build's report, warnings, and (refresh) the web responses.

    `skipped` lists every document left out, by the readers or by the build (each also one of `warnings`).
    """

    report: BuildReport
    warnings: list[str] = field(default_factory=list)
    fetched: dict[str, int] = field(default_factory=dict)  # by origin: downloaded, not-modified, cache
    read_skipped: list[Skipped] = field(default_factory=list)

    @property
    def skipped(self) -> list[Skipped]:
        return [*self.read_skipped, *self.report.skipped]

    def as_dict(self) -> dict:
        skipped = self.skipped
        return {**self.report.as_dict(), "fetched": self.fetched, "warnings": self.warnings,
                "skipped": len(skipped), "skipped_documents": [s.as_dict() for s in skipped]}


class Library:
    def __init__(
        self, data_dir: Path, *, default_sources: list[Path] = (), settings: SearchSettings | None = None,
        embedder_factory: Callable[[], Embedder] = shared_embedder, max_words: int = MAX_WORDS,
        fetch_policy: FetchPolicy | None = None, store: StoreSettings | None = None,
        server_limits: ServerLimits | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.server_limits = server_limits or ServerLimits()
        self.fetch_policy = fetch_policy or FetchPolicy()
        self.http_cache = HttpCache(data_dir)
        self.settings = settings or SearchSettings()
        self.default_sources = list(default_sources)
        self.max_words = max_words
        self.engine = open_engine(store or StoreSettings(), data_dir)
        self.registry = Registry(self.engine.source_rows())
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        self._searcher: Searcher | None = None
        self._retired: Searcher | None = None
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        # Serializes reindexing, refreshing and web additions in this process (a second build would fail).
        self._update_lock = threading.RLock()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = self._embedder_factory()
            return self._embedder

    def searcher(self, progress: Progress | None = None) -> Searcher:
        """The searcher over the current index; on first use, the default sources are indexed first and the
        model is prepared (`Embedder.prepare`: questions are embedded, so the first is not kept waiting).

        Before each use the engine is asked which state is current (a file read, or a call to Milvus), so a
        change committed by another process (a moderator's `/source add` in another shard, the CLI) is
        answered from at the next question, without a restart.
        """
        if self._searcher is None:
            try:
                self._searcher = self._open()
            except NoIndex:
                self.reindex(progress=progress)  # opens the new index
            self.embedder.prepare(progress)
        elif self._stale():
            with self._reload_lock:
                if self._stale():
                    self.reload()
        assert self._searcher is not None
        return self._searcher

    def _stale(self) -> bool:
        """Whether another state than the searcher's is current; False when that cannot be told (the
        searcher then keeps answering from the state it has)."""
        assert self._searcher is not None
        try:
            current = self.engine.current()
        except StoreError:
            return False
        return current is not None and current != self._searcher.store.name

    def _open(self) -> Searcher:
        return Searcher(self._snapshot(), self.embedder, self.settings)

    def _snapshot(self) -> Snapshot:
        return self.engine.open(self.embedder.name, self.embedder.dim)

    def reload(self) -> None:
        """Switch to the current state (after a build by this or another process). The previous state is
        closed at the next switch, not now: a question being answered from it in another thread finishes."""
        fresh = self._open()
        old, self._searcher = self._searcher, fresh
        retired, self._retired = self._retired, old
        if retired is not None:
            retired.store.close()

    def migrate(self, to: StoreSettings) -> Copied:
        """Copy the current index and the source registry into the engine `to` names (replacing the index it
        held), without re-embedding anything; this library's own index is left as it is."""
        with self._update_lock:
            target = open_engine(to, self.data_dir)
            return copy_index(self.engine, target, self.embedder.name, self.embedder.dim)

    def ask(self, question: str, k: int | None = None, sources: set[str] | None = None,
            as_of: date | None = None, scopes: Collection[str] | None = None) -> Answer:
        """Answer `question` from the sources of `scopes` (None: every scope; `index.scopes.visible` gives
        what a server sees)."""
        return self.searcher().ask(question, k, sources, as_of, scopes)

    def timeline(self, topic: str | None = None, since: str | None = None, until: str | None = None,
                 scopes: Collection[str] | None = None) -> Timeline:
        """Dated events in date order, optionally about `topic` and within [since, until], from the sources
        of `scopes` (None: every scope)."""
        return build_timeline(self.searcher(), topic, since, until, scopes)

    def timeline_png(self, topic: str | None = None, since: str | None = None, until: str | None = None,
                     scopes: Collection[str] | None = None) -> bytes:
        return timeline_png(self.timeline(topic, since, until, scopes))

    def sources(self, scopes: Collection[str] | None = None) -> list[SourceEntry]:
        """The registered sources (of `scopes`, if given): the operator's first, then each server's."""
        self._register_defaults()
        return self.registry.list(scopes)

    def add_source(self, location: str, *, name: str | None = None, kind: str | None = None,
                   added_by: str = "cli", scope: str = OPERATOR) -> SourceEntry:
        """Register a folder, file, web page ("url") or RSS/Atom feed in `scope`; the index is not updated
        here.

        `kind` is found when not given: a path is a folder or a file, a URL whose response is a feed is a
        feed. A URL is downloaded once (with a feed's entries), so a dead or unacceptable one is refused
        with the reason and nothing registered. Adding a location registered in the scope again returns its
        entry (under another name, it is an error).
        A server's sources are limited in number (`ServerLimits.sources`): `LimitReached` past it.
        Blocking (network): call it off the event loop.
        """
        check_room(self.server_limits, scope, len(self.registry.list({scope})))
        if kind in web_kinds() or (kind is None and is_url(location)):
            return self._add_web(location, name, kind, added_by, scope)
        path = Path(location).expanduser()
        if not path.exists():
            raise SourceError(f"source path does not exist: {location}")
        found = "folder" if path.is_dir() else "file"
        if kind not in (None, found):
            raise SourceError(f"{location} is a {found}, not a {kind}")
        resolved = str(path.resolve())
        return self._registered(resolved, name, scope) or self.registry.add(
            name or source_name(path), found, resolved, added_by, scope)

    def add_and_index(self, location: str, *, name: str | None = None, kind: str | None = None,
                      added_by: str = "cli", scope: str = OPERATOR, progress: Progress | None = None,
                      ) -> tuple[SourceEntry, ReindexResult]:
        """`add_source`, then index that source; the entry is returned with its counts.

        If indexing fails (another build is running, the disk is full...) a source registered here is
        unregistered again, so that nothing was changed and a retry does not find it "already exists".
        """
        before = {e.key for e in self.registry.list({scope})}
        entry = self.add_source(location, name=name, kind=kind, added_by=added_by, scope=scope)
        try:
            result = self.reindex(progress=progress, only={entry.key})
        except BaseException:
            if entry.key not in before:
                self.registry.remove(entry.name, scope)
            raise
        return self.registry.get(entry.name, scope) or entry, result

    def _add_web(self, url: str, name: str | None, kind: str | None, added_by: str, scope: str,
                 ) -> SourceEntry:
        if not is_url(url):
            raise SourceError(f"a {kind} source needs an http:// or https:// URL, not {url!r}")
        if entry := self._registered(url, name, scope):
            return entry
        name = name or default_name(url)
        self.registry.check(name, kind or "url", scope)
        # Until registered, the pages downloaded here are no source's: a concurrent reindex would prune them.
        with self._update_lock:
            read = read_web_sources([WebSource(name, url, kind)], self.fetch_policy, self.http_cache,
                                    "network")
            outcome = read.results[name]
            if isinstance(outcome, SourceError):
                raise outcome
            return self.registry.add(name, read.kinds[name], url, added_by, scope)

    def _registered(self, location: str, name: str | None, scope: str) -> SourceEntry | None:
        """The entry of `location` if it is registered in `scope` (under `name`, if given: else an error)."""
        entry = next((e for e in self.registry.list({scope}) if e.location == location), None)
        if entry is not None and name not in (None, entry.name):
            raise RegistryError(f"{location} is already registered as the source {entry.name!r}")
        return entry

    def remove_source(self, name: str, scope: str = OPERATOR) -> SourceEntry:
        """Unregister the source `name` of `scope`; the next `reindex` or `refresh` drops its documents."""
        return self.registry.remove(name, scope)

    def purge_scope(self, scope: str, progress: Progress | None = None,
                    ) -> tuple[list[SourceEntry], ReindexResult]:
        """Unregister every source of a server's scope and take its documents out of the index (the other
        sources keep theirs, unread); the sources removed, and what the index change did."""
        if scope == OPERATOR:
            raise InvalidInput("the operator's sources are not purged as a scope; remove them one by one")
        with self._update_lock:
            removed = [self.registry.remove(e.name, scope) for e in self.registry.list({scope})]
            return removed, self._update("offline", False, progress, set())

    def scopes(self) -> dict[str, ScopeCounts]:
        """Every scope that has sources or indexed documents, with its counts: the operator's first."""
        counts: dict[str, ScopeCounts] = {}
        for entry in self.sources():
            counts.setdefault(entry.scope, ScopeCounts()).sources += 1
        store = self.searcher().store
        for info in store.documents.values():
            counts.setdefault(info.scope, ScopeCounts()).documents += 1
        for (scope, _), passages in store.passage_counts().items():
            counts[scope].passages += passages
        return dict(sorted(counts.items(), key=lambda item: (item[0] != OPERATOR, item[0])))

    def _register_defaults(self) -> None:
        """The config's sources are the operator's while the operator has registered none (servers' sources
        do not count)."""
        if not self.registry.list({OPERATOR}):
            for path in self.default_sources:
                self.add_source(str(path), added_by="default")

    def reindex(self, *, rebuild: bool = False, progress: Progress | None = None,
                only: set[str] | None = None) -> ReindexResult:
        """Read every registered source (or those in `only`, by key: `SourceEntry.key`) and bring the index
        up to date. A server's changes that would grow its sources past `ServerLimits.passages` are left out
        with a warning; with `only`, `LimitReached` is raised then (after the rest is done).

        Web pages and feeds are read as last downloaded (see `refresh`). A source that cannot be read at
        all, or is not in `only`, keeps the documents it has in the index (with a warning if unreadable).
        """
        return self._update("offline", rebuild, progress, only)

    def refresh(self, *, progress: Progress | None = None, only: set[str] | None = None) -> ReindexResult:
        """Download the web pages and feeds again, then reindex; only what changed is re-embedded.

        Conditional requests: an unchanged page costs a 304, not a download. A page or feed that fails
        keeps its last downloaded copy, with a warning. Blocking (network, embedding): the bot runs it in
        a worker thread; calls from several threads run one after the other.
        """
        return self._update("fallback", False, progress, only)

    def _update(self, mode: Mode, rebuild: bool, progress: Progress | None,
                only: set[str] | None = None) -> ReindexResult:
        with self._update_lock:
            entries = self.sources()
            if only is not None and (unknown := only - {e.key for e in entries}):
                raise RegistryError(f"no source named {', '.join(sorted(unknown))}")
            if only is not None and rebuild:
                raise InvalidInput("a rebuild re-embeds every source; it cannot be limited to some")
            cache = ReadCache(self.data_dir)
            if not rebuild and (unchanged := self._as_recorded(entries, cache)) is not None:
                return unchanged
            chosen = [e for e in entries if only is None or e.key in only]
            # Read under their keys (`index.scopes`): two scopes' sources of one name stay apart.
            web = [WebSource(e.key, e.location, e.kind) for e in chosen if e.kind in web_kinds()]
            read = read_web_sources(web, self.fetch_policy, self.http_cache, mode) if web else WebRead()
            documents: list[Document] = []
            warnings: list[str] = []
            skipped: list[Skipped] = []
            kept: set[str] = set()  # sources not read: their indexed documents stay as they are
            indexed = {} if rebuild else self._indexed_states()
            # Passages of another size: every document is cut again, so every source is read.
            recut = bool(indexed) and self.searcher().store.meta.get("max_words") != str(self.max_words)
            stamped: dict[str, dict[str, Stamp]] = {}
            for entry in entries:
                if entry not in chosen:
                    kept.add(entry.key)
                    continue
                if entry.kind not in web_kinds() and not rebuild and not recut:
                    stamp = stamps(Path(entry.location))
                    if cache.unchanged(entry.key, entry.location, stamp, indexed.get(entry.key, {})):
                        kept.add(entry.key)
                        continue
                    stamped[entry.key] = stamp
                result = read.results[entry.key] if entry.kind in web_kinds() else _read_path(entry)
                if isinstance(result, SourceError):
                    warnings.append(f"source {entry.key}: {result}; keeping its indexed documents")
                    if rebuild:
                        documents.extend(self._indexed_documents(entry))
                    kept.add(entry.key)
                    continue
                documents.extend(as_scoped(result.documents, entry.scope, entry.name))
                warnings.extend(result.warnings)
                skipped.extend(result.skipped)
            cap = self.server_limits.passages
            report = build(self.engine, documents, self.embedder, rebuild=rebuild,
                           max_words=self.max_words, progress=progress, kept=kept, passage_cap=cap)
            failures = [*skipped, *report.skipped]
            warnings.extend(str(s) for s in failures)
            over = [f"server {scope}'s sources would hold {count} passages, more than the {cap} a server may "
                    "have: their changes were left out" for scope, count in report.over_cap.items()]
            warnings.extend(over)
            failed = {s.where for s in failures}
            # A document that cannot be cut or dated fails the same way until its file changes; an embedding
            # failure may not, so a source with one is read again next time.
            transient = {s.where for s in failures if s.stage == "embedding"}
            read_now: dict[str, list[Document]] = {}
            for doc in documents:
                read_now.setdefault(source_key(doc.scope, doc.source), []).append(doc)
            for entry in entries:  # what was read and indexed is known unchanged until its files change
                if entry.key in stamped:
                    mine = read_now.get(entry.key, [])
                    if transient & {d.id for d in mine}:
                        cache.forget([entry.key])
                    else:
                        cache.record(entry.key, entry.location, stamped[entry.key],
                                     [(d.id, d.digest) for d in mine if d.id not in failed])
            cache.forget(set(cache.names()) - {e.key for e in entries})
            if report.generation is not None or self._searcher is None:
                self.reload()
            self._merge()
            store = self.searcher().store
            described = cache.describes(_by_source(store))
            cache.save(Indexed(store.name, len(store.documents), store.count, self.embedder.name,
                               self.max_words, self._state_files(store.name)) if described else None)
            self._record_counts(entries)
            if only is None:  # copies of pages no source links to any more
                self.http_cache.prune(read.used)
            if only is not None and over:
                most = max(report.over_cap.values())
                raise LimitReached(f"this server's sources would hold {most} passages, more than the {cap} a "
                                   "server may have: the change was left out")
            return ReindexResult(report, warnings, dict(read.stats) if mode != "offline" else {}, skipped)

    def _merge(self) -> None:
        """Let the engine merge what commits added, if due, after the change is answerable (the searcher
        was reloaded); questions are answered from the unmerged state meanwhile."""
        with self.engine.writer():
            merged = self.engine.merge(self.searcher().store)
        if merged is not None:
            self.reload()

    def _as_recorded(self, entries: list[SourceEntry], cache: ReadCache) -> ReindexResult | None:
        """The result of a reindex when the read record describes the current state and finds every source
        unchanged: nothing to read, to build, or even to open. None otherwise."""
        state = cache.state
        if state is None or (state.model, state.max_words) != (self.embedder.name, self.max_words) \
                or any(e.kind in web_kinds() for e in entries):
            return None
        with self.engine.writer():  # as a build: one writer at a time, and what a killed one left is removed
            try:
                current = self.engine.current()
            except StoreError:
                return None
            if current != state.generation or self._state_files(current) != state.files:
                return None
        if not cache.all_unchanged({e.key: e.location for e in entries}):
            return None
        if cache.touched:
            cache.save(state)
        return ReindexResult(BuildReport(None, state.documents, state.passages))

    def _state_files(self, name: str) -> dict[str, list[int]]:
        """Size and modification time of each file of the state `name` (none for an engine whose states are
        not folders in the data directory)."""
        return {path: list(stamp) for path, stamp in stamps(self.data_dir / name).items()}

    def _indexed_states(self) -> dict[str, dict[str, str]]:
        """The digest of every indexed document by id, per source key, in the current state."""
        if self._searcher is None or self._searcher.store.name != self.engine.current():
            try:
                self.reload()
            except NoIndex:
                return {}
        return _by_source(self.searcher().store)

    def _indexed_documents(self, entry: SourceEntry) -> list[Document]:
        """The documents of a source in the current state (which another process may have changed)."""
        if self._searcher is not None:
            return self.searcher().store.source_documents(entry.name, entry.scope)
        try:
            snapshot = self._snapshot()
        except NoIndex:
            return []
        try:
            return snapshot.source_documents(entry.name, entry.scope)
        finally:
            snapshot.close()

    def _record_counts(self, entries: list[SourceEntry]) -> None:
        store = self.searcher().store
        documents = Counter((d.scope, d.source) for d in store.documents.values())
        passages = store.passage_counts()
        self.registry.record_indexed(
            {(e.scope, e.name): (documents.get((e.scope, e.name), 0), passages.get((e.scope, e.name), 0))
             for e in entries}
        )


@dataclass
class ScopeCounts:
    """What one scope holds: registered sources, and indexed documents and passages."""

    sources: int = 0
    documents: int = 0
    passages: int = 0


def _by_source(store: Snapshot) -> dict[str, dict[str, str]]:
    """The digest of every document of `store` by id, per source key."""
    states: dict[str, dict[str, str]] = {}
    for doc_id, state in store.document_states().items():
        states.setdefault(source_key(state.scope, state.source), {})[doc_id] = state.digest
    return states


def _read_path(entry: SourceEntry) -> ReadResult | SourceError:
    try:
        return read_source(Path(entry.location), entry.key)
    except SourceError as exc:
        return exc
