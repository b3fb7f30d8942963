"""Plain words for failed file operations: "the disk is full", "permission denied", and on which path.

The store's writers and the front ends use these to turn an `OSError` (by errno), a `sqlite3.Error` (by its
message) or FAISS's `RuntimeError` (whose message carries the C library's error text) into one short line.
"""

from __future__ import annotations

import errno
import os

# What an errno means for someone running the bot: the cause, and where to look.
_ERRNO_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "a file would exceed the size limit of this process or file system (or the disk is full)",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.EEXIST: "it exists and is not a folder",
    errno.ENOENT: "no such file or folder",
    errno.EIO: "an input/output error (failing disk?)",
}
# SQLite reports the same conditions in words, without an errno.
_SQLITE_REASONS = {
    "database or disk is full": _ERRNO_REASONS[errno.ENOSPC],
    "readonly database": _ERRNO_REASONS[errno.EROFS] + " or not writable",
    "disk i/o error": "a disk write failed (disk full, a file size limit, or a failing disk)",
    "unable to open database file": "cannot create or open the database file (not writable?)",
}


def explain_os_error(exc: BaseException) -> str:
    """A short, plain reason for a failed file operation: "the disk is full", "permission denied", ...

    Works on `OSError` (by errno), `sqlite3.Error` (by its message) and FAISS's `RuntimeError` (whose
    message carries the C library's error text); anything else gives its own message.
    """
    if isinstance(exc, OSError) and exc.errno in _ERRNO_REASONS:
        return _ERRNO_REASONS[exc.errno]
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    text = str(exc)
    lowered = text.lower()
    for marker, reason in _SQLITE_REASONS.items():
        if marker in lowered:
            return reason
    for number, reason in _ERRNO_REASONS.items():
        if os.strerror(number).lower() in lowered:
            return reason
    return text.splitlines()[0] if text else type(exc).__name__


def os_error_message(exc: OSError) -> str:
    """A one-line message for an `OSError`: what failed, on which path, and why (see `explain_os_error`)."""
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    where = f" {' -> '.join(paths)}" if paths else ""
    return f"cannot access{where}: {explain_os_error(exc)}"
