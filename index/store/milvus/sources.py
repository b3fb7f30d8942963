"""The source registry of an index in Milvus: one collection beside the index, so every process that uses
the index (shards on several machines) sees the same sources, and a reindex by any of them keeps the
sources another added."""

from __future__ import annotations

import json
import threading

from pymilvus import MilvusClient

from index.store.milvus.client import reasons
from index.store.milvus.schema import create_sources

_FIELDS = ("name", "kind", "location", "added_by", "added_at", "last_indexed", "documents", "passages")


class MilvusSourceTable:
    """The `SourceRows` of `index.store.interface`, kept in the collection `name`."""

    def __init__(self, client: MilvusClient, name: str, uri: str) -> None:
        self.client, self.name, self.uri = client, name, uri
        self._lock = threading.Lock()  # an insert checks, then writes
        with reasons(uri, "opening the source registry"):
            if not client.has_collection(name):
                create_sources(client, name)
            elif str(client.get_load_state(name).get("state")) != "Loaded":
                client.load_collection(name)

    def rows(self) -> list[tuple]:
        with reasons(self.uri, "reading the source registry"):
            found = self.client.query(self.name, filter='name != ""', output_fields=["data"], limit=16_384)
        return sorted(_row(r["data"]) for r in found)

    def row(self, name: str) -> tuple | None:
        with reasons(self.uri, "reading the source registry"):
            found = self.client.get(self.name, ids=[name], output_fields=["data"])
        return _row(found[0]["data"]) if found else None

    def insert(self, name: str, kind: str, location: str, added_by: str, added_at: str) -> bool:
        with self._lock:
            if self.row(name) is not None:
                return False
            self._put([(name, kind, location, added_by, added_at, None, 0, 0)])
            return True

    def delete(self, name: str) -> None:
        with reasons(self.uri, "changing the source registry"):
            self.client.delete(self.name, ids=[name])

    def record_indexed(self, counts: dict[str, tuple[int, int]], when: str) -> None:
        rows = []
        for name, (documents, passages) in counts.items():
            row = self.row(name)
            if row is not None:
                rows.append((*row[:5], when, documents, passages))
        if rows:
            self._put(rows)

    def _put(self, rows: list[tuple]) -> None:
        records = [{"name": row[0], "pad": [0.0, 0.0],
                    "data": json.dumps(dict(zip(_FIELDS, row, strict=True)), ensure_ascii=False)}
                   for row in rows]
        with reasons(self.uri, "changing the source registry"):
            self.client.upsert(self.name, records)

    def close(self) -> None:
        """The client is the process's: nothing to release."""


def _row(data: str) -> tuple:
    record = json.loads(data)
    return tuple(record[field] for field in _FIELDS)
