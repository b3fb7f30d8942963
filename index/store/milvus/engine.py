"""The Milvus engine: the index in Milvus collections (see `index.store.milvus.schema`), changed in place
by generations, rebuilt beside itself and switched by an alias.

An incremental commit on generation g writes generation g+1 into the current collections: the rows of
removed and replaced documents get `died = g+1`, new rows are inserted with `born = g+1`, and then one
property update of the passages collection makes g+1 current (the commit point). Readers of g filter on
`born <= g < died`, so they see neither half of the change; a writer killed before the commit point leaves
g current, and the next writer removes its rows. The rows generation g+1 no longer shows are deleted at the
next commit, once no reader can still be on g.

A rebuild (a commit without a base) writes a new pair of collections beside the current one and moves the
alias to it (the commit point); the previous pair stays for its readers until the rebuild after.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

import numpy as np
from pymilvus import MilvusClient, MilvusException

from index.store.interface import (
    REBUILD_HINT,
    ChangeSet,
    DamagedIndex,
    DocumentUpdate,
    NoIndex,
    StoreError,
    StoreWriteError,
)
from index.store.milvus import lock
from index.store.milvus.client import BATCH, PAGE, batches, connect, load, query_in, reasons
from index.store.milvus.schema import (
    ALIVE,
    GENERATION,
    META,
    NEXT_KEY,
    NEXT_ROW,
    SCHEMA,
    SCHEMA_VERSION,
    VECTOR_INDEXES,
    check_name,
    create_documents,
    create_passages,
    documents_name,
    family_number,
    passages_name,
)
from index.store.milvus.snapshot import MilvusSnapshot, State, document_rows, passage_rows
from index.store.milvus.sources import MilvusSourceTable

WRITING = "briefbot.writing"  # the generation a writer is writing, until it commits it
DEAD = "briefbot.dead"  # rows the commit of the current generation took out of the index
WRITE_ERRORS = (MilvusException, RuntimeError, OSError, ValueError, TypeError)
# A commit inserting at least this many passages flushes them into sealed, indexed segments before it becomes
# current (so does every rebuild): Milvus Lite scans unflushed rows one by one in Python (over 40,860
# passages, a keyword search took 13 s p50 unflushed, 96 ms flushed); a cluster seals them itself, later.
FLUSH_ROWS = 10_000


class MilvusEngine:
    """The `Engine` keeping the index named `collection` in the Milvus at `uri` (a Milvus Lite path ending
    in `.db`, or an http:// address)."""

    def __init__(self, uri: str, collection: str = "briefbot", vector_index: str = "FLAT") -> None:
        if vector_index not in VECTOR_INDEXES:
            raise StoreError(
                f"unknown Milvus vector index {vector_index!r} (one of {', '.join(VECTOR_INDEXES)})")
        self.uri = uri
        self.index = check_name(collection)
        self.vector_index = vector_index
        self._aliased = False  # the alias exists (once made, it is never removed)

    @property
    def client(self) -> MilvusClient:
        return connect(self.uri)

    def __repr__(self) -> str:
        return f"MilvusEngine({self.uri!r}, {self.index!r})"

    def current(self) -> str | None:
        state = self._state()
        return state.name if state else None

    def _state(self) -> State | None:
        """Where the current generation is; None before the first commit. Two calls to Milvus at most."""
        client = self.client
        with reasons(self.uri, "reading the index state"):
            if not self._aliased:
                if not self._alias_exists():
                    return None
                self._aliased = True
            described = client.describe_collection(self.index)
        passages = described["collection_name"]
        properties = {str(k): str(v) for k, v in (described.get("properties") or {}).items()}
        try:
            generation = int(properties[GENERATION])
        except (KeyError, ValueError) as exc:
            raise DamagedIndex(f"the index in Milvus ({passages}) is damaged (its generation cannot be "
                               f"read); {REBUILD_HINT}") from exc
        return State(passages, documents_name(passages), generation, properties)

    def open(self, model: str, dim: int) -> MilvusSnapshot:
        state = self._state()
        if state is None:
            raise NoIndex(
                f"no index in Milvus at {self.uri} (collection {self.index}) yet; run `briefbot index`")
        client = self.client
        with reasons(self.uri, "opening the index"):
            for name in (state.passages, state.documents):
                if not client.has_collection(name):
                    raise DamagedIndex(f"the index in Milvus is damaged: {name} is missing; {REBUILD_HINT}")
                load(client, name)
            return MilvusSnapshot(client, state, model, dim, self.vector_index)

    def source_rows(self) -> MilvusSourceTable:
        return MilvusSourceTable(self.client, f"{self.index}_sources", self.uri)

    def writer(self) -> AbstractContextManager[None]:
        return self._writer()

    @contextmanager
    def _writer(self) -> Iterator[None]:
        with reasons(self.uri, "taking the writer lock"), lock.held(self.client, f"{self.index}_writer"):
            with reasons(self.uri, "removing what an interrupted writer left"):
                self._clean()
            yield

    def commit(self, base: MilvusSnapshot | None, changes: ChangeSet) -> str:
        try:
            state = self._state()
        except DamagedIndex:
            if base is not None:
                raise
            state = None  # a rebuild replaces it
        if base is not None and (state is None or base.name != state.name):
            raise StoreError("the index changed while this change was prepared; run it again")
        try:
            return self._apply(state, changes) if base is not None else self._rebuild(state, changes)
        except WRITE_ERRORS as exc:
            reason = exc.message if isinstance(exc, MilvusException) else str(exc)
            raise StoreWriteError(f"cannot write the new index to Milvus at {self.uri}: {reason}; the "
                                  "previous index is still in use") from exc

    def merge(self, base: MilvusSnapshot) -> None:
        """Nothing to do: Milvus compacts its segments itself, and the rows no generation shows are deleted
        by the commit after the one that took them out."""
        return None

    # Incremental commits

    def _apply(self, state: State, changes: ChangeSet) -> str:
        client, generation = self.client, state.generation + 1
        client.alter_collection_properties(state.passages, properties={WRITING: str(generation)})
        try:
            dropped = sorted(changes.removed | {u.document.id for u in changes.put})
            dead = sum(self._kill(name, dropped, state.generation, generation)
                       for name in (state.passages, state.documents))
            next_key, next_row = self._insert(state, changes.put, generation, state.number(NEXT_KEY),
                                              state.number(NEXT_ROW))
            if next_key - state.number(NEXT_KEY) >= FLUSH_ROWS:
                client.flush(state.passages)
        except BaseException:
            with suppress(*WRITE_ERRORS):
                self._undo(state)
            raise
        # The commit point: one update of the passages collection's properties.
        client.alter_collection_properties(state.passages, properties={
            GENERATION: str(generation), META: json.dumps(dict(changes.meta)), NEXT_KEY: str(next_key),
            NEXT_ROW: str(next_row), DEAD: str(dead)})
        if state.number(DEAD):  # rows generation g took out; no reader is left on g - 1
            for name in (state.passages, state.documents):
                client.delete(name, filter=f"died <= {state.generation}")
        return f"{state.passages}@{generation}"

    def _kill(self, collection: str, doc_ids: list[str], generation: int, by: int) -> int:
        """Take the rows of these documents out of the index from generation `by` on; how many there were."""
        rows = query_in(self.client, collection, "doc_id", doc_ids,
                        f"born <= {generation} and died > {generation}", ["key"], ALIVE)
        for batch in batches([row["key"] for row in rows]):
            self.client.upsert(collection, [{"key": key, "died": by} for key in batch], partial_update=True)
        return len(rows)

    def _insert(self, state: State, put: list[DocumentUpdate], generation: int, next_key: int, next_row: int,
                ) -> tuple[int, int]:
        """Insert the documents and passages of `put` into `state`'s collections, born at `generation`, keys
        from `next_key` (passages) and `next_row` (document rows); the next free keys after."""
        passages: list[dict] = []
        documents: list[dict] = []
        for update in put:
            vectors = np.asarray(update.vectors, dtype=np.float32).reshape(len(update.passages), -1)
            update = DocumentUpdate(update.document, update.passages, vectors, update.events)
            passages += passage_rows(update, next_key, generation)
            rows = document_rows(update, len(update.passages), next_row, generation)
            documents += rows
            next_key += len(update.passages)
            next_row += len(rows)
            if len(passages) >= BATCH:
                self.client.insert(state.passages, passages)
                passages = []
            if len(documents) >= BATCH:
                self.client.insert(state.documents, documents)
                documents = []
        for name, rows in ((state.passages, passages), (state.documents, documents)):
            if rows:
                self.client.insert(name, rows)
        return next_key, next_row

    def _undo(self, state: State) -> None:
        """Remove what a writer wrote of the generation after `state`'s and never committed."""
        client, generation = self.client, state.generation
        for name in (state.passages, state.documents):
            client.delete(name, filter=f"born > {generation}")
            while rows := client.query(name, filter=f"died > {generation} and died < {ALIVE}",
                                       output_fields=["key"], limit=PAGE):
                for batch in batches([row["key"] for row in rows]):
                    client.upsert(name, [{"key": key, "died": ALIVE} for key in batch], partial_update=True)
        client.alter_collection_properties(state.passages, properties={WRITING: str(generation)})

    # Rebuilds

    def _rebuild(self, state: State | None, changes: ChangeSet) -> str:
        client = self.client
        families = self._families()
        number = max(families, default=0) + 1
        passages = passages_name(self.index, number)
        documents = documents_name(passages)
        try:
            create_passages(client, passages, int(changes.meta["dim"]), self.vector_index,
                            {SCHEMA: SCHEMA_VERSION, GENERATION: "1", META: json.dumps(dict(changes.meta))})
            create_documents(client, documents)
            fresh = State(passages, documents, 0, {})
            next_key, next_row = self._insert(fresh, changes.put, 1, 0, 0)
            for name in (passages, documents):
                client.flush(name)
            client.alter_collection_properties(passages, properties={NEXT_KEY: str(next_key),
                                                                     NEXT_ROW: str(next_row)})
            # The commit point: the alias moves to the new collections.
            if self._alias_exists():
                client.alter_alias(passages, self.index)
            else:
                client.create_alias(passages, self.index)
        except BaseException:
            with suppress(*WRITE_ERRORS):
                self._drop_family(number)
            raise
        self._aliased = True
        previous = family_number(self.index, state.passages) if state else None
        for old in families:
            if old != previous:
                self._drop_family(old)
        return f"{passages}@1"

    def _alias_exists(self) -> bool:
        return self.index in self.client.list_aliases().get("aliases", [])

    def _families(self) -> list[int]:
        """Numbers of this index's collection pairs in Milvus."""
        numbers = (family_number(self.index, name) for name in self.client.list_collections())
        return sorted(n for n in numbers if n is not None)

    def _drop_family(self, number: int) -> None:
        passages = passages_name(self.index, number)
        for name in (passages, documents_name(passages)):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    def _clean(self) -> None:
        """Remove what a writer killed midway left: the rows of a generation it never committed, and the
        collections of a rebuild it never switched to (none is current, so no reader has them open)."""
        try:
            state = self._state()
        except DamagedIndex:
            return  # only a rebuild helps; it replaces everything
        current = family_number(self.index, state.passages) if state else 0
        for number in self._families():
            if current is not None and number > current:
                self._drop_family(number)
        if state is not None and state.number(WRITING) > state.generation:
            self._undo(state)
