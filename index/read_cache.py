"""What each local source was when it was last read and indexed, so that an unchanged one is not read again.

Reading a source is most of an unchanged re-index: every article decoded, cleaned and its date parsed
(`dateparser` on "2022/06/12" was 63% of it). Here each file of a folder or file source is recorded with its
size, modification time and SHA-1, and the source with the id and digest of every document it gave. When a
source's files have the same size and time (or, after a `touch` or a copy, the same SHA-1) and the index
still holds exactly those documents, the source is unchanged: its documents are the indexed ones and nothing
is read. Anything else (a file added, removed or changed, another location or version of the program, an
index rebuilt or damaged) reads it again.

The record also names the index state it describes (generation, size, model, passage size, and the size and
time of the state's files) when, after a re-index, the index held exactly the documents it lists: a
re-index that then finds every source unchanged, that state still current and its files as they were, has
nothing to do and does not even open the index (opening checksums its files: most of the time of an
unchanged re-index of the 26k-article corpus). A file changed in place (damage) makes it open the index,
which says it is damaged; damage that keeps a file's size and time is found by the next command that
opens the index (`ask`, the bot), not by this shortcut.

The record is `read-cache.json` in the data directory, replaced atomically; a lost or damaged one only
costs a full read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

FILE = "read-cache.json"
_CHUNK = 1 << 20

# A file's stamp: (size, modification time in ns); with its SHA-1 once recorded.
Stamp = tuple[int, int]


def _program() -> str:
    try:
        return version("briefbot")
    except PackageNotFoundError:
        return "unknown"


def stamps(path: Path) -> dict[str, Stamp]:
    """Size and modification time of every file of a source (a folder, recursively, or one file), by path
    relative to it; empty when it cannot be listed (it is then read, and fails or not, as usual)."""
    try:
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        found = {}
        for file in files:
            stat = file.stat()
            found[file.relative_to(path).as_posix() if path.is_dir() else file.name] = (stat.st_size,
                                                                                       stat.st_mtime_ns)
        return found
    except OSError:
        return {}


def _sha1(root: Path, relative: str) -> str | None:
    """The SHA-1 of the file named `relative` in `stamps(root)` (None if it cannot be read)."""
    path = root / relative if root.is_dir() else root
    digest = hashlib.sha1()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


@dataclass(frozen=True)
class Indexed:
    """An index state: its generation, size, and what it was built with."""

    generation: str
    documents: int
    passages: int
    model: str
    max_words: int
    files: dict[str, list[int]]  # size and modification time of each file of the state's folder, if any


class ReadCache:
    """The record of the local sources last read, in one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE
        self._sources: dict[str, dict] = {}
        self.state: Indexed | None = None  # the index state the whole record describes, if known
        self._touched = False
        try:
            record = json.loads(self.path.read_bytes())
            if isinstance(record, dict) and isinstance(record.get("sources"), dict):
                self._sources = record["sources"]
                if isinstance(record.get("state"), dict):
                    self.state = Indexed(**record["state"])
                    if not isinstance(self.state.files, dict):
                        self.state = None
        except (OSError, ValueError, TypeError):
            pass

    def unchanged(self, name: str, location: str, now: Mapping[str, Stamp], indexed: Mapping[str, str],
                  ) -> bool:
        """Whether source `name` at `location`, whose files have the stamps `now`, is as recorded, and the
        index holds exactly the documents it gave then (`indexed`: id -> digest of the source's documents
        in the index)."""
        entry = self._sources.get(name)
        if not now or not isinstance(entry, dict) or entry.get("location") != location \
                or entry.get("program") != _program() or entry.get("documents") != dict(indexed):
            return False
        files: dict[str, list] = entry.get("files", {})
        if set(files) != set(now):
            return False
        root = Path(location)
        for relative, stamp in now.items():
            size, mtime, sha1 = files[relative]
            if (size, mtime) == tuple(stamp):
                continue
            # Touched or copied: the same bytes are the same articles.
            if size != stamp[0] or _sha1(root, relative) != sha1:
                return False
            files[relative] = [*stamp, sha1]
            self._touched = True
        return True

    def all_unchanged(self, sources: Mapping[str, str]) -> bool:
        """Whether the recorded sources are exactly `sources` (name -> location) and each is unchanged
        against the documents recorded for it (the index holds them when `state` is current)."""
        return set(sources) == set(self._sources) and all(
            self.unchanged(name, location, stamps(Path(location)), self._sources[name]["documents"])
            for name, location in sources.items())

    def describes(self, indexed: Mapping[str, Mapping[str, str]]) -> bool:
        """Whether the index holds exactly the recorded documents (`indexed`: per source name, id -> digest
        of its documents in the index)."""
        return set(indexed) <= set(self._sources) and all(
            entry.get("documents") == dict(indexed.get(name, {})) for name, entry in self._sources.items())

    def record(self, name: str, location: str, read: Mapping[str, Stamp],
               documents: Iterable[tuple[str, str]]) -> None:
        """Remember source `name` as read with its files at the stamps `read` (taken before reading), giving
        `documents` (id, digest)."""
        previous = self._sources.get(name, {})
        old = previous.get("files", {}) if previous.get("location") == location else {}
        root = Path(location)
        files = {}
        for relative, stamp in read.items():
            known = old.get(relative)
            sha1 = known[2] if known and tuple(known[:2]) == tuple(stamp) else _sha1(root, relative)
            files[relative] = [*stamp, sha1]
        self._sources[name] = {"location": location, "program": _program(), "files": files,
                               "documents": dict(documents)}

    @property
    def touched(self) -> bool:
        """Whether a file was found touched (same bytes, new time) since the record was read."""
        return self._touched

    def names(self) -> list[str]:
        return list(self._sources)

    def forget(self, names: Iterable[str]) -> None:
        for name in names:
            self._sources.pop(name, None)

    def save(self, state: Indexed | None) -> None:
        """Write the record (atomically), describing `state`; a failure to write it is not an error: the
        next run reads again."""
        self.state, self._touched = state, False
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(json.dumps({"sources": self._sources, "state": asdict(state) if state else None}))
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
