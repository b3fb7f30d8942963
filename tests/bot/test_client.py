"""The bot on the fake Discord: connecting, syncing the commands, sharding, errors shown to users, and
faults (a damaged index or database at start; the gateway dropping mid-answer).

A damaged file stops `briefbot run` at start with one line that names it and says how to recover, before
any question can meet it. Interaction responses go over REST (the callback and the webhook followup), so an
answer in progress does not need the websocket; what must hold is that the bot survives the drop, RESUMEs
(or IDENTIFYs again when the session cannot be resumed), delivers the answer in progress and answers the
next question."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from discord.http import Route

from bot import cli
from bot.cli import main
from bot.client import BriefBot
from bot.journal import Journal
from bot.settings import ConfigError
from index import Library, english
from index.store.generations import Generations
from tests.fake_discord import FakeDiscord
from tests.helpers import (
    EPHEMERAL,
    QUESTION,
    ROOT,
    SEED_PUBLISHER,
    SEED_SENTENCE,
    TOKEN,
    WAIT,
    FastBot,
    World,
    bold_spans,
    embed_text,
    flags,
    make_settings,
    restored_logging,
    stop_process,
)


async def test_connect_sync_ask_and_refuse(world: World) -> None:
    fake, bot = world.fake, world.bot
    # READY and GUILD_CREATE reached the client.
    assert bot.user is not None and bot.user.id == fake.bot.id
    assert bot.get_guild(fake.guild.id) is not None
    # The command sync was recorded, with exactly the payload `briefbot commands --json` prints.
    sync = fake.find("PUT", rf"/applications/{fake.application_id}/guilds/{fake.guild.id}/commands")
    assert len(sync) == 1
    assert sync[0].json == bot.command_payload(fake.guild.id) == bot.command_payload()
    assert {c["name"] for c in sync[0].json} == {"ask", "timeline", "sources", "reindex", "source"}
    moderated = {c["name"]: c["default_member_permissions"] for c in sync[0].json}
    assert int(moderated["reindex"]) == int(moderated["source"]) == 32  # Manage Server

    # /ask: a defer (type 5), then a followup whose embed quotes the seed passage and cites it.
    ids = await fake.send_interaction("ask", {"question": QUESTION})
    callback = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json == {"type": 5}
    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    assert followup.status == 200
    embed = followup.json["embeds"][0]
    text = embed_text(embed)
    assert SEED_SENTENCE in text
    assert any(SEED_SENTENCE in span for span in bold_spans(embed["description"]))
    # It leads with the answering sentence; one Sources line cites the article.
    assert embed["description"].startswith("**") and SEED_SENTENCE in bold_spans(embed["description"])[0]
    assert [f["name"] for f in embed["fields"]] == ["Sources"]
    assert SEED_PUBLISHER in embed["fields"][0]["value"]
    assert followup.json["allowed_mentions"]["parse"] == []

    # /reindex from a non-moderator: refused, ephemeral; the index and the audit log are unchanged.
    generation = Generations(world.library.data_dir).current()
    ids = await fake.send_interaction("reindex")
    refusal = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert refusal.json["type"] == 4
    assert refusal.json["data"]["flags"] & EPHEMERAL
    assert "moderator" in refusal.json["data"]["content"].lower()
    assert Generations(world.library.data_dir).current() == generation
    assert bot.journal.audit() == []
    assert fake.unknown_requests == []


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


async def test_the_language_model_loads_before_the_first_question(library: object, tmp_path: Path) -> None:
    """A who-question or a person's timeline does not wait seconds for spaCy's model: it loads at start."""
    english.cache_clear()
    async with FakeDiscord() as fake:
        settings = make_settings(tmp_path, guild_ids=[], ask_channels=[])
        bot = FastBot(settings, library=library, guild_ready_timeout=0.05)  # type: ignore[arg-type]
        async with fake.run_client(bot, ready_timeout=WAIT):
            assert english.cache_info().currsize == 1


async def test_what_is_loaded_at_start_stays_out_of_full_collections(library: object, tmp_path: Path) -> None:
    """The index and the models live as long as the bot: a full garbage collection, which would walk them
    all in the middle of a question, leaves them alone."""
    gc.unfreeze()
    try:
        async with FakeDiscord() as fake:
            settings = make_settings(tmp_path, guild_ids=[], ask_channels=[])
            bot = FastBot(settings, library=library, guild_ready_timeout=0.05)  # type: ignore[arg-type]
            async with fake.run_client(bot, ready_timeout=WAIT):
                assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


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


OP_IDENTIFY, OP_RESUME = 2, 6


@pytest.mark.parametrize("resumable", [True, False], ids=["resume", "identify-again"])
async def test_gateway_drop_mid_answer_is_survived(world: World, resumable: bool) -> None:
    fake, library = world.fake, world.library
    searching, gate = threading.Event(), threading.Event()
    original = library.ask

    def held_ask(*args: object, **kwargs: object) -> object:
        searching.set()
        gate.wait(WAIT)  # the answer is in progress until the connection has been dropped
        return original(*args, **kwargs)  # type: ignore[arg-type]

    library.ask = held_ask  # type: ignore[method-assign]
    try:
        ids = await fake.send_interaction("ask", {"question": QUESTION})
        await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
        assert await asyncio.to_thread(searching.wait, WAIT)

        identified = [f.op for f in fake.gateway_frames].count(OP_IDENTIFY)
        ready = asyncio.ensure_future(world.bot.wait_for("resumed" if resumable else "shard_ready",
                                                         timeout=WAIT))
        assert await fake.drop_connection(resumable=resumable) == 1
        await ready
        if resumable:
            await fake.wait_for_gateway(lambda f: f.op == OP_RESUME, WAIT)
        assert [f.op for f in fake.gateway_frames].count(OP_IDENTIFY) == identified + (not resumable)
    finally:
        gate.set()
        library.ask = original  # type: ignore[method-assign]

    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    assert followup.status == 200 and SEED_SENTENCE in embed_text(followup.json["embeds"][0])

    later = await fake.send_interaction("ask", {"question": QUESTION})
    answer = await fake.wait_for(lambda r: r.is_followup_of(later), WAIT)
    assert SEED_SENTENCE in embed_text(answer.json["embeds"][0])


@pytest.mark.parametrize(("victim", "advice"), [
    ("CURRENT/seg-000001/vectors.faiss", "run `briefbot index --rebuild` to rebuild it"),
    ("CURRENT/seg-000001/index.sqlite3", "run `briefbot index --rebuild` to rebuild it"),
    ("CURRENT/seg-000001/bm25/params.index.json", "run `briefbot index --rebuild` to rebuild it"),
    ("state.sqlite3", "move it away and run `briefbot index --rebuild`"),
    ("bot.sqlite3", "move it away and start the bot again"),
])
async def test_run_with_a_damaged_index_or_database_says_how_to_recover(
    seed_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], victim: str, advice: str,
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_library.data_dir, data_dir)
    Journal(data_dir).close()  # the bot's journal, as after a first run
    generation = Generations(data_dir).current()
    assert generation is not None
    path = data_dir / victim.replace("CURRENT", generation.name)
    assert path.exists(), sorted(p.name for p in path.parent.iterdir())
    path.write_bytes(b"\x00garbage, not what was written\xff" * 64)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("BRIEFBOT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BRIEFBOT_CONFIG", raising=False)
    with restored_logging():
        async with FakeDiscord():  # the token is accepted: the damage is found when the index loads
            code = await asyncio.to_thread(main, ["run"])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("briefbot:")]
    assert code == 1 and "Traceback" not in err
    assert len(errors) == 1 and errors[0].startswith("briefbot: error: ") and advice in errors[0], err
    print(errors[0])  # shown with -s: the line as the user sees it


def test_an_unreachable_discord_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listens where Discord's API should be: `run` and `sync` say so in one line."""
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    for command in ("run", "sync"):
        with restored_logging():
            assert cli.main([command, "--data-dir", str(tmp_path)]) == cli.EXIT_ERROR
        err = capsys.readouterr().err
        assert err == ("briefbot: error: cannot reach Discord (127.0.0.1): Connection refused; check this "
                       "machine's network connection\n")


async def test_run_stops_cleanly_on_sigterm(seed_library: Library, tmp_path: Path) -> None:
    """What systemd and container runtimes send to stop a service: the bot closes its connections and
    exits with status 0; its log is the project's lines, time-stamped, without colour codes."""
    data_dir = tmp_path / "data"
    shutil.copytree(seed_library.data_dir, data_dir)
    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "BRIEFBOT_DATA_DIR": str(data_dir)}
    env.pop("BRIEFBOT_CONFIG", None)
    async with FakeDiscord() as fake:
        bot = subprocess.Popen(
            [sys.executable, "-m", "tests.bot.shard_child", fake.base_url, fake.gateway_url, "run"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert bot.stderr is not None
        lines: list[str] = []
        try:
            # Read its log until it says it is connected (the fake answers on this event loop meanwhile).
            while not any("connected to Discord as" in line for line in lines):
                line = await asyncio.wait_for(asyncio.to_thread(bot.stderr.readline), 90)
                assert line, f"the bot exited ({bot.poll()}): {lines}"
                lines.append(line.rstrip("\n"))
            bot.send_signal(signal.SIGTERM)
            out, rest = await asyncio.to_thread(bot.communicate, timeout=30)
        finally:
            stop_process(bot)
    lines += rest.splitlines()
    assert bot.returncode == 0, lines
    assert out == "" and not any("Traceback" in line or "\x1b[" in line for line in lines)
    stamped = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARNING) +briefbot: ")
    assert all(stamped.match(line) for line in lines), lines
    assert lines[-1].endswith("briefbot: stopping (SIGTERM)")
