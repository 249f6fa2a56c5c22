"""Re-indexing: unchanged skipped, changed replaced, gone removed, every index in step."""

from __future__ import annotations

import json
from pathlib import Path

from assistant import NewsAssistant
from ingest.adapter import StoreAdapter, to_document
from ingest.ledger import Group
from ingest.records import Article
from tests.fakes import BagOfWordsEmbeddings
from tests.worker import fake_assistant, state


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def story(outlet: str, date: str, *sentences: str) -> str:
    return f" date {date} {outlet}\n\n" + " ".join(sentences)


LONG = [f"Sentence number {n} tells of rockets, storms and votes in town {n}." for n in range(40)]


def corpus(folder: Path) -> Path:
    write(
        folder / "taji.txt",
        story("Fast News", "2020-03", "Rockets hit Camp Taji.", "Kataib Hezbollah was blamed."),
    )
    write(folder / "storm.txt", story("Wire", "2021-06-02", "A storm hit the coast.", *LONG))
    write_herald(folder / "feed.jsonl", vote_published="2023-11-02")
    return folder


def write_herald(path: Path, vote_published: str) -> None:
    """Write a JSON Lines file of two Herald records; only the first one's date varies."""
    records = [
        {
            "id": "w1",
            "title": "Vote",
            "source": "Herald",
            "published": vote_published,
            "body": "Votes were counted.",
        },
        {
            "id": "w2",
            "title": "Fire",
            "source": "Herald",
            "published": "2023-11-03",
            "body": "A fire broke out.",
        },
    ]
    write(path, "".join(json.dumps(r) + "\n" for r in records))


def embedded(bot: NewsAssistant) -> int:
    embeddings = bot.embeddings
    assert isinstance(embeddings, BagOfWordsEmbeddings)
    return len(embeddings.embedded)


def assert_consistent(bot: NewsAssistant) -> dict:
    """Chroma, the keyword index and the record manager hold the same chunk ids, none in flight."""
    now = state(bot)
    assert now["chroma"] == now["keywords"] == now["records"]
    assert now["journal"] == []
    assert bot.store.missing(now["records"]) == set()
    return now


def test_unchanged_articles_are_skipped_without_chunking_or_embedding(tmp_path: Path) -> None:
    bot = fake_assistant(tmp_path / "store")
    folder = corpus(tmp_path / "in")
    first = bot.index([folder])
    assert (first.added, first.updated, first.removed, first.unchanged) == (4, 0, 0, 0)
    before = embedded(bot)

    again = fake_assistant(tmp_path / "store")  # a new process's view: nothing cached
    report = again.index([folder])
    assert (report.added, report.updated, report.removed, report.unchanged, report.chunks) == (0, 0, 0, 4, 0)
    assert embedded(again) == 0 and embedded(bot) == before
    assert "chunker" not in vars(again), "an unchanged run must not even load the tokenizer"
    assert_consistent(again)


def test_a_changed_article_replaces_its_old_chunks(tmp_path: Path) -> None:
    bot = fake_assistant(tmp_path / "store")
    folder = corpus(tmp_path / "in")
    bot.index([folder])
    old = set(state(bot)["chroma"])
    write(
        folder / "taji.txt",
        story("Fast News", "2020-03", "Rockets hit Camp Taji.", "Iran-backed militias were blamed."),
    )
    report = bot.index([folder])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 0, 3)
    now = assert_consistent(bot)
    gone, new = old - set(now["chroma"]), set(now["chroma"]) - old
    assert len(gone) == len(new) == 1 and report.chunks == 1
    assert "militias" in bot.ask("Who was blamed for the rockets at Camp Taji?").text
    assert all("Kataib" not in meta["text"] for meta in now["metadata"].values())


def test_a_metadata_only_change_rewrites_the_chunks_that_kept_their_ids(tmp_path: Path) -> None:
    bot = fake_assistant(tmp_path / "store")
    folder = corpus(tmp_path / "in")
    bot.index([folder])
    write_herald(folder / "feed.jsonl", vote_published="2023-12-24")
    report = bot.index([folder])
    assert (report.updated, report.unchanged, report.chunks) == (1, 3, 1)
    now = assert_consistent(bot)
    vote = next(m for m in now["metadata"].values() if m["article_id"] == "w1")
    assert vote["published"] == "2023-12-24" and vote["date_from"] == 20231224
    assert [p.chunk.published for p in bot.retrieve("votes counted", since="2023-12")] == ["2023-12-24"]


def test_articles_gone_from_a_file_go_and_sync_removes_gone_files_only_under_given_paths(
    tmp_path: Path,
) -> None:
    bot = fake_assistant(tmp_path / "store")
    folder = corpus(tmp_path / "in")
    other = write(tmp_path / "elsewhere" / "note.txt", story("Post", "2022-01", "An unrelated note."))
    bot.index([folder, other])
    write(
        folder / "feed.jsonl",
        json.dumps(
            {
                "id": "w2",
                "title": "Fire",
                "source": "Herald",
                "published": "2023-11-03",
                "body": "A fire broke out.",
            }
        )
        + "\n",
    )
    (folder / "storm.txt").unlink()

    plain = bot.index([folder])
    assert (plain.removed, plain.unchanged) == (1, 2)  # w1 left feed.jsonl; storm.txt kept without sync
    assert bot.stats().sources == {"Fast News": 1, "Herald": 1, "Post": 1, "Wire": 1}

    synced = bot.index([folder], sync=True)
    assert (synced.added, synced.removed, synced.unchanged) == (0, 1, 2)
    assert bot.stats().sources == {"Fast News": 1, "Herald": 1, "Post": 1}  # Post is not under folder
    assert_consistent(bot)


def test_the_same_article_under_two_names_stays_indexed_once_across_runs(tmp_path: Path) -> None:
    bot = fake_assistant(tmp_path / "store")
    text = story("Fast News", "2020-03", "One story told once.")
    first = write(tmp_path / "a" / "one.txt", text)
    copy = write(tmp_path / "b" / "copy.txt", text)
    bot.index([first])
    report = bot.index([copy])
    assert report.added == 0 and "already indexed" in report.warnings[0].reason
    assert bot.index([first]).unchanged == 1 and bot.index([copy]).added == 0
    assert bot.stats().articles == 1
    both = bot.index([tmp_path])
    assert (both.added, both.unchanged, both.chunks) == (0, 1, 0)
    assert_consistent(bot)


def test_a_renamed_file_keeps_its_article_under_the_new_name(tmp_path: Path) -> None:
    bot = fake_assistant(tmp_path / "store")
    folder = corpus(tmp_path / "in")
    bot.index([folder])
    (folder / "taji.txt").rename(folder / "camp-taji.txt")
    report = bot.index([folder], sync=True)
    assert report.added == 1 and report.unchanged == 3
    now = assert_consistent(bot)
    paths = {m["path"] for m in now["metadata"].values() if m["source"] == "Fast News"}
    assert paths == {str(folder / "camp-taji.txt")}
    assert bot.stats().articles == 4


def test_after_any_sequence_of_changes_the_index_equals_a_fresh_build(tmp_path: Path) -> None:
    bot = fake_assistant(tmp_path / "store", index_batch_chunks=3)
    folder = corpus(tmp_path / "in")
    bot.index([folder])
    write(folder / "storm.txt", story("Wire", "2021-06-03", "A storm hit the coast.", *LONG[5:]))
    write(folder / "new.md", "# Budget\n\nThe budget passed.")
    (folder / "taji.txt").unlink()
    bot.index([folder], sync=True)
    fresh = fake_assistant(tmp_path / "fresh")
    fresh.index([folder])
    assert assert_consistent(bot) == assert_consistent(fresh)


def test_a_write_cut_short_is_undone_and_redone_by_the_next_run(tmp_path: Path) -> None:
    """In-process version of the crash tests: chunks stored but never recorded are not left behind."""
    bot = fake_assistant(tmp_path / "store")
    folder = corpus(tmp_path / "in")
    orphan = bot.chunker.chunk(
        Article(id="orphan", title="Orphan", body="Written, never recorded.", path="x")
    )
    # As a run killed between storing a batch and recording it leaves things:
    StoreAdapter(bot.store, bot.ledger).add_documents(
        [to_document(c, Group("x", "orphan", "f").key) for c in orphan]
    )
    assert bot.store.missing([c.id for c in orphan]) == set() and bot.ledger.keys() == set()
    bot.index([folder])
    fresh = fake_assistant(tmp_path / "fresh")
    fresh.index([folder])
    assert assert_consistent(bot) == assert_consistent(fresh)
