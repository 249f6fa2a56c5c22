"""When the passages are plainly not about what was asked: the checks behind "I couldn't find this".

A question citing an outlet none of the passages comes from ("a Bloomberg article", "reported
by The Hindu") is declined, and so is one giving names (``Oleg Fomenko``, ``M-Pesa``) that
appear in none of the passages, their titles or outlets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.retrieval.query import OutletMatcher
from assistant.retrieval.sentences import analyse
from ingest.text.names import CALENDAR, given_names
from ingest.text.terms import QUESTION_FRAMING, terms
from vectorstore.base import Passage

# An outlet cited as a source: "an article by X", "reported by X", "another in X", "the X report".
_CAPS = r"[A-Z0-9][\w'’.&-]*(?:\s+(?:of|the|and|&|[|:-])?\s*[A-Z0-9][\w'’.&-]*)*"
_PIECE = r"(?:article|report|piece|story|coverage|review|column|feature|post)"
_CITED_OUTLET = (
    re.compile(
        rf"(?:\b{_PIECE}s?\s+(?:by|from|in|at)\s+|\b(?:reported by|published by|another (?:by|from|in))\s+)"
        rf"(?:an?\s+|the\s+)?(?P<name>(?:The\s+)?{_CAPS})"
    ),
    re.compile(rf"\b(?:an?|the|by|from|in)\s+(?P<name>{_CAPS})(?:'s|’s)?\s+{_PIECE}"),
)
_NOT_OUTLET = re.compile(rf"(?:{CALENDAR.replace(' ', '|')}|\d)\b", re.I)


def question_names(question: str) -> set[str]:
    """Return the terms of the names the question gives (its first word and framing words aside)."""
    return given_names(question) - QUESTION_FRAMING


def unknown_names(question: str, passages: Sequence[Passage]) -> set[str]:
    """Return the question's name terms found in no passage, title or outlet."""
    names = question_names(question)
    if not names:
        return set()
    known: set[str] = set()
    for passage in passages:
        chunk = passage.chunk
        known.update(analyse(chunk.text).terms)
        known.update(terms(f"{chunk.title} {chunk.source or ''}"))
    return names - known


def cited_outlets(question: str) -> list[str]:
    """Return the names the question cites as sources ("an article by The Hindu" -> The Hindu)."""
    found = []
    for pattern in _CITED_OUTLET:
        for match in pattern.finditer(question):
            if not _NOT_OUTLET.match(match["name"]):
                found.append(match["name"])
    return list(dict.fromkeys(found))


def unknown_outlets(question: str, passages: Sequence[Passage]) -> list[str]:
    """Return the sources the question cites that none of the passages comes from."""
    cited = cited_outlets(question)
    if not cited:
        return []
    matcher = OutletMatcher({p.chunk.source for p in passages if p.chunk.source})
    return [name for name in cited if not matcher.find(name)]
