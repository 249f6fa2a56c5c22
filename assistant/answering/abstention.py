"""When the passages are plainly not about what was asked: the checks behind "I couldn't find this".

A question citing an outlet none of the passages comes from ("a Bloomberg article", "reported
by The Hindu") is declined, and so is one giving names (``Oleg Fomenko``, ``M-Pesa``) that
appear in none of the passages, their titles or outlets. The names are the ones spaCy finds
in the question (people, organisations, places, products, events, works), not capitalised
words: a question's first word or a month is no name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.asked import NAMES
from assistant.retrieval.query import OutletMatcher
from assistant.retrieval.sentences import analyse
from ingest.text.entities import Entity, entities
from ingest.text.terms import QUESTION_FRAMING, terms
from vectorstore.base import Passage

_PIECE = r"(?:article|report|piece|story|coverage|review|column|feature|post|op-ed|editorial)s?"
_QUOTE = r"[\"'‘’“”]?"
# An outlet cited as a source: "an article by X", "reported by X", "another in X" ...
_CITES_BEFORE = re.compile(
    rf"(?:\b{_PIECE}\s+(?:by|from|in|at|of)|\breported\s+(?:by|in)|\bpublished\s+(?:by|in)|\bwrit+en\s+(?:by|for)"
    rf"|\banother\s+(?:one\s+)?(?:by|from|in))\s+(?:an?\s+|the\s+)?{_QUOTE}$",
    re.IGNORECASE,
)
# ... or "the X report", "an X article", "by X's piece".
_DETERMINER_BEFORE = re.compile(rf"\b(?:an?|the|by|from|in)\s+{_QUOTE}$", re.IGNORECASE)
_CITES_AFTER = re.compile(rf"^{_QUOTE}(?:['’]s)?\s+{_PIECE}\b", re.IGNORECASE)


def question_names(question: str) -> list[str]:
    """Return the names spaCy finds in the question: people, organisations, places, products,
    events and works (not dates or numbers), each once."""
    return list(dict.fromkeys(_name(e) for e in entities(question) if e.label in NAMES and _terms(e.text)))


def unknown_names(question: str, passages: Sequence[Passage]) -> list[str]:
    """Return the question's names of which no word is in any passage, title or outlet.

    A name is looked up word by word because spaCy's spans are loose ("Fortune and TechCrunch"
    is one span to it): a name is unknown only when none of its words is found.
    """
    names = question_names(question)
    if not names:
        return []
    known: set[str] = set()
    for passage in passages:
        chunk = passage.chunk
        known.update(analyse(chunk.text).terms)
        known.update(terms(f"{chunk.title} {chunk.source or ''}"))
    return [name for name in names if not _terms(name) & known]


def cited_outlets(question: str) -> list[str]:
    """Return the names the question cites as sources ("an article by The Hindu" -> The Hindu)."""
    return list(dict.fromkeys(_name(entity) for entity in _cited_entities(question)))


def unknown_outlets(question: str, passages: Sequence[Passage]) -> list[str]:
    """Return the sources the question cites that none of the passages comes from."""
    cited = _cited_entities(question)
    if not cited:
        return []
    # An outlet of the passages named where the entity stands ("The Guardian" around spaCy's
    # "Guardian") means the question cites a source the passages have.
    matcher = OutletMatcher({p.chunk.source for p in passages if p.chunk.source})
    known = matcher.find(question)
    return list(
        dict.fromkeys(
            _name(entity)
            for entity in cited
            if not any(m.start < entity.end and entity.start < m.end for m in known)
        )
    )


def _cited_entities(question: str) -> list[Entity]:
    return [entity for entity in entities(question) if entity.label in NAMES and _cited(question, entity)]


def _cited(question: str, entity: Entity) -> bool:
    """True when the words around the entity cite it as the source of a report."""
    before = question[max(0, entity.start - 40) : entity.start]
    if _CITES_BEFORE.search(before):
        return True
    return bool(
        _DETERMINER_BEFORE.search(before) and _CITES_AFTER.match(question[entity.end : entity.end + 30])
    )


def _terms(name: str) -> set[str]:
    return {term for term in terms(name) if len(term) > 1} - QUESTION_FRAMING


def _name(entity: Entity) -> str:
    return re.sub(r"(?:['’]s)?[\"'‘’“”]*$", "", entity.text.strip("\"'‘’“” "))
