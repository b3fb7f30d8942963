"""Shared fixtures: the real model (loaded once per session) and a real index of the seed briefings."""

from __future__ import annotations

import pytest

from index.embed import Embedder, shared_embedder
from index.library import Library
from tests.helpers import SEEDS


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return shared_embedder()


@pytest.fixture(scope="session")
def seed_library(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Library:
    """A library over the seeds, indexed once; tests must not change it (copy what you change)."""
    library = Library(tmp_path_factory.mktemp("seed-index"), default_sources=[SEEDS])
    library.searcher()
    return library
