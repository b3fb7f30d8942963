"""Fixtures of the index tests: a real HTTP server on 127.0.0.1 (see tests/index/web.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.index.web import Site, serving


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with serving() as site:
        yield site
