"""The `briefbot` command line: contracts, bad input, and an index that keeps answering."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from index import InvalidInput, Library
from index.store.generations import Generations
from tests.helpers import SEEDS, run_cli
from tests.index.web import ARTICLES, TRAM_QUESTION, article, serve_news, serving


def ask_json(capsys: pytest.CaptureFixture, question: str) -> dict:
    code, out, _ = run_cli(capsys, "ask", question, "--json")
    assert code == 0
    return json.loads(out)


def test_ask_builds_the_seed_index_on_first_use(
    data_dir: Path, capsys: pytest.CaptureFixture,
) -> None:
    assert not data_dir.exists()
    answer = ask_json(capsys, "When will Putin travel to North Korea?")
    assert answer["answered"]
    assert "Putin will travel to North Korea on Tuesday" in answer["passages"][0]["quote"]
    assert answer["passages"][0]["source"]["publisher"] == "South China Morning Post"
    _, out, _ = run_cli(capsys, "sources", "--json")
    [seeds] = json.loads(out)
    assert (seeds["name"], seeds["documents"], seeds["location"]) == ("seeds", 2, str(SEEDS))
    _, out, _ = run_cli(capsys, "index", "--json")
    assert json.loads(out)["embedded"] == 0


def test_bad_input_is_one_line_and_changes_nothing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
) -> None:
    ask_json(capsys, "What is the 2+2 dialogue?")
    generation = Generations(data_dir).current()
    for argv, message in [
        (["ask", "   "], "the question is empty"),
        (["index", "--source", str(tmp_path / "missing")], "source path does not exist"),
        (["ask", "hi", "--k", "0"], "k must be at least 1"),
    ]:
        code, _, err = run_cli(capsys, *argv)
        assert code == 1 and err.strip().startswith("briefbot: error:") and message in err
        assert len(err.strip().splitlines()) == 1
    assert Generations(data_dir).current() == generation
    assert ask_json(capsys, "What is the 2+2 dialogue?")["answered"]


def test_bad_files_in_a_new_source_warn_and_the_rest_is_indexed(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "good.txt").write_text("The lighthouse on the northern cape was restored by volunteers.")
    (folder / "empty.md").write_text("   \n")
    (folder / "blob.html").write_bytes(bytes(range(256)))
    (folder / "old.txt").write_bytes("Le phare du cap a été restauré par des bénévoles.".encode("latin-1"))
    code, _, err = run_cli(capsys, "index", "--source", str(folder))
    assert code == 0
    for name in ("empty.md", "blob.html", "old.txt"):
        assert name in err
    assert ask_json(capsys, "Who restored the lighthouse?")["answered"]
    assert ask_json(capsys, "When will Putin travel to North Korea?")["answered"]


def test_corrupted_index_says_how_to_rebuild(data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    ask_json(capsys, "What is the 2+2 dialogue?")
    next(Generations(data_dir).current().glob("seg-*/vectors.faiss")).write_bytes(b"\0" * 64)
    code, _, err = run_cli(capsys, "ask", "What is the 2+2 dialogue?")
    assert code == 1 and "briefbot index --rebuild" in err
    assert run_cli(capsys, "index", "--rebuild")[0] == 0
    assert ask_json(capsys, "What is the 2+2 dialogue?")["answered"]


def test_ask_jsonl(data_dir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    putin = "When will Putin travel to North Korea?"
    lines = ['{"id": "q1", "question": "What is the price of bitcoin?"}', "not json", '{"id": 3}',
             json.dumps({"id": 4, "question": putin, "as_of": "2024-06-18"}),
             json.dumps({"id": 5, "question": putin, "as_of": "2024-06-01"}),  # before both seeds
             json.dumps({"id": 6, "question": putin, "as_of": "June"})]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    _, out, _ = run_cli(capsys, "ask", "--jsonl")
    first, second, third, fourth, fifth, sixth = (json.loads(line) for line in out.splitlines())
    assert first["id"] == "q1" and first["answered"] is False and first["took_ms"] > 0
    assert second["id"] == 2 and "error" in second
    assert third == {"id": 3, "error": 'each line needs a "question" string'}
    assert fourth["answered"] and not fifth["answered"]  # nothing was published yet on June 1
    assert sixth == {"id": 6, "error": "not a day: 'June' (use YYYY-MM-DD)"}


def test_console_script_reports_errors_without_traceback(data_dir: Path) -> None:
    script = Path(sys.executable).with_name("briefbot")
    result = subprocess.run([str(script), "ask", ""], capture_output=True, text=True,
                            env={**os.environ, "BRIEFBOT_DATA_DIR": str(data_dir)}, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == "briefbot: error: the question is empty"


def test_a_reader_that_stops_early_gets_no_error(data_dir: Path) -> None:
    """`briefbot ... | head`: the closed pipe ends the command quietly with the status a killed writer has."""
    script = Path(sys.executable).with_name("briefbot")
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([str(script), "commands", "--json"], stdout=write, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "BRIEFBOT_DATA_DIR": str(data_dir)},
                                timeout=120)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (141, "")


@pytest.mark.parametrize(("error", "line"), [
    (InvalidInput("the question is too long"), "briefbot: error: the question is too long"),
    (ValueError("min() arg is an empty sequence"), "briefbot: unexpected error: ValueError: min() arg is an "
                                                   "empty sequence (rerun with --debug for details)"),
])
def test_user_errors_are_shown_as_they_are_and_the_rest_as_unexpected(
    error: Exception, line: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(Library, "sources", failing)
    code, _, err = run_cli(capsys, "sources")
    assert code == 1 and err.strip() == line


def test_timeline_text_separates_entries(data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run_cli(capsys, "timeline")
    assert code == 0
    blocks = out.strip().split("\n\n")
    assert [b.split(" · ")[0] for b in blocks] == ["2000", "2002", "2020", "Apr 2024", "May 2024",
                                                   "17 Jun 2024", "17 Jun 2024", "18 Jun 2024", "18 Jun 2024"]
    dialogue = next(b for b in blocks if b.startswith("18 Jun 2024") and "2+2" in b.splitlines()[0])
    assert len(dialogue.splitlines()) == 4  # the headline, then its three quotes
    assert "“\"" not in out  # a quote that is a quotation already gets no second pair of marks


def test_timeline_png_prints_the_path_it_wrote(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "timeline", "Putin", "--png", "chart.png")
    assert code == 0 and out == f"Wrote the chart of 2 events to {tmp_path / 'chart.png'}\n"
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    _, out, _ = run_cli(capsys, "timeline", "Putin", "--png", "other.png", "--json")
    result = json.loads(out)
    assert result["png"] == str(tmp_path / "other.png") and len(result["events"]) == 2


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


async def run_in_thread(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """`briefbot ARGV` in a worker thread, as the event loop here serves the pages."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


async def test_source_add_refresh_remove(config: Path, capsys: pytest.CaptureFixture) -> None:
    async with serving() as site:
        feed = serve_news(site)
        code, out, _ = await run_in_thread(capsys, "source", "add", feed, "--name", "coast", "--json")
        assert code == 0
        added = json.loads(out)
        assert (added["source"]["kind"], added["source"]["added_by"], added["source"]["documents"]) == (
            "feed", "cli", 3)
        assert len(added["sources"]["coast"]["added"]) == 3

        code, out, _ = await run_in_thread(capsys, "source", "list", "--json")
        assert [s["name"] for s in json.loads(out)] == ["coast", "local"]
        code, out, _ = await run_in_thread(capsys, "ask", TRAM_QUESTION, "--json")
        assert json.loads(out)["passages"][0]["source"]["url"] == site.url("/news/tram")

        title, publisher, published, paragraphs = ARTICLES["/news/tram"]
        site.pages["/news/tram"] = (article(title, publisher, published, paragraphs[:1]), "text/html")
        code, out, _ = await run_in_thread(capsys, "refresh")
        assert code == 0
        assert "coast: 0 added, 1 changed, 0 removed documents" in out
        assert "web: 1 downloaded, 3 not-modified" in out

        generation = Generations(config.parent / "data").current()
        code, _, err = await run_in_thread(capsys, "source", "add", site.url("/missing"), "--name", "bad")
        assert code == 1 and err.startswith("briefbot: error: ") and "HTTP 404 Not Found" in err
        code, _, err = await run_in_thread(capsys, "source", "add", feed, "--name", "other")
        assert code == 1 and "is already registered as the source 'coast'" in err
        code, _, err = await run_in_thread(capsys, "source", "add", feed + "?v=2", "--name", "other",
                                           "--kind", "url")
        assert code == 1 and "expected an HTML page" in err
        assert Generations(config.parent / "data").current() == generation

        code, out, _ = await run_in_thread(capsys, "source", "remove", "coast", "--json")
        removed = json.loads(out)
        assert removed["removed"]["name"] == "coast" and len(removed["sources"]["coast"]["removed"]) == 3
        code, out, _ = await run_in_thread(capsys, "sources", "--json")
        assert [s["name"] for s in json.loads(out)] == ["local"]


def test_jsonl_lines_at_the_ends_of_the_calendar_and_failing_lines_never_stop_the_rest(
        data_dir: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    putin = "When will Putin travel to North Korea?"
    asking = Library.ask

    def ask(self: Library, question: str, *args: object) -> object:
        if question == "boom":
            raise RuntimeError("a bug in one question")
        return asking(self, question, *args)

    monkeypatch.setattr(Library, "ask", ask)
    lines = [json.dumps({"id": 1, "question": "What happened this week?", "as_of": "0001-01-01"}),
             json.dumps({"id": 2, "question": "What happened yesterday?", "as_of": "9999-12-31"}),
             json.dumps({"id": 3, "question": "boom"}), json.dumps({"id": 4, "question": putin}),
             '{"id": 5, "question": "unquoted}']
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    _, out, _ = run_cli(capsys, "ask", "--jsonl")
    first, second, third, fourth, fifth = (json.loads(line) for line in out.splitlines())
    assert fifth == {"id": 5, "error": "line 5 is not JSON (Invalid control character, column 33)"}
    assert first["answered"] is False and second["id"] == 2 and "error" not in second
    assert third == {"id": 3, "error": "unexpected error: RuntimeError: a bug in one question"}
    assert fourth["answered"]

    timex = [json.dumps({"id": "a", "dct": "0001-01-01", "text": "Yesterday and last winter."}),
             json.dumps({"id": "b", "dct": "9999-12-31", "text": "Next winter. It rained on Tuesday."}),
             json.dumps({"id": "c", "dct": "99999-01-01", "text": "Tuesday."}),
             json.dumps({"id": "d", "dct": "2024-06-17", "text": "It ends on Tuesday."})]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(timex) + "\n"))
    _, out, _ = run_cli(capsys, "timex", "--jsonl")
    a, b, c, d = (json.loads(line) for line in out.splitlines())
    assert a == {"id": "a", "timexes": []}  # both lie before the first day of the calendar
    assert [t["value"] for t in b["timexes"]] == ["9999-12-28"]  # next winter is past the calendar
    assert c == {"id": "c", "error": "not a day: '99999-01-01' (use YYYY-MM-DD)"}
    assert [t["value"] for t in d["timexes"]] == ["2024-06-18"]

    code, out, _ = run_cli(capsys, "ask", putin, "--as-of", "0001-01-01")
    assert code == 0 and out.strip() == "The briefings do not cover this question."


def test_a_failed_source_add_leaves_nothing_registered(data_dir: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    from index.store.engines import StoreSettings, open_engine

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "a.txt").write_text("The mountain railway closes for the winter.")
    assert run_cli(capsys, "index")[0] == 0
    with open_engine(StoreSettings(), data_dir).writer():  # another process is building
        code, _, err = run_cli(capsys, "source", "add", str(extra))
    assert code == 1 and "another index build is already running" in err
    assert [s["name"] for s in json.loads(run_cli(capsys, "sources", "--json")[1])] == ["seeds"]
    code, out, _ = run_cli(capsys, "source", "add", str(extra), "--json")
    assert code == 0 and json.loads(out)["source"]["documents"] == 1


def test_scopes_from_the_command_line(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A server's source (added here with --scope, as a moderator adds one in Discord) is what
    `ask --scope` of that server quotes and another server's does not; `scopes` lists it; `scopes purge`
    removes it and its uploads."""
    lunar = "The lunar base on Mare Tranquillitatis opened to visitors on Friday, its operator said."
    folder = tmp_path / "moon"
    folder.mkdir()
    (folder / "a.txt").write_text(lunar)
    uploads = data_dir / "uploads" / "111" / "moon"
    uploads.mkdir(parents=True)
    code, out, _ = run_cli(capsys, "source", "add", str(folder), "--name", "moon", "--scope", "111", "--json")
    assert code == 0 and json.loads(out)["source"]["scope"] == "111"
    _, out, _ = run_cli(capsys, "sources", "--scope", "222", "--json")
    assert [(s["scope"], s["name"]) for s in json.loads(out)] == [("operator", "seeds")]
    _, out, _ = run_cli(capsys, "sources")
    assert [line.split()[:2] for line in out.splitlines()] == [["operator", "seeds"], ["111", "moon"]]

    def quotes(*scope: str) -> list[str]:
        code, out, _ = run_cli(capsys, "ask", "When did the lunar base open to visitors?", "--json", *scope)
        assert code == 0
        return [p["quote"] for p in json.loads(out)["passages"]]

    assert lunar in quotes("--scope", "111") and lunar in quotes()  # the operator's CLI sees every scope
    assert lunar not in quotes("--scope", "222") and lunar not in quotes("--scope", "operator")

    _, out, _ = run_cli(capsys, "scopes", "--json")
    assert [(row["scope"], row["sources"], row["documents"]) for row in json.loads(out)] == [
        ("operator", 1, 2), ("111", 1, 1)]
    code, out, _ = run_cli(capsys, "scopes", "purge", "111")
    assert code == 0 and out.startswith("purged server 111: moon")
    assert not uploads.exists() and lunar not in quotes("--scope", "111")
    _, out, _ = run_cli(capsys, "scopes")
    assert [line.split()[0] for line in out.splitlines()] == ["operator"]
    code, _, err = run_cli(capsys, "scopes", "purge", "operator")
    assert code == 1 and "operator" in err
    with pytest.raises(SystemExit):
        run_cli(capsys, "ask", "hi", "--scope", "guild-1")
    assert "not a scope: 'guild-1'" in capsys.readouterr().err
