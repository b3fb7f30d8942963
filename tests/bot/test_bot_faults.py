"""Faults in the bot: a damaged index or database at start; the gateway dropping mid-answer.

A damaged file stops `briefbot run` at start with one line that names it and says how to recover, before
any question can meet it.

Interaction responses go over REST (the callback and the webhook followup), so an answer in progress does
not need the websocket; what must hold is that the bot survives the drop, RESUMEs (or IDENTIFYs again when
the session cannot be resumed), delivers the answer in progress and answers the next question.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.journal import Journal
from index.library import Library
from index.store.generations import Generations
from tests.bot.conftest import WAIT, World
from tests.bot.test_e2e import QUESTION, SEED_SENTENCE, embed_text
from tests.bot.test_security import restored_logging
from tests.fake_discord import FakeDiscord

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
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
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
