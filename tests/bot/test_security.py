"""The token never shows in logs or error lines; the per-server budget is enforced over the wire.

Logs are captured at DEBUG (discord.py's own debug logging included) through the whole flow: login,
gateway IDENTIFY, commands, failures.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp import web

from bot.checks import RateLimits
from bot.cli import main
from bot.secrets import forget_secrets, protect_secret
from index.library import Library
from tests.bot.conftest import WAIT, FastBot, World, make_settings
from tests.bot.test_e2e import EPHEMERAL, QUESTION
from tests.fake_discord import FakeDiscord, FakeUser

SECRET = "secret-token-XYZ.Gq1ab2.c3d4e5f6"


class RejectingDiscord(FakeDiscord):
    """A fake Discord that refuses every token, as Discord does a revoked one (401 on GET /users/@me)."""

    async def _get_me(self, request: web.Request) -> web.Response:
        return self._error(401, 0, "401: Unauthorized")


@pytest.fixture
def env(tmp_path: Path, seed_library: Library, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> Iterator[Path]:
    """The token in DISCORD_TOKEN, a copy of the seed index, DEBUG log capture; the process's logging is
    restored afterwards (see `restored_logging`)."""
    data_dir = tmp_path / "data"
    shutil.copytree(seed_library.data_dir, data_dir)
    monkeypatch.setenv("DISCORD_TOKEN", SECRET)
    monkeypatch.setenv("BRIEFBOT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BRIEFBOT_CONFIG", raising=False)
    caplog.set_level(logging.DEBUG)
    with restored_logging():
        yield data_dir


@contextmanager
def restored_logging() -> Iterator[None]:
    """Undo what `briefbot run` does to the process's logging: the root handler of discord.py's
    `setup_logging`, the root level, the redacting record factory and the secrets it masks."""
    root = logging.getLogger()
    handlers, level, factory = list(root.handlers), root.level, logging.getLogRecordFactory()
    try:
        yield
    finally:
        root.handlers[:], root.level = handlers, level
        logging.setLogRecordFactory(factory)
        forget_secrets()


def assert_no_secret(caplog: pytest.LogCaptureFixture, *texts: str) -> None:
    assert caplog.records  # something was logged, so the check means something
    assert SECRET not in caplog.text
    for record in caplog.records:
        assert SECRET not in record.getMessage()
    for text in texts:
        assert SECRET not in text


async def test_rejected_token_is_one_line_without_the_token(
    env: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    async with RejectingDiscord():
        # `briefbot run` (asyncio.run inside) in a worker thread; the fake answers on this loop.
        code = await asyncio.to_thread(main, ["run"])
    out, err = capsys.readouterr()
    assert code == 1  # stderr also has the log lines (`briefbot run` logs there, and so does the fake)
    assert ("briefbot: error: Discord rejected the token (DISCORD_TOKEN or [discord] token)"
            in err.splitlines())
    assert "Traceback" not in err
    assert_no_secret(caplog, out, err)


@pytest.mark.parametrize("config", [
    f'[discord]\ntoken = "{SECRET}"\ntokn = "typo"\n',  # an unknown key
    f'[discord]\ntoken = "{SECRET}\n',  # not TOML
    f'[discord]\ntoken = "{SECRET}"\ncooldown_seconds = -1\n',  # a value out of range
])
def test_config_errors_never_echo_the_token(
    env: Path, tmp_path: Path, config: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN")
    path = tmp_path / "briefbot.toml"
    path.write_text(config, encoding="utf-8")
    assert main(["run", "--config", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("briefbot: error:") and len(err.strip().splitlines()) == 1
    assert SECRET not in out + err


async def test_a_failing_command_logs_no_token(
    env: Path, caplog: pytest.LogCaptureFixture, seed_library: Library,
) -> None:
    """The whole flow at DEBUG (login, IDENTIFY, an answer, a command that fails) never logs the token;
    and once the token is protected, as `briefbot run` does, even an error quoting it is masked."""
    library = Library(env, default_sources=[seed_library.default_sources[0]])
    async with FakeDiscord() as fake:
        bot = FastBot(make_settings(env, guild_ids=[fake.guild.id], ask_channels=[]), library=library,
                      guild_ready_timeout=0.05)
        async with fake.run_client(bot, token=SECRET, ready_timeout=WAIT):
            identify = await fake.wait_for_gateway(lambda f: f.op == 2, WAIT)
            assert identify.data["token"] == SECRET  # it was really used
            ids = await fake.send_interaction("ask", {"question": QUESTION})
            await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
            assert_no_secret(caplog)

            protect_secret(SECRET)

            def leaky(*args: object, **kwargs: object) -> object:
                raise RuntimeError(f"request failed with Authorization: Bot {SECRET}")

            library.ask = leaky  # type: ignore[method-assign]
            ids = await fake.send_interaction("ask", {"question": QUESTION})
            reply = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
            assert reply.json["flags"] & EPHEMERAL
            assert reply.json["content"] == "Something went wrong; the error was logged."
    failure = next(r for r in caplog.records if r.getMessage() == "command ask failed")
    assert failure.exc_text is not None and "[token redacted]" in failure.exc_text
    assert_no_secret(caplog)


async def test_per_server_budget_refuses_over_the_wire(world: World) -> None:
    """Two questions a minute per server: the third, from a third user (no per-user cooldown), is refused
    with a short ephemeral message, and answered again in another server's budget (none here)."""
    fake = world.fake
    world.bot.limits = RateLimits(per_user=0, per_guild_per_minute=2)
    users = [fake.guild.add_member(FakeUser(id=fake.user.id + 500 + i, username=f"u{i}")).user
             for i in range(3)]
    answered = []
    for user in users[:2]:
        ids = await fake.send_interaction("ask", {"question": QUESTION}, user=user)
        answered.append(await fake.wait_for(lambda r, ids=ids: r.is_followup_of(ids), WAIT))
    assert all(r.status == 200 and r.json["embeds"] for r in answered)
    ids = await fake.send_interaction("ask", {"question": QUESTION}, user=users[2])
    refusal = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert refusal.json["type"] == 4 and refusal.json["data"]["flags"] & EPHEMERAL
    assert refusal.json["data"]["content"].startswith("Slow down: try again in")
