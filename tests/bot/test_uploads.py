"""Saving uploaded files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.uploads import save_upload
from index import RegistryError


def test_save_upload_is_atomic_and_confined(tmp_path: Path) -> None:
    folder = save_upload(tmp_path, "111", "moon", "briefing.txt", b"text")
    assert folder == (tmp_path / "uploads" / "111" / "moon").resolve()
    assert [p.name for p in folder.iterdir()] == ["briefing.txt"]  # no temporary file left
    for scope, name, filename in [("111", "../x", "a.txt"), ("111", "ok", "../a.txt"),
                                  ("111", "ok", ".hidden.txt"), ("111", "a/b", "a.txt"),
                                  ("111", "..", "a.txt"), ("111", "café", "a/../../b.txt"),
                                  ("operator", "ok", "a.txt"), ("..", "ok", "a.txt"),
                                  ("1/../2", "ok", "a.txt")]:
        with pytest.raises((RegistryError, ValueError)):
            save_upload(tmp_path, scope, name, filename, b"")
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["111"]
    assert sorted(p.name for p in (tmp_path / "uploads" / "111").iterdir()) == ["moon"]
