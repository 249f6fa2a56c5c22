"""RSS and Atom feeds served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.pipeline import Failure
from tests.fakes import BagOfWordsEmbeddings
from tests.worker import fake_assistant, state


class Site:
    """A tiny web site: path -> (content type, body); counts the requests it answers."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.redirects: dict[str, str] = {}
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits[self.path] += 1
                if self.path in site.redirects:
                    self.send_response(302)
                    self.send_header("Location", site.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                page = site.pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", page[0])
                self.send_header("Content-Length", str(len(page[1])))
                self.end_headers()
                self.wfile.write(page[1])

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, path: str, body: str, kind: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (kind, body.encode("utf-8"))


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.server.shutdown()
    served.server.server_close()


def page(title: str, text: str) -> str:
    return (
        f"<html><head><title>{title}</title><script>var leak = 'TRACKER';</script>"
        f"<style>p {{ color: red }}</style></head><body><nav>Menu Login</nav><article><h1>{title}</h1>"
        f"<p>{text}</p><p>More reporting followed as officials gave further details.</p>"
        "</article></body></html>"
    )


def rss(site: Site, items: list[tuple[str, str, str]]) -> str:
    """An RSS feed of ``(slug, title, date)`` items linking to ``site/slug`` (or to a full URL)."""
    entries = "".join(
        f"<item><title>{title}</title><link>{slug if ':' in slug else f'{site.url}/{slug}'}</link>"
        f"<guid>{slug}</guid><pubDate>{date}</pubDate><description>Summary of {title}.</description></item>"
        for slug, title, date in items
    )
    channel = f"<channel><title>Harbour Gazette</title>{entries}</channel>"
    return f"<?xml version='1.0'?><rss version='2.0'>{channel}</rss>"


LOCAL = "127.0.0.1/32"
"""`NEWSQA_FEED_ALLOW_HOSTS` for the servers of these tests: 127.0.0.1 is refused by default."""

ITEMS = [
    ("bridge", "Bridge reopens", "Tue, 05 Mar 2024 08:00:00 GMT"),
    ("flood", "Flood downtown", "Wed, 06 Mar 2024 09:30:00 GMT"),
]


def serve_rss(site: Site, items: list[tuple[str, str, str]]) -> str:
    site.put("/feed.xml", rss(site, items), "application/rss+xml")
    site.put("/bridge", page("Bridge reopens", "The harbour bridge reopened after two years of repairs."))
    site.put("/flood", page("Flood downtown", "A flood closed the downtown market on Wednesday."))
    return f"{site.url}/feed.xml"


def test_a_feed_indexes_its_items_with_page_text_date_and_outlet(site: Site, tmp_path: Path) -> None:
    bot = fake_assistant(tmp_path / "store", feed_allow_hosts=LOCAL)
    report = bot.index([serve_rss(site, ITEMS)])
    assert (report.added, report.failed, report.warnings) == (2, [], [])
    chunks = state(bot)["metadata"].values()
    bridge = next(c for c in chunks if c["title"] == "Bridge reopens")
    assert bridge["source"] == "Harbour Gazette" and bridge["published"] == "2024-03-05T08:00:00+00:00"
    assert bridge["url"] == f"{site.url}/bridge"
    assert "two years of repairs" in bridge["text"]
    assert all("TRACKER" not in c["text"] and "color" not in c["text"] for c in chunks)
    answer = bot.ask("Why was the downtown market closed?", source="harbour gazette", since="2024-03-06")
    assert "flood" in answer.text.lower()


def test_reading_a_feed_again_adds_only_new_or_changed_items(site: Site, tmp_path: Path) -> None:
    url = serve_rss(site, ITEMS)
    fake_assistant(tmp_path / "store", feed_allow_hosts=LOCAL).index([url])
    bot = fake_assistant(tmp_path / "store", feed_allow_hosts=LOCAL)
    fetched = site.hits["/bridge"]
    again = bot.index([url])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 2, 0)
    assert site.hits["/bridge"] == fetched, "an unchanged item's page must not be fetched again"
    embeddings = bot.embeddings
    assert isinstance(embeddings, BagOfWordsEmbeddings) and embeddings.embedded == []

    site.put("/vote", page("Council vote", "The council voted to fund the new sea wall."))
    changed = [
        ("bridge", "Bridge reopens to traffic", ITEMS[0][2]),
        ITEMS[1],
        ("vote", "Council vote", ITEMS[1][2]),
    ]
    site.put("/feed.xml", rss(site, changed), "application/rss+xml")
    report = bot.index([url])
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    titles = sorted({c["title"] for c in state(bot)["metadata"].values()})
    assert titles == ["Bridge reopens to traffic", "Council vote", "Flood downtown"]
    # An item that falls off the feed stays indexed: feeds show only their latest items.
    site.put("/feed.xml", rss(site, changed[2:]), "application/rss+xml")
    assert bot.index([url]).removed == 0 and bot.stats().articles == 3


def test_an_atom_feed_and_an_item_whose_page_is_gone(site: Site, tmp_path: Path) -> None:
    site.put(
        "/atom.xml",
        "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Coast Times</title>"
        f"<entry><id>urn:1</id><title>Storm warning</title><link href='{site.url}/gone'/>"
        "<updated>2024-04-01T10:00:00Z</updated><summary>A storm warning was issued for the coast.</summary>"
        "</entry></feed>",
        "application/atom+xml",
    )
    report = fake_assistant(tmp_path / "store", feed_allow_hosts=LOCAL).index([f"{site.url}/atom.xml"])
    assert report.added == 1 and report.failed == []
    (warning,) = report.warnings
    assert warning.path == f"{site.url}/gone" and "HTTP 404" in warning.reason and "summary" in warning.reason
    bot = fake_assistant(tmp_path / "store")
    (passage,) = bot.retrieve("storm warning coast")
    assert passage.chunk.source == "Coast Times" and passage.chunk.published == "2024-04-01T10:00:00+00:00"
    assert passage.text == "A storm warning was issued for the coast."


def test_a_feed_that_never_answers_fails_clearly_after_the_timeout(tmp_path: Path) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections (the kernel does) and never says a word
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/feed.xml"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{closed.getsockname()[1]}/rss"
    closed.close()
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(" date 2024-01 Wire\n\nA story that still gets indexed.", "utf-8")
    bot = fake_assistant(tmp_path / "store", feed_timeout=1.0, feed_allow_hosts=LOCAL)
    started = time.monotonic()
    report = bot.index([url, dead, folder])
    elapsed = time.monotonic() - started
    silent.close()
    reasons = {f.path: f.reason for f in report.failed}
    assert reasons[url] == f"no answer from {url} within 1 s; check the address, or raise NEWSQA_FEED_TIMEOUT"
    assert reasons[dead].startswith(f"cannot reach {dead}: ") and "refused" in reasons[dead]
    assert report.added == 1 and not report.ok
    assert elapsed < 30  # it gave up; it did not hang


METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


def forged_feed(site: Site) -> str:
    """A feed on 127.0.0.1 whose items link to 127.0.0.1, the cloud metadata address and a file."""
    site.put("/secret", page("Internal wiki", "The staging database password is hunter2."))
    site.redirects["/moved"] = METADATA
    site.put(
        "/feed.xml",
        rss(
            site,
            [
                ("secret", "Internal wiki", ITEMS[0][2]),
                (METADATA, "Credentials", ITEMS[0][2]),
                ("moved", "Moved story", ITEMS[0][2]),
                ("file:///etc/passwd", "Passwords", ITEMS[0][2]),
            ],
        ),
        "application/rss+xml",
    )
    return f"{site.url}/feed.xml"


def test_a_feed_on_an_internal_address_is_refused_by_default(site: Site, tmp_path: Path) -> None:
    url = forged_feed(site)
    bot = fake_assistant(tmp_path / "store")
    report = bot.index([url])
    assert report.failed == [
        Failure(
            url,
            f"refused {url}: 127.0.0.1 is a loopback address, and only public addresses are fetched; "
            "to fetch it, add 127.0.0.1/32 to NEWSQA_FEED_ALLOW_HOSTS",
        )
    ]
    assert report.added == 0 and not site.hits, "nothing may be fetched from a refused address"


def test_allowed_hosts_are_fetched_and_every_other_link_is_refused_item_by_item(
    site: Site, tmp_path: Path
) -> None:
    url = forged_feed(site)
    bot = fake_assistant(tmp_path / "store", feed_allow_hosts=LOCAL)
    report = bot.index([url])
    refused = (
        "169.254.169.254 is a link-local address, and only public addresses are fetched; "
        "to fetch it, add 169.254.169.254/32 to NEWSQA_FEED_ALLOW_HOSTS; not indexed"
    )
    assert report.failed == [
        Failure(METADATA, f"refused {METADATA}: {refused}"),
        Failure(f"{site.url}/moved", f"refused {site.url}/moved (redirected to {METADATA}): {refused}"),
    ]
    (warning,) = report.warnings
    assert warning.path.startswith("file:") and warning.reason == (
        "its link is not fetched: only http and https pages are, not file; indexed the feed's summary instead"
    )
    assert report.added == 2
    texts = {c["title"]: c["text"] for c in state(bot)["metadata"].values()}
    assert "hunter2" in texts["Internal wiki"]  # 127.0.0.1 is allowed: its page was indexed
    assert texts["Passwords"] == "Summary of Passwords."
    assert "Credentials" not in texts and "Moved story" not in texts
    assert site.hits["/moved"] == 1

    # Refused items are not recorded: once their host is allowed, the next run fetches them.
    site.redirects["/moved"] = "/secret"
    again = fake_assistant(tmp_path / "store", feed_allow_hosts=LOCAL).index([url])
    assert (again.added, again.unchanged) == (1, 2) and [f.path for f in again.failed] == [METADATA]


def test_a_feed_url_with_another_scheme_is_refused(tmp_path: Path) -> None:
    report = fake_assistant(tmp_path / "store").index(["ftp://127.0.0.1/feed.xml"])
    assert report.failed == [
        Failure("ftp://127.0.0.1/feed.xml", "not read: only http and https feeds are fetched, not ftp")
    ]


def test_a_feed_allowed_by_host_name(site: Site, tmp_path: Path) -> None:
    url = serve_rss(site, ITEMS).replace("127.0.0.1", "localhost")
    report = fake_assistant(tmp_path / "store", feed_allow_hosts="localhost").index([url])
    # The items link to 127.0.0.1, which is not "localhost": they are refused one by one.
    assert report.added == 0 and len(report.failed) == 2
    assert "127.0.0.1 is a loopback address" in report.failed[0].reason


def test_a_slow_article_page_fails_at_the_deadline_and_the_summary_stands_in(
    site: Site, tmp_path: Path
) -> None:
    from tests.ingest.test_fetching import SlowServer

    slow = SlowServer()
    try:
        slow.drip_body("/slow", head=b"<html><body><p>Partial")
        site.put(
            "/feed.xml", rss(site, [(f"{slow.url}/slow", "Slow story", ITEMS[0][2])]), "application/rss+xml"
        )
        bot = fake_assistant(tmp_path / "store", feed_allow_hosts=LOCAL, feed_timeout=3.0)
        report = bot.index([f"{site.url}/feed.xml"])
    finally:
        slow.close()
    assert report.added == 1 and report.failed == []
    (warning,) = report.warnings
    assert warning.reason.startswith(f"{slow.url}/slow sent only ")
    assert "within 3 s, the limit for a whole download; check the address, or raise NEWSQA_FEED_TIMEOUT" in (
        warning.reason
    )
