"""HTML for answers and source cards, with every piece of article text escaped.

Article text, titles and outlet names come from outside: they are always escaped here, so
a ``<script>`` tag, an image tag or markdown in an article shows literally and can neither
run nor restyle the page. Only the markup written in this module is live.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from assistant.answer import Answer, Citation, SentenceCheck

_MARKER = re.compile(r"\[(\d+)\]")
# Every ASCII punctuation mark: backslash-escaped, each shows as itself in Markdown.
_MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")
_WHY = {
    "unsupported": "The passages this sentence cites don't contain all of it",
    "uncited": "This sentence cites no passage",
}

CARD_STYLE = """
<style>
.nqa-answer { line-height: 1.6; }
.nqa-answer sup a { text-decoration: none; font-weight: 600; }
.nqa-card { border: 1px solid rgba(128,128,128,.35); border-radius: .5rem;
            padding: .6rem .8rem; margin: .4rem 0; }
.nqa-card .nqa-meta { color: rgba(128,128,128,1); font-size: .85rem; }
.nqa-card .nqa-passage { white-space: pre-wrap; font-size: .9rem; margin-top: .4rem; }
.nqa-card mark { background: #ffe58a; color: inherit; padding: 0 .1rem; }
.nqa-unverified { text-decoration: underline dotted #d9822b; text-underline-offset: .2rem; }
.nqa-flag { color: #d9822b; font-size: .75rem; font-weight: 600; margin-left: .15rem; }
.nqa-answer sup a.nqa-doubt { color: #d9822b; }
.nqa-card.nqa-doubt { border-color: #d9822b; }
</style>
"""


def text(value: str | None) -> str:
    """Return ``value`` escaped for HTML, with ``$`` escaped too (Streamlit reads it as LaTeX)."""
    return html.escape(value or "").replace("$", "&#36;")


def markdown_text(value: str) -> str:
    """Return text that Markdown (``st.write_stream``) shows literally: no links, images or LaTeX.

    Each character is escaped on its own, so pieces of a stream can be escaped one by one.
    """
    return _MARKDOWN.sub(r"\\\1", value)


def answer_html(answer: Answer, turn: int) -> str:
    """Return the answer text, escaped, each ``[n]`` a link to source card ``n`` of this turn.

    Sentences that their cited passages don't support, or that cite none, are underlined
    and marked "unverified"; so is each marker whose passage doesn't support its sentence.
    """
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
    position = 0
    for check in answer.sentences:
        parts.append(linked(answer.text[position : check.start]))
        parts.append(_sentence_html(linked(answer.text[check.start : check.end], check.doubtful), check))
        position = check.end
    parts.append(linked(answer.text[position:]))
    return f'<div class="nqa-answer">{"".join(parts)}</div>'


def _sentence_html(body: str, check: SentenceCheck) -> str:
    if not check.flagged:
        return body
    why = _WHY[check.status] + (f": not found: {', '.join(check.missing)}" if check.missing else "") + "."
    return (
        f'<span class="nqa-unverified" title="{text(why)}">{body}</span>'
        f'<span class="nqa-flag" title="{text(why)}">unverified</span>'
    )


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
    doubt = "" if citation.verified else " nqa-doubt"
    flag = (
        ""
        if citation.verified
        else ' <span class="nqa-flag">unverified: does not clearly support every sentence citing it</span>'
    )
    return (
        f'<div class="nqa-card{doubt}" id="src-{turn}-{citation.n}">'
        f"<div><strong>[{citation.n}]</strong> {heading}{flag}</div>"
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
