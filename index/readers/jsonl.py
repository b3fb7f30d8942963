"""JSON Lines dumps (`.jsonl`, `.jsonl.gz`): one article a line, `{"id", "title", "publisher", "published",
"url", "text"}` (also spelled `doc_id`, `domain`, `publish_date`, `date`, as other news dumps do).

Each line is read on its own: a bad one (not JSON, no text) is skipped with a warning naming `file:line`.
A record's document id is `<file>#<id>`; a record without a usable id (missing, null, empty) is identified
by its line, `<file>:<line>`, which no id can take. An id the file has already used is a second record
claiming to be the same article: it is skipped with a warning naming both lines. A file that breaks off
(a truncated or corrupt gzip) keeps the records read before the break, with a warning.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from index.readers import FileInput, register
from index.sources import FIELDS, Articles, decode

# Alternative field names, as other news dumps spell them; the canonical names win.
ALIASES = {"doc_id": "id", "publish_date": "published", "domain": "publisher", "date": "published"}


class JsonLines:
    name = "jsonl"
    suffixes = (".jsonl", ".jsonl.gz")

    def read(self, file: FileInput, articles: Articles) -> None:
        ids: dict[str, int] = {}  # id -> line that used it
        number = 0
        try:
            for number, line in _lines(file.path, articles):
                where = f"{file.path}:{number}"
                articles.attempt(where, "read", lambda number=number, line=line: self._record(
                    file, number, line, ids, articles))
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            kept = f"after line {number}; the records before are kept" if number else "nothing read"
            articles.skip(str(file.path), "read", f"unreadable ({type(exc).__name__}: {exc}); {kept}")

    @staticmethod
    def _record(file: FileInput, number: int, line: str, ids: dict[str, int], articles: Articles) -> None:
        where = f"{file.path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            articles.skip(where, "read", f"not JSON ({exc.msg})")
            return
        if not isinstance(record, dict):
            articles.skip(where, "read", "not a JSON object")
            return
        record = {**{ALIASES[k]: v for k, v in record.items() if k in ALIASES}, **record}
        if not isinstance(record.get("text"), str):
            articles.skip(where, "read", 'no "text" string')
            return
        record_id = record.get("id")
        if isinstance(record_id, bool) or not isinstance(record_id, str | int | None):
            articles.warn(where, f"id ignored: a {type(record_id).__name__} is not an id; "
                                 "the record is identified by its line")
            record_id = None
        record_id = None if record_id is None or str(record_id).strip() == "" else str(record_id)
        if record_id is not None and record_id in ids:
            articles.skip(where, "read", f"id {record_id!r} is already the record of line {ids[record_id]}")
            return
        doc_id = f"{file.doc_id}#{record_id}" if record_id is not None else f"{file.doc_id}:{number}"
        name = f"{file.name}#{record_id}" if record_id is not None else f"{file.name}:{number}"
        if articles.add(doc_id=doc_id, where=where, name=name, text=record["text"],
                        **{k: record.get(k) for k in FIELDS}) and record_id is not None:
            ids[record_id] = number


def _lines(path: Path, articles: Articles) -> Iterator[tuple[int, str]]:
    """The non-blank lines of the file, decoded, with their numbers (gzip-compressed or not)."""
    with (gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")) as stream:
        for number, raw in enumerate(stream, 1):
            if raw.strip() and (text := decode(raw, f"{path}:{number}", articles)) is not None:
                yield number, text


register(JsonLines())
