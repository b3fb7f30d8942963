"""Fixtures for the bot tests: a private copy of the seed index per test, and a bot on a fake Discord."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from index import Library
from tests.fake_discord import ADMINISTRATOR, FakeDiscord, FakeGuild, FakeUser, snowflake
from tests.helpers import (
    GRACE,
    SEEDS,
    UPLOADED,
    WAIT,
    FastBot,
    FileServer,
    TwoServers,
    World,
    make_settings,
)


@pytest.fixture
def library(seed_library: Library, tmp_path: Path) -> Library:
    """A library over a copy of the session's seed index, free to change."""
    data_dir = tmp_path / "data"
    shutil.copytree(seed_library.data_dir, data_dir)
    return Library(data_dir, default_sources=[SEEDS])


@pytest_asyncio.fixture
async def world(library: Library, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """A connected bot; `@pytest.mark.cooldown(seconds)` sets the per-user cooldown (default none)."""
    marker = request.node.get_closest_marker("cooldown")
    async with FakeDiscord() as fake:
        role = fake.guild.add_role("Moderator")
        moderator = fake.guild.add_member(FakeUser(id=fake.user.id + 1000, username="mod"), roles=[role])
        ask_channel = fake.guild.add_channel("ask-the-briefings")
        settings = make_settings(library.data_dir, guild_ids=[fake.guild.id], ask_channels=[ask_channel.id],
                                 cooldown_seconds=marker.args[0] if marker else 0)
        bot = FastBot(settings, library=library, sync_on_start=True, guild_ready_timeout=0.05)
        async with fake.run_client(bot, ready_timeout=WAIT):
            yield World(fake, bot, moderator, ask_channel.id)


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


@pytest_asyncio.fixture
async def servers(library: Library) -> AsyncIterator[TwoServers]:
    """The bot connected to two servers (see `TwoServers`), with a grace period of `GRACE` seconds."""
    async with FakeDiscord() as fake:
        a = fake.guild
        role_a = a.add_role("Moderator")
        mod_a = a.add_member(FakeUser(id=snowflake(), username="mod_a"), roles=[role_a])
        lookalike = a.add_member(FakeUser(id=snowflake(), username="dave"), roles=[a.add_role("Moderator")])
        bob = FakeUser(id=snowflake(), username="bob")
        b = FakeGuild.create("Server B", owner=bob)
        admin_b = b.add_member(FakeUser(id=snowflake(), username="admin_b"),
                               roles=[b.add_role("Admins", permissions=ADMINISTRATOR)])
        carol = FakeUser(id=snowflake(), username="carol")
        b.add_member(carol, roles=[b.add_role("Moderator")])
        a.add_member(carol)
        b.add_member(fake.user)
        b.add_member(fake.bot)
        fake.guilds.append(b)
        settings = make_settings(library.data_dir, guild_ids=[a.id, b.id], ask_channels=[],
                                 purge_after_seconds=GRACE)
        bot = FastBot(settings, library=library, sync_on_start=True, guild_ready_timeout=0.05)
        async with fake.run_client(bot, ready_timeout=WAIT):
            yield TwoServers(fake, bot, a, b, mod_a, role_a, lookalike, admin_b, bob, carol)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cooldown(seconds): per-user cooldown of the `world` bot")
