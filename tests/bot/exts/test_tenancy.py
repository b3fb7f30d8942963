"""Each server's sources are its own, over the wire: two servers on the fake Discord (the `servers` fixture).

A source uploaded in server A is quoted in A, never in B or in a direct message; B's administrator cannot
remove or reindex A's sources or the operator's; a role named like A's moderator role gains nothing; the
bot's removal from A purges A's sources after the grace period; every refusal is a short ephemeral message
and changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.uploads import UPLOADS
from index import OPERATOR, Library, ServerLimits, seen_in
from index.fetch import FetchPolicy
from tests.fake_discord import FakeGuild, FakeMember, FakeUser, InteractionIds
from tests.helpers import (
    EPHEMERAL,
    GRACE,
    QUESTION,
    SEED_SENTENCE,
    UPLOADED,
    WAIT,
    FileServer,
    TwoServers,
    attachment_options,
    embed_text,
    failed,
    finished,
    flags,
)
from tests.index.web import TRAM_QUESTION, serve_news, serving

LUNAR_QUESTION = "When did the lunar base open to visitors?"
DATED = "The lunar base on Mare Tranquillitatis opened to visitors on June 14, 2024, its operator said."
SHORT = 200  # characters: a refusal is one short sentence


@dataclass(frozen=True)
class State:
    """What a refused command must leave as it was."""

    sources: list
    generation: str | None
    audit: int
    uploads: list[str]


def state(servers: TwoServers) -> State:
    library = servers.library
    uploads = library.data_dir / UPLOADS
    return State(library.sources(), library.engine.current(), len(servers.bot.journal.audit()),
                 sorted(str(p.relative_to(uploads)) for p in uploads.rglob("*")) if uploads.exists() else [])


async def refused(servers: TwoServers, name: str, options: dict | list, *, guild: FakeGuild,
                  user: FakeUser | FakeMember, subcommand: str | None = None, resolved: dict | None = None,
                  ) -> str:
    """Send a command that must be refused: its answer is a short ephemeral message, and nothing changed."""
    before = state(servers)
    ids = await servers.fake.send_interaction(name, options, subcommand=subcommand, guild=guild, user=user,
                                              resolved=resolved)
    answer = await servers.fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
    text = answer.json["data"]["content"].replace("\\", "")
    assert flags(answer) & EPHEMERAL and len(text) < SHORT and "\n" not in text, text
    assert state(servers) == before
    return text


async def asked(servers: TwoServers, question: str, guild: FakeGuild | None, **options: object) -> str:
    """What the bot answers `question` with in `guild` (None: a direct message), as alice asks it."""
    ids = await servers.fake.send_interaction("ask", {"question": question, **options}, guild=guild,
                                              user=servers.fake.user)
    followup = await servers.fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
    return embed_text(followup.json["embeds"][0])


async def run_job(servers: TwoServers, ids: InteractionIds) -> str:
    done = await servers.fake.wait_for(lambda r: finished(ids, r) or failed(ids, r), WAIT)
    return done.json["content"]


async def upload(servers: TwoServers, files: FileServer, name: str, guild: FakeGuild,
                 user: FakeMember | FakeUser, filename: str = "briefing.txt") -> str:
    options, resolved = attachment_options(name, files, filename=filename)
    ids = await servers.fake.send_interaction("source", options, subcommand="add", resolved=resolved,
                                              guild=guild, user=user)
    return await run_job(servers, ids)


async def test_a_source_uploaded_in_a_server_is_quoted_there_only(
    servers: TwoServers, file_server: FileServer,
) -> None:
    fake, a, b = servers.fake, servers.a, servers.b
    file_server.files["dated.txt"] = DATED.encode()
    assert "✅" in await upload(servers, file_server, "moon", a, servers.mod_a, "dated.txt")
    entry = servers.library.registry.get("moon", str(a.id))
    assert entry is not None and entry.documents == 1

    assert DATED in await asked(servers, LUNAR_QUESTION, a)
    assert DATED not in await asked(servers, LUNAR_QUESTION, b)
    assert DATED not in await asked(servers, LUNAR_QUESTION, b, source="moon")  # a name never reaches it
    assert DATED not in await asked(servers, LUNAR_QUESTION, None)  # a direct message: the operator's
    assert SEED_SENTENCE in await asked(servers, QUESTION, b)  # the operator's: everywhere
    assert SEED_SENTENCE in await asked(servers, QUESTION, None)

    # A mention in B is answered (in a thread) from what B sees.
    sent = await fake.send_message(f"<@{fake.bot.id}> {LUNAR_QUESTION}", channel_id=b.text_channel.id)
    thread = await fake.wait_for(lambda r: r.matches(
        "POST", rf"/channels/{sent.channel_id}/messages/{sent.message_id}/threads"), WAIT)
    answer = await fake.wait_for(lambda r: r.matches("POST", rf"/channels/{thread.response['id']}/messages"),
                                 WAIT)
    assert DATED not in embed_text(answer.json["embeds"][0])

    async def timeline(guild: FakeGuild) -> str:
        ids = await fake.send_interaction("timeline", {"topic": "lunar base"}, guild=guild)
        followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
        return embed_text(followup.json["embeds"][0])

    assert "Mare Tranquillitatis" in await timeline(a) and "Mare Tranquillitatis" not in await timeline(b)

    async def listed(guild: FakeGuild) -> list[tuple[str, str]]:
        ids = await fake.send_interaction("sources", guild=guild)
        followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
        return [(f["name"], f["value"].split(" · ")[0]) for f in followup.json["embeds"][0]["fields"]]

    assert await listed(a) == [("seeds", "article files"), ("moon", "this server's")]
    assert await listed(b) == [("seeds", "article files")]

    async def completed(guild: FakeGuild) -> list[str]:
        ids = await fake.send_autocomplete("ask", {"question": "x", "source": "o"}, focused="source",
                                           guild=guild)
        callback = await fake.wait_for(lambda r: r.is_callback_of(ids), WAIT)
        return [c["value"] for c in callback.json["data"]["choices"]]

    assert await completed(a) == ["moon"] and await completed(b) == []
    [audit] = servers.bot.journal.audit()
    assert (audit.action, audit.argument, audit.scope, audit.guild_id) == (
        "source add", "moon", str(a.id), a.id)


async def test_the_buttons_under_an_answer_search_what_its_server_sees(
    servers: TwoServers, file_server: FileServer,
) -> None:
    """The timeline button under an answer searches again, in the scope of the server it was asked in (the
    journal's record of the answer; the page buttons re-ask from the same record)."""
    fake, a, b = servers.fake, servers.a, servers.b
    visit = ("Putin will visit North Korea's lunar observatory at Mare Tranquillitatis on June 14, 2024, "
             "officials in Pyongyang said.")
    file_server.files["visit.txt"] = visit.encode()
    assert "✅" in await upload(servers, file_server, "visit", a, servers.mod_a, "visit.txt")

    async def pressed(guild: FakeGuild) -> str:
        ids = await fake.send_interaction("ask", {"question": QUESTION}, guild=guild)
        followup = await fake.wait_for(lambda r: r.is_followup_of(ids), WAIT)
        message_id = int(followup.response["id"])
        answer_id = servers.bot.journal.answer_for_message(message_id)
        assert answer_id is not None  # answered from the operator's sources in either server
        click = await fake.send_component(f"ask:{answer_id}:timeline", message_id=message_id, guild=guild)
        shown = await fake.wait_for(lambda r: r.is_followup_of(click), WAIT)
        return embed_text(shown.json["embeds"][0])

    assert "Mare Tranquillitatis" in await pressed(a)
    assert "Mare Tranquillitatis" not in await pressed(b)


async def test_another_servers_administrator_changes_nothing(
    servers: TwoServers, file_server: FileServer,
) -> None:
    a, b, admin_b = servers.a, servers.b, servers.admin_b
    assert "✅" in await upload(servers, file_server, "moon", a, servers.mod_a)
    for user in (admin_b, servers.bob):  # B's administrator and B's owner
        for name, subcommand, option in [("source", "remove", "name"), ("reindex", None, "source")]:
            text = await refused(servers, name, {option: "moon"}, subcommand=subcommand, guild=b, user=user)
            assert text == "This server has no source named 'moon'."
            text = await refused(servers, name, {option: "seeds"}, subcommand=subcommand, guild=b, user=user)
            assert text == ("'seeds' is one of the operator's sources, shared by every server: only the "
                            f"bot's operator can {subcommand or 'reindex'} it.")
        text = await refused(servers, "reindex", {}, guild=b, user=user)
        assert text.startswith("This server has no sources of its own to reindex")
    # B's administrator in A is nobody there.
    text = await refused(servers, "source", {"name": "moon"}, subcommand="remove", guild=a, user=admin_b.user)
    assert text.startswith("Only moderators can do this")
    # Nor is anyone in a direct message, where no server's sources are changed (the bot's owner included).
    for user in (admin_b.user, servers.mod_a.user, servers.fake.owner):
        for name, subcommand, option in [("source", "remove", "name"), ("reindex", None, "source")]:
            for source in ("moon", "seeds"):
                text = await refused(servers, name, {option: source}, subcommand=subcommand, guild=None,
                                     user=user)
                assert text == "This command only works in a server."
    assert DATED not in await asked(servers, LUNAR_QUESTION, b) and UPLOADED in await asked(
        servers, LUNAR_QUESTION, a)


async def test_a_role_named_like_a_moderator_role_gains_nothing(
    servers: TwoServers, file_server: FileServer,
) -> None:
    a = servers.a
    assert "✅" in await upload(servers, file_server, "moon", a, servers.mod_a)
    carol = servers.carol  # "Moderator" in server B, a plain member of A
    options, resolved = attachment_options("mine", file_server)
    for name, subcommand, opts, extra in [
        ("source", "remove", {"name": "moon"}, None), ("reindex", None, {}, None),
        ("source", "add", options, resolved),
    ]:
        text = await refused(servers, name, opts, subcommand=subcommand, guild=a, user=carol, resolved=extra)
        assert text.startswith("Only moderators can do this")
    # Roles given by id: A's second role named "Moderator" is not A's moderator role.
    servers.bot.settings.discord.server_moderator_roles[a.id] = [servers.moderator_role_a.id]
    text = await refused(servers, "reindex", {}, guild=a, user=servers.lookalike)
    assert text == "Only moderators can do this (roles: Moderator, or server administrators)."
    ids = await servers.fake.send_interaction("reindex", {}, guild=a, user=servers.mod_a)
    assert "✅" in await run_job(servers, ids)


async def test_the_bot_owner_alone_may_change_the_operators_sources_from_discord(servers: TwoServers) -> None:
    a, fake = servers.a, servers.fake
    text = await refused(servers, "reindex", {"source": "seeds"}, guild=a, user=servers.mod_a)
    assert "only the bot's operator" in text
    ids = await fake.send_interaction("reindex", {"source": "seeds"}, guild=a, user=fake.owner)
    assert "✅" in await run_job(servers, ids)
    [audit] = servers.bot.journal.audit()
    assert (audit.action, audit.argument, audit.scope) == ("reindex", "seeds", OPERATOR)


def purged(servers: TwoServers, scope: str) -> bool:
    """Whether a purge of `scope` finished (the audit log records it at the end)."""
    return any(e.action == "purge" and e.scope == scope and e.outcome for e in servers.bot.journal.audit())


async def wait_until(check: Callable[[], object], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_removing_the_bot_from_a_server_purges_its_sources_after_the_grace_period(
    servers: TwoServers, file_server: FileServer,
) -> None:
    fake, a, b, library = servers.fake, servers.a, servers.b, servers.library
    assert "✅" in await upload(servers, file_server, "moon", a, servers.mod_a)
    assert "✅" in await upload(servers, file_server, "moon", b, servers.admin_b)  # B's own copy
    uploads = library.data_dir / UPLOADS
    removed_at = time.monotonic()
    await fake.remove_bot_from(a)
    await wait_until(lambda: servers.bot.journal.departures())
    assert library.registry.get("moon", str(a.id)) is not None  # kept during the grace period
    await wait_until(lambda: purged(servers, str(a.id)))
    assert time.monotonic() - removed_at >= GRACE
    assert library.registry.get("moon", str(a.id)) is None
    assert not (uploads / str(a.id)).exists() and (uploads / str(b.id) / "moon").exists()
    assert {d.scope for d in library.searcher().store.documents.values()} == {OPERATOR, str(b.id)}
    assert servers.bot.journal.departures() == []
    purge = servers.bot.journal.audit()[-1]
    assert (purge.action, purge.scope, purge.outcome.startswith("ok: moon")) == ("purge", str(a.id), True)
    assert UPLOADED in await asked(servers, LUNAR_QUESTION, b)  # B keeps its own


async def test_invited_back_within_the_grace_period_the_sources_stay(
    servers: TwoServers, file_server: FileServer,
) -> None:
    fake, a, library = servers.fake, servers.a, servers.library
    assert "✅" in await upload(servers, file_server, "moon", a, servers.mod_a)
    await fake.remove_bot_from(a)
    await wait_until(lambda: servers.bot.journal.departures())
    await fake.add_bot_to(a)
    await wait_until(lambda: not servers.bot.journal.departures())
    await asyncio.sleep(GRACE + 0.5)
    assert library.registry.get("moon", str(a.id)) is not None
    assert UPLOADED in await asked(servers, LUNAR_QUESTION, a)


@pytest.fixture
def left_while_down(library: Library, tmp_path: Path) -> str:
    """A server's source in the index of a server the bot is no longer in (removed while it was down)."""
    folder = tmp_path / "gone"
    folder.mkdir()
    (folder / "a.txt").write_text(UPLOADED)
    entry = library.add_source(str(folder), name="gone", scope="999")
    library.reindex(only={entry.key})
    return entry.scope


async def test_a_server_left_while_the_bot_was_down_is_purged(left_while_down: str,
                                                             servers: TwoServers) -> None:
    library = servers.library
    await wait_until(lambda: purged(servers, left_while_down))
    assert library.registry.get("gone", left_while_down) is None
    assert left_while_down not in {d.scope for d in library.searcher().store.documents.values()}


async def test_a_server_is_limited_and_told_so(servers: TwoServers, file_server: FileServer) -> None:
    a, library = servers.a, servers.library
    library.server_limits = ServerLimits(sources=2, passages=3)
    assert "✅" in await upload(servers, file_server, "moon", a, servers.mod_a)
    file_server.files["long.txt"] = " ".join(
        f"Sentence {i} of the long briefing names the harbour." for i in range(80)).encode()
    text = await upload(servers, file_server, "long", a, servers.mod_a, "long.txt")
    assert "❌" in text and "more than the 3 a server may have" in text
    assert library.registry.get("long", str(a.id)) is None
    assert not (library.data_dir / UPLOADS / str(a.id) / "long").exists()
    assert "✅" in await upload(servers, file_server, "sun", a, servers.mod_a)
    options, resolved = attachment_options("third", file_server)
    text = await refused(servers, "source", options, subcommand="add", resolved=resolved, guild=a,
                         user=servers.mod_a)
    assert text == "This server has 2 sources, the most a server may have; remove one before adding another."


async def test_a_feed_added_in_a_server_refreshes_in_its_scope(servers: TwoServers) -> None:
    library, a, b = servers.library, servers.a, servers.b
    async with serving() as site:
        feed = serve_news(site)
        library.fetch_policy = FetchPolicy(allow_private=True)
        ids = await servers.fake.send_interaction("source", {"name": "coast", "url": feed}, subcommand="add",
                                                  guild=a, user=servers.mod_a)
        assert "✅" in await run_job(servers, ids)
        body, kind = site.pages["/news/tram"]
        site.pages["/news/tram"] = (body.replace("spring of 2027", "autumn of 2028"), kind)
        await servers.bot.get_cog("Sources").refresh_feeds()  # type: ignore[union-attr]
    refreshed = [hit.quote for hit in library.ask(TRAM_QUESTION, 3, {"coast"}, None, seen_in(a.id)).passages]
    assert any("autumn of 2028" in quote for quote in refreshed)
    assert library.ask(TRAM_QUESTION, 3, {"coast"}, None, seen_in(b.id)).passages == []
    assert "tram line" not in (await asked(servers, TRAM_QUESTION, b)).split("\n", 1)[1]
    coast = {d.scope for d in library.searcher().store.documents.values() if d.source == "coast"}
    assert coast == {str(a.id)}
