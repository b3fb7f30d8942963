"""The seams of the Discord layer: it uses the core only through its public API, and each area owns its
behaviour (the client imports no area)."""

from __future__ import annotations

from tests.helpers import ROOT, imported_modules, python_files


def test_bot_imports_only_the_public_core_api() -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files(ROOT / "bot")
        for module in imported_modules(path)
        if module.startswith("index.")
    }
    assert offending == set(), "import these from `index` (export them in index/__init__.py if needed)"


def test_the_client_imports_no_area() -> None:
    areas = {m for m in imported_modules(ROOT / "bot" / "client.py") if m.startswith("bot.exts.")}
    assert areas == set()
