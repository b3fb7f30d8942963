"""Nothing outside the store package touches FAISS, Milvus or SQL: a walk over every module's syntax tree.

The store (`index/store/`) is the one place that knows FAISS, Milvus and the SQL schema, so that its
engines stand behind one interface; its own tests (`tests/index/store/`) may look inside it. The bot's journal
(`bot/journal.py`, the bot's own records, not the index) keeps its SQLite file itself; its test writes a
journal of an older version.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE_MODULES = {"faiss", "sqlite3", "pymilvus", "milvus_lite"}
INSIDE = ("index/store/", "tests/index/store/")
# The journal, its test, and this file's samples.
ALLOWED = {"bot/journal.py", "tests/bot/test_journal.py", "tests/test_store_boundary.py"}
SQL_CALLS = {"execute", "executemany", "executescript"}
SQL_TEXT = re.compile(r"\b(?:SELECT\s[\s\S]+\sFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|CREATE\s+(?:TEMP\s+)?"
                      r"(?:TABLE|INDEX)|DELETE\s+FROM|UPDATE\s+\w+\s+SET|PRAGMA\s+\w+|ATTACH\s+DATABASE)\b")


def offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names if a.name.split(".")[0] in ENGINE_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ENGINE_MODULES:
            found.append(f"imports from {node.module}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in SQL_CALLS:
            found.append(f"calls .{node.func.attr}() (line {node.lineno})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.search(node.value):
            found.append(f"has SQL text (line {node.lineno}): {node.value.strip()[:40]!r}")
    return found


def test_nothing_outside_the_store_touches_faiss_milvus_or_sql() -> None:
    checked, offenders = 0, {}
    for folder in ("index", "bot", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name.startswith(INSIDE) or name in ALLOWED:
                continue
            checked += 1
            if found := offences(ast.parse(path.read_text(encoding="utf-8"))):
                offenders[name] = found
    assert checked > 40 and not offenders, offenders


def test_the_walk_finds_what_it_forbids() -> None:
    snippets = ["import faiss", "from sqlite3 import connect", "from pymilvus import MilvusClient",
                "db.execute(query)",
                "QUERY = 'SELECT row FROM passages WHERE doc_id = ?'", "s = 'INSERT INTO meta VALUES (?, ?)'"]
    for snippet in snippets:
        assert offences(ast.parse(snippet)), snippet
    assert not offences(ast.parse("text = 'Select the passages from the store'; cursor.fetchone()"))
