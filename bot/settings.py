"""Settings from a TOML file (see config.example.toml) and the environment.

Precedence: environment (`BRIEFBOT_DATA_DIR`, `DISCORD_TOKEN`) over the file over the defaults. Unknown
keys are errors, so a typo in the config never silently falls back to a default. Defaults that the core
also has (search thresholds, passage size) are taken from it. Keys of older configs are still read, with
a `ConfigDeprecation` warning that says where they moved.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from index import MAX_WORDS, FetchPolicy, Library, SearchSettings, ServerLimits, StoreSettings, UserError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class ConfigError(UserError):
    """The configuration cannot be used; the message names the file and the key."""


class ConfigDeprecation(FutureWarning):
    """A key of an older config, still read; the message says where it goes now."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


_SEARCH = SearchSettings()  # the defaults are the core's, defined once


class SearchConfig(_Section):
    k: int = Field(_SEARCH.k, ge=1, le=10)
    min_score: float = _SEARCH.min_score
    unknown_penalty: float = _SEARCH.unknown_penalty
    min_passage_score: float = _SEARCH.min_passage_score
    duplicate_score: float = _SEARCH.duplicate_score

    def to_settings(self) -> SearchSettings:
        return SearchSettings(**self.model_dump())


class DiscordConfig(_Section):
    token: SecretStr | None = None
    # Roles whose members moderate a server's own sources: names (matched in any server, case-insensitively)
    # or role ids (one role of one server: names are not unique). Per server, `server_moderator_roles`
    # replaces this list.
    moderator_roles: list[int | str] = ["Moderator"]
    server_moderator_roles: dict[int, list[int | str]] = {}
    ask_channels: list[int] = []
    guild_ids: list[int] = []
    shard_ids: list[int] | None = None
    shard_count: int | None = None
    cooldown_seconds: float = Field(10.0, ge=0)
    cooldown_per_guild: int = Field(30, ge=1)  # questions per minute per server
    feed_refresh_minutes: float = Field(30.0, ge=0)

    def moderator_roles_in(self, guild_id: int | None) -> list[int | str]:
        """The moderator roles of one server: its own list if it has one, else `moderator_roles`."""
        return self.server_moderator_roles.get(guild_id, self.moderator_roles) if guild_id is not None \
            else self.moderator_roles


class ServersConfig(_Section):
    """Each server's own sources (added there by its moderators): how much they may hold, and how long they
    are kept after the bot leaves the server. The operator's sources have no limit."""

    max_sources: int = Field(20, ge=0)  # 0: servers add no sources of their own
    max_passages: int = Field(50_000, ge=0)
    purge_after_days: float = Field(7.0, ge=0)

    def to_limits(self) -> ServerLimits:
        return ServerLimits(sources=self.max_sources, passages=self.max_passages)


class SourcesConfig(_Section):
    """What is indexed by default and what sources may be added (by the CLI and in Discord alike)."""

    paths: list[Path] = [SEEDS]  # indexed when the data dir has no registered sources yet
    allow_private_urls: bool = False
    max_feed_entries: int = Field(50, ge=1)  # the newest entries of a feed read at each refresh


class StoreConfig(_Section):
    """Which engine keeps the index (docs/deploy.md): "faiss" in the data dir, for one process; "milvus" in
    Milvus Lite (`uri` a path ending in .db; default: milvus.db in the data dir) or in a Milvus server that
    several processes share (`uri` = http://host:19530)."""

    engine: Literal["faiss", "milvus"] = "faiss"
    uri: str | None = None
    collection: str = Field("briefbot", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    vector_index: Literal["FLAT", "HNSW", "AUTOINDEX"] = "FLAT"

    def to_settings(self) -> StoreSettings:
        return StoreSettings(**self.model_dump())


class Settings(_Section):
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path("briefbot"))
    store: StoreConfig = StoreConfig()
    sources: SourcesConfig = SourcesConfig()
    passage_words: int = Field(MAX_WORDS, ge=20, le=400)
    search: SearchConfig = SearchConfig()
    discord: DiscordConfig = DiscordConfig()
    servers: ServersConfig = ServersConfig()


def load_settings(config: Path | None = None, data_dir: Path | None = None) -> Settings:
    """Settings from `config` (or `$BRIEFBOT_CONFIG`), then the environment, then explicit arguments."""
    path = config or (Path(os.environ["BRIEFBOT_CONFIG"]) if os.environ.get("BRIEFBOT_CONFIG") else None)
    data: dict = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config {path} is not valid TOML: {exc}") from exc
        _read_old_keys(data, path)
        # Relative paths in the file are relative to the file.
        base = path.resolve().parent
        sources = data.get("sources")
        if isinstance(sources, dict) and isinstance(sources.get("paths"), list):
            sources["paths"] = [str(base / Path(str(s)).expanduser()) for s in sources["paths"]]
        if "data_dir" in data:
            data["data_dir"] = str(base / Path(data["data_dir"]).expanduser())
        store = data.get("store")
        if isinstance(store, dict) and isinstance(store.get("uri"), str) and "://" not in store["uri"]:
            store["uri"] = str(base / Path(store["uri"]).expanduser())
    if os.environ.get("BRIEFBOT_DATA_DIR"):
        data["data_dir"] = os.environ["BRIEFBOT_DATA_DIR"]
    if data_dir is not None:
        data["data_dir"] = str(data_dir)
    if os.environ.get("DISCORD_TOKEN"):
        data.setdefault("discord", {})["token"] = os.environ["DISCORD_TOKEN"]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid config{f' {path}' if path else ''}: {problems}") from None


def _read_old_keys(data: dict, path: Path) -> None:
    """Move the keys of older configs to their place now, warning about each."""

    def moved(old: str, new: str) -> None:
        warnings.warn(f"config {path}: {old} is deprecated; use {new}", ConfigDeprecation, stacklevel=4)

    if isinstance(data.get("sources"), list):
        moved("the top-level `sources` list", "`paths` in the [sources] section")
        data["sources"] = {"paths": data["sources"]}
    discord = data.get("discord")
    if isinstance(discord, dict) and "allow_private_urls" in discord:
        moved("`allow_private_urls` in [discord]", "`allow_private_urls` in [sources] (it rules the CLI too)")
        sources = data.setdefault("sources", {})
        if isinstance(sources, dict):
            if "allow_private_urls" in sources:
                raise ConfigError(f"config {path}: allow_private_urls is set in [sources] and in [discord]; "
                                  "keep the one in [sources]")
            sources["allow_private_urls"] = discord.pop("allow_private_urls")


def open_library(settings: Settings) -> Library:
    """The core `Library` configured by `settings` (the model loads on first use, not here)."""
    return Library(
        settings.data_dir,
        default_sources=settings.sources.paths,
        settings=settings.search.to_settings(),
        max_words=settings.passage_words,
        fetch_policy=FetchPolicy(allow_private=settings.sources.allow_private_urls,
                                 max_feed_entries=settings.sources.max_feed_entries),
        server_limits=settings.servers.to_limits(),
        store=settings.store.to_settings(),
    )
