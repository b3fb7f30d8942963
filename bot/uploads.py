"""Files uploaded with `/source add`: what is accepted, and where and how they are saved."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from index import InvalidInput

MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
UPLOADS = "uploads"
# The registry's rule for source names; checked here first because the name becomes a folder name.
_SOURCE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def accepted_filename(filename: str, size: int) -> str:
    """The name an attached file is saved under; `InvalidInput` when its type or size is refused."""
    name = Path(filename).name
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise InvalidInput(f"Unsupported file type: use one of {', '.join(UPLOAD_SUFFIXES)}.")
    if size > MAX_UPLOAD:
        raise InvalidInput(f"The file is too large ({size // 1024} KiB; at most {MAX_UPLOAD // 1024} KiB)")
    return name


def check_source_name(name: str) -> None:
    if not _SOURCE_NAME.fullmatch(name):
        raise InvalidInput("A source name is up to 64 letters, digits, '-' or '_'.")


def save_upload(data_dir: Path, name: str, filename: str, data: bytes) -> Path:
    """Write an uploaded file to `<data_dir>/uploads/<name>/<filename>` atomically; returns the folder.

    A reader (an index build) never sees a half-written file: the data goes to a temporary file in the
    same folder, which is then renamed.
    """
    if not _SOURCE_NAME.fullmatch(name) or Path(filename).name != filename or filename.startswith("."):
        raise ValueError("invalid source or file name")
    folder = data_dir / UPLOADS / name
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
