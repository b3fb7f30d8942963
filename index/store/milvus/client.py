"""Connections to Milvus, its errors in plain words, and the expression and paging helpers the engine uses.

A URI is either a local path ending in `.db` (Milvus Lite, run inside this process: one process per path)
or `http(s)://host:port` (a Milvus standalone or cluster, or `milvus-lite server`). One client per URI per
process: pymilvus clients are thread-safe and hold one gRPC channel. A cluster that requires
authentication takes its token ("user:password", or an API key) from $BRIEFBOT_MILVUS_TOKEN, never from
the config file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pymilvus import MilvusClient, MilvusException

from index.store.interface import StoreError

TOKEN = "BRIEFBOT_MILVUS_TOKEN"
TIMEOUT = 30.0  # seconds for one call; a cluster under load answers in milliseconds
PAGE = 16_384  # rows per query: Milvus caps offset + limit at this
BATCH = 500  # rows per insert or upsert, and values per `in [...]` list

_clients: dict[str, MilvusClient] = {}
_lock = threading.Lock()


def is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "unix:"))


def connect(uri: str) -> MilvusClient:
    """The process's client for `uri`; `StoreError` if Milvus cannot be reached or opened."""
    with _lock:
        client = _clients.get(uri)
        if client is None:
            try:
                client = MilvusClient(uri=uri, token=os.environ.get(TOKEN, ""), timeout=TIMEOUT)
            except MilvusException as exc:
                raise StoreError(_unreachable(uri, exc)) from exc
            _clients[uri] = client
        return client


def load(client: MilvusClient, name: str) -> None:
    """Load the collection `name` unless it is loaded already (Milvus searches and queries loaded ones
    only; a collection another process created, or one Milvus restarted with, may not be)."""
    if str(client.get_load_state(name).get("state")) != "Loaded":
        client.load_collection(name)


def _unreachable(uri: str, exc: MilvusException) -> str:
    if is_remote(uri):
        return f"cannot reach Milvus at {uri} ({exc.message}); is the server running?"
    return (f"cannot open the Milvus Lite store {uri} ({exc.message}); if another process uses it, serve it "
            f"with `milvus-lite server` and set [store] uri to its http:// address")


@contextmanager
def reasons(uri: str, doing: str) -> Iterator[None]:
    """Turn a Milvus failure while `doing` something into a one-line `StoreError`."""
    try:
        yield
    except MilvusException as exc:
        raise StoreError(f"Milvus at {uri} failed while {doing}: {exc.message}") from exc


def literal(text: str) -> str:
    """`text` as a string literal of a Milvus boolean expression (double-quoted, C-style escapes), so a
    name given by a user is always one value, never part of the expression."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


def one_of(field: str, values: Sequence[str | int]) -> str:
    """The expression `field in [values]` (strings quoted)."""
    items = ", ".join(literal(v) if isinstance(v, str) else str(int(v)) for v in values)
    return f"{field} in [{items}]"


def batches(values: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def query_in(client: MilvusClient, collection: str, field: str, values: Sequence[str | int], where: str,
             fields: list[str], end: int) -> list[dict]:
    """Every row matching `where` whose `field` is one of `values`: a query per batch of values, split in
    halves while a query comes back full (a document may have many passages)."""
    rows: list[dict] = []
    pending = list(batches(list(values)))
    while pending:
        batch = pending.pop()
        found = client.query(collection, filter=f"{where} and {one_of(field, batch)}", output_fields=fields,
                             limit=PAGE)
        if len(found) < PAGE:
            rows += found
        elif len(batch) > 1:
            pending += [batch[: len(batch) // 2], batch[len(batch) // 2:]]
        else:
            rows += query_all(client, collection, f"{where} and {one_of(field, batch)}", fields, end)
    return rows


def query_all(client: MilvusClient, collection: str, where: str, fields: list[str], end: int) -> list[dict]:
    """Every row matching `where` whose `key` is below `end`, in pages of key ranges (each range holds at
    most `PAGE` keys, so no page is cut short by the query limit)."""
    rows: list[dict] = []
    for low in range(0, end, PAGE):
        rows += client.query(collection, filter=f"key >= {low} and key < {low + PAGE} and ({where})",
                             output_fields=fields, limit=PAGE)
    return rows
