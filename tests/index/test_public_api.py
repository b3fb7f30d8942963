"""The public core API (`index/__init__.py`) and its one user-facing error base."""

import subprocess
import sys

import pytest

import index
from index import InvalidInput, Library, UserError


def test_every_public_name_resolves():
    for name in index.__all__:
        assert getattr(index, name) is not None
    with pytest.raises(AttributeError):
        index.NoSuchThing  # noqa: B018


def test_the_errors_front_ends_show_as_they_are_are_user_errors():
    for name in ("StoreError", "NoIndex", "StoreWriteError", "SourceError", "RegistryError", "EncoderError",
                 "InvalidInput"):
        assert issubclass(getattr(index, name), UserError), name
    from index.fetch import FetchError

    assert issubclass(FetchError, index.SourceError)
    assert issubclass(InvalidInput, ValueError)  # callers catching ValueError keep working


def test_importing_the_core_loads_no_engine():
    engines = "{'faiss', 'bm25s', 'onnxruntime'}"
    code = f"import sys, index, index.dates; print(sorted({engines} & sys.modules.keys()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("call", "message"), [
    (lambda lib: lib.ask("   "), "the question is empty"),
    (lambda lib: lib.ask("Putin", k=0), "k must be at least 1"),
    (lambda lib: lib.timeline(since="not a date"), "cannot read the date"),
    (lambda lib: lib.timeline(since="2024-06", until="2024-05"), "is after"),
    (lambda lib: lib.reindex(rebuild=True, only={lib.sources()[0].name}), "cannot be limited"),
])
def test_bad_input_is_an_invalid_input_error(seed_library: Library, call, message):
    with pytest.raises(InvalidInput, match=message):
        call(seed_library)
