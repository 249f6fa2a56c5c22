"""A store on a read-only folder can still be searched, and says so when asked to change.

The folder is made read-only for real: a read-only bind mount in a mount namespace of its
own (``unshare -m``), where even root may not write. Skipped, with the reason, where that
can't be done (not root, or no unshare).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# Real processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def read_only(store: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a worker command with ``store`` mounted read-only (in a mount namespace of its own)."""
    worker = " ".join(shlex.quote(part) for part in (sys.executable, "-m", "tests.worker", *command))
    script = f"mount --bind {store} {store} && mount -o remount,bind,ro {store} && {worker}"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=REPO, timeout=180
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a read-only mount needs root and unshare (util-linux)")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m is not permitted here: {probe.stderr.decode().strip()}")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack.",
        "utf-8",
    )
    (folder / "storm.txt").write_text(" date 2021-06-02 Wire\n\nA storm hit the coast.", "utf-8")
    built = subprocess.run(
        [sys.executable, "-m", "tests.worker", "index", str(tmp_path / "store"), str(folder)],
        capture_output=True, text=True, cwd=REPO, timeout=180,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return tmp_path / "store"


def test_a_read_only_store_answers_questions(store: Path) -> None:
    answers = []
    for question in (
        "Who was blamed for the Camp Taji attack?",
        "What did Fast News report about Camp Taji?",
    ):
        result = read_only(store, "ask", str(store), question, "1")
        assert result.returncode == 0, result.stderr
        answers.append(json.loads(result.stdout))
    blamed, reported = answers
    assert blamed["answer"].startswith("Kataib Hezbollah [1]")
    assert not reported["abstained"] and "Camp Taji" in reported["answer"]
    assert reported["citations"] and "Camp Taji" in reported["citations"][0][2]  # [n, article, quote]


def test_indexing_into_a_read_only_store_is_a_message(store: Path, tmp_path: Path) -> None:
    result = read_only(store, "cli", str(tmp_path / "in"), "--store", str(store))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: the index in {store} is read-only here: it can be searched")
    assert "Traceback" not in result.stderr
