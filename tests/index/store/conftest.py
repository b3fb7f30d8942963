"""Fixtures of the store test suite: `engine`, one per engine in `engine_cases.ENGINES`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.store import Engine
from tests.index.store.engine_cases import ENGINES, EngineCase


@pytest.fixture(params=ENGINES, ids=[case.name for case in ENGINES])
def case(request: pytest.FixtureRequest) -> EngineCase:
    return request.param


@pytest.fixture
def engine(case: EngineCase, tmp_path: Path) -> Iterator[Engine]:
    made = case.make(tmp_path / "store")
    yield made
    case.drop(made)
