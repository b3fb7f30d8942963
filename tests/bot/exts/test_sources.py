"""/sources, and the moderators' /source add and remove (uploads, pages, feeds) and the scheduled refresh."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import date

import pytest

from bot.uploads import UPLOADS
from index.fetch import FetchPolicy
from tests.helpers import (
    EPHEMERAL,
    UPLOADED,
    WAIT,
    FileServer,
    World,
    attachment_options,
    bad_inputs,
    failed,
    finished,
    flags,
)
from tests.index.web import TRAM_QUESTION, serve_news, serving


async def test_sources_lists_the_registered_sources(world: World) -> None:
    ids = await world.fake.send_interaction("sources")
    callback = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    followup = await world.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    names = [f["name"] for f in followup.json["embeds"][0]["fields"]]
    assert names == ["seeds"]


async def test_source_add_and_remove_an_uploaded_file(world: World, file_server: FileServer) -> None:
    fake, bot, library = world.fake, world.bot, world.library
    options, resolved = attachment_options("moon", file_server)
    ids = await fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                      user=world.moderator)
    await fake.wait_for(lambda r: finished(ids, r), WAIT)
    here = str(fake.guild.id)
    saved = library.data_dir / UPLOADS / here / "moon" / "briefing.txt"
    assert saved.read_text() == UPLOADED
    entry = library.registry.get("moon", here)
    assert entry is not None and entry.added_by == f"discord:{world.moderator.user.id} (mod)"
    hit = library.ask("When did the lunar base open to visitors?", 1, {"moon"}).passages[0]
    assert hit.quote == UPLOADED

    ids = await fake.send_interaction("source", {"name": "moon"}, subcommand="remove", user=world.moderator)
    await fake.wait_for(lambda r: finished(ids, r), WAIT)
    assert library.registry.get("moon", here) is None and not saved.parent.exists()
    assert "moon" not in library.searcher().source_names()
    assert [(a.action, a.argument, a.scope) for a in bot.journal.audit()] == [("source add", "moon", here),
                                                                             ("source remove", "moon", here)]


async def test_source_add_accepts_what_the_readers_read(world: World, file_server: FileServer) -> None:
    """A `.jsonl.gz` (which the JSON Lines reader reads) under a name with an accent (which the registry
    accepts) is added and answered from."""
    record = {"id": "m1", "title": "Moon base", "publisher": "Lunar Times", "text": UPLOADED}
    file_server.files["moon.jsonl.gz"] = gzip.compress(json.dumps(record).encode() + b"\n")
    options, resolved = attachment_options("lune-café", file_server, filename="moon.jsonl.gz")
    ids = await world.fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                            user=world.moderator)
    await world.fake.wait_for(lambda r: finished(ids, r), WAIT)
    hit = world.library.ask("When did the lunar base open to visitors?", 1, {"lune-café"}).passages[0]
    assert hit.quote == UPLOADED and hit.source.publisher == "Lunar Times"


async def test_a_compressed_upload_is_measured_uncompressed(world: World, file_server: FileServer) -> None:
    """6 MiB of JSON Lines in a 6 KiB gzip is refused like a 6 MiB file, and nothing is kept."""
    file_server.files["bomb.jsonl.gz"] = gzip.compress(b"{}\n" * (2 * 1024 * 1024))
    options, resolved = attachment_options("bomb", file_server, filename="bomb.jsonl.gz")
    assert resolved["attachments"]["777"]["size"] < 64 * 1024
    ids = await world.fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                            user=world.moderator)
    outcome = await world.fake.wait_for(lambda r: failed(ids, r), WAIT)
    assert "too large uncompressed" in outcome.json["content"]
    assert world.library.sources() == world.library.sources({"operator"})  # nothing of the server's
    assert not any((world.library.data_dir / UPLOADS).rglob("*.gz"))


@pytest.mark.parametrize(("options", "expected"), [
    ({"name": "nothing"}, "Give either a URL"),
    ({"name": "bad name!", "url": "http://127.0.0.1:9/feed.xml"}, "source name"),
])
async def test_source_add_refusals(world: World, options: dict, expected: str) -> None:
    ids = await world.fake.send_interaction("source", options, subcommand="add", user=world.moderator)
    refusal = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert flags(refusal) & EPHEMERAL and expected in refusal.json["data"]["content"].replace("\\", "")
    assert world.bot.journal.audit() == []


async def test_source_add_refuses_bad_files_and_non_moderators(world: World, file_server: FileServer) -> None:
    fake = world.fake
    cases = [
        (attachment_options("pdf", file_server, filename="x.pdf"), world.moderator, "Unsupported file type"),
        (attachment_options("big", file_server, size=6 * 1024 * 1024), world.moderator, "too large"),
        (attachment_options("../up", file_server), world.moderator, "source name"),
        (attachment_options("seeds", file_server), world.moderator, "already exists"),
        (attachment_options("ok", file_server), fake.user, "moderators"),
    ]
    for (options, resolved), user, expected in cases:
        ids = await fake.send_interaction("source", options, subcommand="add", resolved=resolved, user=user)
        refusal = await fake.wait_for(lambda r, ids=ids: r.is_callback_of(ids), WAIT)
        assert flags(refusal) & EPHEMERAL and expected in refusal.json["data"]["content"], expected
    assert world.bot.journal.audit() == [] and not (world.library.data_dir / UPLOADS).exists()


async def test_owner_is_a_moderator_without_the_role(world: World) -> None:
    ids = await world.fake.send_interaction("reindex", {"source": "nope"}, user=world.fake.owner)
    refusal = await world.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    assert "no source named 'nope'" in refusal.json["data"]["content"]  # past the moderator check


async def test_source_add_a_feed_url(world: World) -> None:
    """A moderator adds an RSS feed served on loopback; its articles are then answered with their links."""
    library = world.library
    async with serving() as site:
        feed = serve_news(site)
        library.fetch_policy = FetchPolicy(allow_private=True)  # the test site is on 127.0.0.1
        ids = await world.fake.send_interaction("source", {"name": "coast", "url": feed}, subcommand="add",
                                                user=world.moderator)
        await world.fake.wait_for(lambda r: finished(ids, r), WAIT)
    hit = library.ask(TRAM_QUESTION, 1, {"coast"}).passages[0]
    assert hit.source.url == site.url("/news/tram")
    assert library.registry.get("coast", str(world.fake.guild.id)).kind == "feed"


async def test_source_add_refuses_private_addresses(world: World) -> None:
    """Without allow_private_urls, a URL on a private network fails, and nothing is registered."""
    ids = await world.fake.send_interaction("source", {"name": "lan", "url": "http://10.1.2.3/feed.xml"},
                                            subcommand="add", user=world.moderator)
    outcome = await world.fake.wait_for(lambda r: failed(ids, r), WAIT)
    assert "private" in outcome.json["content"] or "not allowed" in outcome.json["content"]
    assert world.library.registry.get("lan", str(world.fake.guild.id)) is None


async def test_scheduled_refresh_picks_up_a_changed_feed_article(world: World) -> None:
    """The refresh task downloads feeds again and reindexes only what changed."""
    library = world.library
    async with serving() as site:
        feed = serve_news(site)
        library.fetch_policy = FetchPolicy(allow_private=True)
        await asyncio.to_thread(library.add_source, feed, name="coast")
        await asyncio.to_thread(library.reindex)
        body, kind = site.pages["/news/tram"]
        site.pages["/news/tram"] = (body.replace("spring of 2027", "autumn of 2028"), kind)
        before = library.embedder.encoded
        # One round of the loop, as the interval would run it.
        await world.bot.get_cog("Sources").refresh_feeds()  # type: ignore[union-attr]
    hit = library.ask(TRAM_QUESTION, 1, {"coast"}).passages[0]
    assert "autumn of 2028" in hit.quote
    assert 0 < library.embedder.encoded - before <= 2  # only the changed article's passages


async def test_bad_uploads_beside_good_ones_then_reindex(world: World, file_server: FileServer) -> None:
    """Issue 12, done when, in Discord: each input that once failed a whole build, uploaded by a moderator
    beside good articles, is added with a warning naming it in the job's message (or, for a gzip that is
    not one, refused at once with nothing kept); /reindex then succeeds; the good articles are answered."""
    fake, library = world.fake, world.library
    bad = bad_inputs()
    here = str(fake.guild.id)
    for filename, data in bad.files.items():
        name = filename.split(".")[0]
        file_server.files[filename] = data
        options, resolved = attachment_options(name, file_server, filename=filename)
        ids = await fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                          user=world.moderator)
        outcome = await fake.wait_for(lambda r, ids=ids: finished(ids, r) or failed(ids, r), WAIT)
        content = outcome.json["content"].replace("\\", "")
        if filename.endswith(".gz"):  # the upload check measures a gzip uncompressed: these are none
            assert "❌" in content and "not valid gzip" in content, content
            assert library.registry.get(name, here) is None
            continue
        assert "✅" in content, content
        for warning in bad.warnings.get(filename, []):
            assert f"/{warning}" in content, (warning, content)
        skipped = sum(1 for w in bad.warnings.get(filename, []) if ": skipped (" in w)
        assert (f", {skipped} skipped" in content) == bool(skipped), content

    ids = await fake.send_interaction("reindex", user=world.moderator)
    await fake.wait_for(lambda r: finished(ids, r), WAIT)
    for question, as_of, words in bad.answers:
        if "Port Ellen" in words:
            continue  # its file was a truncated gzip, refused at upload
        answer = library.ask(question, as_of=date.fromisoformat(as_of) if as_of else None)
        assert answer.answered and any(words in p.quote for p in answer.passages), question
