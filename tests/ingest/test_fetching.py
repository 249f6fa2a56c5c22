"""Guarded fetches against a real HTTP server on 127.0.0.1: deadline, size cap, redirects, pinning."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import ValidationError

from assistant.settings import Settings
from ingest import fetching
from ingest.fetching import (
    MAX_RESPONSE_BYTES,
    AllowList,
    FeedError,
    FeedRefused,
    FetchPolicy,
    FetchStopped,
    fetch,
    refused_kind,
)

LOCAL = AllowList.parse("127.0.0.1/32")
DRIP_SECONDS = 2.0

Route = Callable[[BaseHTTPRequestHandler, threading.Event], None]


class SlowServer:
    """A server on 127.0.0.1 whose pages are functions: dripping, endless or redirecting answers.

    Every route ends when the client goes away or the server stops.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.sent: dict[str, int] = {}
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                # The client may hang up: that is what a deadline or a size cap does.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self, server.stop)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def drip_body(self, path: str, head: bytes = b"") -> None:
        """Serve headers at once, then ``head``, then one byte every `DRIP_SECONDS`, forever."""

        def route(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.end_headers()
            handler.wfile.write(head)
            handler.wfile.flush()
            self.sent[path] = len(head)
            while not stop.wait(DRIP_SECONDS):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                self.sent[path] += 1

        self.routes[path] = route

    def drip_headers(self, path: str) -> None:
        """Send the status line and headers one byte every `DRIP_SECONDS`: they never end in time."""

        def route(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
            for byte in b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"a" * 1000:
                if stop.wait(DRIP_SECONDS):
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()

        self.routes[path] = route

    def endless(self, path: str) -> None:
        """Send a body with no length that never ends."""

        def route(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
            handler.send_response(200)
            handler.end_headers()
            block = b"x" * 65536
            self.sent[path] = 0
            while not stop.is_set():
                handler.wfile.write(block)
                self.sent[path] += len(block)

        self.routes[path] = route

    def page(self, path: str, body: str, length: int | None = None) -> None:
        data = body.encode("utf-8")

        def route(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(data) if length is None else length))
            handler.end_headers()
            handler.wfile.write(data)

        self.routes[path] = route

    def redirect(self, path: str, location: str) -> None:
        def route(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = route


@pytest.fixture
def server() -> Iterator[SlowServer]:
    server = SlowServer()
    yield server
    server.close()


def test_a_body_sent_a_byte_at_a_time_ends_at_the_deadline(server: SlowServer) -> None:
    server.drip_body("/drip", head=b"<rss>")
    url = f"{server.url}/drip"
    started = time.monotonic()
    with pytest.raises(FeedError) as caught:
        fetch(url, FetchPolicy(timeout=3.0, allow=LOCAL))
    elapsed = time.monotonic() - started
    # Each byte comes well within 3 s: a per-read timeout would never fire.
    assert str(caught.value) == (
        f"{url} sent only 6 bytes within 3 s, the limit for a whole download; "
        "check the address, or raise NEWSQA_FEED_TIMEOUT"
    )
    assert 2.9 < elapsed < 5.0


def test_headers_that_never_end_end_at_the_deadline(server: SlowServer) -> None:
    server.drip_headers("/slow-head")
    url = f"{server.url}/slow-head"
    started = time.monotonic()
    with pytest.raises(FeedError) as caught:
        fetch(url, FetchPolicy(timeout=3.0, allow=LOCAL))
    assert str(caught.value) == (
        f"no answer from {url} within 3 s; check the address, or raise NEWSQA_FEED_TIMEOUT"
    )
    assert time.monotonic() - started < 5.0


def test_an_endless_body_stops_at_the_size_cap(server: SlowServer) -> None:
    server.endless("/endless")
    url = f"{server.url}/endless"
    with pytest.raises(FeedError) as caught:
        fetch(url, FetchPolicy(timeout=60.0, allow=LOCAL))
    assert str(caught.value) == f"{url} is larger than 16 MB; not read"
    time.sleep(0.5)
    # It stopped reading at the cap: the server could only fill the socket buffers beyond it.
    assert MAX_RESPONSE_BYTES < server.sent["/endless"] < MAX_RESPONSE_BYTES + 16 * 1024 * 1024


def test_a_declared_length_over_the_cap_is_refused_before_reading(server: SlowServer) -> None:
    server.page("/huge", "<p>small really</p>", length=MAX_RESPONSE_BYTES + 1)
    with pytest.raises(FeedError, match="is larger than 16 MB; not read"):
        fetch(f"{server.url}/huge", FetchPolicy(allow=LOCAL))


def test_a_fetch_can_be_stopped_while_the_server_is_silent(server: SlowServer) -> None:
    server.drip_body("/drip")
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    started = time.monotonic()
    with pytest.raises(FetchStopped):
        fetch(f"{server.url}/drip", FetchPolicy(timeout=60.0, allow=LOCAL, should_stop=stop.is_set))
    assert time.monotonic() - started < 3.0  # not the 60 s deadline, nor the next drip


def test_internal_addresses_are_refused_before_any_connection(server: SlowServer) -> None:
    server.page("/page", "<p>secret</p>")
    url = f"{server.url}/page"
    with pytest.raises(FeedRefused) as caught:
        fetch(url, FetchPolicy())
    assert str(caught.value) == (
        f"refused {url}: 127.0.0.1 is a loopback address, and only public addresses are fetched; "
        "to fetch it, add 127.0.0.1/32 to NEWSQA_FEED_ALLOW_HOSTS"
    )
    assert fetch(url, FetchPolicy(allow=LOCAL)) == b"<p>secret</p>"
    assert fetch(url, FetchPolicy(allow=AllowList.parse("10.0.0.0/8, 127.0.0.0/8"))) == b"<p>secret</p>"


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "ftp://127.0.0.1/x"],
)
def test_a_redirect_from_an_allowed_host_is_checked_again(server: SlowServer, location: str) -> None:
    server.redirect("/moved", location)
    url = f"{server.url}/moved"
    with pytest.raises(FeedRefused) as caught:
        fetch(url, FetchPolicy(allow=LOCAL))
    message = str(caught.value)
    assert message.startswith(f"refused {url} (redirected to {location}): ")
    if location.startswith("http:"):
        assert "169.254.169.254 is a link-local address" in message
        assert message.endswith("add 169.254.169.254/32 to NEWSQA_FEED_ALLOW_HOSTS")
    else:
        assert "only http and https are fetched" in message


def test_a_redirect_to_an_allowed_page_is_followed(server: SlowServer) -> None:
    server.page("/new", "<p>moved here</p>")
    server.redirect("/old", "/new")
    assert fetch(f"{server.url}/old", FetchPolicy(allow=LOCAL)) == b"<p>moved here</p>"


def test_the_connection_goes_to_the_address_that_was_checked(
    server: SlowServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a name that answers 127.0.0.1 to the check and 169.254.169.254 afterwards."""
    server.page("/page", "<p>the checked host</p>")
    port = int(server.url.rsplit(":", 1)[1])
    answers = ["127.0.0.1", "169.254.169.254"]
    lookups: list[str] = []

    def rebinding(host: str, port_: object, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        address = answers[min(len(lookups), 1)]
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(fetching.socket, "getaddrinfo", rebinding)
    body = fetch(f"http://rebind.example:{port}/page", FetchPolicy(allow=LOCAL))
    assert body == b"<p>the checked host</p>"
    assert lookups == ["127.0.0.1"]  # resolved once; the second answer was never asked for


def test_every_address_a_name_resolves_to_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    def mixed(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(fetching.socket, "getaddrinfo", mixed)
    with pytest.raises(FeedRefused) as caught:
        fetch("https://news.example/feed.xml", FetchPolicy())
    assert str(caught.value) == (
        "refused https://news.example/feed.xml: news.example resolves to 10.1.2.3, a private address, "
        "and only public addresses are fetched; to fetch it, add news.example (or 10.1.2.3/32) to "
        "NEWSQA_FEED_ALLOW_HOSTS"
    )
    allowed = FetchPolicy(allow=AllowList.parse("News.Example."))  # names match in any case
    with pytest.raises(FeedError, match=r"cannot reach https://news\.example/feed\.xml: .*offline"):
        fetch("https://news.example/feed.xml", allowed)  # allowed: it tries, and the tests are offline


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.8", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("93.184.216.34", None),
        ("2606:4700::6810:84e5", None),
        ("64:ff9b::5db8:d822", None),  # NAT64 of a public address
    ],
)
def test_which_addresses_are_refused(address: str, kind: str | None) -> None:
    assert refused_kind(ipaddress.ip_address(address)) == kind


def test_the_allow_list_setting_is_checked_when_read() -> None:
    assert Settings(feed_allow_hosts="127.0.0.1/32, intranet.example ,::1").feed_allow_hosts
    allow = AllowList.parse("127.0.0.1/32, intranet.example ,[::1]")
    assert allow.allows_host("INTRANET.example") and not allow.allows_host("example")
    assert allow.allows_address(ipaddress.ip_address("::1"))
    with pytest.raises(ValidationError, match="'http://intranet/' is neither a host name"):
        Settings(feed_allow_hosts="10.0.0.0/8,http://intranet/")
