"""Shared fixtures: the real model (loaded once per session) and a real index of the seed briefings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.embed import Embedder, shared_embedder
from index.library import Library

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
# Page furniture of the seed pages: none of it may ever be quoted.
FURNITURE = [
    "Advertisement", "ADVERTISEMENT", "Straits Times Index", "3,367.90", "+29.33 (+0.88%)", "Bitcoin",
    "markets open", "Do you have questions", "Image via Shutterstock", "Benzinga Neuro",
    "investment advice", "All rights reserved", "Copyright", "©", "Comments", "Trade confidently",
    "originally appeared",
]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return shared_embedder()


@pytest.fixture(scope="session")
def seed_library(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Library:
    """A library over the seeds, indexed once; tests must not change it (copy what you change)."""
    library = Library(tmp_path_factory.mktemp("seed-index"), default_sources=[SEEDS])
    library.searcher()
    return library


def shared_jsonl(relative: str) -> list[dict]:
    """Lines of an evaluation file in ../shared; the test is skipped where ../shared is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} not found (../shared is expected beside the checkout)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
