"""Fixtures of the index tests: a real HTTP server on 127.0.0.1 (see tests/index/web.py), and the seed
vectors that the crash tests' children replay (see tests/index/crash_child.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from index.embed import Embedder
from index.library import Library
from tests.helpers import QUESTION
from tests.index.web import Site, serving


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with serving() as site:
        yield site


@pytest.fixture(scope="module")
def vectors(seed_library: Library, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real vectors of the seed passages and of QUESTION, for the child's replaying embedder."""
    store = seed_library.searcher().store
    passages = store.passages(store.keys())
    texts = [p.text for p in passages] + [QUESTION]
    stacked = np.vstack([store.vectors.get([p.key for p in passages]), embedder.encode([QUESTION])])
    path = tmp_path_factory.mktemp("vectors") / "vectors.npz"
    np.savez(path, texts=np.array(texts), vectors=stacked)
    return path
