"""The documents name tests as evidence (SECURITY.md's table, bench/README.md, docs/): each must exist.

A test that is moved or renamed without its mention would leave a promise backed by nothing.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "SECURITY.md", ROOT / "bench" / "README.md",
                    *(ROOT / "docs").glob("*.md")])
# `tests/x.py::test_a`, then `::test_b` for the same file until another file is named.
MENTION = re.compile(r"(tests/[\w/]+\.py)|::(test_\w+)")


def mentions(text: str) -> list[tuple[str, str | None]]:
    found, current = [], None
    for match in MENTION.finditer(text):
        if match[1]:
            current = match[1]
            found.append((current, None))
        elif current:
            found.append((current, match[2]))
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_test_a_document_names_exists(document: Path) -> None:
    missing = []
    for path, name in mentions(document.read_text(encoding="utf-8")):
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
        elif name and not re.search(rf"def {name}\b", file.read_text(encoding="utf-8")):
            missing.append(f"{path}::{name}")
    assert not missing, f"{document.name} names tests that do not exist: {sorted(set(missing))}"
