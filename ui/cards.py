"""Source cards: the passage an answer cites, its cited sentence highlighted, all text escaped.

A card shows the cited sentence with a sentence of context on each side, so a long passage
doesn't bury the answer; the full passage opens below it. Every piece of article text goes
through `render.text`.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answering.records import Citation
from ingest.text.dates import date_label
from ingest.text.sentences import sentence_spans
from ui.render import safe_url, text

SHORT_PASSAGE = 320
"""A passage up to this many characters is shown whole, with no excerpt."""
CONTEXT_CHARS = 220
"""At most this much of each neighbouring sentence is shown around the quote."""


@dataclass(frozen=True)
class Excerpt:
    """The quote with its context: ``passage[start:end]``, cut at sentence (or word) bounds."""

    start: int
    end: int

    def covers(self, passage: str) -> bool:
        """Return True when the excerpt is the whole passage."""
        return self.start == 0 and self.end == len(passage)


def excerpt(passage: str, quote_start: int, quote_end: int) -> Excerpt:
    """Return the span to show: the quote, and the sentence before and after it (trimmed)."""
    if len(passage) <= SHORT_PASSAGE:
        return Excerpt(0, len(passage))
    spans = sentence_spans(passage)
    before = [span for span in spans if span[1] <= quote_start]
    after = [span for span in spans if span[0] >= quote_end]
    start = quote_start
    if before:
        start = max(before[-1][0], quote_start - CONTEXT_CHARS)
        start = _word_start(passage, start, before[-1][0])
    end = quote_end
    if after:
        end = min(after[0][1], quote_end + CONTEXT_CHARS)
        end = _word_end(passage, end, after[0][1])
    return Excerpt(start, end)


def _word_start(passage: str, position: int, sentence_start: int) -> int:
    """Move a cut forward to the next word, unless it is already a sentence start."""
    if position <= sentence_start:
        return sentence_start
    space = passage.find(" ", position)
    return space + 1 if space != -1 else position


def _word_end(passage: str, position: int, sentence_end: int) -> int:
    if position >= sentence_end:
        return sentence_end
    space = passage.rfind(" ", 0, position)
    return space if space > 0 else position


def marked(passage: str, start: int, end: int, quote_start: int, quote_end: int) -> str:
    """Return ``passage[start:end]`` escaped, the quote inside ``<mark>``."""
    quote_start, quote_end = max(quote_start, start), min(quote_end, end)
    return (
        f"{text(passage[start:quote_start])}<mark>{text(passage[quote_start:quote_end])}</mark>"
        f"{text(passage[quote_end:end])}"
    )


def badge_html(citation: Citation, checked: bool) -> str:
    """Return the card's check mark: verified or unverified when the answerer checked it."""
    if not checked:
        return (
            '<span class="nqa-badge nqa-badge-quote" title="The answer quotes this sentence '
            'word for word">quoted</span>'
        )
    if citation.verified:
        return (
            '<span class="nqa-badge nqa-badge-ok" title="The passage supports every sentence '
            'of the answer that cites it">✓ verified</span>'
        )
    return (
        '<span class="nqa-badge nqa-badge-doubt" title="The passage does not clearly support '
        'every sentence citing it: read it before relying on the answer">⚠ unverified</span>'
    )


def suspicious_html(citation: Citation) -> str:
    """Return the card's warning when its passage holds instructions aimed at an AI model."""
    if not citation.suspicious:
        return ""
    return (
        '<span class="nqa-badge nqa-badge-doubt nqa-suspicious" title="This passage holds text '
        "aimed at an AI model (for example &quot;ignore previous instructions&quot;): article text "
        'should never say that. Read it with care.">⚠ suspicious</span>'
    )


def source_card_html(citation: Citation, turn: int, checked: bool = False) -> str:
    """Return a card: number, linked title, outlet and date, mark, quote in context, passage.

    ``checked`` says whether the answerer checked its citations (a generated answer) or
    quoted the passage itself (the extractive answerer).
    """
    title = text(citation.title) or "Untitled"
    url = safe_url(citation.url)
    heading = (
        f'<a class="nqa-title" href="{text(url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        if url
        else f'<span class="nqa-title">{title}</span>'
    )
    meta = [text(part) for part in (citation.source, date_label(citation.published)) if part]
    if url:
        meta.append(f'<a href="{text(url)}" target="_blank" rel="noopener noreferrer">original ↗</a>')
    passage = citation.passage
    quote_start = citation.quote_start
    quote_end = quote_start + len(citation.quote)
    shown = excerpt(passage, quote_start, quote_end)
    quote = marked(passage, shown.start, shown.end, quote_start, quote_end)
    quote = ("… " if shown.start > 0 else "") + quote + (" …" if shown.end < len(passage) else "")
    full = ""
    if not shown.covers(passage):
        words = len(passage.split())
        full = (
            f'<details class="nqa-full"><summary>Full passage ({words} words)</summary>'
            f'<div class="nqa-passage">{marked(passage, 0, len(passage), quote_start, quote_end)}</div>'
            "</details>"
        )
    doubt = " nqa-doubt" if checked and not citation.verified else ""
    return (
        f'<div class="nqa-card{doubt}" id="src-{turn}-{citation.n}">'
        f'<div class="nqa-head"><span class="nqa-n">{citation.n}</span>{heading}'
        f"{badge_html(citation, checked)}{suspicious_html(citation)}</div>"
        f'<div class="nqa-meta">{" · ".join(meta) or "outlet and date unknown"}</div>'
        f'<div class="nqa-quote">{quote}</div>{full}</div>'
    )
