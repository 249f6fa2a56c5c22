from __future__ import annotations

from pathlib import Path

import pytest

from assistant import NewsAssistant, NewsQAError
from assistant.errors import EmptyIndexError, EmptyQuestionError, FieldError, UnknownArticleError
from tests.worker import state


def add(bot: NewsAssistant, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack.",
        encoding="utf-8",
    )
    (folder / "storm.txt").write_text(
        " date 2021-06-02 Wire\n\nA storm hit the coast. "
        "Officials blamed the weather service for the late warning.",
        encoding="utf-8",
    )
    assert bot.index([folder]).added == 2


def test_ask_answers_and_cites_from_the_index(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    add(fake_bot, tmp_path / "in")
    answer = fake_bot.ask("Who was blamed for the Camp Taji attack?")
    assert "Kataib Hezbollah" in answer.text
    assert answer.citations[0].source == "Fast News"


def test_filters_reach_retrieval(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    add(fake_bot, tmp_path / "in")
    question = "Who was blamed?"
    assert {p.chunk.source for p in fake_bot.retrieve(question, source="wire")} == {"Wire"}
    assert {p.chunk.source for p in fake_bot.retrieve(question, since="2021-01")} == {"Wire"}
    assert {p.chunk.source for p in fake_bot.retrieve(question, until="2020-03")} == {"Fast News"}
    assert fake_bot.ask(question, source=["Fast News"]).citations[0].source == "Fast News"


def test_empty_question_and_empty_index_are_clear_errors(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    with pytest.raises(EmptyIndexError, match=r"empty.*python -m ingest"):
        fake_bot.ask("Who was blamed?")
    add(fake_bot, tmp_path / "in")
    with pytest.raises(EmptyQuestionError, match="question is empty"):
        fake_bot.ask("   ")


def test_unknown_outlet_and_bad_date_name_the_problem(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    add(fake_bot, tmp_path / "in")
    with pytest.raises(NewsQAError, match=r"'Daily Bugle'.*Outlets indexed: Fast News, Wire") as outlet:
        fake_bot.ask("Who?", source="Daily Bugle")
    with pytest.raises(NewsQAError, match="since: 'last week'") as since:
        fake_bot.ask("Who?", since="last week")
    # The field at fault is named for the HTTP service's answers.
    assert isinstance(outlet.value, FieldError) and outlet.value.field == "source"
    assert isinstance(since.value, FieldError) and since.value.field == "since"


def test_settings_come_from_the_environment_and_arguments_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSQA_STORE_DIR", str(tmp_path / "env-store"))
    monkeypatch.setenv("NEWSQA_TOP_K", "3")
    assert NewsAssistant().settings.store_dir == tmp_path / "env-store"
    bot = NewsAssistant(store_dir=tmp_path / "arg-store", top_k=5)
    assert (bot.settings.store_dir, bot.settings.top_k) == (tmp_path / "arg-store", 5)


def test_reindex_reads_the_upload_folder_and_remembered_sources(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    uploads = fake_bot.settings.paths.uploads
    uploads.mkdir(parents=True)
    (uploads / "a.txt").write_text(" date 2020-03 Fast News\n\nRockets hit Camp Taji.", "utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "b.txt").write_text(" date 2021-06-02 Wire\n\nA storm hit the coast.", "utf-8")
    fake_bot.remember_source(folder)
    fake_bot.remember_source(folder)  # remembered once
    assert fake_bot.remembered_sources() == [str(folder)]
    first = fake_bot.reindex()
    assert (first.added, first.failed) == (2, [])
    (folder / "b.txt").unlink()
    second = fake_bot.reindex()
    assert (second.removed, second.unchanged) == (1, 1)
    assert {a.source for a in fake_bot.articles()} == {"Fast News"}


@pytest.mark.parametrize("k", [0, -3, 101, 2.5, "8", True])
def test_a_number_of_passages_out_of_range_is_an_error_naming_k(
    fake_bot: NewsAssistant, tmp_path: Path, k: object
) -> None:
    add(fake_bot, tmp_path / "in")
    for call in (fake_bot.ask, fake_bot.retrieve):
        with pytest.raises(NewsQAError, match=r"^k \(how many passages to draw on\) must be"):
            call("Who was blamed?", k=k)  # type: ignore[operator]


def test_since_after_until_is_an_error_and_a_non_date_too(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    add(fake_bot, tmp_path / "in")
    with pytest.raises(NewsQAError, match=r"since \(2021\) is after until \(2020-06\): no article can match"):
        fake_bot.ask("Who was blamed?", since="2021", until="2020-06")
    for bad in (5, 2020.5, ["2020"]):
        with pytest.raises(NewsQAError, match="since: expected a date such as 2020-03"):
            fake_bot.retrieve("Who was blamed?", since=bad)  # type: ignore[arg-type]
    assert fake_bot.ask("Who was blamed?", since="2020-03", until="2020-03").citations


def test_remove_takes_an_article_out_of_every_index(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    add(fake_bot, tmp_path / "in")
    taji = next(a.article_id for a in fake_bot.articles() if a.source == "Fast News")
    assert fake_bot.remove(taji) == 1
    assert {a.source for a in fake_bot.articles()} == {"Wire"}
    assert all(p.chunk.article_id != taji for p in fake_bot.retrieve("Camp Taji Kataib Hezbollah"))
    indexes = state(fake_bot)
    assert indexes["chroma"] == indexes["keywords"] == indexes["records"] and indexes["journal"] == []
    with pytest.raises(UnknownArticleError, match=taji):
        fake_bot.remove(taji)
    # Indexing the folder again brings it back: its file is still there.
    assert fake_bot.index([tmp_path / "in"]).added == 1


def test_articles_page_lists_newest_first_a_page_at_a_time(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    add(fake_bot, tmp_path / "in")
    first, second = fake_bot.articles_page(0, 1), fake_bot.articles_page(1, 1)
    assert (first.total, second.total) == (2, 2)
    assert [a.source for a in first.items + second.items] == ["Wire", "Fast News"]
    assert fake_bot.articles_page(2, 5).items == []
    assert [a.source for a in fake_bot.articles_page(source="fast news").items] == ["Fast News"]


@pytest.mark.model
def test_adding_sentence_vectors_counts_progress_against_the_chunks_lacking_them(tmp_path: Path) -> None:
    import sqlite3

    from tests.conftest import real_assistant

    bot = real_assistant(tmp_path / "store")
    add(bot, tmp_path / "in")
    with sqlite3.connect(tmp_path / "store" / "news-keywords.sqlite3") as db:
        kept = db.execute("SELECT COUNT(*) FROM chunk_sentences").fetchone()[0]
        db.execute("DELETE FROM chunk_sentences WHERE chunk_rowid = (SELECT MIN(rowid) FROM chunk)")
    assert kept >= 2, "one chunk keeps its sentence vectors, another loses them"
    reports: list[tuple[str, int, int | None]] = []
    assert bot.add_sentence_vectors(on_progress=lambda *report: reports.append(report)) == 1
    assert reports[-1] == ("embedding", 1, 1), "the bar ends full, at the one chunk it embedded"
    assert bot.add_sentence_vectors(on_progress=lambda *report: reports.append(report)) == 0
