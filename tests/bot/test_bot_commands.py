"""Behaviour of each command on the fake Discord server: /sources, autocomplete, /timeline, /source add and
remove, cooldowns, private answers, error reporting, sharding, and the `run`/`commands`/`sync` CLI."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import pytest_asyncio
from aiohttp import web

from bot import cli
from bot.client import BriefBot
from bot.settings import ConfigError
from bot.uploads import UPLOADS
from index.fetch import FetchPolicy
from tests.bot.conftest import WAIT, FastBot, World, make_settings
from tests.bot.test_e2e import QUESTION, SEED_SENTENCE, embed_text
from tests.fake_discord import FakeDiscord, InteractionIds, Request
from tests.index.web import TRAM_QUESTION, serve_news, serving

EPHEMERAL = 1 << 6
UPLOADED = "The lunar base on Mare Tranquillitatis opened to visitors on Friday, its operator said."


def flags(request: object) -> int:
    return int(request.json.get("flags") or request.json.get("data", {}).get("flags") or 0)  # type: ignore[attr-defined]


async def test_sources_lists_the_registered_sources(world: World) -> None:
    ids = await world.fake.send_interaction("sources")
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    followup = await world.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    names = [f["name"] for f in followup.json["embeds"][0]["fields"]]
    assert names == ["seeds"]


async def test_source_names_autocomplete(world: World) -> None:
    ids = await world.fake.send_autocomplete("ask", {"question": "x", "source": "SEE"}, focused="source")
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json == {"type": 8, "data": {"choices": [{"name": "seeds", "value": "seeds"}]}}
    ids = await world.fake.send_autocomplete("ask", {"question": "x", "source": "nope"}, focused="source")
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json["data"]["choices"] == []


async def test_private_ask_and_source_filter(world: World) -> None:
    ids = await world.fake.send_interaction("ask", {"question": QUESTION, "source": "seeds", "private": True})
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    followup = await world.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    assert SEED_SENTENCE in embed_text(followup.json["embeds"][0])


@pytest.mark.cooldown(60)
async def test_ask_cooldown_per_user(world: World) -> None:
    fake = world.fake
    first = await fake.send_interaction("ask", {"question": QUESTION})
    await fake.wait_for(lambda r: r.is_followup_of(first), WAIT)
    second = await fake.send_interaction("ask", {"question": QUESTION})
    refusal = await fake.wait_for(lambda r: r.is_callback_of(second), WAIT)
    assert flags(refusal) & EPHEMERAL and "Slow down" in refusal.json["data"]["content"]
    other = await fake.send_interaction("ask", {"question": QUESTION}, user=world.moderator)  # another user
    assert (await fake.wait_for(lambda r: r.is_callback_of(other), WAIT)).json == {"type": 5}
    # A mention by the limited user is not answered either: it gets an hourglass reaction.
    sent = await fake.send_message(f"<@{fake.bot.id}> {QUESTION}")
    await fake.wait_for(lambda r: r.method == "PUT" and f"/messages/{sent.message_id}/reactions/⏳" in r.path,
                        WAIT)


async def test_unexpected_error_is_short_ephemeral_and_logged(world: World,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    world.library.ask = broken  # type: ignore[method-assign]
    ids = await world.fake.send_interaction("ask", {"question": QUESTION})
    followup = await world.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    assert followup.json["content"] == "Something went wrong; the error was logged."
    assert flags(followup) & EPHEMERAL
    # The public "thinking…" placeholder was deleted first, so the error is not shown to everyone.
    assert world.fake.find("DELETE", rf"/webhooks/\d+/{ids.token}/messages/@original")
    assert "secret internals" in caplog.text


async def test_timeline_quotes_dated_events_with_the_chart(world: World) -> None:
    ids = await world.fake.send_interaction("timeline", {"topic": "Putin", "since": "2024-06"})
    assert (await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)).json == {"type": 5}
    followup = await world.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    embed = followup.json["embeds"][0]
    [field] = embed["fields"]
    assert field["name"] == "18 Jun 2024"  # a date written for people
    headline, outlets = field["value"].replace("\\", "").splitlines()
    assert headline == "> …Putin will travel to North Korea on Tuesday…"
    assert outlets == "— South China Morning Post"
    assert embed["image"]["url"] == "attachment://timeline.png"
    assert [f.filename for f in followup.files] == ["timeline.png"]
    assert followup.files[0].data.startswith(b"\x89PNG")
    [attachment] = followup.json["attachments"]
    assert "Putin will travel to North Korea on Tuesday" in attachment["description"]  # the text alternative
    [button] = [c for row in followup.json["components"] for c in row["components"]]
    assert button["label"] == "All quotes"

    # The whole sentences are one click away, for whoever clicks.
    click = await world.fake.send_component(button["custom_id"], message_id=int(followup.response["id"]))
    quotes = await world.fake.wait_for(lambda r: r.is_followup_of(click), WAIT)
    assert flags(quotes) & EPHEMERAL
    assert SEED_SENTENCE in embed_text(quotes.json["embeds"][0])

    bad = await world.fake.send_interaction("timeline", {"since": "whenever"})
    refusal = await world.fake.wait_for(lambda r: r.is_followup_of(bad), WAIT)
    assert flags(refusal) & EPHEMERAL and "cannot read the date" in refusal.json["content"].replace("\\", "")


async def test_timeline_button_under_an_answer(world: World) -> None:
    fake = world.fake
    ids = await fake.send_interaction("ask", {"question": QUESTION})
    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    answer_id = world.bot.journal.answer_for_message(int(followup.response["id"]))
    click = await fake.send_component(f"ask:{answer_id}:timeline", message_id=int(followup.response["id"]))
    image = await fake.wait_for(lambda r: r.is_followup_of(click), WAIT)
    assert flags(image) & EPHEMERAL and [f.filename for f in image.files] == ["timeline.png"]
    assert SEED_SENTENCE in embed_text(image.json["embeds"][0])


@dataclass
class FileServer:
    """Stands in for Discord's CDN: serves `files` by name at `url`."""

    url: str
    files: dict[str, bytes]


@pytest_asyncio.fixture
async def file_server() -> AsyncIterator[FileServer]:
    """A loopback HTTP server standing in for Discord's CDN, serving briefing.txt (and what a test adds)."""
    files = {"briefing.txt": UPLOADED.encode()}
    app = web.Application()

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=files[request.match_info["name"]])

    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield FileServer(f"http://127.0.0.1:{port}", files)
    await runner.cleanup()


def attachment_options(name: str, server: FileServer, filename: str = "briefing.txt",
                       size: int | None = None) -> tuple[list[dict], dict]:
    options = [{"name": "name", "type": 3, "value": name}, {"name": "file", "type": 11, "value": "777"}]
    url = f"{server.url}/{filename}"
    size = len(server.files.get(filename, b"")) if size is None else size
    resolved = {"attachments": {"777": {"id": "777", "filename": filename, "size": size, "url": url,
                                        "proxy_url": url, "content_type": "text/plain"}}}
    return options, resolved


def finished(ids: InteractionIds, request: Request) -> bool:
    """The final edit of a job's progress message, reporting success."""
    return request.method == "PATCH" and ids.token in request.path and "✅" in request.json["content"]


async def test_source_add_and_remove_an_uploaded_file(world: World, file_server: FileServer) -> None:
    fake, bot, library = world.fake, world.bot, world.library
    options, resolved = attachment_options("moon", file_server)
    ids = await fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                      user=world.moderator)
    await fake.wait_for(lambda r: finished(ids, r), WAIT)
    saved = library.data_dir / UPLOADS / "moon" / "briefing.txt"
    assert saved.read_text() == UPLOADED
    entry = library.registry.get("moon")
    assert entry is not None and entry.added_by == f"discord:{world.moderator.user.id} (mod)"
    hit = library.ask("When did the lunar base open to visitors?", 1, {"moon"}).passages[0]
    assert hit.quote == UPLOADED

    ids = await fake.send_interaction("source", {"name": "moon"}, subcommand="remove", user=world.moderator)
    await fake.wait_for(lambda r: finished(ids, r), WAIT)
    assert library.registry.get("moon") is None and not saved.parent.exists()
    assert "moon" not in library.searcher().source_names()
    assert [(a.action, a.argument) for a in bot.journal.audit()] == [("source add", "moon"),
                                                                    ("source remove", "moon")]


async def test_source_add_accepts_what_the_readers_read(world: World, file_server: FileServer) -> None:
    """A `.jsonl.gz` (which the JSON Lines reader reads) under a name with an accent (which the registry
    accepts) is added and answered from."""
    record = {"id": "m1", "title": "Moon base", "publisher": "Lunar Times", "text": UPLOADED}
    file_server.files["moon.jsonl.gz"] = gzip.compress(json.dumps(record).encode() + b"\n")
    options, resolved = attachment_options("lune-café", file_server, filename="moon.jsonl.gz")
    ids = await world.fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                            user=world.moderator)
    await world.fake.wait_for(lambda r: finished(ids, r), WAIT)
    hit = world.library.ask("When did the lunar base open to visitors?", 1, {"lune-café"}).passages[0]
    assert hit.quote == UPLOADED and hit.source.publisher == "Lunar Times"


async def test_a_compressed_upload_is_measured_uncompressed(world: World, file_server: FileServer) -> None:
    """6 MiB of JSON Lines in a 6 KiB gzip is refused like a 6 MiB file, and nothing is kept."""
    file_server.files["bomb.jsonl.gz"] = gzip.compress(b"{}\n" * (2 * 1024 * 1024))
    options, resolved = attachment_options("bomb", file_server, filename="bomb.jsonl.gz")
    assert resolved["attachments"]["777"]["size"] < 64 * 1024
    ids = await world.fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                            user=world.moderator)
    failed = await world.fake.wait_for(
        lambda r: r.method == "PATCH" and ids.token in r.path and "❌" in r.json["content"], WAIT)
    assert "too large uncompressed" in failed.json["content"]
    assert world.library.registry.get("bomb") is None and not (world.library.data_dir / UPLOADS).exists()


@pytest.mark.parametrize(("options", "expected"), [
    ({"name": "nothing"}, "Give either a URL"),
    ({"name": "bad name!", "url": "http://127.0.0.1:9/feed.xml"}, "source name"),
])
async def test_source_add_refusals(world: World, options: dict, expected: str) -> None:
    ids = await world.fake.send_interaction("source", options, subcommand="add", user=world.moderator)
    refusal = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert flags(refusal) & EPHEMERAL and expected in refusal.json["data"]["content"].replace("\\", "")
    assert world.bot.journal.audit() == []


async def test_source_add_refuses_bad_files_and_non_moderators(world: World, file_server: FileServer) -> None:
    fake = world.fake
    cases = [
        (attachment_options("pdf", file_server, filename="x.pdf"), world.moderator, "Unsupported file type"),
        (attachment_options("big", file_server, size=6 * 1024 * 1024), world.moderator, "too large"),
        (attachment_options("../up", file_server), world.moderator, "source name"),
        (attachment_options("seeds", file_server), world.moderator, "already exists"),
        (attachment_options("ok", file_server), fake.user, "moderators"),
    ]
    for (options, resolved), user, expected in cases:
        ids = await fake.send_interaction("source", options, subcommand="add", resolved=resolved, user=user)
        refusal = await fake.wait_for(lambda r, ids=ids: r.is_callback_of(ids), WAIT)
        assert flags(refusal) & EPHEMERAL and expected in refusal.json["data"]["content"], expected
    assert world.bot.journal.audit() == [] and not (world.library.data_dir / UPLOADS).exists()


async def test_owner_is_a_moderator_without_the_role(world: World) -> None:
    ids = await world.fake.send_interaction("reindex", {"source": "nope"}, user=world.fake.owner)
    refusal = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert "no source named 'nope'" in refusal.json["data"]["content"]  # past the moderator check


async def test_sharded_bot_identifies_with_configured_shard(library: object, tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        settings = make_settings(tmp_path, guild_ids=[], ask_channels=[])
        settings.discord.shard_ids, settings.discord.shard_count = [1], 2
        bot = FastBot(settings, library=library, guild_ready_timeout=0.05)  # type: ignore[arg-type]
        assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict()["parse"] == []
        async with fake.run_client(bot, ready_timeout=WAIT):
            identify = await fake.wait_for_gateway(lambda f: f.op == 2, WAIT)
            assert identify.data["shard"] == [1, 2]
            assert identify.data["intents"] == bot.intents.value and bot.intents.message_content


def test_shard_ids_need_a_shard_count(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, guild_ids=[], ask_channels=[])
    settings.discord.shard_ids = [0]
    with pytest.raises(ConfigError, match="shard_count"):
        BriefBot(settings)


def test_cli_commands_json_is_the_synced_payload(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["commands", "--json", "--data-dir", str(tmp_path)]) == 0
    payload = json.loads(capsys.readouterr().out)

    async def registered() -> list[dict]:
        async with BriefBot(make_settings(tmp_path, guild_ids=[], ask_channels=[]), serve=False) as bot:
            await bot.load_areas()
            return bot.command_payload()

    expected = asyncio.run(registered())
    assert payload == json.loads(json.dumps(expected))
    assert [c["name"] for c in payload] == ["ask", "timeline", "sources", "reindex", "source"]


def test_cli_missing_token_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("BRIEFBOT_CONFIG", raising=False)
    for command in (["run"], ["sync"]):
        assert cli.main([*command, "--data-dir", str(tmp_path)]) == cli.EXIT_ERROR
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no Discord token" in err


def test_cli_rejected_token_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    async def refuse(self: discord.Client, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    monkeypatch.setattr(discord.Client, "login", refuse)
    monkeypatch.setattr(discord.utils, "setup_logging", lambda **_: None)
    for command in (["run"], ["sync"]):
        assert cli.main([*command, "--data-dir", str(tmp_path)]) == cli.EXIT_ERROR
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Discord rejected the token" in err
        assert "not-a-real-token" not in err


async def test_source_add_a_feed_url(world: World) -> None:
    """A moderator adds an RSS feed served on loopback; its articles are then answered with their links."""
    library = world.library
    async with serving() as site:
        feed = serve_news(site)
        library.fetch_policy = FetchPolicy(allow_private=True)  # the test site is on 127.0.0.1
        ids = await world.fake.send_interaction("source", {"name": "coast", "url": feed}, subcommand="add",
                                                user=world.moderator)
        await world.fake.wait_for(lambda r: finished(ids, r), WAIT)
    hit = library.ask(TRAM_QUESTION, 1, {"coast"}).passages[0]
    assert hit.source.url == site.url("/news/tram")
    assert library.registry.get("coast").kind == "feed"


async def test_source_add_refuses_private_addresses(world: World) -> None:
    """Without allow_private_urls, a URL on a private network fails, and nothing is registered."""
    ids = await world.fake.send_interaction("source", {"name": "lan", "url": "http://10.1.2.3/feed.xml"},
                                            subcommand="add", user=world.moderator)
    failed = await world.fake.wait_for(
        lambda r: r.method == "PATCH" and ids.token in r.path and "❌" in r.json["content"], WAIT)
    assert "private" in failed.json["content"] or "not allowed" in failed.json["content"]
    assert world.library.registry.get("lan") is None


async def test_scheduled_refresh_picks_up_a_changed_feed_article(world: World) -> None:
    """The refresh task downloads feeds again and reindexes only what changed."""
    library = world.library
    async with serving() as site:
        feed = serve_news(site)
        library.fetch_policy = FetchPolicy(allow_private=True)
        await asyncio.to_thread(library.add_source, feed, name="coast")
        await asyncio.to_thread(library.reindex)
        body, kind = site.pages["/news/tram"]
        site.pages["/news/tram"] = (body.replace("spring of 2027", "autumn of 2028"), kind)
        before = library.embedder.encoded
        # One round of the loop, as the interval would run it.
        await world.bot.get_cog("Sources").refresh_feeds()  # type: ignore[union-attr]
    hit = library.ask(TRAM_QUESTION, 1, {"coast"}).passages[0]
    assert "autumn of 2028" in hit.quote
    assert 0 < library.embedder.encoded - before <= 2  # only the changed article's passages
