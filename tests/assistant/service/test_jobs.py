"""Indexing jobs: one at a time, in order, each with its report; old finished ones forgotten."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from assistant import NewsAssistant
from assistant.service.jobs import IndexJobs


def finished(jobs: IndexJobs, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while (job := jobs.describe(job_id)) is not None and job["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert job is not None
    return job


def test_jobs_run_in_order_and_old_ones_are_forgotten(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    fake_bot.settings.index_roots = [tmp_path]
    folders = []
    for n in range(4):
        folder = tmp_path / f"in{n}"
        folder.mkdir()
        (folder / "a.txt").write_text(f" date 2020-0{n + 1} Wire\n\nStory {n} about the ferry.", "utf-8")
        folders.append(folder)
    jobs = IndexJobs(fake_bot, keep=2)
    try:
        submitted = [jobs.submit([str(folder)], remember=[str(folder)]) for folder in folders]
        last = finished(jobs, submitted[-1]["id"])
        later = jobs.submit([str(folders[0])])  # forgetting happens as jobs come in
        again = finished(jobs, later["id"])
    finally:
        jobs.close()
    assert last["report"]["added"] == 1 and again["report"]["unchanged"] == 1
    starts = [job["started"] for job in (jobs.describe(s["id"]) for s in submitted) if job]
    assert jobs.describe(submitted[0]["id"]) is None and jobs.describe(submitted[1]["id"]) is None
    assert len(starts) == 2
    assert fake_bot.remembered_sources() == [str(folder) for folder in folders]


def test_a_job_that_fails_says_why(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(" date 2020-03 Wire\n\nThe ferry fares rose.", "utf-8")
    fake_bot.settings.chroma_host = "127.0.0.1"  # a Chroma server that isn't there
    fake_bot.settings.chroma_port = 9  # discard: nothing answers
    jobs = IndexJobs(fake_bot)
    try:
        failed = finished(jobs, jobs.submit([str(folder)])["id"])
    finally:
        jobs.close()
    assert failed["state"] == "failed" and failed["report"] is None
    assert "cannot reach the Chroma server at 127.0.0.1:9" in failed["error"]


def test_a_job_reads_no_file_outside_the_index_roots(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(" date 2020-03 Wire\n\nThe payroll password is hunter2.", "utf-8")
    (inside / "link.txt").symlink_to(outside / "secret.txt")  # a link that leads out
    (inside / "a.txt").write_text(" date 2020-03 Wire\n\nThe ferry fares rose.", "utf-8")
    fake_bot.settings.index_roots = [inside]
    jobs = IndexJobs(fake_bot)
    try:
        job = finished(jobs, jobs.submit([str(inside)])["id"])
    finally:
        jobs.close()
    assert job["state"] == "done" and job["report"]["added"] == 1
    assert any("link.txt" in failure["path"] for failure in job["report"]["failed"])
    assert "hunter2" not in " ".join(passage.text for passage in fake_bot.retrieve("payroll password", k=5))
