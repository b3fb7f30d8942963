"""HTML articles (`.html`, `.htm`): the main text and metadata of the page, found by trafilatura.

`extract_html` also reads the pages of web sources (`index.readers.page`, `index.readers.feed`).
"""

from __future__ import annotations

from dataclasses import dataclass

from index.clean import clean
from index.readers import FileInput, register
from index.sources import Articles, decode


@dataclass(frozen=True)
class PageMeta:
    """Metadata trafilatura found in an HTML page (any of it may be missing)."""

    title: str | None = None
    published: str | None = None  # as found, not yet checked
    publisher: str | None = None
    url: str | None = None


def extract_html(raw: str | bytes) -> tuple[str, PageMeta]:
    """The clean main text of an HTML page and its metadata; bytes are decoded by their declared charset."""
    import trafilatura  # slow to import; only HTML pages need it

    page = trafilatura.bare_extraction(raw, include_comments=False, with_metadata=True)
    if not page:
        return "", PageMeta()
    return clean(page.text or ""), PageMeta(page.title, page.date, page.sitename, page.url)


class Html:
    name = "html"
    suffixes = (".html", ".htm")

    def read(self, file: FileInput, articles: Articles) -> None:
        raw = decode(file.path.read_bytes(), str(file.path), articles)
        if raw is None:
            return
        text, page = extract_html(raw)
        meta = file.meta
        articles.add(doc_id=file.doc_id, where=str(file.path), name=file.name, text=text, cleaned=True,
                     title=meta.get("title") or page.title, publisher=meta.get("publisher") or page.publisher,
                     published=meta.get("published") or page.published, url=meta.get("url") or page.url)


register(Html())
