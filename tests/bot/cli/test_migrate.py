"""`briefbot migrate`: the seed index copied from the data dir's FAISS engine into Milvus with one command
answers every seed question with the same passages in the same order, and lists the same sources."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import Library
from index.store.milvus import MilvusEngine
from tests.helpers import SEEDS, run_cli, shared_jsonl
from tests.index.store.engine_cases import drop_milvus, milvus_lite


@pytest.fixture
def collection() -> Iterator[str]:
    name = f"t{uuid.uuid4().hex[:16]}"
    yield name
    drop_milvus(MilvusEngine(milvus_lite(), name))


def config(path: Path, data_dir: Path, engine: str, collection: str) -> Path:
    path.write_text(f'data_dir = "{data_dir}"\n[sources]\npaths = ["{SEEDS}"]\n'
                    f'[store]\nengine = "{engine}"\nuri = "{milvus_lite()}"\ncollection = "{collection}"\n',
                    encoding="utf-8")
    return path


def answers(capsys: pytest.CaptureFixture, settings: Path, questions: list[str]) -> list[dict]:
    found = []
    for question in questions:
        code, out, _ = run_cli(capsys, "ask", question, "--json", "--config", str(settings))
        assert code == 0
        found.append(json.loads(out))
    return found


def test_migrate_to_milvus_answers_the_same(seed_library: Library, tmp_path: Path, collection: str,
                                           capsys: pytest.CaptureFixture) -> None:
    questions = [case["question"] for case in shared_jsonl("eval/seed_questions.jsonl")]
    data_dir = tmp_path / "data"
    shutil.copytree(seed_library.data_dir, data_dir)
    settings = config(tmp_path / "briefbot.toml", data_dir, "faiss", collection)
    before = answers(capsys, settings, questions)
    _, sources, _ = run_cli(capsys, "sources", "--json", "--config", str(settings))

    code, out, err = run_cli(capsys, "migrate", "--to", "milvus", "--json", "--config", str(settings))
    assert code == 0, err
    copied = json.loads(out)
    store = seed_library.searcher().store
    expected = {"documents": len(store.documents), "passages": store.count, "sources": 1}
    assert {key: copied[key] for key in expected} == expected
    assert copied["to"] == f"the Milvus index {collection!r} at {milvus_lite()}"

    settings = config(settings, data_dir, "milvus", collection)
    assert answers(capsys, settings, questions) == before
    assert run_cli(capsys, "sources", "--json", "--config", str(settings))[1] == sources

    code, out, _ = run_cli(capsys, "migrate", "--to", "milvus", "--config", str(settings))
    assert code == 0 and "nothing re-embedded" in out and 'engine = "milvus"' in out
