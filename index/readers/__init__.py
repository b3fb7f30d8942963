"""Source kinds as a registry of readers: what each kind of source accepts, and how it is read.

Two sorts of reader, each a module that defines one and registers it:

- A `FileReader` is a file format (`.txt`, `.md`, `.html`, `.jsonl`...): the file name endings it accepts
  and how it reads one file into articles. Sources of kind "folder" and "file" (`index.readers.files`) read
  each of their files with the reader of its ending; the bot accepts uploads of the same endings.
- A `WebReader` is what a URL may serve (an article page, a feed): the content types it accepts and how it
  reads a response. Each is a source kind of its own, named as the reader ("url", "feed"); a URL added
  without a kind is read by the reader of the content type it serves (`index.readers.web`).

Readers hand what they find to an `index.sources.Articles`, which makes `Document`s by the rules every
source shares. The built-in readers are the modules imported at the end of this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from index.fetch import Accept, Fetcher, Response
    from index.sources import Articles

PATH_KINDS = ("folder", "file")


@dataclass(frozen=True)
class FileInput:
    """A file to read: its path, the id of its document (records add `#<id>` to it), the name an untitled
    article of it is cited by, and its entry in the folder's manifest.toml."""

    path: Path
    doc_id: str
    name: str
    meta: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class FileReader(Protocol):
    name: str
    suffixes: tuple[str, ...]  # lower case, with the dot: ".txt", ".jsonl.gz"

    def read(self, file: FileInput, articles: Articles) -> None:
        """Add the articles of `file`; raise for a file that cannot be read at all (it is skipped)."""


@runtime_checkable
class WebReader(Protocol):
    name: str  # the source kind
    accept: Accept  # the content types it reads, and what to call them in an error ("an HTML page")

    async def read(self, url: str, response: Response, fetcher: Fetcher, articles: Articles) -> None:
        """Add the articles of the response to `url` (fetching more with `fetcher` if need be)."""


_FILE_READERS: dict[str, FileReader] = {}
_WEB_READERS: dict[str, WebReader] = {}


def register(reader: FileReader | WebReader) -> None:
    """Add a reader (a second reader of the same name replaces the first)."""
    if isinstance(reader, WebReader):
        if reader.name in PATH_KINDS:
            raise ValueError(f"{reader.name!r} is the kind of local sources")
        _WEB_READERS[reader.name] = reader
    elif isinstance(reader, FileReader):
        _FILE_READERS[reader.name] = reader
    else:
        raise TypeError(f"{reader!r} is neither a FileReader nor a WebReader")


def file_reader(path: Path) -> FileReader | None:
    """The reader of a file, by the longest of the registered endings its name has (case-insensitive)."""
    name = path.name.lower()
    matches = [(len(s), r) for r in _FILE_READERS.values() for s in r.suffixes if name.endswith(s)]
    return max(matches, key=lambda m: m[0])[1] if matches else None


def readable_suffixes() -> tuple[str, ...]:
    """Every file name ending a reader accepts, e.g. for the bot's upload check."""
    return tuple(s for reader in _FILE_READERS.values() for s in reader.suffixes)


def web_readers() -> dict[str, WebReader]:
    return dict(_WEB_READERS)


def web_kinds() -> tuple[str, ...]:
    """The source kinds read from the web."""
    return tuple(_WEB_READERS)


def source_kinds() -> tuple[str, ...]:
    """Every source kind: a local folder or file, and each web reader."""
    return (*PATH_KINDS, *_WEB_READERS)


# The built-in readers register themselves when imported.
from index.readers import feed, html, jsonl, markdown, page, plain_text  # noqa: E402, F401
