"""An article page (source kind "url"): the page's main text and metadata, as an HTML file's."""

from __future__ import annotations

from urllib.parse import urlsplit

from index.fetch import Accept, Fetcher, FetchError, Response
from index.readers import register
from index.readers.html import extract_html
from index.sources import Articles

PAGE = Accept(frozenset({"text/html", "application/xhtml+xml"}), "an HTML page")


def add_page(articles: Articles, doc_id: str, page: Response, *, title: str | None = None,
             publisher: str | None = None, published: str | None = None) -> None:
    """Add the article of a downloaded page; the page's own metadata wins over what is given (a feed's)."""
    text, meta = extract_html(page.body)
    articles.add(doc_id=doc_id, where=page.final_url, name=page.final_url, text=text, cleaned=True,
                 title=meta.title or title,
                 publisher=meta.publisher or publisher or urlsplit(page.final_url).hostname,
                 published=meta.published or published, url=page.final_url)


class Page:
    name = "url"
    accept = PAGE

    async def read(self, url: str, response: Response, fetcher: Fetcher, articles: Articles) -> None:
        add_page(articles, f"{articles.source}/{url}", response)
        if not articles.result.documents:
            raise FetchError(f"{url}: no article text found on the page")


register(Page())
