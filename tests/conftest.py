"""Shared fixtures: the real model (loaded once per session), a real index of the seed briefings, and a
Milvus server for the tests of several processes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from index.embed import Embedder, shared_embedder
from index.library import Library
from tests.helpers import SEEDS, milvus_lite_server

# The tests choose their own data dirs, configs and tokens: a developer's (`export BRIEFBOT_DATA_DIR=...`
# to run the bot) must not reach them, nor the CLI processes they start (it overrides a config's data_dir).
for _name in ("BRIEFBOT_DATA_DIR", "BRIEFBOT_CONFIG", "DISCORD_TOKEN"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return shared_embedder()


@pytest.fixture(scope="session")
def seed_library(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Library:
    """A library over the seeds, indexed once; tests must not change it (copy what you change)."""
    library = Library(tmp_path_factory.mktemp("seed-index"), default_sources=[SEEDS])
    library.searcher()
    return library


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URI of a `milvus-lite server` on 127.0.0.1 shared by the session (each test its own index name)."""
    with milvus_lite_server(tmp_path_factory.mktemp("milvus-server") / "data") as uri:
        yield uri
