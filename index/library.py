"""The briefings as one object: registered sources, the current index, and questions against it.

Both front ends (the CLI and the Discord bot) use this and nothing below it. The model loads once; the
searcher is swapped as a whole after a reindex, so queries never see a half-built index.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.build import BuildReport, Progress, build
from index.embed import Embedder, shared_embedder
from index.passages import MAX_WORDS
from index.registry import Registry, SourceEntry
from index.search import Answer, Searcher, SearchSettings
from index.sources import Document, SourceError, read_source, source_name
from index.store import NoIndex, Store


@dataclass
class ReindexResult:
    report: BuildReport
    warnings: list[str] = field(default_factory=list)


class Library:
    def __init__(
        self, data_dir: Path, *, default_sources: list[Path] = (), settings: SearchSettings | None = None,
        embedder_factory: Callable[[], Embedder] = shared_embedder, max_words: int = MAX_WORDS,
    ) -> None:
        self.data_dir = data_dir
        self.settings = settings or SearchSettings()
        self.default_sources = list(default_sources)
        self.max_words = max_words
        self.registry = Registry(data_dir)
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = self._embedder_factory()
            return self._embedder

    def searcher(self, progress: Progress | None = None) -> Searcher:
        """The searcher over the current index; on first use, the default sources are indexed first."""
        if self._searcher is None:
            try:
                self._searcher = self._open()
            except NoIndex:
                self.reindex(progress=progress)  # opens the new index
        assert self._searcher is not None
        return self._searcher

    def _open(self) -> Searcher:
        return Searcher(Store.open(self.data_dir, self.embedder.name, self.embedder.dim), self.embedder,
                        self.settings)

    def reload(self) -> None:
        """Switch to the newest generation on disk (after a build by this or another process)."""
        fresh = self._open()
        old, self._searcher = self._searcher, fresh
        if old is not None:
            old.store.close()

    def ask(self, question: str, k: int | None = None, sources: set[str] | None = None) -> Answer:
        return self.searcher().ask(question, k, sources)

    def sources(self) -> list[SourceEntry]:
        self._register_defaults()
        return self.registry.list()

    def add_source(self, location: str, *, name: str | None = None, added_by: str = "cli") -> SourceEntry:
        """Register a folder or file; adding the same path again returns its entry. The path must exist."""
        path = Path(location).expanduser()
        if not path.exists():
            raise SourceError(f"source path does not exist: {location}")
        resolved = str(path.resolve())
        for entry in self.registry.list():
            if entry.location == resolved:
                return entry
        kind = "folder" if path.is_dir() else "file"
        return self.registry.add(name or source_name(path), kind, resolved, added_by)

    def _register_defaults(self) -> None:
        if not self.registry.list():
            for path in self.default_sources:
                self.add_source(str(path), added_by="default")

    def reindex(self, *, rebuild: bool = False, progress: Progress | None = None) -> ReindexResult:
        """Read every registered source and bring the index up to date with them.

        A source that cannot be read at all keeps the documents it had in the index, with a warning.
        """
        entries = self.sources()
        documents: list[Document] = []
        warnings: list[str] = []
        for entry in entries:
            try:
                result = read_source(Path(entry.location), entry.name)
            except SourceError as exc:
                warnings.append(f"source {entry.name}: {exc}; keeping its indexed documents")
                documents.extend(self._indexed_documents(entry.name))
                continue
            documents.extend(result.documents)
            warnings.extend(result.warnings)
        report = build(self.data_dir, documents, self.embedder, rebuild=rebuild, max_words=self.max_words,
                       progress=progress)
        if report.generation is not None or self._searcher is None:
            self.reload()
        self._record_counts(entries)
        return ReindexResult(report, warnings)

    def _indexed_documents(self, source: str) -> list[Document]:
        try:
            store = self._searcher.store if self._searcher else Store.open(
                self.data_dir, self.embedder.name, self.embedder.dim)
        except NoIndex:
            return []
        return store.source_documents(source)

    def _record_counts(self, entries: list[SourceEntry]) -> None:
        store = self.searcher().store
        documents = Counter(d.source for d in store.documents.values())
        passages = store.passage_counts()
        self.registry.record_indexed(
            {e.name: (documents.get(e.name, 0), passages.get(e.name, 0)) for e in entries}
        )
