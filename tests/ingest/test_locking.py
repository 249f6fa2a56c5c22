"""The writers' lock seam: the file lock names its holder, a waiter gives up in time or when told to stop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.locking import FileLock, LockTimeout, Stopped, holding


def test_a_waiting_run_is_told_who_holds_the_lock_and_gives_up_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "news-records.sqlite3.lock"
    held, waiting = FileLock(path), FileLock(path)
    told: list[str] = []
    with holding(held):
        assert held.holder().startswith(f"process {os.getpid()} on ")
        with pytest.raises(LockTimeout) as refused, holding(waiting, told.append, timeout=0.3):
            pass
        with pytest.raises(Stopped), holding(waiting, should_stop=lambda: True):
            pass
    assert len(told) == 1 and f"process {os.getpid()}" in told[0] and f"lock {path}" in told[0]
    assert "giving up after 0.3 s (NEWSQA_LOCK_TIMEOUT)" in told[0]
    assert "gave up after waiting 0.3 s" in str(refused.value)
    assert held.holder() == "", "a lock that is free names nobody"
    with holding(waiting, timeout=0):
        pass  # free again: taken at once
