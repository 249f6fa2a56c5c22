"""Escaping, dates, and the HTML of an answer's text, with every piece of article text escaped.

Article text, titles and outlet names come from outside: they are always escaped here, so
a ``<script>`` tag, an image tag or markdown in an article shows literally and can neither
run nor restyle the page. Only the markup written in this package is live.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import urlparse

from assistant.answering.records import Answer, SentenceCheck

_MARKER = re.compile(r"\[(\d+)\]")
# Every ASCII punctuation mark: backslash-escaped, each shows as itself in Markdown.
_MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")
_WHY = {
    "unsupported": "The passages this sentence cites don't contain all of it",
    "uncited": "This sentence cites no passage",
    "suspicious": "This sentence repeats an instruction that a passage aims at an AI model",
}


def text(value: str | None) -> str:
    """Return ``value`` escaped for HTML, with ``$`` escaped too (Streamlit reads it as LaTeX)."""
    return html.escape(value or "").replace("$", "&#36;")


def markdown_text(value: str) -> str:
    """Return text that Markdown (``st.write_stream``, ``st.error``) shows literally.

    No links, images, emphasis or LaTeX: each character is escaped on its own, so pieces
    of a stream can be escaped one by one.
    """
    return _MARKDOWN.sub(r"\\\1", value)


def safe_url(url: str | None) -> str | None:
    """Return the URL if it is an http(s) link, else None (no ``javascript:`` links)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return url.strip()
    return None


def ago(moment: datetime, now: datetime | None = None) -> str:
    """Return how long ago ``moment`` was: ``just now``, ``5 min ago``, ``3 hours ago``, ``2 days ago``."""
    seconds = ((now or datetime.now(moment.tzinfo)) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    count, unit = (int(seconds // 3600), "hour") if seconds < 86400 else (int(seconds // 86400), "day")
    return f"{count} {unit}{'s' if count > 1 else ''} ago"


def answer_html(answer: Answer, turn: int, start: int = 0, end: int | None = None) -> str:
    """Return the answer text (or ``text[start:end]``), escaped, each ``[n]`` a link to source
    card ``n`` of this turn, the short answer that opens it in bold.

    Sentences that their cited passages don't support, or that cite none, are underlined
    and marked "unverified"; so is each marker whose passage doesn't support its sentence.
    """
    end = len(answer.text) if end is None else end
    known = {citation.n for citation in answer.citations}

    def linked(fragment: str, doubtful: tuple[int, ...] = ()) -> str:
        def link(match: re.Match[str]) -> str:
            n = int(match.group(1))
            if n not in known:
                return match.group(0)
            if n not in doubtful:
                return f'<sup><a href="#src-{turn}-{n}">[{n}]</a></sup>'
            return (
                f'<sup><a class="nqa-doubt" href="#src-{turn}-{n}" '
                f'title="this source does not clearly support the sentence">[{n}]</a></sup>'
            )

        return _MARKER.sub(link, text(fragment))

    parts = []
    position = start
    for check in answer.sentences:
        if check.end <= start or check.start >= end:
            continue
        parts.append(linked(answer.text[position : check.start]))
        parts.append(_sentence_html(linked(answer.text[check.start : check.end], check.doubtful), check))
        position = check.end
    parts.append(linked(answer.text[position:end]))
    body = "".join(parts)
    short = answer.short_answer
    if short is not None and start == 0 and answer.text.startswith(short.text):
        escaped = text(short.text)
        body = f'<strong class="nqa-short">{escaped}</strong>' + body[len(escaped) :]
    return f'<div class="nqa-answer">{body}</div>'


def _sentence_html(body: str, check: SentenceCheck) -> str:
    if not check.flagged:
        return body
    why = _WHY[check.status] + (f": not found: {', '.join(check.missing)}" if check.missing else "") + "."
    return (
        f'<span class="nqa-unverified" title="{text(why)}">{body}</span>'
        f'<span class="nqa-flag" title="{text(why)}">unverified</span>'
    )
