"""The source registry of an index in Milvus: one collection beside the index, so every process that uses
the index (shards on several machines) sees the same sources, and a reindex by any of them keeps the
sources another added."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping

from pymilvus import MilvusClient

from index.scopes import OPERATOR, source_key
from index.store.milvus.client import PAGE, load, reasons
from index.store.milvus.schema import create_sources

_FIELDS = ("name", "kind", "location", "added_by", "added_at", "last_indexed", "documents", "passages",
           "scope")


class MilvusSourceTable:
    """The `SourceRows` of `index.store.interface`, kept in the collection `name`: one row per source, its
    primary key the source's key (`index.scopes.source_key`: its name for the operator's)."""

    def __init__(self, client: MilvusClient, name: str, uri: str) -> None:
        self.client, self.name, self.uri = client, name, uri
        self._lock = threading.Lock()  # an insert checks, then writes
        with reasons(uri, "opening the source registry"):
            if not client.has_collection(name):
                create_sources(client, name)
            else:
                load(client, name)

    def rows(self) -> list[tuple]:
        with reasons(self.uri, "reading the source registry"):
            found = self.client.query(self.name, filter='name != ""', output_fields=["data"], limit=PAGE)
        return sorted((_row(r["data"]) for r in found), key=lambda row: (row[8] != OPERATOR, row[8], row[0]))

    def row(self, scope: str, name: str) -> tuple | None:
        with reasons(self.uri, "reading the source registry"):
            found = self.client.get(self.name, ids=[source_key(scope, name)], output_fields=["data"])
        return _row(found[0]["data"]) if found else None

    def insert(self, scope: str, name: str, kind: str, location: str, added_by: str, added_at: str) -> bool:
        with self._lock:
            if self.row(scope, name) is not None:
                return False
            self._put([(name, kind, location, added_by, added_at, None, 0, 0, scope)])
            return True

    def delete(self, scope: str, name: str) -> None:
        with reasons(self.uri, "changing the source registry"):
            self.client.delete(self.name, ids=[source_key(scope, name)])

    def record_indexed(self, counts: Mapping[tuple[str, str], tuple[int, int]], when: str) -> None:
        rows = []
        for (scope, name), (documents, passages) in counts.items():
            row = self.row(scope, name)
            if row is not None:
                rows.append((*row[:5], when, documents, passages, scope))
        if rows:
            self._put(rows)

    def _put(self, rows: list[tuple]) -> None:
        records = [{"name": source_key(row[8], row[0]), "pad": [0.0, 0.0],
                    "data": json.dumps(dict(zip(_FIELDS, row, strict=True)), ensure_ascii=False)}
                   for row in rows]
        with reasons(self.uri, "changing the source registry"):
            self.client.upsert(self.name, records)

    def close(self) -> None:
        """The client is the process's: nothing to release."""


def _row(data: str) -> tuple:
    record = {"scope": OPERATOR, **json.loads(data)}  # rows written before scopes are the operator's
    return tuple(record[field] for field in _FIELDS)
