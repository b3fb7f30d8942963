"""`briefbot source add|remove|list` and `briefbot refresh` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from index.store.generations import Generations
from tests.index.web import ARTICLES, TRAM_QUESTION, article, serve_news, serving


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config whose only default source is a small folder, allowed to fetch from 127.0.0.1."""
    local = tmp_path / "local"
    local.mkdir()
    (local / "choir.txt").write_text("The school choir of Dunmore won the regional contest in March.")
    path = tmp_path / "briefbot.toml"
    path.write_text(f'data_dir = "data"\n[sources]\npaths = ["{local}"]\nallow_private_urls = true\n')
    monkeypatch.delenv("BRIEFBOT_DATA_DIR", raising=False)
    monkeypatch.setenv("BRIEFBOT_CONFIG", str(path))
    return path


async def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """`briefbot ARGV` in a worker thread, as the event loop here serves the pages."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


async def test_source_add_refresh_remove(config: Path, capsys: pytest.CaptureFixture) -> None:
    async with serving() as site:
        feed = serve_news(site)
        code, out, _ = await run(capsys, "source", "add", feed, "--name", "coast", "--json")
        assert code == 0
        added = json.loads(out)
        assert (added["source"]["kind"], added["source"]["added_by"], added["source"]["documents"]) == (
            "feed", "cli", 3)
        assert len(added["sources"]["coast"]["added"]) == 3

        code, out, _ = await run(capsys, "source", "list", "--json")
        assert [s["name"] for s in json.loads(out)] == ["coast", "local"]
        code, out, _ = await run(capsys, "ask", TRAM_QUESTION, "--json")
        assert json.loads(out)["passages"][0]["source"]["url"] == site.url("/news/tram")

        title, publisher, published, paragraphs = ARTICLES["/news/tram"]
        site.pages["/news/tram"] = (article(title, publisher, published, paragraphs[:1]), "text/html")
        code, out, _ = await run(capsys, "refresh")
        assert code == 0
        assert "coast: 0 added, 1 changed, 0 removed documents" in out
        assert "web: 1 downloaded, 3 not-modified" in out

        generation = Generations(config.parent / "data").current()
        code, _, err = await run(capsys, "source", "add", site.url("/missing"), "--name", "bad")
        assert code == 1 and err.startswith("briefbot: error: ") and "HTTP 404 Not Found" in err
        code, _, err = await run(capsys, "source", "add", feed, "--name", "other")
        assert code == 1 and "is already registered as the source 'coast'" in err
        code, _, err = await run(capsys, "source", "add", feed + "?v=2", "--name", "other", "--kind", "url")
        assert code == 1 and "expected an HTML page" in err
        assert Generations(config.parent / "data").current() == generation

        code, out, _ = await run(capsys, "source", "remove", "coast", "--json")
        removed = json.loads(out)
        assert removed["removed"]["name"] == "coast" and len(removed["sources"]["coast"]["removed"]) == 3
        code, out, _ = await run(capsys, "sources", "--json")
        assert [s["name"] for s in json.loads(out)] == ["local"]
