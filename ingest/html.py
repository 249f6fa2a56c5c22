"""Article text out of HTML pages with trafilatura: scripts, styles and page furniture dropped."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.text.dates import DateError, normalize


@dataclass(frozen=True)
class PageText:
    """The main text of a page and what its markup says about it."""

    text: str
    title: str | None = None
    published: str | None = None
    """ISO date from the page's metadata (meta tags, structured data), never guessed from text."""
    site: str | None = None


def extract(html: str | bytes, url: str | None = None) -> PageText | None:
    """Return the page's main text and metadata, or None when it holds no article text."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        # Only dates the page states in its markup: an article must never get an invented date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        return None
    published = None
    raw_date = getattr(document, "date", None)
    if raw_date:
        try:
            published = normalize(str(raw_date))
        except DateError:
            published = None
    return PageText(
        text=text.strip(),
        title=_clean(getattr(document, "title", None)),
        published=published,
        site=_clean(getattr(document, "sitename", None)),
    )


def _clean(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
