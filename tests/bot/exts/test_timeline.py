"""/timeline on the fake Discord."""

from __future__ import annotations

from tests.helpers import EPHEMERAL, SEED_SENTENCE, WAIT, World, embed_text, flags


async def test_timeline_quotes_dated_events_with_the_chart(world: World) -> None:
    ids = await world.fake.send_interaction("timeline", {"topic": "Putin", "since": "2024-06"})
    assert (await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)).json == {"type": 5}
    followup = await world.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    embed = followup.json["embeds"][0]
    [field] = embed["fields"]
    assert field["name"] == "18 Jun 2024"  # a date written for people
    headline, outlets = field["value"].replace("\\", "").splitlines()
    assert headline == "> …Putin will travel to North Korea on Tuesday…"
    assert outlets == "— South China Morning Post"
    assert embed["image"]["url"] == "attachment://timeline.png"
    assert [f.filename for f in followup.files] == ["timeline.png"]
    assert followup.files[0].data.startswith(b"\x89PNG")
    [attachment] = followup.json["attachments"]
    assert "Putin will travel to North Korea on Tuesday" in attachment["description"]  # the text alternative
    [button] = [c for row in followup.json["components"] for c in row["components"]]
    assert button["label"] == "All quotes"

    # The whole sentences are one click away, for whoever clicks.
    click = await world.fake.send_component(button["custom_id"], message_id=int(followup.response["id"]))
    quotes = await world.fake.wait_for(lambda r: r.is_followup_of(click), WAIT)
    assert flags(quotes) & EPHEMERAL
    assert SEED_SENTENCE in embed_text(quotes.json["embeds"][0])

    bad = await world.fake.send_interaction("timeline", {"since": "whenever"})
    refusal = await world.fake.wait_for(lambda r: r.is_followup_of(bad), WAIT)
    assert flags(refusal) & EPHEMERAL and "cannot read the date" in refusal.json["content"].replace("\\", "")
