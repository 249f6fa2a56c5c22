"""The keyword index and article table in a real PostgreSQL: BM25, filters, writes that keep the counts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from ingest.records import Chunk
from tests.engines import Postgres
from tests.stores import keyword_index
from vectorstore.base import Place, SearchFilter
from vectorstore.postgres.articles import PgArticles
from vectorstore.postgres.database import Database, DatabaseAddress
from vectorstore.postgres.keywords import PgKeywordIndex


def chunk(
    n: int, text: str, source: str | None = "Wire", title: str = "Report", day: int = 1, article: str = ""
) -> Chunk:
    return Chunk(
        id=f"c{n}", article_id=article or f"a{n}", index=0, text=text, start=0, end=len(text), title=title,
        source=source, published=f"2024-01-{day:02d}", date_from=20240100 + day, date_to=20240100 + day,
    )  # fmt: skip


@pytest.fixture
def db(postgres_server: Postgres) -> Iterator[Database]:
    database = Database(DatabaseAddress.parse(postgres_server.url()))
    yield database
    database.close()


def index(db: Database, request: pytest.FixtureRequest, **options: object) -> PgKeywordIndex:
    prefix = "k" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:10]
    return PgKeywordIndex(db, prefix, PgArticles(db, prefix), common_share=1.0, **options)  # type: ignore[arg-type]


CORPUS = [
    chunk(1, "The council met about the harbour budget. The council said the budget grows."),
    chunk(2, "The council discussed parking."),
    chunk(3, "Kataib Hezbollah was blamed by the council for the rockets.", source="Fast News", day=3),
    chunk(4, "Weather report: the storm reached the harbour.", title="Storm warning", day=5),
    chunk(5, "Markets fell as the storm hit the council's harbour.", source="Fast News", day=7),
]


def test_a_rare_word_counts_more_than_a_common_one(db: Database, request: pytest.FixtureRequest) -> None:
    keywords = index(db, request)
    keywords.write(CORPUS, [])
    # "council" is in four chunks of five, "Hezbollah" in one: BM25 puts that one first; PostgreSQL's
    # own cover density, blind to rarity, ranks the chunk saying "council" twice first.
    assert keywords.search("council Hezbollah", 5)[0].chunk.id == "c3"
    cover = index(db, request, ranking="ts_rank_cd")
    assert cover.search("council Hezbollah", 5)[0].chunk.id == "c1"


def test_ranks_like_the_embedded_bm25(db: Database, request: pytest.FixtureRequest) -> None:
    keywords = index(db, request)
    keywords.write(CORPUS, [])
    embedded = keyword_index()
    embedded.add(CORPUS)
    for question in ("storm harbour", "council budget", "Kataib Hezbollah rockets", "weather warning"):
        ours = [p.chunk.id for p in keywords.search(question, 3)]
        assert ours == [p.chunk.id for p in embedded.search(question, 3)], question


def test_titles_outlets_and_filters(db: Database, request: pytest.FixtureRequest) -> None:
    keywords = index(db, request)
    keywords.write(CORPUS, [])
    assert keywords.search("warning", 5)[0].chunk.id == "c4"  # a title word
    assert {p.chunk.id for p in keywords.search("Fast News", 5)} == {"c3", "c5"}  # the outlet's words
    within = keywords.search("harbour storm", 5, SearchFilter(sources=("Fast News",)))
    assert [p.chunk.id for p in within] == ["c5"]
    dated = keywords.search("harbour", 5, SearchFilter(since=20240102, until=20240106))
    assert [p.chunk.id for p in dated] == ["c4"]
    assert keywords.search("the of and", 5) == []  # stop words alone match nothing


def test_writes_replace_and_deletes_keep_every_count(db: Database, request: pytest.FixtureRequest) -> None:
    keywords = index(db, request)
    keywords.write(CORPUS, [])
    before = keywords.version()
    keywords.write([chunk(2, "The council discussed parking and the harbour.")], [])  # replaced, not doubled
    assert keywords.version() != before
    keywords.delete(["c1", "c-unknown"])
    assert keywords.ids() == {"c2", "c3", "c4", "c5"} and keywords.count() == 4
    assert keywords.missing(["c1", "c2"]) == {"c1"}
    names = keywords._names
    with db.cursor() as cur:
        # Each lexeme's document frequency is what a count from scratch gives.
        cur.execute(
            keywords._sql(
                "SELECT t.lexeme, t.df, (SELECT count(*) FROM {chunk} c WHERE c.tsv @@ to_tsquery('english', "
                "quote_literal(t.lexeme))) FROM {term} t WHERE t.df > 0 OR t.lexeme IN ('budget', 'harbour')"
            )
        )
        rows = cur.fetchall()
        cur.execute(keywords._sql("SELECT count(*), count(DISTINCT chunk) FROM {posting}"))
        postings, chunks = cur.fetchone()  # type: ignore[misc]
    assert names and rows and all(df == counted for _, df, counted in rows)
    assert dict((lexeme, df) for lexeme, df, _ in rows)["budget"] == 0
    assert chunks == 4 and postings > 4
    assert keywords.search("budget", 5) == []
    assert [p.chunk.id for p in keywords.search("parking harbour", 1)] == ["c2"]


def test_the_article_table_answers_stats_and_listings(db: Database, request: pytest.FixtureRequest) -> None:
    keywords = index(db, request)
    two = [chunk(10, "First part.", article="big"), chunk(11, "Second part.", article="big")]
    two[1] = Chunk(**{**two[1].__dict__, "index": 1})
    keywords.write([*CORPUS, *two], [])
    stats = keywords.articles.stats(keywords.count())
    assert (stats.articles, stats.chunks) == (6, 7)
    assert stats.sources == {"Wire": 4, "Fast News": 2}
    assert (stats.first_published, stats.last_published) == ("2024-01-01", "2024-01-07")
    keywords.delete(["c10"])
    assert {a.article_id for a in keywords.articles.articles()} == {"a1", "a2", "a3", "a4", "a5", "big"}
    keywords.delete(["c11", "c3", "c5"])
    stats = keywords.articles.stats(keywords.count())
    assert (stats.articles, stats.sources) == (3, {"Wire": 3})


def test_a_word_in_many_chunks_is_read_only_for_its_best_postings_and_the_best_scored_exactly(
    db: Database, request: pytest.FixtureRequest
) -> None:
    filler = " ".join(["agenda", "minutes", "ward", "motion", "clerk", "quorum"] * 3)
    corpus = [
        chunk(1, "council council council vote"),
        chunk(2, "council council vote"),
        chunk(3, "council council parking"),
        chunk(4, f"council meeting {filler}"),
        chunk(5, f"the council {filler} {filler}"),
        chunk(6, f"Hezbollah was blamed, the council said. {filler}"),
        chunk(7, "Hezbollah statement"),
        *(chunk(10 + n, f"Storm report {n}: rain and wind.") for n in range(10)),
    ]
    exact = index(db, request, word_postings=0)
    exact.write(corpus, [])
    best = index(db, request, word_postings=3)  # the same tables: "council" is in six chunks, more than 3
    assert best.count() == 17
    everything = {p.chunk.id: p.score for p in exact.search("council Hezbollah", 10)}
    assert set(everything) == {f"c{n}" for n in range(1, 8)}
    found = best.search("council Hezbollah", 10)
    # "council" was read in its 3 best chunks only (plus every chunk of the rare word): the long
    # chunks that say it once are not found...
    assert "c6" in {p.chunk.id for p in found} and {"c4", "c5"}.isdisjoint(p.chunk.id for p in found)
    # ...and every chunk found has its exact score, "council" counted in c6 though not read for it.
    assert {p.chunk.id: p.score for p in found} == pytest.approx(
        {key: everything[key] for key in ("c1", "c2", "c3", "c6", "c7")}
    )
    assert [p.chunk.id for p in found] == [key for key in everything if key not in ("c4", "c5")]
    # A word in no more chunks than that, and any filtered search, reads every posting.
    assert [p.chunk.id for p in best.search("Hezbollah vote", 10)] == [
        p.chunk.id for p in exact.search("Hezbollah vote", 10)
    ]
    within = best.search("council", 10, SearchFilter(sources=("Wire",)))
    assert {p.chunk.id for p in within} == {f"c{n}" for n in range(1, 7)}


def test_the_chunks_a_filter_admits_are_listed_up_to_a_limit(
    db: Database, request: pytest.FixtureRequest
) -> None:
    keywords = index(db, request)
    keywords.write(CORPUS, [])
    assert sorted(keywords.chunk_ids(SearchFilter(sources=("Fast News",)), 10) or []) == ["c3", "c5"]
    assert keywords.chunk_ids(SearchFilter(sources=("Fast News",), since=20240104), 10) == ["c5"]
    assert sorted(keywords.chunk_ids(SearchFilter(sources=("Wire",), until=20240101), 10) or []) == [
        "c1",
        "c2",
    ]
    assert keywords.chunk_ids(SearchFilter(sources=("Wire",)), 2) is None  # three: more than the limit
    assert keywords.chunk_ids(SearchFilter(since=20240101), 10) is None  # no outlet: not listed
    assert keywords.chunk_ids(SearchFilter(sources=("Nobody",)), 10) == []
    # The outlets and dates of some ids (what a filtered vector search checks), then the text of
    # those it keeps; an id the table doesn't hold is left out of both.
    places = keywords.places(["c1", "c3", "c-unknown"])
    assert places == {
        "c1": Place(CORPUS[0].source, CORPUS[0].date_from, CORPUS[0].date_to),
        "c3": Place("Fast News", CORPUS[2].date_from, CORPUS[2].date_to),
    }
    assert SearchFilter(sources=("Fast News",)).admits(places["c3"])
    assert keywords.chunks(["c3", "c-unknown"]) == {"c3": CORPUS[2]}


def test_sentence_vectors_are_kept_with_their_chunk_and_go_with_it(
    db: Database, request: pytest.FixtureRequest
) -> None:
    keywords = index(db, request)
    keywords.write(CORPUS[:2], [], [b"\x01\x02", None])
    assert keywords.sentence_vectors(["c1", "c2", "c9"]) == {"c1": b"\x01\x02"}
    keywords.write(CORPUS[:1], [], [b"\x05\x06"])  # written again: replaced, not doubled
    assert keywords.sentence_vectors(["c1"]) == {"c1": b"\x05\x06"}
    keywords.delete(["c1"])
    assert keywords.sentence_vectors(["c1", "c2"]) == {}


def test_chunks_without_sentence_vectors_are_listed_page_by_page_until_given_them(
    db: Database, request: pytest.FixtureRequest
) -> None:
    keywords = index(db, request)
    keywords.write(CORPUS, [], [b"\x01", None, None, None, None])
    assert keywords.count_lacking_sentence_vectors() == 4
    first = keywords.lacking_sentence_vectors(0, 2)
    assert [chunk.id for _, chunk in first] == ["c2", "c3"] and first[0][1].text == CORPUS[1].text
    rest = keywords.lacking_sentence_vectors(first[-1][0], 10)
    assert [chunk.id for _, chunk in rest] == ["c4", "c5"]
    keywords.keep_sentence_vectors(
        [("c2", b"\x02"), ("c3", b"\x03"), ("c4", b"\x04"), ("c5", b"\x05"), ("c9", b"")]
    )
    assert keywords.lacking_sentence_vectors(0, 10) == []
    assert keywords.count_lacking_sentence_vectors() == 0
    assert keywords.sentence_vectors(["c1", "c5"]) == {"c1": b"\x01", "c5": b"\x05"}
