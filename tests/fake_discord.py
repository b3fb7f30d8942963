"""A fake Discord gateway + REST API on 127.0.0.1 for wire-level end-to-end tests.

A *real* ``discord.py`` client (``Client``, ``commands.Bot``, ``AutoShardedClient``) connects to this
server exactly as it would to Discord: it logs in over REST, opens the websocket gateway, IDENTIFYs,
receives READY/GUILD_CREATE, and answers interactions through the callback/webhook endpoints. Tests
inject gateway events (slash commands, component clicks, autocomplete, messages, reactions) and assert
on the REST requests the bot made. Nothing is mocked inside discord.py: only two URLs are patched
(``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``), so payload-shape bugs that
would crash the library's parsers in production crash it here too.

Typical use (see ``tests/test_fake_discord.py``)::

    async with FakeDiscord() as fake:
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        tree = app_commands.CommandTree(client)
        ...  # define commands
        async with fake.run_client(client):          # login + connect, waits for on_ready
            await tree.sync(guild=discord.Object(fake.guild.id))
            ids = await fake.send_interaction("ping")
            followup = await fake.wait_for(lambda r: r.is_followup_of(ids))
            assert followup.json["embeds"][0]["title"] == "Pong"

Behaviour worth knowing (mirrors Discord):

* Every response carries ``Content-Type: application/json`` *exactly*; discord.py only decodes JSON
  when the header has no ``; charset=...`` suffix.
* Responding twice to one interaction returns 400 (code 40060), an unknown interaction 404 (10062).
* After a deferred response (type 5) the first followup *replaces* the loading original message (same
  id), like Discord does; later followups are new messages.
* Messages the bot posts with ``POST /channels/{id}/messages`` are echoed back as MESSAGE_CREATE, and
  created threads as THREAD_CREATE, when a gateway session is connected.
* Gateway events sent while the client is disconnected are buffered and replayed on RESUME.
* Unknown routes are recorded (``Request.known is False``) and answered with a 404 JSON error, so a
  test can assert ``fake.unknown_requests == []``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import discord
import yarl
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

JSON = dict[str, Any]
T = TypeVar("T")

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
DISCORD_EPOCH_MS = 1420070400000

# Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Interaction callback types.
CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

#: Permissions of a fresh server's @everyone role (view, send, history, reactions, embeds, files, ...).
DEFAULT_EVERYONE_PERMISSIONS: int = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_application_commands=True,
    use_external_emojis=True,
    change_nickname=True,
    connect=True,
    speak=True,
).value
ALL_PERMISSIONS: int = discord.Permissions.all().value
ADMINISTRATOR: int = discord.Permissions(administrator=True).value

_counter = itertools.count(1)


def snowflake() -> int:
    """Return a new, unique, time-based Discord snowflake (so ``created_at`` values look real)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


# --------------------------------------------------------------------------------------------------
# Configurable world: users, roles, channels, members, guilds
# --------------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    """A Discord user; ``to_dict`` yields the full user object discord.py parses."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_dict(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }


@dataclass
class FakeRole:
    """A guild role. ``permissions`` is the integer bit set (see :class:`discord.Permissions`)."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    def to_dict(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild channel, thread (type 10/11/12) or DM (type 1). ``extra`` is merged into the payload."""

    id: int
    name: str | None
    type: int = 0
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    owner_id: int | None = None
    recipients: list[FakeUser] = field(default_factory=list)
    extra: JSON = field(default_factory=dict)

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def to_dict(self) -> JSON:
        data: JSON = {"id": str(self.id), "type": self.type, "last_message_id": None, "flags": 0}
        if self.type in (1, 3):  # DM / group DM
            data["recipients"] = [u.to_dict() for u in self.recipients]
            return data | self.extra
        data.update(
            {
                "guild_id": str(self.guild_id) if self.guild_id else None,
                "name": self.name,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "rate_limit_per_user": 0,
                "nsfw": self.nsfw,
            }
        )
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id else None,
                    "message_count": 0,
                    "member_count": 1,
                    "total_message_sent": 0,
                    "applied_tags": [],
                    "thread_metadata": {
                        "archived": False,
                        "auto_archive_duration": 1440,
                        "archive_timestamp": _now_iso(),
                        "locked": False,
                        "invitable": True,
                        "create_timestamp": _now_iso(),
                    },
                }
            )
            return data | self.extra
        data.update({"position": self.position, "permission_overwrites": [], "topic": self.topic})
        if self.type in (2, 13):  # voice / stage
            data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1})
        if self.type in (15, 16):  # forum / media
            data.update(
                {
                    "available_tags": [],
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_thread_rate_limit_per_user": 0,
                }
            )
        return data | self.extra


@dataclass
class FakeMember:
    """A guild member: a user plus role ids (the @everyone role is implicit, as on Discord)."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=_now_iso)

    def to_dict(self, *, with_user: bool = True, permissions: int | None = None) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeGuild:
    """A guild with roles, channels and members, sent to the client in GUILD_CREATE.

    Build one with :meth:`create` (adds the @everyone role and a ``#general`` text channel) and extend
    it with :meth:`add_role`, :meth:`add_channel` and :meth:`add_member` before the client connects.
    """

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    threads: list[FakeChannel] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        name: str = "Test Guild",
        *,
        owner: FakeUser,
        id: int | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        channel_name: str | None = "general",
    ) -> FakeGuild:
        gid = id if id is not None else snowflake()
        guild = cls(id=gid, name=name, owner_id=owner.id)
        guild.roles.append(FakeRole(id=gid, name="@everyone", permissions=everyone_permissions))
        guild.add_member(owner)
        if channel_name is not None:
            guild.add_channel(channel_name)
        return guild

    @property
    def everyone(self) -> FakeRole:
        return next(r for r in self.roles if r.id == self.id)

    def add_role(self, name: str, permissions: int = 0, **kwargs: Any) -> FakeRole:
        role = FakeRole(
            id=snowflake(), name=name, permissions=permissions, position=len(self.roles), **kwargs
        )
        self.roles.append(role)
        return role

    def add_channel(self, name: str, type: int = 0, **kwargs: Any) -> FakeChannel:
        channel = FakeChannel(
            id=snowflake(), name=name, type=type, guild_id=self.id, position=len(self.channels), **kwargs
        )
        self.channels.append(channel)
        return channel

    def add_member(
        self, user: FakeUser, roles: Iterable[FakeRole | int] = (), nick: str | None = None
    ) -> FakeMember:
        role_ids = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        member = FakeMember(user=user, roles=role_ids, nick=nick)
        self.members.append(member)
        return member

    def member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in [*self.channels, *self.threads] if c.id == channel_id), None)

    @property
    def text_channel(self) -> FakeChannel:
        """The first text channel (``#general`` for guilds made by :meth:`create`)."""
        return next(c for c in self.channels if c.type == 0)

    def permissions_for(self, member: FakeMember) -> int:
        """Guild-level permissions (owner/administrator get everything; channel overwrites ignored)."""
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        for role in self.roles:
            if role.id in member.roles:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def to_dict(self) -> JSON:
        """The GUILD_CREATE payload (an available guild with everything discord.py reads)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "joined_at": _now_iso(),
            "large": False,
            "unavailable": False,
            # == len(members) so discord.py considers the guild chunked and never waits for chunks.
            "member_count": len(self.members),
            "roles": [r.to_dict() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [c.to_dict() for c in self.channels],
            "threads": [t.to_dict() for t in self.threads],
            "members": [m.to_dict() for m in self.members],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


# --------------------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """One file part of a multipart request (``files[n]``)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Request:
    """A REST request the client made, with the response the fake sent back.

    ``path`` is relative to ``/api/v10`` and percent-decoded (``/channels/1/messages/2/reactions/👍/@me``).
    ``json`` is the JSON body, or the ``payload_json`` part of a multipart body (then ``files`` holds
    the attachments). ``known`` is False for requests that hit the catch-all 404 route.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile] = field(default_factory=list)
    status: int = 0
    response: Any = None
    known: bool = True

    def matches(self, method: str, pattern: str) -> bool:
        """True if the method matches and ``pattern`` (a regex) fully matches the path."""
        return self.method == method.upper() and re.fullmatch(pattern, self.path) is not None

    def is_callback_of(self, ids: InteractionIds) -> bool:
        """True for the interaction callback (initial response) of the given interaction."""
        return (
            self.method == "POST" and self.path == f"/interactions/{ids.interaction_id}/{ids.token}/callback"
        )

    def is_followup_of(self, ids: InteractionIds) -> bool:
        """True for a followup message (``POST /webhooks/{app}/{token}``) of the given interaction."""
        return self.method == "POST" and self.path == f"/webhooks/{ids.application_id}/{ids.token}"

    def is_for_interaction(self, ids: InteractionIds) -> bool:
        """True for any request (callback, followup, original-response edit, ...) on that interaction."""
        return f"/{ids.token}" in self.path


@dataclass
class GatewayFrame:
    """A frame the client sent on the gateway (``op``, ``d``), with the shard it came from."""

    op: int
    data: Any
    shard: tuple[int, int] | None


@dataclass(frozen=True)
class InteractionIds:
    """Ids of an injected interaction; pass to :meth:`Request.is_followup_of` and friends."""

    interaction_id: int
    token: str
    application_id: int
    guild_id: int | None
    channel_id: int
    user_id: int
    command_id: int | None = None


@dataclass(frozen=True)
class MessageIds:
    """Ids of an injected MESSAGE_CREATE."""

    message_id: int
    channel_id: int
    guild_id: int | None
    author_id: int


@dataclass(frozen=True)
class ReactionIds:
    """Ids of an injected MESSAGE_REACTION_ADD."""

    message_id: int
    channel_id: int
    guild_id: int | None
    user_id: int
    emoji: str


# --------------------------------------------------------------------------------------------------
# Gateway sessions
# --------------------------------------------------------------------------------------------------


class _Connection:
    """One websocket connection (one shard), possibly attached to a session."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.session: _Session | None = None
        self.shard: tuple[int, int] | None = None
        self._lock = asyncio.Lock()

    @property
    def open(self) -> bool:
        return not self.ws.closed

    async def send(self, payload: JSON) -> None:
        async with self._lock:
            await self.ws.send_str(json.dumps(payload))


@dataclass
class _Session:
    """A gateway session: survives a dropped connection so the client can RESUME it."""

    id: str
    shard: tuple[int, int] | None
    seq: int = 0
    history: list[JSON] = field(default_factory=list)
    connection: _Connection | None = None

    def covers(self, shard_id: int) -> bool:
        return self.shard is None or self.shard[0] == shard_id


@dataclass
class _InteractionState:
    ids: InteractionIds
    type: int
    message_id: int | None = None  # component interactions: the message the component is on
    responded: bool = False
    original_id: int | None = None


class _Unset:
    pass


_AUTO: Any = _Unset()

#: Where the middleware stores the :class:`Request` being recorded, for handlers to read and amend.
_RECORD = web.RequestKey("fake_discord_record", Request)


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


class FakeDiscord:
    """Fake Discord REST API + gateway on 127.0.0.1; an async context manager.

    On enter it starts an aiohttp server on a free port and patches discord.py's ``Route.BASE`` and
    ``DiscordWebSocket.DEFAULT_GATEWAY`` to point at it; on exit it closes gateway connections, stops
    the server and restores both attributes.

    Args:
        guilds: the guilds the bot is in. Default: one guild made by :meth:`FakeGuild.create` with an
            owner, the bot and a plain member ``alice`` (:attr:`user`).
        shards: what ``GET /gateway/bot`` reports (used by ``AutoShardedClient`` without shard_count).
        application_flags: ``application.flags`` in READY and ``GET /oauth2/applications/@me``.
        echo_bot_messages: send MESSAGE_CREATE for messages the bot posts to channels.
    """

    def __init__(
        self,
        *,
        guilds: Sequence[FakeGuild] | None = None,
        shards: int = 1,
        application_flags: int = 0,
        heartbeat_interval_ms: int = 41250,
        echo_bot_messages: bool = True,
    ) -> None:
        self.bot = FakeUser(id=snowflake(), username="briefbot", bot=True)
        self.application_id: int = self.bot.id  # modern apps: application id == bot user id
        self.owner = FakeUser(id=snowflake(), username="owner")
        self.user = FakeUser(id=snowflake(), username="alice", global_name="Alice")
        if guilds is None:
            guild = FakeGuild.create(owner=self.owner)
            guild.add_member(self.user)
            guilds = [guild]
        self.guilds: list[FakeGuild] = list(guilds)
        for g in self.guilds:
            if g.member(self.bot.id) is None:
                g.add_member(self.bot)
        self.shards = shards
        self.application_flags = application_flags
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.echo_bot_messages = echo_bot_messages

        #: Every REST request, in arrival order.
        self.requests: list[Request] = []
        #: Every gateway frame the client sent (identify, resume, heartbeat, presence, ...).
        self.gateway_frames: list[GatewayFrame] = []
        #: Command payloads as synced, with ids: global and per guild.
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        #: Messages known to the fake (posted by the bot or injected), by id.
        self.messages: dict[int, JSON] = {}
        self.dm_channels: dict[int, FakeChannel] = {}

        self._interactions: dict[int, _InteractionState] = {}
        self._interactions_by_token: dict[str, _InteractionState] = {}
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._changed = asyncio.Event()
        self._watched: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None
        self.port: int = 0

    # ---- lifecycle ---------------------------------------------------------------------------

    @property
    def guild(self) -> FakeGuild:
        """The first (default) guild."""
        return self.guilds[0]

    @property
    def channel(self) -> FakeChannel:
        """The default channel: the first text channel of the first guild."""
        return self.guild.text_channel

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start the server on a free port and patch discord.py to use it."""
        app = web.Application(middlewares=[self._record_middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # started above
        self.port = server.sockets[0].getsockname()[1]
        self.patch()

    async def stop(self) -> None:
        """Close gateway connections, stop the server and undo :meth:`patch`."""
        try:
            for conn in list(self._connections):
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=1001)
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
        finally:
            self.unpatch()

    def patch(self) -> None:
        """Point discord.py's REST base URL and default gateway at this server."""
        if self._saved is None:
            self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        Route.BASE = self.base_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def unpatch(self) -> None:
        """Restore the URLs saved by :meth:`patch`."""
        if self._saved is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None

    @contextlib.asynccontextmanager
    async def run_client(
        self, client: discord.Client, *, token: str = "fake-token", ready_timeout: float = 5.0
    ) -> AsyncIterator[asyncio.Task[None]]:
        """Log ``client`` in, connect it in a task, and wait for on_ready; close it on exit.

        This is ``client.start()`` split in two so the connect task can be watched: if it dies (e.g. a
        discord.py parser raised on a payload), waiting helpers fail at once with that exception, and
        the exception is re-raised when the block exits instead of being lost in a background task.
        """
        await client.login(token)
        task: asyncio.Task[None] = asyncio.create_task(client.connect(), name="discord-client-connect")
        self._watched.add(task)
        body_exc: BaseException | None = None
        try:
            await self._race(client.wait_until_ready(), ready_timeout, "client never became ready")
            yield task
        except BaseException as exc:
            body_exc = exc
            raise
        finally:
            self._watched.discard(task)
            await client.close()
            task_exc: BaseException | None = None
            try:
                await asyncio.wait_for(task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
            except Exception as exc:  # the client task's own failure
                task_exc = exc
            if task_exc is not None:
                if body_exc is not None:
                    task_exc.add_note(f"(the test body also failed with {body_exc!r})")
                raise task_exc from body_exc

    # ---- waiting -----------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _race(self, awaitable: Awaitable[T], timeout: float, what: str) -> T:
        """Await ``awaitable`` but fail fast if a watched client task dies, and time out clearly."""
        waiter = asyncio.ensure_future(awaitable)
        try:
            done, _ = await asyncio.wait(
                {waiter, *self._watched}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if waiter in done:
                return waiter.result()
            for task in done:
                exc = None if task.cancelled() else task.exception()
                raise RuntimeError(f"{what}: the client task ended early") from exc
            raise TimeoutError(f"{what} within {timeout}s; requests so far: {self._summary()}")
        finally:
            if not waiter.done():
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await waiter

    def _summary(self) -> str:
        return ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests) or "none"

    async def _wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        async def loop() -> T:
            while True:
                changed = self._changed
                result = check()
                if result is not None:
                    return result
                await changed.wait()

        return await self._race(loop(), timeout, what)

    async def wait_for(self, predicate: Callable[[Request], bool], timeout: float = 5.0) -> Request:
        """Wait until a recorded REST request (past or future) satisfies ``predicate``; return it."""
        return await self._wait_until(
            lambda: next((r for r in self.requests if predicate(r)), None), timeout, "no matching request"
        )

    async def wait_for_gateway(
        self, predicate: Callable[[GatewayFrame], bool], timeout: float = 5.0
    ) -> GatewayFrame:
        """Wait until a gateway frame sent by the client (past or future) satisfies ``predicate``."""
        return await self._wait_until(
            lambda: next((f for f in self.gateway_frames if predicate(f)), None),
            timeout,
            "no matching gateway frame",
        )

    def find(self, method: str, pattern: str) -> list[Request]:
        """Recorded requests whose method matches and whose path fully matches the regex ``pattern``."""
        return [r for r in self.requests if r.matches(method, pattern)]

    @property
    def unknown_requests(self) -> list[Request]:
        """Requests that hit no known route (answered 404)."""
        return [r for r in self.requests if not r.known]

    def requests_for(self, ids: InteractionIds) -> list[Request]:
        """Every request made on behalf of one interaction (callback, followups, edits)."""
        return [r for r in self.requests if r.is_for_interaction(ids)]

    # ---- gateway: server side ------------------------------------------------------------------

    def _shard_of(self, guild_id: int | None, count: int) -> int:
        return 0 if guild_id is None else (guild_id >> 22) % count

    def _guilds_for(self, shard: tuple[int, int] | None) -> list[FakeGuild]:
        if shard is None:
            return list(self.guilds)
        return [g for g in self.guilds if self._shard_of(g.id, shard[1]) == shard[0]]

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = _Connection(ws)
        self._connections.add(conn)
        try:
            await conn.send(
                {
                    "op": OP_HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
                elif msg.type is WSMsgType.ERROR:
                    break
        except ConnectionResetError:
            pass
        finally:
            self._connections.discard(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            self._notify()
        return ws

    async def _on_frame(self, conn: _Connection, frame: JSON) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == OP_IDENTIFY and isinstance(data, dict) and data.get("shard"):
            conn.shard = (int(data["shard"][0]), int(data["shard"][1]))
        elif op == OP_RESUME and isinstance(data, dict):
            session = self._sessions.get(str(data.get("session_id")))
            conn.shard = session.shard if session else None
        self.gateway_frames.append(GatewayFrame(op=int(op or 0), data=data, shard=conn.shard))
        self._notify()

        if op == OP_HEARTBEAT:
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn)
        elif op == OP_RESUME:
            await self._resume(conn, data)
        elif op == OP_REQUEST_GUILD_MEMBERS and conn.session is not None:
            guild = self._guild(int(data["guild_id"]))
            if guild is not None:
                await self._dispatch_to(
                    conn.session,
                    "GUILD_MEMBERS_CHUNK",
                    {
                        "guild_id": str(guild.id),
                        "members": [m.to_dict() for m in guild.members],
                        "chunk_index": 0,
                        "chunk_count": 1,
                        "not_found": [],
                        "nonce": data.get("nonce"),
                    },
                )

    async def _identify(self, conn: _Connection) -> None:
        session = _Session(id=uuid.uuid4().hex, shard=conn.shard, connection=conn)
        self._sessions[session.id] = session
        conn.session = session
        guilds = self._guilds_for(conn.shard)
        ready: JSON = {
            "v": 10,
            "user": self.bot.to_dict() | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if conn.shard is not None:
            ready["shard"] = list(conn.shard)
        await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", guild.to_dict())

    async def _resume(self, conn: _Connection, data: Any) -> None:
        session = self._sessions.get(str(data.get("session_id"))) if isinstance(data, dict) else None
        if session is None:
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.connection
        session.connection = conn
        conn.session = session
        if old is not None and old is not conn and old.open:
            await old.ws.close(code=4000)
        last_seq = int(data.get("seq") or 0)
        for frame in session.history:
            if frame["s"] > last_seq:
                await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ["fake-discord"]})

    async def _dispatch_to(self, session: _Session, event: str, data: JSON) -> None:
        session.seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.history.append(frame)
        conn = session.connection
        if conn is not None and conn.open:
            # On failure the frame stays in history and is replayed on RESUME.
            with contextlib.suppress(ConnectionResetError):
                await conn.send(frame)

    def _session_for(self, guild_id: int | None) -> _Session | None:
        """The newest session covering the shard of ``guild_id`` (DMs go to shard 0)."""
        for session in reversed(list(self._sessions.values())):
            count = session.shard[1] if session.shard else 1
            if session.covers(self._shard_of(guild_id, count)):
                return session
        return None

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None = None) -> None:
        """Send a DISPATCH event to the session owning ``guild_id``'s shard.

        If that session's connection is currently down the event is buffered and replayed when the
        client RESUMEs. Raises ``RuntimeError`` if the client never IDENTIFYed.
        """
        session = self._session_for(guild_id)
        if session is None:
            raise RuntimeError(f"no gateway session for guild {guild_id}: has the client connected?")
        await self._dispatch_to(session, event, data)

    async def drop_connection(
        self, *, shard_id: int | None = None, code: int = 4000, resumable: bool = True
    ) -> int:
        """Close the gateway socket(s) server-side, as Discord does on an outage; return how many.

        discord.py treats 4000 (and a remote 1000) as recoverable and RESUMEs on ``resume_gateway_url``.
        With ``resumable=False`` the sessions are forgotten, so the RESUME gets INVALID_SESSION and the
        client has to IDENTIFY again (after discord.py's 5 s ``before_identify_hook`` unless overridden).
        """
        dropped = 0
        for conn in list(self._connections):
            if shard_id is not None and (conn.shard is None or conn.shard[0] != shard_id):
                continue
            if not resumable and conn.session is not None:
                self._sessions.pop(conn.session.id, None)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            await conn.ws.close(code=code)
            dropped += 1
        return dropped

    async def add_bot_to(self, guild: FakeGuild) -> None:
        """The bot joins ``guild`` (invited): GUILD_CREATE to the session of its shard, without the
        ``unavailable`` key (``false`` would tell discord.py a known guild is back after an outage)."""
        if guild.member(self.bot.id) is None:
            guild.add_member(self.bot)
        if guild not in self.guilds:
            self.guilds.append(guild)
        payload = guild.to_dict()
        del payload["unavailable"]
        await self.dispatch("GUILD_CREATE", payload, guild_id=guild.id)

    async def remove_bot_from(self, guild: FakeGuild) -> None:
        """The bot is kicked from ``guild`` (or the guild is deleted): GUILD_DELETE with no ``unavailable``
        key, which is how Discord tells a removal from an outage (discord.py then calls on_guild_remove)."""
        self.guilds.remove(guild)
        guild.members = [m for m in guild.members if m.user.id != self.bot.id]
        await self.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)

    async def send_reconnect(self, *, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT: the client closes the socket itself and RESUMEs."""
        for conn in list(self._connections):
            if shard_id is None or (conn.shard is not None and conn.shard[0] == shard_id):
                await conn.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    @property
    def connected(self) -> bool:
        """True while at least one gateway connection has an attached session."""
        return any(c.session is not None and c.open for c in self._connections)

    # ---- event injection -----------------------------------------------------------------------

    def _guild(self, guild_id: int | None) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def _channel(self, channel_id: int) -> FakeChannel | None:
        for g in self.guilds:
            channel = g.channel(channel_id)
            if channel is not None:
                return channel
        return self.dm_channels.get(channel_id)

    def _resolve_member(
        self, guild: FakeGuild | None, user: FakeUser | FakeMember | int | None
    ) -> FakeMember:
        if isinstance(user, FakeMember):
            return user
        if isinstance(user, FakeUser):
            return (guild.member(user.id) if guild else None) or FakeMember(user=user)
        uid = self.user.id if user is None else int(user)
        found = guild.member(uid) if guild else None
        if found is None:
            every = [m for g in self.guilds for m in g.members if m.user.id == uid]
            if not every:
                raise KeyError(f"unknown user {uid}")
            found = FakeMember(user=every[0].user)
        return found

    def _where(
        self, guild: FakeGuild | _Unset | None, channel_id: int | None
    ) -> tuple[FakeGuild | None, int]:
        """Resolve (guild, channel id) defaults: the default guild and its first text channel."""
        if isinstance(guild, _Unset):
            channel = self._channel(channel_id) if channel_id is not None else None
            # Unknown or no channel: the default guild. A known DM channel: no guild.
            guild = self.guild if channel is None else self._guild(channel.guild_id)
        if channel_id is None:
            if guild is None:
                raise ValueError("channel_id is required for DM events")
            channel_id = guild.text_channel.id
        return guild, channel_id

    def _dm_channel(self, user: FakeUser) -> FakeChannel:
        for ch in self.dm_channels.values():
            if any(r.id == user.id for r in ch.recipients):
                return ch
        ch = FakeChannel(id=snowflake(), name=None, type=1, recipients=[user])
        self.dm_channels[ch.id] = ch
        return ch

    @staticmethod
    def _options(options: Sequence[JSON] | dict[str, Any] | None, focused: str | None) -> list[JSON]:
        """Turn ``{"name": value}`` into typed option dicts (str 3, int 4, bool 5, float 10)."""
        if options is None:
            return []
        if not isinstance(options, dict):
            result = [dict(o) for o in options]
        else:
            result = []
            for name, value in options.items():
                kind = (
                    5
                    if isinstance(value, bool)
                    else 4
                    if isinstance(value, int)
                    else 10
                    if isinstance(value, float)
                    else 3
                )
                result.append({"name": name, "type": kind, "value": value})
        for option in result:
            if focused is not None and option["name"] == focused:
                option["focused"] = True
        return result

    def _command_id(self, name: str, guild_id: int | None) -> tuple[int | None, int]:
        """(command data guild_id, command id) for a synced command, preferring guild commands."""
        if guild_id is not None:
            for cmd in self.guild_commands.get(guild_id, []):
                if cmd["name"] == name:
                    return guild_id, int(cmd["id"])
        for cmd in self.global_commands:
            if cmd["name"] == name:
                return None, int(cmd["id"])
        return None, snowflake()

    async def _send_interaction_payload(
        self,
        itype: int,
        data: JSON,
        *,
        guild: FakeGuild | None,
        channel_id: int,
        user: FakeUser | FakeMember | int | None,
        message: JSON | None = None,
        locale: str = "en-US",
        app_permissions: int | None = None,
        command_id: int | None = None,
    ) -> InteractionIds:
        member = self._resolve_member(guild, user)
        iid, token = snowflake(), f"itoken-{uuid.uuid4().hex}"
        channel = self._channel(channel_id)
        channel_payload = channel.to_dict() if channel else {"id": str(channel_id), "type": 0}
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel_id),
            "channel": channel_payload,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None:
            perms = guild.permissions_for(member)
            bot_member = guild.member(self.bot.id)
            bot_perms = guild.permissions_for(bot_member) if bot_member else DEFAULT_EVERYONE_PERMISSIONS
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "member": member.to_dict(permissions=perms),
                    "app_permissions": str(bot_perms if app_permissions is None else app_permissions),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": member.user.to_dict(),
                    "app_permissions": str(
                        DEFAULT_EVERYONE_PERMISSIONS if app_permissions is None else app_permissions
                    ),
                    "authorizing_integration_owners": {"0": str(member.user.id)},
                    "context": 1,
                }
            )
        if message is not None:
            payload["message"] = message
        ids = InteractionIds(
            iid,
            token,
            self.application_id,
            guild.id if guild else None,
            channel_id,
            member.user.id,
            command_id,
        )
        state = _InteractionState(
            ids=ids, type=itype, message_id=int(message["id"]) if message is not None else None
        )
        self._interactions[iid] = state
        self._interactions_by_token[token] = state
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=ids.guild_id)
        return ids

    async def send_interaction(
        self,
        name: str,
        options: Sequence[JSON] | dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        user: FakeUser | FakeMember | int | None = None,
        guild: FakeGuild | None = _AUTO,
        channel_id: int | None = None,
        command_guild_id: int | None = _AUTO,
        resolved: JSON | None = None,
        focused: str | None = None,
        locale: str = "en-US",
        app_permissions: int | None = None,
    ) -> InteractionIds:
        """Inject a slash-command INTERACTION_CREATE (type 2; type 4 autocomplete if ``focused``).

        ``options`` is either raw option dicts or ``{"name": value}`` (types inferred).
        ``subcommand="latest"`` or ``"group sub"`` wraps the options in (group/)subcommand options.
        ``user`` defaults to :attr:`user` (alice); ``guild=None`` sends it from a DM.
        ``command_guild_id`` (``data.guild_id``: which guild the command was registered in) defaults to
        the guild it was synced to if the fake saw a guild sync of ``name``, else global.
        """
        if guild is None and channel_id is None:
            channel_id = self._dm_channel(self._resolve_member(None, user).user).id
        guild_obj, channel_id = self._where(guild, channel_id)
        opts = self._options(options, focused)
        if subcommand:
            parts = subcommand.split()
            if len(parts) == 2:
                opts = [
                    {"name": parts[0], "type": 2, "options": [{"name": parts[1], "type": 1, "options": opts}]}
                ]
            else:
                opts = [{"name": parts[0], "type": 1, "options": opts}]
        synced_guild, command_id = self._command_id(name, guild_obj.id if guild_obj else None)
        if not isinstance(command_guild_id, _Unset):
            synced_guild = command_guild_id
        data: JSON = {"id": str(command_id), "name": name, "type": 1, "options": opts}
        if synced_guild is not None:
            data["guild_id"] = str(synced_guild)
        if resolved is not None:
            data["resolved"] = resolved
        return await self._send_interaction_payload(
            4 if focused else 2,
            data,
            guild=guild_obj,
            channel_id=channel_id,
            user=user,
            locale=locale,
            app_permissions=app_permissions,
            command_id=command_id,
        )

    async def send_autocomplete(
        self, name: str, options: Sequence[JSON] | dict[str, Any], focused: str, **kwargs: Any
    ) -> InteractionIds:
        """Inject an autocomplete interaction (type 4) with ``focused`` marking the option being typed."""
        return await self.send_interaction(name, options, focused=focused, **kwargs)

    async def send_component(
        self,
        custom_id: str,
        *,
        message_id: int | None = None,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        user: FakeUser | FakeMember | int | None = None,
        channel_id: int | None = None,
        guild: FakeGuild | None = _AUTO,
    ) -> InteractionIds:
        """Inject a component interaction (type 3): a button click (2) or select (3, with ``values``).

        ``message_id`` should be a message the bot posted (its id is in ``Request.response``), so
        non-persistent views, which discord.py keys by message id, receive the click.
        """
        message = self.messages.get(message_id) if message_id is not None else None
        if channel_id is None and message is not None:
            channel_id = int(message["channel_id"])
        guild_obj, channel_id = self._where(guild, channel_id)
        if message is None:
            message = self._make_message(
                {"content": ""}, channel_id=channel_id, author=self.bot, message_id=message_id
            )
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return await self._send_interaction_payload(
            3, data, guild=guild_obj, channel_id=channel_id, user=user, message=message
        )

    async def send_message(
        self,
        content: str,
        *,
        author: FakeUser | FakeMember | int | None = None,
        channel_id: int | None = None,
        guild: FakeGuild | None = _AUTO,
        mentions: Sequence[FakeUser | int] | None = None,
        message_id: int | None = None,
        extra: JSON | None = None,
    ) -> MessageIds:
        """Inject MESSAGE_CREATE. Mentions are parsed from ``<@id>``/``<@&id>`` in ``content`` unless
        ``mentions`` is given. ``guild=None`` sends a DM (channel defaults to the author's DM channel)."""
        if isinstance(guild, _Unset) or guild is not None:
            guild_obj, channel_id = self._where(guild, channel_id)
            member = self._resolve_member(guild_obj, author)
        else:
            guild_obj = None
            member = self._resolve_member(None, author)
            channel_id = channel_id or self._dm_channel(member.user).id
        if mentions is None:
            mention_ids = [int(m) for m in re.findall(r"<@!?(\d+)>", content)]
        else:
            mention_ids = [m.id if isinstance(m, FakeUser) else int(m) for m in mentions]
        mention_users = []
        for uid in mention_ids:
            with contextlib.suppress(KeyError):
                mentioned = self._resolve_member(guild_obj, uid)
                entry = mentioned.user.to_dict()
                if guild_obj is not None and guild_obj.member(uid) is not None:
                    entry["member"] = mentioned.to_dict(with_user=False)
                mention_users.append(entry)
        msg = self._make_message(
            {"content": content}, channel_id=channel_id, author=member.user, message_id=message_id
        )
        msg["mentions"] = mention_users
        msg["mention_roles"] = re.findall(r"<@&(\d+)>", content)
        if guild_obj is not None:
            msg["member"] = member.to_dict(with_user=False)
        msg.update(extra or {})
        self.messages[int(msg["id"])] = msg
        await self.dispatch("MESSAGE_CREATE", msg, guild_id=guild_obj.id if guild_obj else None)
        return MessageIds(int(msg["id"]), channel_id, guild_obj.id if guild_obj else None, member.user.id)

    async def send_reaction_add(
        self,
        message_id: int,
        emoji: str = "👍",
        *,
        user: FakeUser | FakeMember | int | None = None,
        channel_id: int | None = None,
    ) -> ReactionIds:
        """Inject MESSAGE_REACTION_ADD. ``emoji`` is a unicode emoji or ``name:id`` for a custom one."""
        known = self.messages.get(message_id)
        if channel_id is None and known is not None:
            channel_id = int(known["channel_id"])
        guild_obj, channel_id = self._where(_AUTO, channel_id)
        member = self._resolve_member(guild_obj, user)
        name, _, emoji_id = emoji.partition(":")
        payload: JSON = {
            "user_id": str(member.user.id),
            "channel_id": str(channel_id),
            "message_id": str(message_id),
            "emoji": {"id": emoji_id or None, "name": name, "animated": False},
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if known is not None:
            payload["message_author_id"] = known["author"]["id"]
        if guild_obj is not None:
            payload["guild_id"] = str(guild_obj.id)
            payload["member"] = member.to_dict()
        await self.dispatch("MESSAGE_REACTION_ADD", payload, guild_id=guild_obj.id if guild_obj else None)
        return ReactionIds(message_id, channel_id, guild_obj.id if guild_obj else None, member.user.id, emoji)

    # ---- REST: plumbing ----------------------------------------------------------------------

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # Exactly "application/json": aiohttp's json_response appends "; charset=utf-8", which makes
        # discord.py hand the body back as a str instead of parsing it.
        return web.Response(
            body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
        )

    @classmethod
    def _error(cls, status: int, code: int, message: str) -> web.Response:
        return cls._json({"message": message, "code": code}, status=status)

    @web.middleware
    async def _record_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        body, files = await self._parse_body(request)
        record = Request(
            method=request.method,
            path=request.path[len(API_PREFIX) :] or "/",
            query=dict(request.query),
            json=body,
            files=files,
        )
        request[_RECORD] = record
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # e.g. 405 from the router
            record.known = False
            response = self._error(exc.status, 0, exc.reason)
        record.status = response.status
        if isinstance(response, web.Response) and response.body is not None and response.status != 204:
            with contextlib.suppress(ValueError, TypeError):
                record.response = json.loads(response.body)  # type: ignore[arg-type]
        self.requests.append(record)
        self._notify()
        return response

    @staticmethod
    async def _parse_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
        """JSON body, or multipart ``payload_json`` + ``files[n]`` parts (as discord.py sends them)."""
        if not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            payload: Any = None
            files: list[UploadedFile] = []
            while (part := await reader.next()) is not None:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    data = await part.read()  # type: ignore[union-attr]
                    files.append(
                        UploadedFile(
                            field=part.name or "",
                            filename=part.filename,  # type: ignore[union-attr]
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    def _add_routes(self, app: web.Application) -> None:
        r = app.router
        p = API_PREFIX
        r.add_get(GATEWAY_PATH, self._gateway)
        r.add_get(f"{p}/gateway", self._get_gateway)
        r.add_get(f"{p}/gateway/bot", self._get_gateway_bot)
        r.add_get(f"{p}/users/@me", self._get_me)
        r.add_post(f"{p}/users/@me/channels", self._create_dm)
        r.add_get(f"{p}/oauth2/applications/@me", self._get_application)
        r.add_get(f"{p}/applications/@me", self._get_application)
        r.add_put(f"{p}/applications/{{app}}/commands", self._put_commands)
        r.add_get(f"{p}/applications/{{app}}/commands", self._get_commands)
        r.add_put(f"{p}/applications/{{app}}/guilds/{{gid}}/commands", self._put_commands)
        r.add_get(f"{p}/applications/{{app}}/guilds/{{gid}}/commands", self._get_commands)
        r.add_post(f"{p}/interactions/{{iid}}/{{token}}/callback", self._interaction_callback)
        r.add_post(f"{p}/webhooks/{{app}}/{{token}}", self._followup)
        r.add_route("*", f"{p}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_message)
        r.add_get(f"{p}/channels/{{cid}}", self._get_channel)
        r.add_post(f"{p}/channels/{{cid}}/messages", self._create_message)
        r.add_route("*", f"{p}/channels/{{cid}}/messages/{{mid}}", self._channel_message)
        r.add_post(f"{p}/channels/{{cid}}/threads", self._create_thread)
        r.add_post(f"{p}/channels/{{cid}}/messages/{{mid}}/threads", self._create_thread)
        r.add_put(f"{p}/channels/{{cid}}/messages/{{mid}}/reactions/{{emoji}}/@me", self._no_content)
        r.add_delete(f"{p}/channels/{{cid}}/messages/{{mid}}/reactions/{{emoji}}/@me", self._no_content)
        r.add_post(f"{p}/channels/{{cid}}/typing", self._no_content)
        r.add_route("*", f"{p}/{{tail:.*}}", self._unknown)

    # ---- REST: handlers ----------------------------------------------------------------------

    async def _unknown(self, request: web.Request) -> web.Response:
        request[_RECORD].known = False
        return self._error(404, 0, f"fake discord: no route for {request.method} {request.path}")

    async def _no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_me(self, request: web.Request) -> web.Response:
        return self._json(self.bot.to_dict() | {"verified": True, "mfa_enabled": False, "email": None})

    async def _get_application(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "id": str(self.application_id),
                "name": self.bot.username,
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self.owner.to_dict(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": self.application_flags,
                "bot": self.bot.to_dict(),
                "summary": "",
                "redirect_uris": [],
                "interactions_endpoint_url": None,
            }
        )

    async def _create_dm(self, request: web.Request) -> web.Response:
        uid = int(request[_RECORD].json["recipient_id"])
        member = self._resolve_member(None, uid)
        return self._json(self._dm_channel(member.user).to_dict())

    def _command_list(self, request: web.Request) -> list[JSON]:
        gid = request.match_info.get("gid")
        return self.global_commands if gid is None else self.guild_commands.setdefault(int(gid), [])

    async def _put_commands(self, request: web.Request) -> web.Response:
        gid = request.match_info.get("gid")
        old = {c["name"]: c for c in self._command_list(request)}
        result = []
        for cmd in request[_RECORD].json or []:
            echoed = {
                "type": 1,
                "default_member_permissions": None,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
                **cmd,
                "id": old[cmd["name"]]["id"] if cmd["name"] in old else str(snowflake()),
                "application_id": str(self.application_id),
                "version": str(snowflake()),
            }
            if gid is not None:
                echoed["guild_id"] = gid
            result.append(echoed)
        if gid is None:
            self.global_commands = result
        else:
            self.guild_commands[int(gid)] = result
        return self._json(result)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return self._json(self._command_list(request))

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(int(request.match_info["cid"]))
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        return self._json(channel.to_dict())

    def _make_message(
        self,
        payload: JSON,
        *,
        channel_id: int,
        author: FakeUser,
        message_id: int | None = None,
        files: Sequence[UploadedFile] = (),
        webhook: bool = False,
        flags: int = 0,
    ) -> JSON:
        """A full message object built from a create-message payload (what Discord would return)."""
        channel = self._channel(channel_id)
        attachments = [
            {
                "id": str(snowflake()),
                "filename": f.filename or f"file{i}",
                "size": len(f.data),
                "url": f"https://cdn.invalid/attachments/{channel_id}/{f.filename}",
                "proxy_url": f"https://media.invalid/attachments/{channel_id}/{f.filename}",
                "content_type": f.content_type,
            }
            for i, f in enumerate(files)
        ]
        msg: JSON = {
            "id": str(message_id or snowflake()),
            "channel_id": str(channel_id),
            "author": author.to_dict(),
            "content": payload.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": (payload.get("flags") or 0) | flags,
        }
        if channel is not None and channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if payload.get("message_reference"):
            msg["type"] = 19
            msg["message_reference"] = payload["message_reference"]
        if webhook:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        return msg

    @staticmethod
    def _apply_edit(msg: JSON, payload: JSON | None, files: Sequence[UploadedFile]) -> JSON:
        payload = payload or {}
        for key in ("content", "embeds", "components"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else ("" if key == "content" else [])
        if "flags" in payload and payload["flags"] is not None:
            msg["flags"] = payload["flags"]
        if files:
            msg["attachments"] = [
                {
                    "id": str(snowflake()),
                    "filename": f.filename,
                    "size": len(f.data),
                    "url": f"https://cdn.invalid/{f.filename}",
                    "proxy_url": f"https://media.invalid/{f.filename}",
                    "content_type": f.content_type,
                }
                for f in files
            ]
        msg["flags"] = msg.get("flags", 0) & ~MESSAGE_FLAG_LOADING
        msg["edited_timestamp"] = _now_iso()
        return msg

    async def _create_message(self, request: web.Request) -> web.Response:
        record: Request = request[_RECORD]
        channel_id = int(request.match_info["cid"])
        channel = self._channel(channel_id)
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        if not isinstance(record.json, dict):
            return self._error(400, 50006, "Cannot send an empty message")
        msg = self._make_message(record.json, channel_id=channel_id, author=self.bot, files=record.files)
        self.messages[int(msg["id"])] = msg
        if self.echo_bot_messages and self._session_for(channel.guild_id) is not None:
            await self.dispatch("MESSAGE_CREATE", msg, guild_id=channel.guild_id)
        return self._json(msg)

    async def _channel_message(self, request: web.Request) -> web.Response:
        mid = int(request.match_info["mid"])
        msg = self.messages.get(mid)
        if msg is None or msg["channel_id"] != request.match_info["cid"]:
            return self._error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return self._json(msg)
        if request.method == "PATCH":
            return self._json(self._apply_edit(msg, request[_RECORD].json, request[_RECORD].files))
        if request.method == "DELETE":
            del self.messages[mid]
            return web.Response(status=204)
        return self._error(405, 0, "405: Method Not Allowed")

    async def _create_thread(self, request: web.Request) -> web.Response:
        record: Request = request[_RECORD]
        parent = self._channel(int(request.match_info["cid"]))
        if parent is None or parent.guild_id is None:
            return self._error(404, 10003, "Unknown Channel")
        guild = self._guild(parent.guild_id)
        assert guild is not None
        body = record.json if isinstance(record.json, dict) else {}
        mid = request.match_info.get("mid")
        # A thread started from a message reuses the message id, as on Discord.
        thread_id = int(mid) if mid is not None else snowflake()
        thread_type = int(body.get("type") or 11)
        thread = FakeChannel(
            id=thread_id,
            name=body.get("name"),
            type=thread_type,
            guild_id=guild.id,
            parent_id=parent.id,
            owner_id=self.bot.id,
        )
        guild.threads.append(thread)
        data = thread.to_dict()
        data["thread_metadata"]["auto_archive_duration"] = int(body.get("auto_archive_duration") or 1440)
        thread.extra["thread_metadata"] = data["thread_metadata"]
        data["member"] = {
            "id": str(thread_id),
            "user_id": str(self.bot.id),
            "join_timestamp": _now_iso(),
            "flags": 0,
        }
        if isinstance(body.get("message"), dict):  # forum post: thread + starter message
            msg = self._make_message(
                body["message"],
                channel_id=thread_id,
                author=self.bot,
                message_id=thread_id,
                files=record.files,
            )
            self.messages[thread_id] = msg
            data["message"] = msg
        if self._session_for(guild.id) is not None:
            await self.dispatch("THREAD_CREATE", data | {"newly_created": True}, guild_id=guild.id)
        return self._json(data, status=201)

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        record: Request = request[_RECORD]
        state = self._interactions.get(int(request.match_info["iid"]))
        if state is None or state.ids.token != request.match_info["token"]:
            return self._error(404, 10062, "Unknown interaction")
        if state.responded:
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        body = record.json if isinstance(record.json, dict) else {}
        ctype = int(body.get("type", 0))
        data = body.get("data") or {}
        ephemeral = bool(int(data.get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL)
        state.responded = True
        interaction: JSON = {
            "id": str(state.ids.interaction_id),
            "type": state.type,
            "response_message_loading": False,
            "response_message_ephemeral": ephemeral,
        }
        resource: JSON = {"type": ctype}
        if ctype in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_DEFERRED_CHANNEL_MESSAGE):
            flags = MESSAGE_FLAG_LOADING if ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE else 0
            msg = self._make_message(
                data,
                channel_id=state.ids.channel_id,
                author=self.bot,
                files=record.files,
                webhook=True,
                flags=flags,
            )
            msg["interaction_metadata"] = self._interaction_metadata(state)
            self.messages[int(msg["id"])] = msg
            state.original_id = int(msg["id"])
            interaction.update(
                response_message_id=msg["id"],
                response_message_loading=ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            )
            resource["message"] = msg
        elif ctype == CALLBACK_UPDATE_MESSAGE and state.message_id in self.messages:
            msg = self._apply_edit(self.messages[state.message_id], data, record.files)  # type: ignore[index]
            interaction["response_message_id"] = msg["id"]
            resource["message"] = msg
        elif ctype not in (
            CALLBACK_PONG,
            CALLBACK_DEFERRED_UPDATE_MESSAGE,
            CALLBACK_UPDATE_MESSAGE,
            CALLBACK_AUTOCOMPLETE_RESULT,
            CALLBACK_MODAL,
            10,
            12,
        ):
            state.responded = False
            return self._error(400, 50035, f"Invalid Form Body: unknown callback type {ctype}")
        return self._json({"interaction": interaction, "resource": resource})

    def _interaction_metadata(self, state: _InteractionState) -> JSON:
        user = self._resolve_member(self._guild(state.ids.guild_id), state.ids.user_id).user
        return {
            "id": str(state.ids.interaction_id),
            "type": state.type,
            "user": user.to_dict(),
            "authorizing_integration_owners": {},
        }

    async def _followup(self, request: web.Request) -> web.Response:
        record: Request = request[_RECORD]
        state = self._interactions_by_token.get(request.match_info["token"])
        if state is None or request.match_info["app"] != str(self.application_id):
            return self._error(404, 10015, "Unknown Webhook")
        if not state.responded:
            return self._error(400, 10015, "Unknown Webhook (interaction not acknowledged yet)")
        payload = record.json if isinstance(record.json, dict) else {}
        original = self.messages.get(state.original_id) if state.original_id else None
        if original is not None and original["flags"] & MESSAGE_FLAG_LOADING:
            # Discord turns the first followup after a defer into the original response.
            msg = self._apply_edit(original, payload, record.files)
            msg["edited_timestamp"] = None
            return self._json(msg)
        msg = self._make_message(
            payload, channel_id=state.ids.channel_id, author=self.bot, files=record.files, webhook=True
        )
        msg["interaction_metadata"] = self._interaction_metadata(state)
        self.messages[int(msg["id"])] = msg
        return self._json(msg)

    async def _webhook_message(self, request: web.Request) -> web.Response:
        record: Request = request[_RECORD]
        state = self._interactions_by_token.get(request.match_info["token"])
        if state is None:
            return self._error(404, 10015, "Unknown Webhook")
        mid_text = request.match_info["mid"]
        mid = state.original_id if mid_text == "@original" else int(mid_text)
        if mid_text == "@original" and mid is None and request.method == "PATCH" and state.responded:
            # e.g. edit_original_response after a deferred update: create the original now.
            msg = self._make_message({}, channel_id=state.ids.channel_id, author=self.bot, webhook=True)
            self.messages[int(msg["id"])] = msg
            state.original_id = mid = int(msg["id"])
        msg = self.messages.get(mid) if mid is not None else None
        if msg is None:
            return self._error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return self._json(msg)
        if request.method == "PATCH":
            return self._json(self._apply_edit(msg, record.json, record.files))
        if request.method == "DELETE":
            del self.messages[int(msg["id"])]
            return web.Response(status=204)
        return self._error(405, 0, "405: Method Not Allowed")
