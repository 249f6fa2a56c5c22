"""The service under test: a real uvicorn on a free port of 127.0.0.1, always stopped.

`server` hands tests a launcher: ``server(**settings)`` starts the app `create_app` builds
(over the fake-embedder assistant of `tests.worker`, unless told otherwise) in a thread and
returns its URL and the service's parts. Tests talk to it with real clients: httpx and the
official openai package.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from assistant import NewsAssistant, Settings
from assistant.service import create_app
from assistant.service.deps import Service
from tests.worker import fake_from_settings

QUESTION = "Who was blamed for the Camp Taji attack?"
ARTICLES = {
    "taji.txt": " date 2020-03 Fast News\n\nRockets hit Camp Taji north of Baghdad on Wednesday. "
    "Officials blamed Kataib Hezbollah for the attack. "
    "Trump said the attackers were a rebel group backed by Iran.",
    "storm.txt": " date 2021-06-02 Wire\n\nA storm hit the coast on Monday. "
    "Officials blamed the weather service for the late warning.",
    "council.txt": " date 2022-01-05 Daily Planet\n\nThe council met on Tuesday about the harbour budget. "
    "The mayor said the bridge repairs would wait until spring.",
}
READER, EDITOR = "reader-key-0123456789", "editor-key-9876543210"
KEYS = f"reader:{READER},editor:{EDITOR}"


@dataclass
class Running:
    """A service listening on 127.0.0.1."""

    url: str
    service: Service

    @property
    def bot(self) -> NewsAssistant:
        return self.service.bot

    def client(self, key: str | None = None, timeout: float = 60.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)


Launch = Callable[..., Running]


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A folder of three short articles (inside the service's allowed roots: the test's folder)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Launch]:
    """Start services on demand; every one started is stopped at the end, whatever happens."""
    monkeypatch.chdir(tmp_path)  # the default allowed root: the folder newsqa starts in
    started: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def launch(
        open_assistant: Callable[[Settings], NewsAssistant] = fake_from_settings, **overrides: Any
    ) -> Running:
        settings = Settings(**{"store_dir": tmp_path / "store", **overrides})
        app = create_app(settings, open_assistant)
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        running = uvicorn.Server(config)
        thread = threading.Thread(target=running.run, kwargs={"sockets": [listening]}, daemon=True)
        thread.start()
        started.append((running, thread, listening))
        deadline = time.monotonic() + 60
        while not running.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.02)
        host, port = listening.getsockname()[:2]
        return Running(f"http://{host}:{port}", app.state.service)

    try:
        yield launch
    finally:
        for running, thread, listening in started:
            running.should_exit = True
            thread.join(timeout=30)
            listening.close()


def wait_for_job(client: httpx.Client, job_id: str, seconds: float = 120) -> dict[str, Any]:
    """Poll an indexing job until it is done or failed; return it."""
    deadline = time.monotonic() + seconds
    while True:
        job = client.get(f"/v1/index/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        assert time.monotonic() < deadline, f"the job did not finish: {job}"
        time.sleep(0.05)
