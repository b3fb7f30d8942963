"""Two bot processes, one Milvus: each runs its own shard of the fake Discord (`briefbot run`, shard_ids [0]
and [1] of 2, each its own data dir as on its own machine), both answer from one index in a `milvus-lite
server` on 127.0.0.1. A source a moderator adds in one server is quoted there and not in the other server
(each server's sources are its own), and a change to the shared sources made through one process (the bot
owner removing the operator's seeds) is seen by the other without a restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.store.milvus import MilvusEngine
from tests.fake_discord import FakeDiscord, FakeGuild, FakeUser, InteractionIds, Request, snowflake
from tests.helpers import QUESTION as SEED_QUESTION
from tests.helpers import ROOT, SEED_SENTENCE, SEEDS, TOKEN, embed_text, stop_process
from tests.index.store.engine_cases import drop_milvus
from tests.index.web import serving

START = 90.0  # a bot process imports, loads the model and opens the index before it identifies
WAIT = 30.0
UPLOADED = "The lunar base on Mare Tranquillitatis opened to visitors on Friday, its operator said."
QUESTION = "When did the lunar base open to visitors?"


@pytest.fixture
def collection(milvus_server: str) -> Iterator[str]:
    name = f"t{uuid.uuid4().hex[:16]}"
    yield name
    drop_milvus(MilvusEngine(milvus_server, name))


READER = FakeUser(id=snowflake(), username="reader")


def guild_on_shard(shard: int, owner: FakeUser) -> FakeGuild:
    """A guild whose id Discord routes to `shard` of 2 ((id >> 22) % 2), with a reader who asks."""
    while (gid := snowflake()) >> 22 & 1 != shard:
        pass
    guild = FakeGuild.create(f"Server {shard}", owner=owner, id=gid)
    guild.add_member(READER)
    return guild


def config(folder: Path, shard: int, guilds: list[int], uri: str, collection: str, extra: Path) -> Path:
    folder.mkdir()
    path = folder / "briefbot.toml"
    path.write_text(
        f'data_dir = "{folder / "data"}"\n'
        f'[store]\nengine = "milvus"\nuri = "{uri}"\ncollection = "{collection}"\n'
        f'[sources]\npaths = ["{SEEDS}", "{extra}"]\nallow_private_urls = true\n'
        f"[discord]\nshard_ids = [{shard}]\nshard_count = 2\nguild_ids = {guilds}\ncooldown_seconds = 0\n",
        encoding="utf-8")
    return path


def start_bot(fake: FakeDiscord, settings: Path) -> subprocess.Popen:
    with open(settings.parent / "bot.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.bot.shard_child", fake.base_url, fake.gateway_url, "run",
             "--config", str(settings)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "DISCORD_TOKEN": TOKEN})


async def identified(fake: FakeDiscord, shard: int, bot: subprocess.Popen, log: Path) -> None:
    try:
        await fake.wait_for_gateway(lambda f: f.op == 2 and f.shard == (shard, 2), START)
    except BaseException:
        pytest.fail(f"shard {shard} never identified (exit {bot.poll()}): {log.read_text()[-3000:]}")


def finished(ids: InteractionIds, request: Request) -> bool:
    return request.method == "PATCH" and ids.token in request.path and "✅" in request.json["content"]


async def answer_text(fake: FakeDiscord, guild: FakeGuild, question: str = QUESTION) -> str:
    ids = await fake.send_interaction("ask", {"question": question}, guild=guild, user=READER,
                                      channel_id=guild.channels[0].id)
    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    return embed_text(followup.json["embeds"][0])


async def test_a_change_made_through_one_shard_is_answered_by_the_other(
    tmp_path: Path, milvus_server: str, collection: str,
) -> None:
    owner = FakeUser(id=snowflake(), username="owner")
    first, second = guild_on_shard(0, owner), guild_on_shard(1, owner)
    role = first.add_role("Moderator")
    moderator = first.add_member(FakeUser(id=snowflake(), username="mod"), roles=[role])
    async with serving() as cdn, FakeDiscord(guilds=[first, second], shards=2) as fake:
        cdn.pages["/briefing.txt"] = (UPLOADED, "text/plain")
        extra = tmp_path / "extra"  # a second shared source: the seeds can go, the config's stay
        extra.mkdir()
        (extra / "a.txt").write_text("The harbour ferry runs twice a day.")
        settings = [config(tmp_path / f"shard{n}", n, [first.id, second.id], milvus_server, collection, extra)
                    for n in (0, 1)]
        bots: list[subprocess.Popen] = []
        try:
            # The first process builds the index from the seeds; the second starts on it.
            bots.append(start_bot(fake, settings[0]))
            await identified(fake, 0, bots[0], settings[0].parent / "bot.log")
            bots.append(start_bot(fake, settings[1]))
            await identified(fake, 1, bots[1], settings[1].parent / "bot.log")
            assert UPLOADED not in await answer_text(fake, second)

            url = cdn.url("/briefing.txt")
            ids = await fake.send_interaction(
                "source", [{"name": "name", "type": 3, "value": "moon"}, {"name": "file", "type": 11,
                                                                          "value": "777"}],
                subcommand="add", user=moderator, guild=first, channel_id=first.channels[0].id,
                resolved={"attachments": {"777": {"id": "777", "filename": "briefing.txt", "url": url,
                                                  "proxy_url": url, "size": len(UPLOADED),
                                                  "content_type": "text/plain"}}})
            await fake.wait_for(lambda r: finished(ids, r), WAIT)
            assert UPLOADED in await answer_text(fake, first)
            assert UPLOADED not in await answer_text(fake, second)  # the first server's own source

            assert SEED_SENTENCE in await answer_text(fake, second, SEED_QUESTION)
            first.add_member(fake.owner, roles=[role])  # the bot's owner may change the shared sources
            ids = await fake.send_interaction("source", {"name": "seeds"}, subcommand="remove",
                                              user=fake.owner, guild=first, channel_id=first.channels[0].id)
            await fake.wait_for(lambda r: finished(ids, r), WAIT)
            assert SEED_SENTENCE not in await answer_text(fake, second, SEED_QUESTION)  # no restart
            # Each process answered the interactions of its own shard's server only.
            assert all(bot.poll() is None for bot in bots)
        finally:
            for bot in bots:
                stop_process(bot)
