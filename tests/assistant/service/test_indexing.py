"""``POST /v1/index`` jobs (paths, uploads) and ``GET /v1/index/{job}``, over a real uvicorn."""

from __future__ import annotations

import time
from pathlib import Path

from assistant import NewsAssistant, Settings
from tests.assistant.service.conftest import EDITOR, KEYS, QUESTION, READER, Launch, wait_for_job
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans


class SlowEmbeddings(BagOfWordsEmbeddings):
    """The fake embedder, taking a while per call as a real model does: jobs last long enough to watch."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        time.sleep(0.3)
        return super().embed_documents(texts)


def slow_assistant(settings: Settings) -> NewsAssistant:
    return NewsAssistant(
        settings=settings,
        embeddings=SlowEmbeddings(),
        token_spans=simple_token_spans,
        chunk_tokens=60,
        chunk_overlap_tokens=12,
    )


def test_an_upload_is_indexed_through_a_job(server: Launch) -> None:
    running = server(api_keys=KEYS)
    story = b" date 2024-01-09 Wire\n\nThe harbour bridge reopened after repairs. Crews worked all winter."
    files = [
        ("files", ("../bridge story.txt", story, "text/plain")),
        ("files", ("tool.exe", b"MZ\x00\x01", "application/octet-stream")),
    ]
    with running.client(EDITOR) as editor, running.client(READER) as reader:
        started = editor.post("/v1/index", files=files)
        assert started.status_code == 202
        job = started.json()
        assert job["state"] in ("queued", "running") and job["report"] is None
        assert job["refused"] == [{"path": "tool.exe", "reason": job["refused"][0]["reason"]}]
        assert "not an article file" in job["refused"][0]["reason"]
        done = wait_for_job(editor, job["id"])
        assert done["state"] == "done" and done["error"] is None
        assert (done["report"]["added"], done["report"]["failed"]) == (1, [])
        assert done["progress"]["stage"] == "embedding" and done["progress"]["done"] >= 1
        saved = running.service.settings.paths.uploads / "bridge_story.txt"
        assert done["sources"] == [str(saved.resolve())] and saved.read_bytes() == story
        answer = reader.post("/v1/ask", json={"question": "When did the harbour bridge reopen?"}).json()
    assert "harbour bridge reopened" in answer["answer"] and answer["citations"][0]["source"] == "Wire"


def test_a_question_is_answered_while_a_job_runs(server: Launch, articles: Path, tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for n in range(24):
        text = " ".join(f"Report {n} sentence {s} on the port budget and the ferry fares." for s in range(8))
        (many / f"{n}.txt").write_text(f" date 2023-0{1 + n % 9} Herald\n\n{text}", "utf-8")
    running = server(slow_assistant, api_keys=KEYS, index_batch_chunks=2)
    running.bot.index([articles])
    with running.client(EDITOR) as editor, running.client(READER) as reader:
        job = editor.post("/v1/index", json={"paths": [str(many)]}).json()
        deadline = time.monotonic() + 60
        while editor.get(f"/v1/index/{job['id']}").json()["progress"]["stage"] != "embedding":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        answer = reader.post("/v1/ask", json={"question": QUESTION})
        during = editor.get(f"/v1/index/{job['id']}").json()
        assert answer.status_code == 200 and "Kataib Hezbollah" in answer.json()["answer"]
        assert during["state"] == "running", "the question had to wait for the job"
        assert 0 < during["progress"]["done"] <= during["progress"]["total"]  # chunks as files are read
        done = wait_for_job(editor, job["id"])
    assert done["report"]["added"] == 24 and done["state"] == "done"


def test_paths_must_be_inside_the_index_roots(server: Launch, articles: Path, tmp_path: Path) -> None:
    running = server(api_keys=KEYS)
    with running.client(EDITOR) as editor:
        for outside in ("/etc", str(tmp_path.parent), "../.."):
            refused = editor.post("/v1/index", json={"paths": [str(articles), outside]})
            assert refused.status_code == 403
            problem = refused.json()
            assert (problem["error"], problem["field"]) == ("outside_roots", "paths")
            assert f"outside the folders this newsqa may read ({tmp_path.resolve()}" in problem["message"]
        assert running.bot.articles() == [], "nothing of a refused request is indexed"
        partly = editor.post("/v1/index", json={"paths": [str(articles), "missing"], "urls": ["ftp://x"]})
        assert partly.status_code == 202
        assert [r["path"] for r in partly.json()["refused"]] == ["missing", "ftp://x"]
        done = wait_for_job(editor, partly.json()["id"])
        nothing = editor.post("/v1/index", json={"paths": ["missing"]})
    assert done["report"]["added"] == 3
    assert running.bot.remembered_sources() == [str(articles.resolve())]
    assert nothing.status_code == 400 and nothing.json()["field"] == "paths"
    assert "missing: no such file or folder" in nothing.json()["message"]


def test_only_editors_index_and_jobs_are_their_business(server: Launch, articles: Path) -> None:
    running = server(api_keys=KEYS)
    with running.client(READER) as reader, running.client() as anonymous, running.client(EDITOR) as editor:
        assert reader.post("/v1/index", json={"paths": [str(articles)]}).status_code == 403
        assert anonymous.post("/v1/index", json={"paths": [str(articles)]}).status_code == 401
        job = editor.post("/v1/index", json={"paths": [str(articles)]}).json()
        assert reader.get(f"/v1/index/{job['id']}").status_code == 403
        assert wait_for_job(editor, job["id"])["report"]["added"] == 3
        again = wait_for_job(editor, editor.post("/v1/index", json={"reindex": True}).json()["id"])
        unknown = editor.get("/v1/index/nope")
    assert again["report"]["unchanged"] == 3 and again["reindex"] is True
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
