from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from ingest.chunking import Chunker, article_header, indexed_text
from ingest.records import Article
from tests.conftest import EVAL, require_shared
from tests.fakes import simple_token_spans


def article(body: str, published: str | None = "2020-03") -> Article:
    return Article(
        id="art1", title="T", body=body, source="Fast News", published=published, url="https://x.test/a"
    )


def story(sentences: int) -> str:
    return " ".join(f"Sentence number {i} tells part {i} of the story." for i in range(sentences))


def test_chunks_hold_whole_sentences_within_the_budget_with_exact_offsets() -> None:
    body = story(40)
    chunks = Chunker(simple_token_spans, budget=50, overlap=12).chunk(article(body))
    assert len(chunks) > 3
    for chunk in chunks:
        assert body[chunk.start : chunk.end] == chunk.text
        assert len(simple_token_spans(chunk.text)) <= 50
        assert chunk.text.startswith("Sentence") and chunk.text.endswith("story.")
    # Together the chunks cover the whole body.
    assert chunks[0].start == 0 and chunks[-1].end == len(body)
    for before, after in pairwise(chunks):
        assert after.start <= before.end


def test_consecutive_chunks_overlap_by_a_sentence() -> None:
    chunks = Chunker(simple_token_spans, budget=50, overlap=12).chunk(article(story(20)))
    first_sentence_of_second = chunks[1].text.split(". ")[0]
    assert chunks[0].text.endswith(first_sentence_of_second + ".")


def test_chunks_carry_article_metadata_and_day_range() -> None:
    (chunk,) = Chunker(simple_token_spans, budget=200, overlap=32).chunk(article("One short story."))
    assert (chunk.article_id, chunk.index, chunk.source, chunk.published) == (
        "art1",
        0,
        "Fast News",
        "2020-03",
    )
    assert (chunk.date_from, chunk.date_to) == (20200301, 20200331)
    assert chunk.metadata()["url"] == "https://x.test/a"
    assert (
        "date_from" not in Chunker(simple_token_spans, 200, 32).chunk(article("Undated.", None))[0].metadata()
    )


def test_ids_are_deterministic_and_change_with_the_text() -> None:
    chunker = Chunker(simple_token_spans, budget=50, overlap=32)
    ids = [c.id for c in chunker.chunk(article(story(12)))]
    assert ids == [c.id for c in chunker.chunk(article(story(12)))]
    assert len(set(ids)) == len(ids)
    assert ids[0] != chunker.chunk(article(story(12).replace("part 0", "part zero")))[0].id


def test_a_sentence_longer_than_the_budget_is_cut_between_words() -> None:
    body = "Start. " + " ".join(f"word{i}" for i in range(130)) + " end. Tail sentence."
    chunks = Chunker(simple_token_spans, budget=40, overlap=0).chunk(article(body))
    words = {f"word{i}" for i in range(130)}
    for chunk in chunks:
        assert len(simple_token_spans(chunk.text)) <= 40
        assert body[chunk.start : chunk.end] == chunk.text
        # No word is split: every token-like piece is a whole word of the body.
        assert all(
            piece in words or piece in {"Start.", "end.", "Tail", "sentence."} for piece in chunk.text.split()
        )


def test_headers_name_title_outlet_and_date_and_shrink_the_budget() -> None:
    assert (
        article_header("Rockets hit  Taji", "Fast News", "2020-03")
        == "Rockets hit Taji (Fast News, March 2020)\n"
    )
    assert article_header("T", None, "2023-10-05T08:45:59+00:00") == "T (October 5, 2023)\n"
    assert article_header("", None, None) == ""
    assert len(article_header("word " * 200, "Outlet", None)) < 200
    body = story(40)
    plain = Chunker(simple_token_spans, budget=50, overlap=0).chunk(article(body))
    headed = Chunker(simple_token_spans, budget=50, overlap=0, header_limit=50).chunk(article(body))
    assert len(headed) > len(plain)
    for chunk in headed:
        assert body[chunk.start : chunk.end] == chunk.text and chunk.title == "T"
        assert indexed_text(chunk) == "T (Fast News, March 2020)\n" + chunk.text
        assert len(simple_token_spans(indexed_text(chunk))) <= 50


@pytest.mark.model
@pytest.mark.shared
def test_real_tokenizer_keeps_every_corpus_chunk_within_the_model_limit() -> None:
    from transformers import AutoTokenizer

    from assistant.factory import make_chunker
    from assistant.settings import Settings
    from vectorstore.embeddings import bundled_model_path

    corpus = require_shared(EVAL / "news_corpus.jsonl")
    chunker = make_chunker(Settings())
    headed = make_chunker(Settings(enrich_chunks=True))
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_model_path()))
    records = [json.loads(line) for line in Path(corpus).read_text(encoding="utf-8").splitlines()[:60]]
    longest = 0
    for record in records:
        body = record["body"]
        # A long title and outlet make a long header: the chunks shrink to leave it room.
        title = record["title"] + " " + "extra title words" * 20
        art = Article(
            id=record["id"], title=title, body=body, source=record["source"], published="2023-10-05"
        )
        for chunk in chunker.chunk(art):
            assert body[chunk.start : chunk.end] == chunk.text
            longest = max(longest, len(tokenizer(chunk.text)["input_ids"]))
        for chunk in headed.chunk(art):
            assert body[chunk.start : chunk.end] == chunk.text
            assert len(tokenizer(indexed_text(chunk))["input_ids"]) <= 256
    assert 200 < longest <= 256
