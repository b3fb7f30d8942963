"""Markdown articles (`.md`): a leading `# heading` is the title, unless the manifest gives one."""

from __future__ import annotations

import re

from index.readers import FileInput, register
from index.sources import Articles, decode

_HEADING = re.compile(r"\s*#\s+(.+)\n")


class Markdown:
    name = "markdown"
    suffixes = (".md",)

    def read(self, file: FileInput, articles: Articles) -> None:
        raw = decode(file.path.read_bytes(), str(file.path), articles)
        if raw is None:
            return
        meta = dict(file.meta)
        if heading := _HEADING.match(raw):
            meta["title"] = meta.get("title") or heading.group(1).strip()
            raw = raw[heading.end():]
        articles.add(doc_id=file.doc_id, where=str(file.path), name=file.name, text=raw, **meta)


register(Markdown())
