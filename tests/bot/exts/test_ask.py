"""/ask, questions asked by mention and in ask-channels, the buttons under an answer, 👍/👎 reactions."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import EPHEMERAL, QUESTION, SEED_SENTENCE, WAIT, World, embed_text, flags


async def test_private_ask_and_source_filter(world: World) -> None:
    ids = await world.fake.send_interaction("ask", {"question": QUESTION, "source": "seeds", "private": True})
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    followup = await world.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    assert SEED_SENTENCE in embed_text(followup.json["embeds"][0])


async def test_source_names_autocomplete(world: World) -> None:
    ids = await world.fake.send_autocomplete("ask", {"question": "x", "source": "SEE"}, focused="source")
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json == {"type": 8, "data": {"choices": [{"name": "seeds", "value": "seeds"}]}}
    ids = await world.fake.send_autocomplete("ask", {"question": "x", "source": "nope"}, focused="source")
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json["data"]["choices"] == []


@pytest.mark.cooldown(60)
async def test_ask_cooldown_per_user(world: World) -> None:
    fake = world.fake
    first = await fake.send_interaction("ask", {"question": QUESTION})
    await fake.wait_for(lambda r: r.is_followup_of(first), WAIT)
    second = await fake.send_interaction("ask", {"question": QUESTION})
    refusal = await fake.wait_for(lambda r: r.is_callback_of(second), WAIT)
    assert flags(refusal) & EPHEMERAL and "Slow down" in refusal.json["data"]["content"]
    other = await fake.send_interaction("ask", {"question": QUESTION}, user=world.moderator)  # another user
    assert (await fake.wait_for(lambda r: r.is_callback_of(other), WAIT)).json == {"type": 5}
    # A mention by the limited user is not answered either: it gets an hourglass reaction.
    sent = await fake.send_message(f"<@{fake.bot.id}> {QUESTION}")
    await fake.wait_for(lambda r: r.method == "PUT" and f"/messages/{sent.message_id}/reactions/⏳" in r.path,
                        WAIT)


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
    assert second_page["description"].startswith("> ") and "[3]" in second_page["description"]
    assert second_page["description"] != first_page["description"]

    vote = await fake.send_component(f"ask:{answer_id}:up", message_id=message_id)
    thanks = await fake.wait_for(lambda r: r.is_callback_of(vote), WAIT)
    assert thanks.json["data"]["flags"] & EPHEMERAL
    assert bot.journal.feedback(answer_id) == {fake.user.id: 1}

    reacted = asyncio.ensure_future(bot.wait_for("raw_reaction_add", timeout=WAIT))
    await fake.send_reaction_add(message_id, "👎", user=world.moderator)
    await reacted
    assert bot.journal.feedback(answer_id) == {fake.user.id: 1, world.moderator.user.id: -1}


async def test_timeline_button_under_an_answer(world: World) -> None:
    fake = world.fake
    ids = await fake.send_interaction("ask", {"question": QUESTION})
    followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    answer_id = world.bot.journal.answer_for_message(int(followup.response["id"]))
    click = await fake.send_component(f"ask:{answer_id}:timeline", message_id=int(followup.response["id"]))
    image = await fake.wait_for(lambda r: r.is_followup_of(click), WAIT)
    assert flags(image) & EPHEMERAL and [f.filename for f in image.files] == ["timeline.png"]
    assert SEED_SENTENCE in embed_text(image.json["embeds"][0])
