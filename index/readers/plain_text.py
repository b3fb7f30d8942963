"""Plain-text articles (`.txt`): the text as written; metadata from the folder's manifest.toml."""

from __future__ import annotations

from index.readers import FileInput, register
from index.sources import Articles, decode


class PlainText:
    name = "text"
    suffixes = (".txt",)

    def read(self, file: FileInput, articles: Articles) -> None:
        raw = decode(file.path.read_bytes(), str(file.path), articles)
        if raw is not None:
            articles.add(doc_id=file.doc_id, where=str(file.path), name=file.name, text=raw, **file.meta)


register(PlainText())
