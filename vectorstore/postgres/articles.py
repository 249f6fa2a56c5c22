"""One row per indexed article in PostgreSQL, for stats, listings and charts.

The row holds what the article's chunks say about it (title, outlet, date, link) and how many
of its chunks are indexed; it is written in the same transactions as the chunks
(`vectorstore.postgres.keywords.PgKeywordIndex`), so ``--stats``, the sidebar and the chart
read a table of articles instead of scanning every chunk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vectorstore.base import ArticleInfo, IndexStats

if TYPE_CHECKING:
    import psycopg

    from ingest.records import Chunk
    from vectorstore.postgres.database import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {article} (
    article_id text PRIMARY KEY,
    title text NOT NULL,
    source text,
    published text,
    url text,
    date_from integer,
    date_to integer,
    chunks integer NOT NULL
);
CREATE INDEX IF NOT EXISTS {article_source} ON {article} (source);
"""


class PgArticles:
    """The article table of one collection (``<collection>_article``)."""

    def __init__(self, db: Database, prefix: str) -> None:
        from psycopg import sql

        self.db = db
        self._names = {"article": sql.Identifier(f"{prefix}_article")}
        self._names["article_source"] = sql.Identifier(f"{prefix}_article_source")

    def _sql(self, text: str) -> Any:
        from psycopg import sql

        return sql.SQL(text).format(**self._names)

    def create(self, cur: psycopg.Cursor[Any]) -> None:
        """Create the table if it is missing (inside the caller's schema transaction)."""
        cur.execute(self._sql(_SCHEMA))

    def add(self, cur: psycopg.Cursor[Any], chunks: Sequence[Chunk]) -> None:
        """Count the chunks in their articles' rows (creating them), inside the caller's transaction."""
        firsts: dict[str, Chunk] = {}
        counts: Counter[str] = Counter()
        for chunk in chunks:
            counts[chunk.article_id] += 1
            known = firsts.get(chunk.article_id)
            if known is None or chunk.index < known.index:
                firsts[chunk.article_id] = chunk
        if not firsts:
            return
        rows = [
            (
                c.article_id,
                c.title,
                c.source,
                c.published,
                c.url,
                c.date_from,
                c.date_to,
                counts[c.article_id],
            )
            for c in firsts.values()
        ]
        cur.executemany(
            self._sql(
                "INSERT INTO {article} AS a VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (article_id) DO UPDATE SET chunks = a.chunks + excluded.chunks, "
                "title = excluded.title, source = excluded.source, published = excluded.published, "
                "url = excluded.url, date_from = excluded.date_from, date_to = excluded.date_to"
            ),
            rows,
        )

    def remove(self, cur: psycopg.Cursor[Any], article_ids: Sequence[str]) -> None:
        """Take one chunk per entry off its article's count (an article left with none goes)."""
        counts = Counter(article_ids)
        if not counts:
            return
        cur.execute(
            self._sql(
                "UPDATE {article} a SET chunks = a.chunks - d.n "
                "FROM unnest(%s::text[], %s::int[]) AS d(article_id, n) WHERE a.article_id = d.article_id"
            ),
            (list(counts), list(counts.values())),
        )
        cur.execute(
            self._sql("DELETE FROM {article} WHERE article_id = ANY(%s) AND chunks <= 0"), (list(counts),)
        )

    def stats(self, chunks: int) -> IndexStats:
        """Return what the index holds, read from the article table (``chunks`` counted elsewhere)."""
        with self.db.cursor() as cur:
            cur.execute(self._sql("SELECT count(*) FROM {article}"))
            articles = int(cur.fetchone()[0])  # type: ignore[index]
            if not articles:
                return IndexStats(chunks=chunks)
            cur.execute(
                self._sql(
                    "SELECT source, count(*) FROM {article} WHERE source IS NOT NULL "
                    "GROUP BY source ORDER BY count(*) DESC, source"
                )
            )
            sources = {str(name): int(count) for name, count in cur.fetchall()}
            dated = "date_from IS NOT NULL AND date_to IS NOT NULL AND published IS NOT NULL"
            cur.execute(
                self._sql(
                    f"SELECT (SELECT published FROM {{article}} WHERE {dated} "
                    "ORDER BY date_from, date_to, published LIMIT 1), "
                    f"(SELECT published FROM {{article}} WHERE {dated} "
                    "ORDER BY date_to DESC, date_from DESC, published DESC LIMIT 1)"
                )
            )
            first, last = cur.fetchone()  # type: ignore[misc]
        return IndexStats(
            articles=articles, chunks=chunks, sources=sources, first_published=first, last_published=last
        )

    def articles(self) -> list[ArticleInfo]:
        """Return one record per indexed article."""
        with self.db.cursor() as cur:
            cur.execute(
                self._sql(
                    "SELECT article_id, title, source, published, url, date_from, date_to FROM {article}"
                )
            )
            return [
                ArticleInfo(
                    article_id=row[0], title=row[1], source=row[2] or None, published=row[3] or None,
                    url=row[4] or None, date_from=row[5], date_to=row[6],
                )
                for row in cur.fetchall()
            ]  # fmt: skip
