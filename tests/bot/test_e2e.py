"""Wire-level end-to-end test: the real `BriefBot` on a fake Discord gateway + REST server (loopback).

Nothing inside discord.py is mocked: the bot logs in over HTTP, IDENTIFYs on the websocket, receives
READY and GUILD_CREATE, syncs its commands, and answers injected INTERACTION_CREATE events through the
interaction callback and webhook endpoints, which the fake records.
"""

from __future__ import annotations

import asyncio
import re
import threading

import pytest

from bot.errors import UNEXPECTED
from index import StoreError
from index.store.generations import Generations
from tests.bot.conftest import WAIT, World
from tests.fake_discord import InteractionIds, Request

QUESTION = "When will Putin travel to North Korea?"
SEED_SENTENCE = "Putin will travel to North Korea on Tuesday"
SEED_PUBLISHER = "South China Morning Post"
EPHEMERAL = 1 << 6


def embed_text(embed: dict) -> str:
    """Everything a reader sees in an embed, with markdown escapes removed."""
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts).replace("\\", "")


def bold_spans(markdown: str) -> list[str]:
    """The texts between unescaped ** markers, unescaped."""
    return [span.replace("\\", "") for span in re.findall(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*", markdown)]


def is_progress_edit(ids: InteractionIds, request: Request) -> bool:
    return request.method == "PATCH" and request.path.endswith(f"/{ids.token}/messages/@original")


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
    assert any(SEED_PUBLISHER in f["name"] for f in embed["fields"])
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


async def test_everyone_in_question_never_pings(world: World) -> None:
    fake = world.fake
    ids = await fake.send_interaction("ask", {"question": "@everyone <@&123456789012345678> " + QUESTION})
    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    assert followup.json["allowed_mentions"]["parse"] == []
    title = followup.json["embeds"][0]["title"]
    assert "@everyone" not in title and "@\u200beveryone" in title
    assert "<@&" not in title


async def test_mention_is_answered_in_a_thread(world: World) -> None:
    fake = world.fake
    sent = await fake.send_message(f"<@{fake.bot.id}> {QUESTION}")
    thread = await fake.wait_for(lambda r: r.matches(
        "POST", rf"/channels/{sent.channel_id}/messages/{sent.message_id}/threads"), WAIT)
    answer = await fake.wait_for(lambda r: r.matches("POST", rf"/channels/{thread.response['id']}/messages"),
                                 WAIT)
    assert SEED_SENTENCE in embed_text(answer.json["embeds"][0])
    assert answer.json["allowed_mentions"]["parse"] == []

    # A question in an ask-channel needs no mention.
    asked = await fake.send_message(QUESTION, channel_id=world.ask_channel_id)
    await fake.wait_for(lambda r: r.matches(
        "POST", rf"/channels/{world.ask_channel_id}/messages/{asked.message_id}/threads"), WAIT)


async def test_moderator_reindex_progress_and_no_second_one(world: World) -> None:
    fake, bot, library = world.fake, world.bot, world.library
    gate = threading.Event()
    original = library.reindex

    def held_reindex(**kwargs: object) -> object:
        progress = kwargs["progress"]
        progress("passages", 0, 2)  # type: ignore[operator]
        gate.wait(WAIT)
        return original(**kwargs)

    library.reindex = held_reindex  # type: ignore[method-assign]
    first = await fake.send_interaction("reindex", user=world.moderator)
    started = await fake.wait_for(lambda r: r.is_callback_of(first), WAIT)
    assert started.json["type"] == 4 and not started.json["data"].get("flags")
    await fake.wait_for(lambda r: is_progress_edit(first, r) and "passages 0/2" in r.json["content"], WAIT)

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


async def test_paging_and_feedback(world: World) -> None:
    fake, bot = world.fake, world.bot
    ids = await fake.send_interaction("ask", {"question": "What did the talks between China and South Korea "
                                                          "cover?"})
    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    message_id = int(followup.response["id"])
    buttons = {c["custom_id"]: c for row in followup.json["components"] for c in row["components"]}
    answer_id = bot.journal.answer_for_message(message_id)
    assert answer_id is not None
    next_id = f"ask:{answer_id}:next:1"
    assert next_id in buttons and buttons[f"ask:{answer_id}:prev:0"]["disabled"]
    first_page = followup.json["embeds"][0]
    assert first_page["footer"]["text"].startswith("Page 1/")

    click = await fake.send_component(next_id, message_id=message_id)
    edit = await fake.wait_for(lambda r: r.is_for_interaction(click) and r.method == "PATCH", WAIT)
    second_page = edit.json["embeds"][0]
    assert second_page["footer"]["text"].startswith("Page 2/")
    assert second_page["fields"][0]["name"].startswith("[3]")
    assert second_page["description"] != first_page["description"]

    vote = await fake.send_component(f"ask:{answer_id}:up", message_id=message_id)
    thanks = await fake.wait_for(lambda r: r.is_callback_of(vote), WAIT)
    assert thanks.json["data"]["flags"] & EPHEMERAL
    assert bot.journal.feedback(answer_id) == {fake.user.id: 1}

    reacted = asyncio.ensure_future(bot.wait_for("raw_reaction_add", timeout=WAIT))
    await fake.send_reaction_add(message_id, "👎", user=world.moderator)
    await reacted
    assert bot.journal.feedback(answer_id) == {fake.user.id: 1, world.moderator.user.id: -1}
