"""The writers' lock with real processes: who holds it, how long others wait, and letting it go."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.pipeline import IndexReport
from tests.conftest import REPO
from tests.ingest.test_feeds import ITEMS, Site, page, rss
from tests.ingest.test_fetching import SlowServer
from tests.worker import fake_assistant, state

pytestmark = pytest.mark.slow
FEED_HEAD = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Drip</title>"


@pytest.fixture
def server() -> Iterator[SlowServer]:
    server = SlowServer()
    yield server
    server.close()


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def lock_file(store: Path) -> Path:
    return store / "news-records.sqlite3.lock"


def holds_lock(store: Path, pid: int) -> bool:
    try:
        return f'"pid": {pid},' in lock_file(store).read_text()
    except FileNotFoundError:
        return False


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``python -m ingest`` (with the fake embedder) as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "tests.worker", "cli", *args],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **env}, timeout=180,
    )  # fmt: skip


def one_article(folder: Path, name: str = "story.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f" date 2024-02 Wire\n\nThe {name} story waited for its turn.", "utf-8")
    return folder


def test_a_waiting_run_names_the_holder_and_gives_up_after_the_lock_timeout(
    server: SlowServer, tmp_path: Path
) -> None:
    server.drip_body("/feed.xml", head=FEED_HEAD)
    feed, store = f"{server.url}/feed.xml", tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.worker", "cli", feed, "--store", str(store)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "NEWSQA_FEED_ALLOW_HOSTS": "127.0.0.1/32", "NEWSQA_FEED_TIMEOUT": "300"},
    )  # fmt: skip
    try:
        wait_for(lambda: holds_lock(store, holder.pid), 120, "the first run to take the lock")
        folder = one_article(tmp_path / "in")
        started = time.monotonic()
        waiter = cli(str(folder), "--store", str(store), NEWSQA_LOCK_TIMEOUT="2")
        waited = time.monotonic() - started
        assert holder.poll() is None, "the first run must still hold the lock"
    finally:
        holder.kill()
        holder.wait()
    who = (
        f"process {holder.pid} on {socket.gethostname()}, "
        f"`python -m tests.worker cli {feed} --store {store}`, running since "
    )
    assert waiter.returncode == 1 and waited >= 2
    assert f"waiting for another indexing run on this store to finish: {who}" in waiter.stderr
    assert (
        "error: gave up after waiting 2 s (NEWSQA_LOCK_TIMEOUT) for another indexing run on this store "
        f"to finish: {who}"
    ) in waiter.stderr
    assert "Let it finish and try again, stop it, or raise NEWSQA_LOCK_TIMEOUT." in waiter.stderr
    assert "Traceback" not in waiter.stderr and waiter.stdout == ""

    # The holder was killed: the kernel let its lock go, and the next run goes straight in.
    after = cli(str(folder), "--store", str(store), NEWSQA_LOCK_TIMEOUT="0")
    assert after.returncode == 0, after.stderr
    assert "1 article(s) added" in after.stdout and "waiting" not in after.stderr


def test_a_stopped_run_keeps_what_it_wrote_and_releases_the_lock_at_once(
    server: SlowServer, tmp_path: Path
) -> None:
    server.drip_body("/feed.xml", head=FEED_HEAD)
    store = tmp_path / "store"
    bot = fake_assistant(store, feed_allow_hosts="127.0.0.1/32", feed_timeout=300, index_batch_chunks=1)
    stop = threading.Event()
    reports: list[IndexReport] = []
    sources = [one_article(tmp_path / "first"), f"{server.url}/feed.xml"]
    run = threading.Thread(target=lambda: reports.append(bot.index(sources, should_stop=stop.is_set)))
    run.start()
    wait_for(lambda: "/feed.xml" in server.sent, 60, "the run to reach the slow feed")
    assert holds_lock(store, os.getpid())
    stop.set()
    stopped_at = time.monotonic()
    run.join(60)
    assert not run.is_alive() and time.monotonic() - stopped_at < 3.0
    (report,) = reports
    assert report.stopped and not report.ok and report.added == 1  # the file, written before the feed
    assert lock_file(store).read_text() == "", "a finished run leaves no name behind"

    other = cli(
        str(one_article(tmp_path / "second", "next.txt")), "--store", str(store), NEWSQA_LOCK_TIMEOUT="0"
    )
    assert other.returncode == 0, other.stderr
    assert "1 article(s) added" in other.stdout
    assert fake_assistant(store).stats().articles == 2


def test_a_stopped_feed_run_leaves_no_old_version_behind(
    server: SlowServer, site: Site, tmp_path: Path
) -> None:
    """An updated feed item written before the stop replaces its old version at once."""
    server.drip_body("/slow")
    store = tmp_path / "store"
    settings = {"feed_allow_hosts": "127.0.0.1/32", "feed_timeout": 300, "index_batch_chunks": 1}
    site.put("/bridge", page("Bridge reopens", "The harbour bridge reopened after two years of repairs."))
    site.put("/feed.xml", rss(site, ITEMS[:1]), "application/rss+xml")
    url = f"{site.url}/feed.xml"
    assert fake_assistant(store, **settings).index([url]).added == 1

    site.put("/bridge", page("Bridge reopens", "The harbour bridge reopened to lorries on Monday."))
    changed = [
        ("bridge", "Bridge reopens to lorries", ITEMS[0][2]),
        (f"{server.url}/slow", "Slow", ITEMS[1][2]),
    ]
    site.put("/feed.xml", rss(site, changed), "application/rss+xml")
    bot = fake_assistant(store, **settings)
    stop = threading.Event()
    reports: list[IndexReport] = []
    run = threading.Thread(target=lambda: reports.append(bot.index([url], should_stop=stop.is_set)))
    run.start()
    wait_for(lambda: "/slow" in server.sent, 60, "the run to reach the slow page")
    stop.set()
    run.join(60)
    (report,) = reports
    assert report.stopped and (report.added, report.updated) == (0, 1)
    now = state(bot)
    assert {m["title"] for m in now["metadata"].values()} == {"Bridge reopens to lorries"}
    assert all("lorries" in m["text"] for m in now["metadata"].values())
    assert now["chroma"] == now["keywords"] == now["records"] and now["journal"] == []


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_a_run_waiting_for_the_lock_can_be_stopped(tmp_path: Path) -> None:
    store = tmp_path / "store"
    holder = fake_assistant(store)
    told: list[str] = []
    stop = threading.Event()
    with holder.ledger.writing():
        threading.Timer(1.5, stop.set).start()
        report = fake_assistant(store).index(
            [one_article(tmp_path / "in")], on_wait=told.append, should_stop=stop.is_set
        )
    assert report.stopped and report.added == 0
    assert len(told) == 1 and f"process {os.getpid()} on {socket.gethostname()}" in told[0]
