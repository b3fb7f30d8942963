"""Moderator jobs: the public progress message, one job at a time, the audit log, what a failure shows."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.errors import UNEXPECTED
from index import StoreError
from tests.fake_discord import InteractionIds, Request
from tests.helpers import EPHEMERAL, QUESTION, SEED_SENTENCE, WAIT, World, embed_text


def is_progress_edit(ids: InteractionIds, request: Request) -> bool:
    return request.method == "PATCH" and request.path.endswith(f"/{ids.token}/messages/@original")


@pytest.fixture
def server_source(world: World, tmp_path: Path) -> None:
    """A source of the server's own (what its moderators reindex), indexed."""
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "a.txt").write_text("The harbour ferry runs twice a day.")
    entry = world.library.add_source(str(folder), name="local", scope=str(world.fake.guild.id))
    world.library.reindex(only={entry.key})


@pytest.mark.usefixtures("server_source")
async def test_moderator_reindex_progress_and_no_second_one(world: World) -> None:
    fake, bot, library = world.fake, world.bot, world.library
    gate = threading.Event()
    original = library.reindex

    def held_reindex(**kwargs: object) -> object:
        progress = kwargs["progress"]
        progress("documents", 0, 2)  # type: ignore[operator]
        gate.wait(WAIT)
        return original(**kwargs)

    library.reindex = held_reindex  # type: ignore[method-assign]
    first = await fake.send_interaction("reindex", user=world.moderator)
    started = await fake.wait_for(lambda r: r.is_callback_of(first), WAIT)
    assert started.json["type"] == 4 and not started.json["data"].get("flags")
    await fake.wait_for(lambda r: is_progress_edit(first, r) and "documents 0/2" in r.json["content"], WAIT)

    # While it runs: a second reindex is refused, and questions are answered from the old index.
    second = await fake.send_interaction("reindex", user=world.moderator)
    refusal = await fake.wait_for(lambda r: r.is_callback_of(second), WAIT)
    assert refusal.json["data"]["flags"] & EPHEMERAL
    assert "already running" in refusal.json["data"]["content"]
    ids = await fake.send_interaction("ask", {"question": QUESTION})
    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    assert SEED_SENTENCE in embed_text(followup.json["embeds"][0])

    gate.set()
    done = await fake.wait_for(lambda r: is_progress_edit(first, r) and "✅" in r.json["content"], WAIT)
    assert "index unchanged" in done.json["content"]
    audit = bot.journal.audit()
    assert [(a.user_name, a.action, a.outcome is not None and a.outcome.startswith("ok")) for a in audit] == [
        ("mod", "reindex", True)]
    assert bot.reindex_guard.holder is None


@pytest.mark.usefixtures("server_source")
@pytest.mark.parametrize(("failure", "shown"), [
    (RuntimeError("database disk image is malformed at /srv/briefbot/data/gen-7"), UNEXPECTED),
    (StoreError("the index is damaged: run `briefbot index --rebuild`"), "the index is damaged"),
])
async def test_a_failed_job_shows_only_what_is_meant_for_users(
    world: World, failure: Exception, shown: str, caplog: pytest.LogCaptureFixture,
) -> None:
    """The progress message is public: an unexpected failure says only that it was logged (its internals
    go to the log and the audit log); a `UserError` is shown as it is."""
    def failing(**kwargs: object) -> object:
        raise failure

    world.library.reindex = failing  # type: ignore[method-assign]
    ids = await world.fake.send_interaction("reindex", user=world.moderator)
    done = await world.fake.wait_for(lambda r: is_progress_edit(ids, r) and "❌" in r.json["content"], WAIT)
    assert done.json["content"].startswith(f"❌ reindex failed: {shown}")
    assert "/srv/briefbot" not in done.json["content"]
    [entry] = world.bot.journal.audit()
    assert entry.outcome is not None and str(failure) in entry.outcome
    assert ("/srv/briefbot" in caplog.text) == (shown == UNEXPECTED)
    assert world.bot.reindex_guard.holder is None
