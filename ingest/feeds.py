"""RSS and Atom feeds: each item becomes an article (feedparser; linked pages via trafilatura).

An item is identified by its guid (else its link, else its title), so re-reading a feed
recognises the items it has seen. Its fingerprint covers what the feed says about it, so an
item the feed hasn't changed is known to be current without fetching its page again. The
feed and its pages are fetched through `ingest.fetching`, which refuses internal addresses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ingest.fetching import FeedError, FeedRefused, FetchPolicy, fetch, is_url
from ingest.readers import Problem
from ingest.records import Article, short_hash

__all__ = ["FeedError", "FeedItem", "FeedRefused", "FetchPolicy", "is_url", "load_item", "read_feed"]


@dataclass(frozen=True)
class FeedItem:
    """What a feed says about one item, before its page is fetched."""

    article_id: str
    fingerprint: str
    title: str
    link: str | None
    published: str | None
    summary: str
    source: str | None
    """The feed's title: the outlet."""
    path: str
    """Where the article is said to come from: its link, or the feed URL and the item's id."""


def read_feed(url: str, policy: FetchPolicy) -> list[FeedItem]:
    """Fetch and parse a feed; raise `FeedError` if it can't be fetched or isn't RSS or Atom."""
    import feedparser

    parsed = feedparser.parse(fetch(url, policy))
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(f"{url} is not an RSS or Atom feed")
    outlet = _text(parsed.feed.get("title")) or urlsplit(url).hostname
    items = []
    for entry in parsed.entries:
        link = _text(entry.get("link"))
        guid = _text(entry.get("id")) or link or _text(entry.get("title"))
        if not guid:
            continue
        title = _text(entry.get("title")) or link or guid
        summary = _summary(entry)
        published = _date(entry)
        fingerprint = short_hash(outlet or "", title, link or "", published or "", summary)
        items.append(
            FeedItem(
                article_id="f_" + short_hash(guid),
                fingerprint=fingerprint,
                title=title,
                link=link,
                published=published,
                summary=summary,
                source=outlet,
                path=link or f"{url}#{guid}",
            )
        )
    return items


def load_item(item: FeedItem, policy: FetchPolicy) -> tuple[Article | None, list[Problem]]:
    """Return the item as an article: its linked page's text, else the feed's own text.

    A page the guard refuses (an internal address) leaves the item out, with the reason: its
    summary is not indexed in its place, so that once the host is allowed, the next run
    fetches the page instead of finding the item unchanged.
    """
    from ingest.html import extract

    problems: list[Problem] = []
    body = ""
    if item.link and not is_url(item.link):
        scheme = urlsplit(item.link).scheme
        reason = f"its link is not fetched: only http and https pages are, not {scheme or 'a relative link'}"
        problems.append(Problem(item.path, f"{reason}; indexed the feed's summary instead", fatal=False))
    elif item.link:
        try:
            page = extract(fetch(item.link, policy), url=item.link)
        except FeedRefused as exc:
            return None, [Problem(item.path, f"{exc}; not indexed")]
        except FeedError as exc:
            page = None
            problems.append(Problem(item.path, f"{exc}; indexed the feed's summary instead", fatal=False))
        if page is not None:
            body = page.text
        elif not problems:
            problems.append(
                Problem(
                    item.path, "no article text found on the page; indexed the feed's summary", fatal=False
                )
            )
    body = body or item.summary
    if not body:
        return None, [*problems, Problem(item.path, "the item has no text and its page gave none")]
    article = Article(
        id=item.article_id,
        title=item.title,
        body=body,
        source=item.source,
        published=item.published,
        url=item.link,
        path=item.path,
    )
    return article, problems


def _summary(entry: Any) -> str:
    contents = entry.get("content") or []
    html = next((c.get("value") for c in contents if c.get("value")), None) or entry.get("summary") or ""
    return _html_text(html)


def _html_text(html: str) -> str:
    if "<" not in html:
        return " ".join(html.split())
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several kinds for odd fragments; the text is what matters
        return " ".join(html.split())
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return " ".join(root.text_content().split())


def _date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", value)
    return None


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
