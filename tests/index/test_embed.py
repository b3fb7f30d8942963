"""The encoders: ONNX Runtime (default) and torch give the same vectors; answering needs no torch."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embed import Embedder, EncoderError, OnnxEncoder, onnx_file, onnx_path
from index.library import Library

TEXTS = [
    "When will Putin travel to North Korea?",
    "The dam opened. " * 300,  # over the model's 256 tokens: both cut it the same way
    "  \tpadded\n with white space  ",
    "北京、東京、서울 — “curly quotes”, naïve café",
    "x",
]


def test_encode_returns_vectors_in_input_order(embedder: Embedder) -> None:
    texts = ["short", "a much longer text about the harbour and its new terminal " * 5, "medium length text"]
    together = embedder.encode(texts)
    alone = np.stack([embedder.encode_query(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_onnx_is_the_default_and_gives_the_torch_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFBOT_ENCODER", raising=False)
    onnx = Embedder()
    assert onnx.backend == "onnx"
    assert np.abs(onnx.encode(TEXTS) - Embedder(backend="torch").encode(TEXTS)).max() < 1e-5


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoder backend"):
        Embedder(backend="tpu")


def test_answering_imports_neither_torch_nor_transformers(seed_library: Library) -> None:
    """What keeps a start under a second: the model file is exported when the index is built."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom index.library import Library\n"
        f"library = Library(Path({str(seed_library.data_dir)!r}))\n"
        "answer = library.ask('When will Putin travel to North Korea?')\n"
        "assert answer.answered, answer\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_damaged_cached_model_is_exported_again(tmp_path: Path, embedder: Embedder) -> None:
    path = onnx_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(onnx_file().read_bytes()[:1000])  # as if a disk error had cut it
    encoder = OnnxEncoder(tmp_path)
    assert path.stat().st_size > 1_000_000
    assert np.allclose(encoder(TEXTS), embedder.encode(TEXTS), atol=1e-6)


def test_an_unwritable_cache_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(EncoderError, match="set BRIEFBOT_CACHE_DIR to a writable folder"):
        onnx_file(blocker)
