"""The chat end to end in a real browser: ``python -m ui`` on 127.0.0.1, driven by Playwright
with Debian's Chromium, over a temporary store and the real embedding model.

Skipped, with the reason, where ``/usr/bin/chromium`` or Playwright is missing (``.ci/run``
installs Chromium). The server always stops: at the end of the module, and by itself if
pytest dies first.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import REPO, SAMPLE_ARTICLES, require_shared

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
QUESTION = "Who was blamed for the Camp Taji attack?"
# The real model loads in the server on the first indexing run: allow for a busy machine.
SLOW = 240_000

pytestmark = [pytest.mark.browser, pytest.mark.model]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (`apt-get install -y chromium`; .ci/run does)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -r requirements.txt"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Runs the server with PR_SET_PDEATHSIG (Linux): it gets SIGTERM when pytest exits, however
# pytest exits; the setting survives the exec into streamlit.
_ORPHAN_GUARD = (
    "import ctypes, os, signal, sys\n"
    "try:\n    ctypes.CDLL(None).prctl(1, signal.SIGTERM)\nexcept (AttributeError, OSError):\n    pass\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)


@contextmanager
def serving(work: Path, **settings: str) -> Iterator[str]:
    """Serve the chat with ``python -m ui`` over a store in ``work``; stop it whatever happens."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSQA_")}
    port = _free_port()
    env.update(
        NEWSQA_STORE_DIR=str(work / "store"),
        NEWSQA_LLM="extractive",
        NEWSQA_HOST="127.0.0.1",
        NEWSQA_PORT=str(port),
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        **settings,
    )
    log_path = work / "streamlit.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", _ORPHAN_GUARD, "-m", "ui"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"the chat exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the chat did not answer on {url} within 90 s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)


@pytest.fixture(scope="module")
def chat_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The chat over an empty temporary store; it may read the tests' temporary folders."""
    with serving(
        tmp_path_factory.mktemp("browser"), NEWSQA_INDEX_ROOTS=str(tmp_path_factory.getbasetemp())
    ) as url:
        yield url


def open_page(browser: Browser, url: str, dialogs: list[str]) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1250})
    page.set_default_timeout(60_000)

    def refuse(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.goto(url)
    page.get_by_role("heading", name="Index").wait_for()
    return page


def ask(page: Page, question: str) -> None:
    from playwright.sync_api import expect

    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_have_count(1)  # one chat box, however the page's last rerun went
    box.fill(question)
    box.press("Enter")
    page.locator(".nqa-card").first.wait_for(timeout=SLOW)


@pytest.mark.shared
def test_upload_ask_and_read_the_sources_in_a_real_browser(browser: Browser, chat_url: str) -> None:
    from playwright.sync_api import expect

    (sample,) = sorted(require_shared(SAMPLE_ARTICLES).glob("*.txt"))
    dialogs: list[str] = []
    page = open_page(browser, chat_url, dialogs)

    # An empty index welcomes with the ways to add articles, and no chat box (the first page
    # opens the store: on a busy machine that takes a while).
    expect(page.get_by_text("The index is empty")).to_be_visible(timeout=SLOW)
    for way in ("Upload files", "Index a folder", "Follow a feed", "python -m ingest"):
        expect(page.get_by_text(way, exact=False).first).to_be_visible()
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-welcome.png"))

    # Upload the sample article through the sidebar and index it.
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(sample))
    page.get_by_role("button", name="Index 1 file").click()
    expect(page.get_by_text("1 added · 0 updated · 0 removed · 0 unchanged")).to_be_visible(timeout=SLOW)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stMetricValue").first).to_have_text("1")
    expect(sidebar.get_by_text("Fast News (1)")).to_be_visible()
    expect(sidebar.get_by_test_id("stVegaLiteChart")).to_have_count(1)  # articles over time

    ask(page, QUESTION)
    answer = page.locator(".nqa-answer")
    expect(answer).to_contain_text("Kataib Hezbollah")
    # The answer opens with the short answer, in bold, cited from the first card.
    short = answer.locator("strong.nqa-short")
    expect(short).to_have_text("Kataib Hezbollah")
    assert answer.inner_text().startswith("Kataib Hezbollah [1]")
    card = page.locator("#src-1-1")
    expect(card).to_contain_text("Fast News · March 2020")
    expect(card.locator(".nqa-quote mark")).to_be_visible()  # the cited sentence, highlighted
    quotes = page.locator(".nqa-quote mark").all_inner_texts()
    assert any("Kataib Hezbollah" in quote for quote in quotes), quotes
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(2)
    expect(messages.nth(1).get_by_test_id("stVegaLiteChart")).to_have_count(1)  # the sources' timeline

    # The picture: from the title down, the charts drawn, no chart toolbar showing on hover.
    page.mouse.move(1390, 10)
    page.wait_for_timeout(1000)
    title = page.get_by_role("heading", name="newsqa")
    title.evaluate("heading => heading.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    expect(title).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "chat.png"))

    # Each [n] leads to its card.
    last = len(page.locator(".nqa-card").all())
    answer.locator(f'a[href="#src-1-{last}"]').click()
    expect(page.locator(f"#src-1-{last}")).to_be_in_viewport()

    # A new conversation empties the chat.
    page.get_by_role("button", name="New conversation").click()
    expect(messages).to_have_count(0)
    assert dialogs == []
    assert page.get_by_test_id("stException").count() == 0


def test_article_markup_shows_as_text_and_never_runs_in_a_real_browser(
    browser: Browser, chat_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    folder = tmp_path / "evil"
    folder.mkdir()
    body = (
        "The mayor resigned on Monday <script>window.__pwned = 1</script> after the vote "
        '<img src=x onerror="window.__pwned = 2"> and **bold** [link](javascript:alert(3)) $x$.'
    )
    (folder / "evil.txt").write_text(f" date 2021-05 <b>Evil</b> Times\n\n{body}", encoding="utf-8")
    dialogs: list[str] = []
    page = open_page(browser, chat_url, dialogs)
    page.get_by_role("tab", name="Folder").click()
    page.get_by_label("Folder or file on this machine").fill(str(folder))
    page.get_by_role("button", name="Index folder").click()
    expect(page.get_by_text("1 added")).to_be_visible(timeout=SLOW)

    ask(page, "Who resigned on Monday after the vote?")
    card = page.locator(".nqa-card", has_text="mayor resigned")
    expect(card.first).to_contain_text(
        "<script>window.__pwned = 1</script> after the vote "
        '<img src=x onerror="window.__pwned = 2"> and **bold** [link](javascript:alert(3)) $x$.'
    )
    expect(card.first).to_contain_text("<b>Evil</b> Times")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("<b>Evil</b> Times")
    # Nothing of the article became live markup, and nothing ran.
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("b", has_text="Evil").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "chat-markup.png"))


def test_passwords_lock_the_page_and_the_index_panel_in_a_real_browser(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from playwright.sync_api import expect

    work = tmp_path_factory.mktemp("locked")
    allowed = work / "articles"
    allowed.mkdir()
    settings = {
        "NEWSQA_READER_PASSWORD": "reader-pass",
        "NEWSQA_EDITOR_PASSWORD": "editor-pass",
        "NEWSQA_INDEX_ROOTS": str(allowed),
    }
    with serving(work, **settings) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(url)
        expect(page.get_by_text("This newsroom's archive asks for a password.")).to_be_visible()
        assert page.get_by_role("heading", name="Index").count() == 0
        page.get_by_label("Password", exact=True).fill("guess")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("That password is not right.")).to_be_visible()
        page.get_by_label("Password", exact=True).fill("reader-pass")
        page.get_by_role("button", name="Sign in").click()
        # The first page after signing in opens the store (imports and all): give it time.
        expect(page.get_by_text("The index is empty")).to_be_visible(timeout=SLOW)
        sidebar = page.get_by_test_id("stSidebar")
        assert sidebar.get_by_role("tab", name="Upload").count() == 0  # a reader can't add
        sidebar.get_by_label("Editor password", exact=True).fill("editor-pass")
        sidebar.get_by_role("button", name="Unlock").click()
        sidebar.get_by_role("tab", name="Folder").click()
        sidebar.get_by_label("Folder or file on this machine").fill("/etc")
        sidebar.get_by_role("button", name="Index folder").click()
        expect(sidebar.get_by_text("refused: outside the folders this newsqa may read")).to_be_visible()
        expect(sidebar).to_contain_text(str(allowed))
        assert "editor-pass" not in page.content() and "reader-pass" not in page.content()
        page.screenshot(path=str(ARTIFACTS / "chat-locked.png"))


def _lock_is_free(lock: Path) -> bool:
    import fcntl

    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def test_a_run_the_page_abandons_stops_and_frees_the_store(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from playwright.sync_api import expect

    from tests.ingest.test_fetching import SlowServer

    feeds = SlowServer()  # a feed that sends a byte every few seconds, forever
    feeds.drip_body("/feed.xml", b"<?xml version='1.0'?><rss version='2.0'><channel><title>Slow</title>")
    work = tmp_path_factory.mktemp("abandoned")
    settings = {"NEWSQA_FEED_ALLOW_HOSTS": "127.0.0.1/32", "NEWSQA_FEED_TIMEOUT": "600"}
    lock = work / "store" / "news-records.sqlite3.lock"
    try:
        with serving(work, **settings) as url:
            page = open_page(browser, url, [])
            page.get_by_role("tab", name="Feed URL").click()
            page.get_by_label("RSS or Atom feed URL").fill(f"{feeds.url}/feed.xml")
            page.get_by_role("button", name="Index feed").click()
            deadline = time.monotonic() + 120
            while not (lock.exists() and not _lock_is_free(lock)):  # the run is under way
                assert time.monotonic() < deadline, "the indexing run never started"
                time.sleep(0.2)
            page.reload()  # the reader gives up on the page
            expect(page.get_by_role("heading", name="Index")).to_be_visible(timeout=SLOW)
            deadline = time.monotonic() + 30  # far less than the feed's 600 s deadline
            while not _lock_is_free(lock):
                assert time.monotonic() < deadline, "the abandoned run still holds the store"
                time.sleep(0.2)
            page.close()
    finally:
        feeds.close()
