"""``GET /v1/stats``, ``GET /v1/articles`` (paged) and ``DELETE /v1/articles/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.service.deps import Editor, Reader, ServiceDep
from assistant.service.errors import ERRORS
from assistant.service.schemas import Body
from vectorstore.base import ArticleInfo

router = APIRouter(prefix="/v1", tags=["articles"], responses=ERRORS)


class StatsOut(Body):
    """What the index holds."""

    articles: int
    chunks: int
    sources: dict[str, int]
    """Outlet name to its number of articles, largest first."""
    first_published: str | None
    last_published: str | None
    last_updated: str | None
    """When an article was last written to the index (ISO 8601, local time), or null if never."""


class ArticleOut(Body):
    """One indexed article."""

    article_id: str
    title: str
    source: str | None
    published: str | None
    """As precise as the article gave it: ``2020-03``, ``2020-03-11`` or a timestamp."""
    url: str | None

    @classmethod
    def of(cls, info: ArticleInfo) -> ArticleOut:
        """Return an article's record as the API gives it."""
        return cls(
            article_id=info.article_id, title=info.title, source=info.source, published=info.published,
            url=info.url,
        )  # fmt: skip


class ArticlePageOut(Body):
    """One page of the indexed articles, newest first."""

    total: int
    """Articles matching the filter, on every page."""
    offset: int
    limit: int
    next_offset: int | None
    """The ``offset`` of the next page, or null on the last."""
    items: list[ArticleOut]


class RemovedOut(Body):
    """What a removal did."""

    article_id: str
    versions: int
    """How many indexed versions of the article were removed (one per file or feed it came from)."""


@router.get("/stats", summary="What the index holds", dependencies=[Reader])
def stats(service: ServiceDep) -> StatsOut:
    """Return the articles, chunks and outlets indexed, and the dates they cover."""
    found = service.bot.stats()
    updated = service.bot.last_updated()
    return StatsOut(
        articles=found.articles, chunks=found.chunks, sources=found.sources,
        first_published=found.first_published, last_published=found.last_published,
        last_updated=updated.isoformat(timespec="seconds") if updated else None,
    )  # fmt: skip


@router.get("/articles", summary="The indexed articles, a page at a time", dependencies=[Reader])
def articles(
    service: ServiceDep,
    offset: Annotated[int, Query(ge=0, description="How many articles to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Most articles on the page.")] = 50,
    source: Annotated[list[str] | None, Query(description="Only these outlets (repeatable).")] = None,
) -> ArticlePageOut:
    """Return a page of the indexed articles, newest first (undated ones last)."""
    page = service.bot.articles_page(offset, limit, source)
    following = page.offset + len(page.items)
    return ArticlePageOut(
        total=page.total,
        offset=page.offset,
        limit=limit,
        next_offset=following if following < page.total else None,
        items=[ArticleOut.of(info) for info in page.items],
    )


@router.delete(
    "/articles/{article_id}",
    summary="Remove an article from every index (editors)",
    dependencies=[Editor],
    responses={404: {"description": "No article with this id is indexed"}},
)
def remove(article_id: str, service: ServiceDep) -> RemovedOut:
    """Remove the article's passages from the vectors, the keyword index and the records.

    It waits for an indexing job under way to finish (one writer at a time). A file still in
    a folder that is indexed again brings the article back.
    """
    versions = service.bot.remove(article_id)
    return RemovedOut(article_id=article_id, versions=versions)
