"""``POST /v1/retrieve``: the ranked passages alone, with their articles' metadata."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from assistant.service.deps import Reader, ServiceDep
from assistant.service.errors import ERRORS
from assistant.service.schemas import Body, Filters
from vectorstore.base import Passage

router = APIRouter(prefix="/v1", tags=["retrieve"], dependencies=[Reader], responses=ERRORS)


class RetrieveRequest(Filters):
    """A question to find passages for, and its filters."""

    question: str = Field(examples=["Who was blamed for the Camp Taji attack?"])
    k: int = Field(10, ge=1, le=100, description="How many passages.")


class PassageOut(Body):
    """One retrieved passage and the article it is from."""

    rank: int
    score: float
    """How well it matched (higher is better; comparable within one retrieval only)."""
    chunk_id: str
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    text: str
    """The passage, exactly as it stands in the article."""
    start: int
    """Where it starts in the article's text (characters)."""
    end: int

    @classmethod
    def of(cls, rank: int, passage: Passage) -> PassageOut:
        """Return a retrieved passage as the API gives it."""
        chunk = passage.chunk
        return cls(
            rank=rank, score=passage.score, chunk_id=chunk.id, article_id=chunk.article_id,
            title=chunk.title, source=chunk.source, published=chunk.published, url=chunk.url,
            text=chunk.text, start=chunk.start, end=chunk.end,
        )  # fmt: skip


class RetrieveResponse(Body):
    """The passages, best first."""

    question: str
    passages: list[PassageOut]


@router.post("/retrieve", summary="Find the passages a question would be answered from")
def retrieve(body: RetrieveRequest, service: ServiceDep) -> RetrieveResponse:
    """Return the ranked passages, best first, as `/v1/ask` draws on them."""
    passages = service.bot.retrieve(body.question, body.k, body.source, body.since, body.until)
    return RetrieveResponse(
        question=body.question,
        passages=[PassageOut.of(rank, passage) for rank, passage in enumerate(passages, start=1)],
    )
