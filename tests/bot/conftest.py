"""Fixtures for the bot tests: a private copy of the seed index per test, and a bot on a fake Discord."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from index import Library
from tests.fake_discord import FakeDiscord, FakeUser
from tests.helpers import SEEDS, WAIT, FastBot, World, make_settings


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cooldown(seconds): per-user cooldown of the `world` bot")
