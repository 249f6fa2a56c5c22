"""``python -m ingest --watch``: a real process that indexes files as they come, until Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.worker import fake_assistant, state

# Real processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


class Running:
    """A subprocess whose stdout lines arrive on a queue."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.worker", "cli", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, "NEWSQA_DEBUG": "1"},
            # A user's terminal delivers Ctrl-C; a test run started in the background (`cmd &`)
            # ignores SIGINT, and its children would inherit that.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        # Drain stderr too: a full pipe would block the process on its next message.
        self.drainer = threading.Thread(target=self._drain, daemon=True)
        self.drainer.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line)

    def next_report(self, within: float) -> tuple[dict, float]:
        started = time.monotonic()
        line = self.lines.get(timeout=within)
        return json.loads(line), time.monotonic() - started


def story(text: str) -> str:
    return f" date 2024-05 Wire\n\n{text}"


def test_watch_indexes_new_changed_and_removed_files_until_ctrl_c(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "first.txt").write_text(story("The first story is about the harbour."), "utf-8")
    store = tmp_path / "store"
    watch = Running("--watch", "--sync", "--json", "--store", str(store), str(folder))
    try:
        report, _ = watch.next_report(within=60)
        assert report["added"] == 1

        (folder / "second.txt").write_text(story("A second story arrived about the bridge."), "utf-8")
        report, waited = watch.next_report(within=20)
        assert (report["added"], report["unchanged"]) == (1, 1)
        assert waited < 10, f"a new file took {waited:.1f} s to be indexed"

        (folder / "first.txt").write_text(
            story("The first story was corrected: the harbour reopened."), "utf-8"
        )
        report, _ = watch.next_report(within=20)
        assert (report["updated"], report["unchanged"]) == (1, 1)

        (folder / "second.txt").unlink()
        report, _ = watch.next_report(within=20)
        assert report["removed"] == 1

        (folder / "notes.tmp").write_text("not an article", "utf-8")  # ignored: no pass, no report
        time.sleep(2.5)
        assert watch.lines.empty()
    finally:
        watch.process.send_signal(signal.SIGINT)
        try:
            watch.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watch.process.kill()
            pytest.fail("the watcher did not stop within 30 s of Ctrl-C:\n" + "".join(watch.errors[-40:]))
    watch.drainer.join(timeout=10)
    assert watch.process.returncode == 0
    stderr = "".join(watch.errors)
    assert "Stopped watching." in stderr and "Traceback" not in stderr
    now = state(fake_assistant(store))
    assert now["chroma"] == now["keywords"] == now["records"] and now["journal"] == []
    assert {m["text"] for m in now["metadata"].values()} == {
        "The first story was corrected: the harbour reopened."
    }
