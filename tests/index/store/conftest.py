"""Fixtures of the store tests: `engine`, one per engine in `engine_cases.ENGINES`; `milvus`, a Milvus
engine alone (in the session's Milvus Lite, its collections dropped after the test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.store import Engine
from index.store.milvus import MilvusEngine
from tests.index.store.engine_cases import ENGINES, EngineCase, drop_milvus, milvus_engine


@pytest.fixture(params=ENGINES, ids=[case.name for case in ENGINES])
def case(request: pytest.FixtureRequest) -> EngineCase:
    return request.param


@pytest.fixture
def engine(case: EngineCase, tmp_path: Path) -> Iterator[Engine]:
    made = case.make(tmp_path / "store")
    yield made
    case.drop(made)


@pytest.fixture
def milvus() -> Iterator[MilvusEngine]:
    made = milvus_engine()
    yield made
    drop_milvus(made)
