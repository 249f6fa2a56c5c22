"""``python -m assistant serve`` as a user runs it: a real process, its log, its refusals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.assistant.service.conftest import ARTICLES, EDITOR, KEYS, QUESTION, READER
from tests.conftest import REPO
from tests.llm_server import free_port_url

# Real processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def serve(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """Start the real serve command with the fake embedder (`tests.worker serve`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker", "serve", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )  # fmt: skip


@pytest.fixture
def process(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; each is stopped at the end, however the test ends."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for each in started:
        if each.poll() is None:
            each.kill()
            each.wait(timeout=30)


def test_without_keys_it_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0", "--store", str(tmp_path / "s")],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={key: value for key, value in os.environ.items() if key != "NEWSQA_API_KEYS"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "error: refusing to listen on 0.0.0.0 without API keys" in result.stderr
    assert "NEWSQA_API_KEYS" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "s").exists(), "nothing was opened"


def test_a_malformed_key_setting_is_named_without_echoing_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--store", str(tmp_path / "s")],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "NEWSQA_API_KEYS": "reader:s3cret-one,boss:s3cret-two"},
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        "setting NEWSQA_API_KEYS (api_keys)" in result.stderr and "entry 2 is not ROLE:KEY" in result.stderr
    )
    assert "s3cret" not in result.stderr + result.stdout


def test_the_served_log_names_requests_but_never_a_key(
    tmp_path: Path, process: list[subprocess.Popen[str]]
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    port = free_port_url().rsplit(":", 1)[1]
    env = {"NEWSQA_API_KEYS": KEYS, "NEWSQA_API_HOST": "0.0.0.0"}  # keys set: it may listen widely
    running = serve(
        "--store", str(tmp_path / "store"), "--host", "127.0.0.1", "--port", port, env=env, cwd=tmp_path
    )
    process.append(running)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert running.poll() is None and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.2)
    editor = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {EDITOR}"}, timeout=60)
    reader = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {READER}"}, timeout=60)
    with editor, reader:
        job = editor.post("/v1/index", json={"paths": [str(folder)]}).json()
        while editor.get(f"/v1/index/{job['id']}").json()["state"] not in ("done", "failed"):
            time.sleep(0.1)
        assert "Kataib Hezbollah" in reader.post("/v1/ask", json={"question": QUESTION}).json()["answer"]
        assert httpx.get(f"{url}/v1/stats", headers={"Authorization": "Bearer guess-1234"}).status_code == 401
        assert reader.post("/v1/index", json={"paths": [str(folder)]}).status_code == 403
    running.send_signal(signal.SIGINT)
    log, _ = running.communicate(timeout=60)
    assert running.returncode == 0, log
    assert f"Uvicorn running on http://127.0.0.1:{port}" in log
    assert '"POST /v1/ask HTTP/1.1" 200' in log and '"GET /v1/stats HTTP/1.1" 401' in log
    assert '"POST /v1/index HTTP/1.1" 403' in log
    for secret in (READER, EDITOR, "guess-1234"):
        assert secret not in log
    assert "Traceback" not in log
