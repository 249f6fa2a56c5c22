"""HTML for answers and source cards, with every piece of article text escaped.

Article text, titles and outlet names come from outside: they are always escaped here, so
a ``<script>`` tag, an image tag or markdown in an article shows literally and can neither
run nor restyle the page. Only the markup written in this module is live.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from assistant.answer import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")

CARD_STYLE = """
<style>
.nqa-answer { line-height: 1.6; }
.nqa-answer sup a { text-decoration: none; font-weight: 600; }
.nqa-card { border: 1px solid rgba(128,128,128,.35); border-radius: .5rem;
            padding: .6rem .8rem; margin: .4rem 0; }
.nqa-card .nqa-meta { color: rgba(128,128,128,1); font-size: .85rem; }
.nqa-card .nqa-passage { white-space: pre-wrap; font-size: .9rem; margin-top: .4rem; }
.nqa-card mark { background: #ffe58a; color: inherit; padding: 0 .1rem; }
</style>
"""


def text(value: str | None) -> str:
    """Return ``value`` escaped for HTML, with ``$`` escaped too (Streamlit reads it as LaTeX)."""
    return html.escape(value or "").replace("$", "&#36;")


def answer_html(answer: Answer, turn: int) -> str:
    """Return the answer text, escaped, each ``[n]`` a link to source card ``n`` of this turn."""
    known = {citation.n for citation in answer.citations}

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return f'<sup><a href="#src-{turn}-{n}">[{n}]</a></sup>'

    return f'<div class="nqa-answer">{_MARKER.sub(link, text(answer.text))}</div>'


def source_card_html(citation: Citation, turn: int) -> str:
    """Return a card: linked title, outlet and date, and the passage with the quote marked."""
    title = text(citation.title) or "Untitled"
    url = safe_url(citation.url)
    heading = f'<a href="{text(url)}" target="_blank" rel="noopener noreferrer">{title}</a>' if url else title
    meta = " · ".join(text(part) for part in (citation.source, citation.published) if part)
    start = citation.quote_start
    end = start + len(citation.quote)
    passage = citation.passage
    body = f"{text(passage[:start])}<mark>{text(passage[start:end])}</mark>{text(passage[end:])}"
    return (
        f'<div class="nqa-card" id="src-{turn}-{citation.n}">'
        f"<div><strong>[{citation.n}]</strong> {heading}</div>"
        f'<div class="nqa-meta">{meta or "outlet and date unknown"}</div>'
        f'<div class="nqa-passage">{body}</div></div>'
    )


def safe_url(url: str | None) -> str | None:
    """Return the URL if it is an http(s) link, else None (no ``javascript:`` links)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return url.strip()
    return None
