"""Sentence-aware chunking to a token budget of the embedding model, with exact offsets.

LangChain's ``RecursiveCharacterTextSplitter`` was measured first: with an overlap its
``start_index`` is wrong (-1) for about a quarter of the chunks of the MultiHop-RAG corpus,
and it tokenizes every piece again at each level. Here each article is tokenized once by
the model's fast tokenizer, sentences are packed whole into chunks, and every chunk keeps
``body[start:end] == text``.

With ``headers`` on, every chunk is embedded and keyword-indexed after a one-line header of
its article's title, outlet and date (`article_header`): an article's chunk budget is lowered
by its header's token count, so header and chunk together stay within the model's limit.
`Chunk.text` itself is always the exact article text.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.records import Article, Chunk, short_hash
from ingest.text.dates import DateError, day_range, spoken
from ingest.text.sentences import sentence_spans

TokenSpans = Callable[[str], Sequence[tuple[int, int]]]
"""Returns the character span of every token of a text, special tokens excluded."""

# Longest title and outlet, in characters, that a header repeats (so it stays a header).
_MAX_TITLE = 120
_MAX_SOURCE = 50


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


def article_header(title: str, source: str | None, published: str | None) -> str:
    """Return the line of article facts put before a chunk's text when it is embedded or indexed.

    ``"Title (The Verge, October 5, 2023)\n"``; empty facts are left out, a very long title or
    outlet is shortened. The same fields always give the same header, so it is rebuilt from a
    stored chunk rather than stored.
    """
    facts = ", ".join(part for part in (_clip(source or "", _MAX_SOURCE), spoken(published)) if part)
    head = _clip(title, _MAX_TITLE)
    if facts:
        head = f"{head} ({facts})" if head else facts
    return head + "\n" if head else ""


def chunk_header(chunk: Chunk) -> str:
    """Return the header of the chunk's article (see `article_header`)."""
    return article_header(chunk.title, chunk.source, chunk.published)


def indexed_text(chunk: Chunk) -> str:
    """Return the text embedded and keyword-indexed for a chunk: its header, then its text."""
    return chunk_header(chunk) + chunk.text


class Chunker:
    """Cuts article bodies into chunks of whole sentences, at most ``budget`` tokens each.

    With ``header_limit`` (the model's input limit less its special tokens), chunks get
    headers: an article's budget is lowered so that `article_header` plus any chunk of it fits
    in ``header_limit`` tokens.
    """

    def __init__(
        self, token_spans: TokenSpans, budget: int, overlap: int, header_limit: int | None = None
    ) -> None:
        if budget < 8:
            raise ValueError(f"a chunk budget of {budget} tokens is too small to hold a sentence")
        self._token_spans = token_spans
        self.budget = budget
        self.overlap = min(overlap, budget // 2)
        self.header_limit = header_limit

    def chunk(self, article: Article) -> list[Chunk]:
        """Return the article's chunks in order; the same article always gives the same ids."""
        body = article.body
        budget = self.budget
        if self.header_limit is not None:
            header = article_header(article.title, article.source, article.published)
            room = self.header_limit - len(self._token_spans(header))
            budget = max(8, min(budget, room))
        token_starts, token_ends = self._tokens(body)
        units: list[_Unit] = []
        for start, end in sentence_spans(body):
            units.extend(self._fit(start, end, token_starts, token_ends, budget))
        date_from, date_to = _day_range(article.published)
        chunks: list[Chunk] = []
        for index, group in enumerate(self._pack(units, budget)):
            start, end = group[0].start, group[-1].end
            text = body[start:end]
            chunks.append(
                Chunk(
                    id=f"{article.id}-{index:04d}-{short_hash(text, length=8)}",
                    article_id=article.id,
                    index=index,
                    text=text,
                    start=start,
                    end=end,
                    title=article.title,
                    source=article.source,
                    published=article.published,
                    url=article.url,
                    path=article.path,
                    date_from=date_from,
                    date_to=date_to,
                )
            )
        return chunks

    def _tokens(self, text: str) -> tuple[list[int], list[int]]:
        spans = self._token_spans(text)
        return [start for start, _ in spans], [end for _, end in spans]

    def _fit(
        self, start: int, end: int, token_starts: list[int], token_ends: list[int], budget: int
    ) -> list[_Unit]:
        """Return the sentence as one unit, or cut at word starts if it exceeds the budget."""
        first = bisect_left(token_starts, start)
        last = bisect_left(token_starts, end)
        if last - first <= budget:
            return [_Unit(start, end, last - first)]
        units: list[_Unit] = []
        while last - first > budget:
            cut = first + budget
            # Back off to a token that starts a word, so no word is split across chunks.
            word_cut = cut
            while word_cut > first + budget // 2 and not _starts_word(
                token_starts[word_cut], token_ends[word_cut - 1]
            ):
                word_cut -= 1
            if word_cut > first + budget // 2:
                cut = word_cut
            units.append(_Unit(token_starts[first], token_ends[cut - 1], cut - first))
            first = cut
        units.append(_Unit(token_starts[first], end, last - first))
        return units

    def _pack(self, units: list[_Unit], budget: int) -> list[list[_Unit]]:
        groups: list[list[_Unit]] = []
        current: list[_Unit] = []
        size = 0
        for unit in units:
            if current and size + unit.tokens > budget:
                groups.append(current)
                current, size = self._overlap_tail(current, unit.tokens, budget)
            current.append(unit)
            size += unit.tokens
        if current:
            groups.append(current)
        return groups

    def _overlap_tail(self, group: list[_Unit], incoming: int, budget: int) -> tuple[list[_Unit], int]:
        """Return the last whole sentences of a chunk that repeat at the start of the next."""
        tail: list[_Unit] = []
        size = 0
        for unit in reversed(group[1:]):
            if size + unit.tokens > self.overlap or size + unit.tokens + incoming > budget:
                break
            tail.insert(0, unit)
            size += unit.tokens
        return tail, size


def _starts_word(token_start: int, previous_end: int) -> bool:
    return token_start > previous_end


def _day_range(published: str | None) -> tuple[int | None, int | None]:
    if not published:
        return None, None
    try:
        return day_range(published)
    except DateError:
        return None, None


def _clip(text: str, limit: int) -> str:
    """Return the text on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + "…"
