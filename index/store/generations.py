"""Generation folders: whole, immutable index states in one data directory, switched atomically.

Layout of the data directory:

    CURRENT           name of the generation that answers queries (replaced atomically)
    gen-000007/       one complete, immutable state, with `checksums.json` of its files
    build.lock        held while a writer runs, so two writers never interleave

A writer fills a temporary folder, records its files' checksums, fsyncs it, renames it to its final name,
then swaps CURRENT (the commit point: an `os.replace`). A process killed at any point leaves the previous
generation answering; readers keep the generation they opened until they open the next. The checksums let
a reader tell a damaged file (bytes flipped by a failing disk) from a good one.

Files are never changed once written, so a new generation takes the files it keeps from the previous one as
hard links (`link`), with their recorded checksums: a generation is whole on its own, and writing one costs
what changed, not what was kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from index.store.interface import REBUILD_HINT, DamagedIndex, NoIndex, StoreError

CURRENT = "CURRENT"
LOCK = "build.lock"
CHECKSUMS = "checksums.json"
_PREFIX = "gen-"
_NAME = re.compile(r"gen-\d{6}")
_CHUNK = 1 << 20

# Recorded checksums by file name relative to a generation folder: [size, CRC-32].
Checksums = dict[str, list[int]]


class Generations:
    """The generation folders of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def current(self) -> Path | None:
        """The current generation's folder; None before the first build. `DamagedIndex` if CURRENT does not
        name a generation (garbage written over it)."""
        pointer = self.data_dir / CURRENT
        try:
            raw = pointer.read_bytes()
        except FileNotFoundError:
            return None
        name = raw.decode("ascii", errors="replace").strip()
        if not _NAME.fullmatch(name):
            raise DamagedIndex(f"the index pointer {pointer} is damaged; {REBUILD_HINT}")
        return self.data_dir / name

    def current_folder(self) -> Path:
        """The current generation's folder, which must exist: `NoIndex` or `StoreError` otherwise."""
        path = self.current()
        if path is None:
            raise NoIndex(f"no index in {self.data_dir} yet; run `briefbot index`")
        if not path.is_dir():
            raise StoreError(f"the index named in {self.data_dir / CURRENT} is missing; {REBUILD_HINT}")
        return path

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive lock for writers; a second concurrent writer fails at once instead of waiting. On
        entry, the leftovers of a writer killed midway are removed."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / LOCK, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError("another index build is already running in this data directory") from None
            try:
                self.clean_stale()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def write(self, fill: Callable[[Path], Checksums]) -> Path:
        """Write a new generation with `fill(folder)` and make it current; returns its folder.

        `fill` returns the recorded checksums of the files it linked from another generation (see `link`);
        the others are computed here. On any failure nothing of it stays behind (the disk may be full) and
        the exception propagates with CURRENT untouched. Call it holding `lock()`.
        """
        existing = self._names()
        number = int(existing[-1][len(_PREFIX):]) + 1 if existing else 1
        final = self.data_dir / f"{_PREFIX}{number:06d}"
        tmp = self.data_dir / f"{final.name}.tmp"
        previous = self._current_or_none()
        renamed = False
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            known = fill(tmp)
            _write_checksums(tmp, known)
            _fsync_tree(tmp)
            os.rename(tmp, final)
            renamed = True
            _replace_text(self.data_dir / CURRENT, final.name)  # the commit point (its last step: os.replace)
        except BaseException:
            shutil.rmtree(final if renamed else tmp, ignore_errors=True)
            with contextlib.suppress(OSError):
                (self.data_dir / f"{CURRENT}.tmp").unlink(missing_ok=True)
            raise
        # Keep the generation that was current until now: a running bot may still read it until it reloads.
        # Others are older (no reader left) or never became current (a writer killed after its rename).
        keep = {final.name, previous.name if previous else None}
        for old in existing:
            if old not in keep:
                shutil.rmtree(self.data_dir / old, ignore_errors=True)
        self.clean_stale()
        return final

    def clean_stale(self) -> None:
        """Remove what a writer killed midway left behind: half-written `gen-*.tmp` folders, a `CURRENT.tmp`,
        complete generations numbered after the current one, which never became current (killed between
        the rename and the pointer swap), so no reader can have them open, and generations older than the
        one before the current one (killed after the swap). Call it holding the lock."""
        for stale in self.data_dir.glob(f"{_PREFIX}*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.data_dir / f"{CURRENT}.tmp").unlink(missing_ok=True)
        current = self._current_or_none()
        if current is None:
            return
        older = [name for name in self._names() if name < current.name]
        for orphan in self._names():
            if orphan > current.name:
                shutil.rmtree(self.data_dir / orphan, ignore_errors=True)
        # A writer killed after its pointer swap left the generations before the previous one.
        for old in older[:-1]:
            shutil.rmtree(self.data_dir / old, ignore_errors=True)

    def _current_or_none(self) -> Path | None:
        """The current generation, or None when there is none or the pointer is damaged (a writer replaces
        a damaged pointer; it cannot tell which generation it meant)."""
        try:
            return self.current()
        except DamagedIndex:
            return None

    def _names(self) -> list[str]:
        """Complete generation folders, oldest first."""
        return sorted(p.name for p in self.data_dir.glob(f"{_PREFIX}*")
                      if p.is_dir() and _NAME.fullmatch(p.name))


def checksums(folder: Path) -> Checksums:
    """The checksums recorded with a generation (empty for one written before they were kept)."""
    listing = folder / CHECKSUMS
    if not listing.exists():
        return {}
    try:
        return json.loads(listing.read_bytes())
    except (OSError, ValueError) as exc:
        raise DamagedIndex(f"the index in {folder} is damaged ({exc}); {REBUILD_HINT}") from exc


def link(source: Path, target: Path, name: str, recorded: Checksums, known: Checksums) -> None:
    """Make the file or folder `name` of the generation `source` part of the generation being written in
    `target`, under the same name: hard links (copies where the file system has none), with the checksums
    `recorded` for `source` carried into `known`."""
    for relative in files(source, name):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / relative, destination)
        except OSError:
            shutil.copyfile(source / relative, destination)
        if relative in recorded:
            known[relative] = recorded[relative]


def verify(folder: Path, names: Iterable[str]) -> None:
    """Check the named files of a generation against the checksums written with it: `DamagedIndex` naming
    the first file whose size or content differs. A generation written before checksums were kept has no
    `checksums.json` and is not checked."""
    listing = folder / CHECKSUMS
    if not listing.exists():
        return
    try:
        recorded = json.loads(listing.read_bytes())
        for name in names:
            size, crc = recorded[name]
            path = folder / name
            if path.stat().st_size != size or _crc32(path) != crc:
                raise DamagedIndex(f"the index file {path} is damaged; {REBUILD_HINT}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DamagedIndex(f"the index in {folder} is damaged ({exc}); {REBUILD_HINT}") from exc


def files(folder: Path, under: str) -> list[str]:
    """Relative names of the files of a generation under `under` (a file or a folder), as checksummed."""
    return sorted(str(p.relative_to(folder)) for p in (folder / under).rglob("*") if p.is_file()) \
        if (folder / under).is_dir() else [under]


def _write_checksums(folder: Path, known: Checksums) -> None:
    recorded = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = str(path.relative_to(folder))
            recorded[name] = known.get(name) or [path.stat().st_size, _crc32(path)]
    (folder / CHECKSUMS).write_text(json.dumps(recorded, indent=0))


def _crc32(path: Path) -> int:
    """CRC-32 of a file (about 3 GB/s here: the check costs little more than reading the file)."""
    crc = 0
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            crc = zlib.crc32(view[:size], crc)
    return crc


def _fsync_tree(folder: Path) -> None:
    """Every file and folder under `folder` (and itself) on disk."""
    for path in [*folder.rglob("*"), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
