"""End-to-end tests of the FakeDiscord harness with a real discord.py client.

Each test starts a :class:`FakeDiscord`, connects a plain ``discord.Client`` + ``CommandTree`` to it over
loopback HTTP and websocket, injects gateway events and asserts on the REST requests the client made.
They prove that the fake speaks the wire protocol well enough for discord.py's parsers and that tests
built on it can wait for events instead of sleeping.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from discord import app_commands

from tests.fake_discord import FakeDiscord, FakeGuild, FakeUser, Request

pytestmark = pytest.mark.asyncio

WAIT = 5.0  # generous upper bound for any single wait; tests normally finish in well under a second


class FastClient(discord.Client):
    """A Client that skips discord.py's 5 s pause before a non-initial IDENTIFY (re-identify, shards)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class FastShardedClient(discord.AutoShardedClient):
    """AutoShardedClient without the 5 s pause between shard IDENTIFYs."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_client(cls: type[discord.Client] = FastClient) -> tuple[discord.Client, app_commands.CommandTree]:
    """A client configured as the bot is: message content intent, no pings, short guild-ready wait."""
    intents = discord.Intents.default()
    intents.message_content = True
    client = cls(intents=intents, guild_ready_timeout=0.05, allowed_mentions=discord.AllowedMentions.none())
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Check the bot is alive")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        embed = discord.Embed(title="Pong", description="@everyone latency ok")
        await interaction.followup.send(embed=embed)

    return client, tree


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


async def test_connect_sync_and_ping(fake: FakeDiscord) -> None:
    client, tree = make_client()
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    async with fake.run_client(client):
        await asyncio.wait_for(ready.wait(), WAIT)
        assert client.user is not None and client.user.id == fake.bot.id
        assert client.application_id == fake.application_id
        guild = client.get_guild(fake.guild.id)
        assert guild is not None and guild.me is not None and guild.member_count == 3
        assert guild.get_channel(fake.channel.id) is not None

        guild_obj = discord.Object(fake.guild.id)
        tree.copy_global_to(guild=guild_obj)
        synced = await tree.sync(guild=guild_obj)
        assert [c.name for c in synced] == ["ping"]
        sync = fake.find("PUT", rf"/applications/{fake.application_id}/guilds/{fake.guild.id}/commands")
        assert sync[0].json[0]["name"] == "ping"

        ids = await fake.send_interaction("ping")
        callback = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
        assert callback.json == {"type": 5}
        assert callback.query == {"with_response": "1"}
        followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
        assert followup.status == 200
        assert followup.json["embeds"][0]["title"] == "Pong"
        assert followup.json["allowed_mentions"]["parse"] == []
        # The first followup after a defer becomes the original response, as on Discord.
        assert followup.response["id"] == callback.response["interaction"]["response_message_id"]
        assert fake.unknown_requests == []

        dm = await fake.send_interaction("ping", guild=None)  # the same command used from a DM
        followup = await fake.wait_for(lambda r: r.is_followup_of(dm), WAIT)
        assert followup.json["embeds"][0]["title"] == "Pong"


async def test_message_and_reaction_reach_the_client(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with fake.run_client(client):
        waiter = asyncio.ensure_future(client.wait_for("message", timeout=WAIT))
        sent = await fake.send_message(f"<@{fake.bot.id}> what's new?")
        message: discord.Message = await waiter
        assert message.id == sent.message_id
        assert message.content.endswith("what's new?")
        assert client.user in message.mentions
        assert isinstance(message.author, discord.Member) and message.author.id == fake.user.id

        waiter = asyncio.ensure_future(client.wait_for("raw_reaction_add", timeout=WAIT))
        await fake.send_reaction_add(sent.message_id, "👍")
        reaction: discord.RawReactionActionEvent = await waiter
        assert (reaction.message_id, reaction.user_id, str(reaction.emoji)) == (
            sent.message_id,
            fake.user.id,
            "👍",
        )


async def test_dropped_connection_resumes_and_still_answers(fake: FakeDiscord) -> None:
    client, tree = make_client()
    async with fake.run_client(client):
        await tree.sync()
        first = await fake.send_interaction("ping")
        await fake.wait_for(lambda r: r.is_followup_of(first), WAIT)

        resumed = asyncio.ensure_future(client.wait_for("resumed", timeout=WAIT))
        assert await fake.drop_connection() == 1
        resume = await fake.wait_for_gateway(lambda f: f.op == 6, WAIT)
        await resumed
        assert resume.data["session_id"] == client.ws.session_id

        second = await fake.send_interaction("ping")
        followup = await fake.wait_for(lambda r: r.is_followup_of(second), WAIT)
        assert followup.json["embeds"][0]["title"] == "Pong"
        assert [f.op for f in fake.gateway_frames].count(2) == 1  # resumed, never re-identified


async def test_invalidated_session_reidentifies(fake: FakeDiscord) -> None:
    client, tree = make_client()
    async with fake.run_client(client):
        await tree.sync()
        first_identify = await fake.wait_for_gateway(lambda f: f.op == 2)
        ready_again = asyncio.ensure_future(client.wait_for("ready", timeout=WAIT))
        await fake.drop_connection(resumable=False)
        await fake.wait_for_gateway(lambda f: f.op == 6, WAIT)  # discord.py always tries RESUME first
        await fake.wait_for_gateway(lambda f: f.op == 2 and f is not first_identify, WAIT)
        await ready_again
        ids = await fake.send_interaction("ping")
        await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)


async def test_rest_files_threads_and_reactions(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with fake.run_client(client):
        channel = client.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        echoed = asyncio.ensure_future(client.wait_for("message", timeout=WAIT))
        message = await channel.send(
            "briefing", file=discord.File(io.BytesIO(b"hello"), filename="brief.txt")
        )
        assert (await echoed).id == message.id  # the bot's own message comes back over the gateway
        post = fake.find("POST", rf"/channels/{fake.channel.id}/messages")[0]
        assert post.json["content"] == "briefing"
        assert [(f.filename, f.data) for f in post.files] == [("brief.txt", b"hello")]
        assert message.attachments[0].filename == "brief.txt"

        thread = await message.create_thread(name="Discussion")
        assert thread.id == message.id and thread.parent_id == fake.channel.id
        await thread.send("inside")
        assert fake.find("POST", rf"/channels/{thread.id}/messages")[0].json["content"] == "inside"
        standalone = await channel.create_thread(name="Standalone", type=discord.ChannelType.public_thread)
        assert standalone.name == "Standalone"

        await message.add_reaction("✅")
        assert fake.find("PUT", rf"/channels/{fake.channel.id}/messages/{message.id}/reactions/✅/@me")
        fetched = await client.fetch_channel(fake.channel.id)
        assert fetched.id == fake.channel.id
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/no/such/route"))
        assert [r.path for r in fake.unknown_requests] == ["/no/such/route"]


async def test_components_and_autocomplete(fake: FakeDiscord) -> None:
    client, tree = make_client()
    clicked: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Menu(discord.ui.View):
        @discord.ui.button(label="More", custom_id="more")
        async def more(self, interaction: discord.Interaction, button: discord.ui.Button[Menu]) -> None:
            clicked.set_result(interaction.user.id)
            await interaction.response.edit_message(content="expanded", view=None)

    async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t, value=t) for t in ("politics", "science") if t.startswith(current)
        ]

    @tree.command(name="brief", description="Show a briefing")
    @app_commands.autocomplete(topic=topics)
    async def brief(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"Briefing on {topic}", view=Menu())

    async with fake.run_client(client):
        await tree.sync()
        ids = await fake.send_autocomplete("brief", {"topic": "sc"}, focused="topic")
        choices = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
        assert choices.json == {"type": 8, "data": {"choices": [{"name": "science", "value": "science"}]}}

        ids = await fake.send_interaction("brief", {"topic": "science"})
        reply = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
        assert reply.json["data"]["content"] == "Briefing on science"
        message_id = int(reply.response["resource"]["message"]["id"])

        click = await fake.send_component("more", message_id=message_id)
        assert await asyncio.wait_for(clicked, WAIT) == fake.user.id
        update = await fake.wait_for(lambda r: r.is_callback_of(click), WAIT)
        assert update.json["type"] == 7 and update.json["data"]["content"] == "expanded"
        assert fake.messages[message_id]["content"] == "expanded"


async def test_autosharded_client_gets_each_guild_on_its_shard() -> None:
    owner = FakeUser(id=1 << 22, username="owner")
    guild_a = FakeGuild.create("Shard 0", owner=owner, id=2 << 22)  # (id >> 22) % 2 == 0
    guild_b = FakeGuild.create("Shard 1", owner=owner, id=3 << 22)  # (id >> 22) % 2 == 1
    async with FakeDiscord(guilds=[guild_a, guild_b], shards=2) as fake:
        client, tree = make_client(FastShardedClient)
        async with fake.run_client(client):
            assert fake.find("GET", "/gateway/bot")
            shards = sorted(tuple(f.data["shard"]) for f in fake.gateway_frames if f.op == 2)
            assert shards == [(0, 2), (1, 2)]
            assert {g.id: g.shard_id for g in client.guilds} == {guild_a.id: 0, guild_b.id: 1}

            await tree.sync()
            ids = await fake.send_interaction("ping", guild=guild_b, user=owner)
            followup: Request = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
            assert followup.json["embeds"][0]["title"] == "Pong"


async def test_the_bot_is_removed_from_a_guild_and_invited_to_another(fake: FakeDiscord) -> None:
    """GUILD_DELETE without `unavailable` is a removal (on_guild_remove, the guild leaves the cache), not an
    outage; GUILD_CREATE after READY is a join (on_guild_join)."""
    client, _ = make_client()
    seen: list[tuple[str, int]] = []

    async def on_guild_remove(guild: discord.Guild) -> None:
        seen.append(("remove", guild.id))

    async def on_guild_join(guild: discord.Guild) -> None:
        seen.append(("join", guild.id))

    client.event(on_guild_remove)
    client.event(on_guild_join)
    other = FakeGuild.create("Other", owner=fake.owner)
    async with fake.run_client(client):
        first = fake.guild
        await fake.remove_bot_from(first)
        await fake.add_bot_to(other)
        for _ in range(100):
            if len(seen) == 2:
                break
            await asyncio.sleep(0.02)
        assert seen == [("remove", first.id), ("join", other.id)]
        assert [g.id for g in client.guilds] == [other.id] and fake.guilds == [other]


async def test_client_crash_surfaces_from_run_client(fake: FakeDiscord) -> None:
    """A payload discord.py cannot parse kills the connect task; waits fail fast and the error surfaces."""
    client, _ = make_client()
    with pytest.raises(KeyError) as excinfo:
        async with fake.run_client(client):
            await fake.dispatch("MESSAGE_CREATE", {"id": "1"}, guild_id=fake.guild.id)  # no channel_id
            with pytest.raises(RuntimeError, match="client task ended early"):
                await fake.wait_for(lambda r: False, WAIT)
    assert excinfo.value.args == ("channel_id",)


async def test_subcommands_edits_deletes_dms_and_reconnect_op(fake: FakeDiscord) -> None:
    client, tree = make_client()
    group = app_commands.Group(name="brief", description="Briefings")
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @group.command(name="latest", description="Latest briefing")
    async def latest(interaction: discord.Interaction, count: int) -> None:
        await interaction.response.send_message(f"{count} items", ephemeral=True)
        await interaction.edit_original_response(content="edited")
        original = await interaction.original_response()
        extra = await interaction.followup.send("extra", wait=True)
        await extra.edit(content="extra edited")
        await extra.delete()
        done.set_result(original.content)

    tree.add_command(group)

    async with fake.run_client(client):
        await tree.sync()
        ids = await fake.send_interaction("brief", {"count": 3}, subcommand="latest")
        assert await asyncio.wait_for(done, WAIT) == "edited"
        callback = fake.requests_for(ids)[0]
        assert (callback.json["data"]["content"], callback.json["data"]["flags"]) == ("3 items", 64)
        assert callback.response["interaction"]["response_message_ephemeral"] is True
        assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.requests_for(ids)[1:]] == [
            ("PATCH", "@original"),
            ("GET", "@original"),
            ("POST", ids.token),
            ("PATCH", fake.requests_for(ids)[3].response["id"]),
            ("DELETE", fake.requests_for(ids)[3].response["id"]),
        ]

        channel = client.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("draft")
        await message.edit(content="final")
        assert fake.messages[message.id]["content"] == "final"
        await message.delete()
        assert message.id not in fake.messages

        dm_waiter = asyncio.ensure_future(
            client.wait_for("message", check=lambda m: m.guild is None, timeout=WAIT)
        )
        await fake.send_message("hello bot", guild=None)
        assert (await dm_waiter).content == "hello bot"
        dm = await client.create_dm(discord.Object(fake.user.id))
        await dm.send("hi there")
        assert fake.find("POST", rf"/channels/{dm.id}/messages")[0].json["content"] == "hi there"

        resumed = asyncio.ensure_future(client.wait_for("resumed", timeout=WAIT))
        await fake.send_reconnect()
        await resumed
        assert fake.unknown_requests == []
