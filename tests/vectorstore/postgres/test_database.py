"""A database or Chroma server down, refusing the credentials or misnamed: one clear line, no password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.engines import PASSWORD, ChromaServer, Postgres, free_port

pytestmark = pytest.mark.slow

COMMANDS = (["-m", "ingest", "IN"], ["-m", "assistant", "ask", "Who?"])


def run_both(tmp_path: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text(" date 2024-01 Wire\n\nThe harbour bridge reopened.", "utf-8")
    results = []
    for command in COMMANDS:
        args = [str(folder) if part == "IN" else part for part in command]
        results.append(
            subprocess.run(
                [sys.executable, *args, "--store", str(tmp_path / "store")],
                capture_output=True,
                text=True,
                cwd=REPO,
                env={**os.environ, **env},
                timeout=120,
            )
        )
    return results


def test_a_database_that_is_down_is_named_by_host_and_port(
    tmp_path: Path, chroma_server: ChromaServer
) -> None:
    port = free_port()
    url = f"postgresql+psycopg://newsqa:{PASSWORD}@127.0.0.1:{port}/newsqa"
    for result in run_both(tmp_path, {**chroma_server.env(), "NEWSQA_DATABASE_URL": url}):
        assert result.returncode == 1
        assert f"error: cannot reach the PostgreSQL database at 127.0.0.1:{port}" in result.stderr
        assert PASSWORD not in result.stderr + result.stdout and "Traceback" not in result.stderr
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())


def test_refused_credentials_are_said_so_without_the_password(
    tmp_path: Path, chroma_server: ChromaServer, postgres_server: Postgres
) -> None:
    url = postgres_server.url(password="wrong-pw-123")
    for result in run_both(tmp_path, {**chroma_server.env(), "NEWSQA_DATABASE_URL": url}):
        assert result.returncode == 1
        assert (
            f"the PostgreSQL database at 127.0.0.1:{postgres_server.port} refused the credentials of user "
            "'newsqa'" in result.stderr
        )
        assert "wrong-pw-123" not in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_a_missing_database_a_bad_url_and_a_missing_chroma_server(
    tmp_path: Path, chroma_server: ChromaServer, postgres_server: Postgres
) -> None:
    nowhere = postgres_server.url(database="nowhere")
    cases = {
        "has no database 'nowhere'": {**chroma_server.env(), "NEWSQA_DATABASE_URL": nowhere},
        "NEWSQA_DATABASE_URL is not a PostgreSQL URL": {
            **chroma_server.env(), "NEWSQA_DATABASE_URL": f"mysql://newsqa:{PASSWORD}@db/newsqa"
        },
        "NEWSQA_DATABASE_URL is set but NEWSQA_CHROMA_HOST is not": {
            "NEWSQA_DATABASE_URL": postgres_server.url()
        },
        "cannot reach the Chroma server at 127.0.0.1:": {
            "NEWSQA_DATABASE_URL": postgres_server.url(), "NEWSQA_CHROMA_HOST": "127.0.0.1",
            "NEWSQA_CHROMA_PORT": str(free_port()),
        },
    }  # fmt: skip
    for expected, env in cases.items():
        for result in run_both(tmp_path, env):
            assert result.returncode == 1, (expected, result.stderr)
            assert expected in result.stderr and PASSWORD not in result.stderr + result.stdout
            assert "Traceback" not in result.stderr
