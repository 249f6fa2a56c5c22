"""Sentence spans of news text, as character offsets, so quotes stay exact."""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … (plus closing quotes or brackets), before whitespace and
# the capital, digit or opening quote that starts the next one.
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen gov sen rep lt col capt sgt maj cmdr adm rev inc corp co
    ltd llc plc no nos vs etc fig al approx dept est jan feb mar apr jun jul aug sep sept
    oct nov dec u.s u.k u.n e.g i.e a.m p.m
    """.split()
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
# A line this long that ends without punctuation is taken as hard-wrapped prose.
_WRAPPED_LINE = 60


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``, whitespace trimmed.

    Paragraphs and headings are never joined to the next sentence; a single line break
    inside hard-wrapped prose is not a boundary.
    """
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        cursor = block_start
        for match in _END.finditer(text, block_start, block_end):
            if _is_abbreviation(text, match.start()):
                continue
            _append(spans, text, cursor, match.end())
            cursor = match.end()
        _append(spans, text, cursor, block_end)
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    """Split at paragraph breaks, and at line breaks that end a heading or a sentence."""
    blocks: list[tuple[int, int]] = []
    start = 0
    for paragraph in _PARAGRAPH.finditer(text):
        blocks.extend(_lines(text, start, paragraph.start()))
        start = paragraph.end()
    blocks.extend(_lines(text, start, len(text)))
    return blocks


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    line_start = start
    while True:
        newline = text.find("\n", line_start, end)
        if newline == -1:
            break
        line = text[line_start:newline].rstrip()
        wrapped = len(line) >= _WRAPPED_LINE and not line.endswith(
            (".", "!", "?", ":", ";", '"', "”", "’", ")")
        )
        if not wrapped:
            pieces.append((start, newline))
            start = newline + 1
        line_start = newline + 1
    pieces.append((start, end))
    return pieces


def _is_abbreviation(text: str, period: int) -> bool:
    if text[period] != ".":
        return False
    word = _WORD_BEFORE.search(text, max(0, period - 12), period)
    if not word:
        return False
    token = word.group(1).lower().strip(".")
    if len(token) == 1 and token.isalpha():
        return True  # an initial, as in "J. Smith"
    return token in _ABBREVIATIONS


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
