"""Saving uploaded files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.uploads import save_upload
from index import RegistryError


def test_save_upload_is_atomic_and_confined(tmp_path: Path) -> None:
    folder = save_upload(tmp_path, "moon", "briefing.txt", b"text")
    assert folder == (tmp_path / "uploads" / "moon").resolve()
    assert [p.name for p in folder.iterdir()] == ["briefing.txt"]  # no temporary file left
    for name, filename in [("../x", "a.txt"), ("ok", "../a.txt"), ("ok", ".hidden.txt"), ("a/b", "a.txt"),
                           ("..", "a.txt"), ("café", "a/../../b.txt")]:
        with pytest.raises((RegistryError, ValueError)):
            save_upload(tmp_path, name, filename, b"")
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["moon"]
