"""Read briefing articles from files and folders into clean `Document`s.

Supported: `.txt`, `.md` and `.html`/`.htm` files (metadata from a `manifest.toml` in the same folder),
and JSON Lines files (`.jsonl`, `.jsonl.gz`), one article a line. A bad file never stops the others: it
is skipped with a warning that names it. A source path that does not exist is a `SourceError`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from index.clean import clean
from index.errors import UserError
from index.isolation import Skipped
from index.scopes import OPERATOR

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
# Every file name ending the readers accept (case-insensitive); the bot checks uploads against it.
READABLE_SUFFIXES = (*TEXT_SUFFIXES, *JSONL_SUFFIXES)
MANIFEST = "manifest.toml"
# Alternative field names accepted in JSON Lines, as other news dumps spell them.
_ALIASES = {"doc_id": "id", "publish_date": "published", "domain": "publisher", "date": "published"}


class SourceError(UserError):
    """A source cannot be read at all (missing path, unreadable manifest)."""


@dataclass(frozen=True)
class Document:
    """One article: metadata and its clean text (see `index.clean`)."""

    id: str
    source: str
    title: str
    publisher: str
    published: str | None  # ISO date, YYYY-MM-DD
    url: str | None
    text: str
    scope: str = OPERATOR  # whose source it came from (`index.scopes`)

    @cached_property
    def digest(self) -> str:
        """Content hash of everything stored about the document, to detect changes."""
        fields = (self.title, self.publisher, self.published or "", self.url or "", self.text)
        return hashlib.sha1("\0".join(fields).encode()).hexdigest()


@dataclass
class ReadResult:
    """The documents read, notes on how (`warnings`), and what could not be read (`skipped`)."""

    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def source_name(path: Path) -> str:
    """Default name of a source: its folder or file name without extensions."""
    return path.name.split(".")[0] or path.resolve().name


def normalize_date(value: object) -> str | None:
    """An ISO date (YYYY-MM-DD) from a date, an ISO string or a written date; None if unparsable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        import dateparser  # slow to import; only written-out dates need it

        parsed = dateparser.parse(text, settings={"PREFER_DAY_OF_MONTH": "first"})
        return parsed.date().isoformat() if parsed else None


def read_source(path: Path, name: str | None = None) -> ReadResult:
    """Read every article under `path` (a folder, searched recursively, or a single file)."""
    if not path.exists():
        raise SourceError(f"source path does not exist: {path}")
    name = name or source_name(path)
    result = ReadResult()
    root = path if path.is_dir() else path.parent
    # Not only regular files: a dangling link must be reported, not silently passed over.
    files = sorted(p for p in path.rglob("*") if not p.is_dir()) if path.is_dir() else [path]
    manifests: dict[Path, dict] = {}
    for file in files:
        kind = _kind(file)
        if kind is None:
            if path.is_file():
                result.warnings.append(f"{file}: unsupported file type (use {', '.join(READABLE_SUFFIXES)})")
            continue
        if file.parent not in manifests:
            manifests[file.parent] = _manifest(file.parent)
        meta = manifests[file.parent].get(file.name, {})
        doc_id = f"{name}/{file.relative_to(root).as_posix()}"
        try:
            if kind == "jsonl":
                _read_jsonl(file, name, doc_id, result)
            else:
                _read_page(file, kind, name, doc_id, meta, result)
        except OSError as exc:
            result.warnings.append(f"{file}: cannot read ({exc.strerror or exc})")
    return result


def _kind(file: Path) -> str | None:
    suffixes = "".join(file.suffixes[-2:]).lower()
    if suffixes.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if file.name == MANIFEST or file.suffix.lower() not in TEXT_SUFFIXES:
        return None
    return "html" if file.suffix.lower() in {".html", ".htm"} else file.suffix.lower()[1:]


def _manifest(folder: Path) -> dict[str, dict]:
    file = folder / MANIFEST
    if not file.exists():
        return {}
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{file}: invalid manifest ({exc})") from exc


def decode(data: bytes, file: Path, warnings: list[str]) -> str | None:
    """Text of a file's bytes: UTF-8, else Windows-1252/latin-1 with a warning; None for binary data."""
    if b"\0" in data[:8192]:
        warnings.append(f"{file}: binary file skipped")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(f"{file}: not UTF-8, read as Windows-1252")
        return data.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class PageMeta:
    """Metadata trafilatura found in an HTML page (any of it may be missing)."""

    title: str | None = None
    published: str | None = None  # as found, not yet normalized
    publisher: str | None = None
    url: str | None = None


def extract_html(raw: str | bytes) -> tuple[str, PageMeta]:
    """The clean main text of an HTML page and its metadata; bytes are decoded by their declared charset."""
    import trafilatura  # slow to import; only HTML pages need it

    page = trafilatura.bare_extraction(raw, include_comments=False, with_metadata=True)
    if not page:
        return "", PageMeta()
    return clean(page.text or ""), PageMeta(page.title, page.date, page.sitename, page.url)


def _read_page(file: Path, kind: str, source: str, doc_id: str, meta: dict, result: ReadResult) -> None:
    raw = decode(file.read_bytes(), file, result.warnings)
    if raw is None:
        return
    title = meta.get("title")
    published = meta.get("published")
    publisher = meta.get("publisher")
    url = meta.get("url")
    if kind == "html":
        text, page = extract_html(raw)
        title = title or page.title
        published = published or page.published
        publisher = publisher or page.publisher
        url = url or page.url
    else:
        if kind == "md":
            heading = re.match(r"\s*#\s+(.+)\n", raw)
            if heading:
                title = title or heading.group(1).strip()
                raw = raw[heading.end():]
        text = clean(raw)
    add_document(result, file, doc_id, source, text, title, publisher, published, url)


def add_document(
    result: ReadResult, where: Path | str, doc_id: str, source: str, text: str, title: object,
    publisher: object, published: object, url: object,
) -> None:
    """Append a `Document`, with fallbacks for missing metadata; no text is a warning naming `where`."""
    if not text.strip():
        result.warnings.append(f"{where}: no article text, skipped")
        return
    fallback_title = _first_line_title(text)
    result.documents.append(Document(
        id=doc_id,
        source=source,
        title=str(title or fallback_title),
        publisher=str(publisher or source),
        published=normalize_date(published),
        url=str(url) if url else None,
        text=text,
    ))


# A dateline alone on the first line ("CNN —", "New York CNN Business —") names no story.
_DATELINE = re.compile(r"[^\n]{1,60}[—–]")


def _first_line_title(text: str) -> str:
    """A title for an article that has none: its first line that is not a bare dateline, cut at 100
    characters on a word boundary."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    line = next((line for line in lines if not _DATELINE.fullmatch(line)), lines[0])
    return line if len(line) <= 100 else line[:99].rsplit(" ", 1)[0] + "…"


def _read_jsonl(file: Path, source: str, prefix: str, result: ReadResult) -> None:
    for number, line in _lines(file, result.warnings):
        where = f"{file}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            result.warnings.append(f"{where}: not JSON ({exc.msg}), skipped")
            continue
        if not isinstance(record, dict):
            result.warnings.append(f"{where}: not a JSON object, skipped")
            continue
        # Canonical names win over their aliases.
        record = {**{_ALIASES[k]: v for k, v in record.items() if k in _ALIASES}, **record}
        if not isinstance(record.get("text"), str):
            result.warnings.append(f"{where}: no \"text\", skipped")
            continue
        doc_id = f"{prefix}#{record.get('id', number)}"
        add_document(result, where, doc_id, source, clean(record["text"]), record.get("title"),
             record.get("publisher"), record.get("published"), record.get("url"))


def _lines(file: Path, warnings: list[str]) -> Iterator[tuple[int, str]]:
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rb") as stream:
        for number, raw in enumerate(stream, 1):
            if raw.strip():
                text = decode(raw, Path(f"{file}:{number}"), warnings)
                if text is not None:
                    yield number, text
