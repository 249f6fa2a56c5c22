from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import NewsAssistant
from ingest.pipeline import Failure
from tests.fakes import BagOfWordsEmbeddings
from tests.worker import fake_assistant


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def corpus(folder: Path) -> Path:
    write(
        folder / "taji.txt", " date 2020-03 Fast News\n\nRockets hit Camp Taji. Kataib Hezbollah was blamed."
    )
    records = [
        {
            "id": "w1",
            "title": "Storm",
            "source": "Wire",
            "published": "2023-10-01",
            "body": "A storm hit the coast.",
        },
        {
            "id": "w2",
            "title": "Vote",
            "source": "Herald",
            "published": "2023-11-02",
            "body": "Votes were counted late.",
        },
    ]
    write(folder / "feed.jsonl", "\n".join(json.dumps(r) for r in records) + "\n{broken\n")
    return folder


def test_index_reports_added_chunks_and_failed_lines(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    report = fake_bot.index([corpus(tmp_path / "in")])
    assert report.added == 3 and report.unchanged == 0
    assert report.chunks == fake_bot.store.count() == 3
    (failure,) = report.failed
    assert failure.path.endswith("feed.jsonl:3") and "not valid JSON" in failure.reason
    assert not report.ok
    assert fake_bot.stats().sources == {"Fast News": 1, "Herald": 1, "Wire": 1}


def test_indexing_the_same_articles_twice_adds_and_embeds_nothing(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    folder = corpus(tmp_path / "in")
    fake_bot.index([folder])
    embeddings = fake_bot.embeddings
    assert isinstance(embeddings, BagOfWordsEmbeddings)
    embedded_before = len(embeddings.embedded)
    again = fake_bot.index([folder])
    assert (again.added, again.unchanged, again.chunks) == (0, 3, 0)
    assert len(embeddings.embedded) == embedded_before
    assert fake_bot.store.count() == 3


def test_the_same_article_under_two_names_is_indexed_once(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    text = " date 2020-03 Fast News\n\nOne story told once."
    write(tmp_path / "in" / "a.txt", text)
    write(tmp_path / "in" / "b.txt", text)
    report = fake_bot.index([tmp_path / "in"])
    assert report.added == 1 and fake_bot.stats().articles == 1
    assert any("same article" in w.reason for w in report.warnings)


def test_progress_is_reported_per_stage(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    fake_bot.index([corpus(tmp_path / "in")], on_progress=lambda *args: seen.append(args))
    assert ("reading", 2, 2) in seen
    assert seen[-1] == ("embedding", 3, 3)


def test_every_kind_of_bad_input_is_reported_and_the_rest_indexed(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    write(folder / "good.txt", " date 2022-01-05 Wire\n\nA good story about a storm.")
    write(folder / "empty.txt", "")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "cp1252.txt").write_bytes(b" date 2022-02 Post\n\nCaf\xe9 owners \x93won\x94 the case.")
    write(folder / "lines.jsonl", '{"title": "Kept", "body": "A kept line."}\n{oops\n')
    write(folder / "garbled.txt", " date 2020-13-45 Fast News\n\nA story with a garbled date.")
    page = "A page about the harbour reopening after repairs, with more words to count."
    write(
        folder / "page.html",
        f"<html><script>evil()</script><body><article><p>{page}</p></article></body></html>",
    )
    write(folder / "copy.txt", " date 2022-01-05 Wire\n\nA good story about a storm.")
    (folder / "dir.txt").mkdir()
    os.mkfifo(folder / "fifo.txt")
    (folder / "broken.txt").symlink_to(tmp_path / "missing.txt")

    report = fake_bot.index([folder])
    failed = {Path(f.path).name: f.reason for f in report.failed}
    assert failed == {
        "binary.txt": "binary file, not text (expected .txt, .md, .html, .jsonl or .json)",
        "broken.txt": f"broken symbolic link: its target {tmp_path / 'missing.txt'} does not exist",
        "empty.txt": "the file is empty",
        "fifo.txt": "not a regular file (a named pipe); only files are read",
        "lines.jsonl:2": "line 2 is not valid JSON: Expecting property name enclosed in double quotes",
    }
    warnings = {Path(w.path).name: w.reason for w in report.warnings}
    assert "without a date" in warnings["garbled.txt"] and "same article" in warnings["good.txt"]
    assert report.added == 5  # good (or its copy), cp1252, the kept line, garbled, page
    sources = fake_bot.stats().sources
    assert sources == {"Fast News": 1, "Post": 1, "Wire": 1}
    assert "Café owners “won”" in fake_bot.ask("Who won the case, the café owners?").text
    assert "evil" not in fake_bot.ask("What reopened after repairs at the harbour?").text


def test_writes_come_in_bounded_batches_while_reading_goes_on(tmp_path: Path) -> None:
    """A corpus is never held whole: chunks are written a batch at a time as they are read."""
    from tests.worker import fake_assistant

    bot = fake_assistant(tmp_path / "store", index_batch_chunks=16)
    sizes: list[int] = []
    real_add = bot.store.add

    def spy(chunks, progress=None):  # type: ignore[no-untyped-def]
        sizes.append(len(chunks))
        return real_add(chunks, progress)

    bot.store.add = spy  # type: ignore[method-assign]
    records = [
        {"id": f"r{n}", "title": f"T{n}", "body": f"Story {n} is about the harbour. " * 3} for n in range(120)
    ]
    write(tmp_path / "many.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    report = bot.index([tmp_path / "many.jsonl"])
    assert report.added == 120 and sum(sizes) == report.chunks == bot.store.count()
    assert len(sizes) >= 7 and max(sizes) <= 16 + 1


def test_a_deeply_nested_json_file_is_reported_and_the_others_indexed(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    write(folder / "a-nested.json", "[" * 200_000 + "]" * 200_000)
    write(folder / "b-nested.jsonl", '{"body": ' + '{"a": [' * 100_000 + "\n")
    write(folder / "c-good.txt", " date 2024-01 Wire\n\nThe good story is indexed all the same.")
    report = fake_bot.index([folder])
    assert report.added == 1 and fake_bot.stats().articles == 1
    assert [(Path(f.path).name, "nested too deeply" in f.reason) for f in report.failed] == [
        ("a-nested.json", True),
        ("b-nested.jsonl:1", True),
    ]


def test_a_file_of_many_bad_lines_lists_100_problems_and_counts_the_rest(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    good = json.dumps({"id": "g", "title": "Good", "body": "The one good record, at the end."})
    bad = write(tmp_path / "bad.jsonl", "{broken\n" * 1000 + good + "\n")
    report = fake_bot.index([bad])
    assert report.added == 1
    assert len(report.failed) == 101
    assert report.failed[0].path == f"{bad}:1" and report.failed[99].path == f"{bad}:100"
    assert report.failed[100] == Failure(str(bad), f"... and 900 more problems in {bad}")


def test_an_unexpected_reader_error_costs_that_file_only(
    fake_bot: NewsAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader's bug (here, one planted in the JSON Lines reader) must not stop the run."""
    from ingest import pipeline, readers

    folder = tmp_path / "in"
    write(folder / "a.jsonl", "\n".join(json.dumps({"id": f"r{n}", "body": f"Record {n}."}) for n in (1, 2)))
    write(folder / "b.txt", " date 2024-01 Wire\n\nThe story after the broken file.")

    def breaks_after_one(path: Path) -> Iterator[object]:
        items = readers.iter_file(path)
        if path.suffix == ".jsonl":
            yield next(items)
            raise ValueError("a bug in a reader")
        yield from items

    monkeypatch.setattr(pipeline, "iter_file", breaks_after_one)
    report = fake_bot.index([folder])
    assert report.failed == [
        Failure(
            str(folder / "a.jsonl"),
            "could not be read: unexpected ValueError: a bug in a reader; please report it",
        )
    ]
    assert report.added == 2  # the record read before the error, and the next file
    # The file was not read to its end: its other article, indexed before, must not be removed.
    monkeypatch.undo()
    assert fake_bot.index([folder]).added == 1


def test_a_stopped_run_keeps_what_it_wrote_and_the_next_run_does_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for n in range(5):
        write(folder / f"s{n}.txt", f" date 2024-0{n + 1} Wire\n\nStory number {n} about the harbour.")
    read: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "reading":
            read.append(done)

    bot = fake_assistant(tmp_path / "store", index_batch_chunks=1)
    report = bot.index([folder], on_progress=progress, should_stop=lambda: len(read) >= 3)
    assert report.stopped and not report.ok
    assert (report.added, report.chunks, bot.stats().articles) == (3, 3, 3)
    again = fake_assistant(tmp_path / "store").index([folder])
    assert (again.added, again.unchanged, again.stopped) == (2, 3, False)

    # Stopped before its batch was written: nothing is kept, and nothing is claimed.
    other = fake_assistant(tmp_path / "other", index_batch_chunks=100)
    read.clear()
    report = other.index([folder], on_progress=progress, should_stop=lambda: len(read) >= 3)
    assert report.stopped and (report.added, report.added_articles, other.stats().articles) == (0, [], 0)
    assert bot.ledger.journal.list_keys() == other.ledger.journal.list_keys() == []
