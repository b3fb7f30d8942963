"""The Discord token never shows in logs or error lines.

Logs are captured at DEBUG (discord.py's own debug logging included) through the whole flow: login,
gateway IDENTIFY, commands, failures."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
from aiohttp import web

from bot import cli
from bot.cli import main
from bot.secrets import protect_secret
from index import Library
from tests.fake_discord import FakeDiscord
from tests.helpers import EPHEMERAL, QUESTION, WAIT, FastBot, make_settings, restored_logging

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
    assert code == 1  # and nothing else on stderr: no library warnings (voice support), no colour codes
    assert err == "briefbot: error: Discord rejected the token (DISCORD_TOKEN or [discord] token)\n"
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

    monkeypatch.setenv("DISCORD_TOKEN", "not.a-real.token")
    monkeypatch.setattr(discord.Client, "login", refuse)
    for command in (["run"], ["sync"]):
        assert cli.main([*command, "--data-dir", str(tmp_path)]) == cli.EXIT_ERROR
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Discord rejected the token" in err
        assert "not.a-real.token" not in err


@pytest.mark.parametrize("token", ["bad", "1234567890123456789", "Bot MTI.abc.def", "MTI.abc"])
def test_cli_token_of_the_wrong_shape_is_one_line_and_never_sent(
        token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """What was pasted instead of the bot token (a word, the application id, a 'Bot ' header, a cut token)
    is refused before anything goes to Discord."""
    async def never(self: discord.Client, token: str) -> None:
        raise AssertionError("the token was sent to Discord")

    monkeypatch.setenv("DISCORD_TOKEN", token)
    monkeypatch.setattr(discord.Client, "login", never)
    for command in (["run"], ["sync"]):
        assert cli.main([*command, "--data-dir", str(tmp_path)]) == cli.EXIT_ERROR
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not a bot token" in err and token not in err
