"""One writer at a time on an index in Milvus, whatever process or machine it runs on.

The lock is a collection: creating a collection whose name exists fails, so at most one writer creates it.
Its properties name the holder (host, process id) and the last time the holder said it was alive (a
thread renews that every `BEAT` seconds). A lock is taken over, instead of refused, when its holder is
gone: a process of this machine that no longer exists (killed midway), or a holder silent for `LEASE`
seconds (a machine that died).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from pymilvus import MilvusClient, MilvusException

from index.store.interface import StoreError
from index.store.milvus.schema import create_marker

OWNER = "briefbot.owner"
HEARTBEAT = "briefbot.heartbeat"
BEAT = 20.0
LEASE = 300.0


@contextmanager
def held(client: MilvusClient, name: str) -> Iterator[None]:
    """Hold the lock collection `name` for the duration of the block; `StoreError` at once if another live
    writer holds it."""
    me = f"{socket.gethostname()} {os.getpid()} {uuid.uuid4().hex}"
    _acquire(client, name, me)
    stop = threading.Event()
    beating = threading.Thread(target=_beat, args=(client, name, stop), name="writer-lock", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join()
        with contextlib.suppress(MilvusException):
            if _properties(client, name).get(OWNER) == me:
                client.drop_collection(name)


def _acquire(client: MilvusClient, name: str, me: str) -> None:
    for _ in range(2):
        if not client.has_collection(name):
            try:
                create_marker(client, name, {OWNER: me, HEARTBEAT: str(time.time())})
                return
            except MilvusException:
                if not client.has_collection(name):
                    raise
        holder = _properties(client, name)
        if not _gone(holder):
            host, pid, *_ = [*holder.get(OWNER, "").split(" "), "?", "?"]
            raise StoreError(f"another index build is already running (process {pid} on {host})")
        client.drop_collection(name)  # its holder died: take it over
    raise StoreError("another index build is already running (it took the lock just now)")


def _properties(client: MilvusClient, name: str) -> dict[str, str]:
    try:
        return dict(client.describe_collection(name).get("properties", {}))
    except MilvusException:
        return {}


def _gone(holder: dict[str, str]) -> bool:
    """Whether the holder of a lock is gone: silent for `LEASE` seconds, or a process of this machine that
    does not exist any more."""
    try:
        host, pid, _ = holder[OWNER].split(" ")
        beat = float(holder[HEARTBEAT])
    except (KeyError, ValueError):
        return False  # being created: its properties are written with it
    if time.time() - beat > LEASE:
        return True
    if host != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, another user's
        return False
    return False


def _beat(client: MilvusClient, name: str, stop: threading.Event) -> None:
    while not stop.wait(BEAT):
        with contextlib.suppress(MilvusException):
            client.alter_collection_properties(name, properties={HEARTBEAT: str(time.time())})
