"""Files uploaded with `/source add`: what is accepted, and where and how they are saved.

The accepted types are the core readers' (`index.readable_suffixes()`), the source name follows the
registry's rule (`index.check_source_name`), so the bot never refuses what the core reads nor accepts
what it would refuse. The size limit bounds the work an upload causes, so it applies to what the readers
read: a compressed file is measured uncompressed too (a few KiB of gzip can expand to gigabytes).
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from index import InvalidInput, check_source_name, readable_suffixes

if TYPE_CHECKING:
    from index import Library, Progress, ReindexResult, SourceEntry

MAX_UPLOAD = 5 * 1024 * 1024
UPLOADS = "uploads"
_COMPRESSED = ".gz"


def accepted_types() -> str:
    """The accepted file types, for people: ".txt, .md, ... or .jsonl.gz"."""
    *most, last = readable_suffixes()
    return f"{', '.join(most)} or {last}"


def accepted_filename(filename: str, size: int) -> str:
    """The name an attached file is saved under; `InvalidInput` when its type or size is refused."""
    name = Path(filename).name
    if not name.lower().endswith(readable_suffixes()):
        raise InvalidInput(f"Unsupported file type: use {accepted_types()}.")
    if size > MAX_UPLOAD:
        raise InvalidInput(f"The file is too large ({size // 1024} KiB; at most {MAX_UPLOAD // 1024} KiB)")
    return name


def check_content(filename: str, data: bytes) -> None:
    """`InvalidInput` unless the bytes downloaded are within the limit, uncompressed as well."""
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("The file is too large.")
    if not filename.lower().endswith(_COMPRESSED):
        return
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            expanded = len(stream.read(MAX_UPLOAD + 1))  # never holds more than the limit
    except (OSError, EOFError, zlib.error):
        raise InvalidInput("The file is not valid gzip.") from None
    if expanded > MAX_UPLOAD:
        raise InvalidInput(f"The file is too large uncompressed (at most {MAX_UPLOAD // 1024} KiB).")


def scope_uploads(data_dir: Path, scope: str) -> Path:
    """The folder of one server's uploads: `<data_dir>/uploads/<server id>`, removed with its sources."""
    if not scope.isdigit():  # a server's scope is its id: never a path (the operator uploads nothing)
        raise ValueError(f"not a server's scope: {scope!r}")
    return data_dir / UPLOADS / scope


def purge_server(library: Library, data_dir: Path, scope: str, progress: Progress | None = None,
                 ) -> tuple[list[SourceEntry], ReindexResult]:
    """Remove a server's sources and their passages (`Library.purge_scope`), then the files uploaded there:
    the one purge of the CLI's `scopes purge` and of the bot once it has left the server."""
    removed, result = library.purge_scope(scope, progress)
    shutil.rmtree(scope_uploads(data_dir, scope), ignore_errors=True)
    return removed, result


def save_upload(data_dir: Path, scope: str, name: str, filename: str, data: bytes) -> Path:
    """Write a file uploaded in a server to `<data_dir>/uploads/<server id>/<name>/<filename>` atomically;
    returns the folder.

    A reader (an index build) never sees a half-written file: the data goes to a temporary file in the
    same folder, which is then renamed.
    """
    check_source_name(name)  # no separator, no dot: the folder stays inside the server's uploads folder
    if Path(filename).name != filename or filename.startswith("."):
        raise ValueError(f"invalid file name {filename!r}")
    folder = scope_uploads(data_dir, scope) / name
    if folder.exists():  # left over from a source removed while the bot was down
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / filename)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return folder.resolve()
