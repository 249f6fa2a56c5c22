"""Questions keep getting right answers while a re-index replaces articles underneath them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.worker import fake_assistant, state

# Real processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def fillers(folder: Path, round_: int) -> None:
    for n in range(30):
        sentences = " ".join(
            f"Filler {n} round {round_} line {s} about markets and weather." for s in range(8)
        )
        (folder / f"filler{n}.txt").write_text(f" date 2023-0{1 + n % 9} Wire\n\n{sentences}", "utf-8")


def test_asking_while_reindexing_always_finds_the_answer(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack.",
        "utf-8",
    )
    fillers(folder, 0)
    bot = fake_assistant(tmp_path / "store", index_batch_chunks=8)
    bot.index([folder])
    errors: list[BaseException] = []
    reports = []

    def reindex() -> None:
        try:
            for round_ in range(1, 4):
                fillers(folder, round_)
                reports.append(bot.index([folder]))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    writer = threading.Thread(target=reindex)
    writer.start()
    answers = []
    while writer.is_alive():
        answers.append(bot.ask("Who was blamed for the Camp Taji attack?").text)
    writer.join()
    assert errors == []
    assert [(r.updated, r.unchanged) for r in reports] == [(30, 1)] * 3
    assert len(answers) >= 3, "the questions did not overlap the re-index"
    assert all("Kataib Hezbollah" in text for text in answers)
    now = state(bot)
    assert now["chroma"] == now["keywords"] == now["records"]
