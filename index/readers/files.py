"""Local sources: a folder (searched recursively) or a single file, each file read by the reader of its
ending (`index.readers.file_reader`).

Metadata of the files of a folder comes from a `manifest.toml` in it: one table per file name, with
`title`, `publisher`, `published` and `url`. A bad file (unreadable, binary, of no known type) never stops
the others: it is skipped with a warning that names it; so is a manifest entry that is not a table. A
source path that does not exist, or a manifest that is not TOML, is a `SourceError` (the source keeps what
it had indexed).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from index.readers import FileInput, file_reader, readable_suffixes
from index.sources import FIELDS, Articles, ReadResult, SourceError, source_name

MANIFEST = "manifest.toml"


def read_source(path: Path, name: str | None = None) -> ReadResult:
    """Read every article under `path` (a folder, searched recursively, or a single file)."""
    if not path.exists():
        raise SourceError(f"source path does not exist: {path}")
    articles = Articles(name or source_name(path))
    root = path if path.is_dir() else path.parent
    # Not only regular files: a dangling link must be reported, not silently passed over.
    files = sorted(p for p in path.rglob("*") if not p.is_dir()) if path.is_dir() else [path]
    manifests: dict[Path, dict[str, dict]] = {}
    for file in files:
        reader = file_reader(file) if file.name != MANIFEST else None
        if reader is None:
            if path.is_file():
                articles.skip(str(file), "read",
                              f"unsupported file type (use {', '.join(readable_suffixes())})")
            continue
        if file.parent not in manifests:
            manifests[file.parent] = _manifest(file.parent, articles)
        found = FileInput(file, f"{articles.source}/{file.relative_to(root).as_posix()}", file.name,
                          manifests[file.parent].get(file.name, {}))
        articles.attempt(str(file), "read", lambda reader=reader, found=found: reader.read(found, articles))
    return articles.result


def _manifest(folder: Path, articles: Articles) -> dict[str, dict]:
    """The manifest of a folder: per file name, its known fields; other entries are warned about."""
    file = folder / MANIFEST
    if not file.exists():
        return {}
    try:
        entries = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{file}: invalid manifest ({exc})") from exc
    except OSError as exc:
        raise SourceError(f"{file}: cannot read ({exc.strerror or exc})") from exc
    manifest: dict[str, dict] = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            articles.warn(str(file), f"entry {key!r} is not a table of fields; ignored")
            continue
        if unknown := sorted(set(entry) - set(FIELDS)):
            articles.warn(str(file), f"entry {key!r}: unknown fields {', '.join(unknown)} ignored")
        manifest[key] = {k: v for k, v in entry.items() if k in FIELDS}
    return manifest
