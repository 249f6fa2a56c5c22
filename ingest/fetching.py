"""Fetching feeds and the pages they link to, guarded: a feed's author chooses what is fetched.

Only http and https; only public addresses, checked on every address the host resolves to,
unless `NEWSQA_FEED_ALLOW_HOSTS` lets the host or address in; every redirect is checked the
same way; the connection goes to the very address that was checked, so a DNS answer that
changes in between (rebinding) cannot point it elsewhere. A whole fetch, redirects and body
included, has one deadline (`NEWSQA_FEED_TIMEOUT`) and a size cap (`MAX_RESPONSE_BYTES`),
and its caller can stop it between pieces of the body.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

_USER_AGENT = "newsqa (feed reader)"
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
_SCHEMES = frozenset({"http", "https"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_PIECE = 64 * 1024
_WATCH_TICK = 0.2
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
ALLOW_SETTING = "NEWSQA_FEED_ALLOW_HOSTS"
TIMEOUT_SETTING = "NEWSQA_FEED_TIMEOUT"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FeedError(RuntimeError):
    """A feed or page could not be fetched or read; the message says why, naming the URL."""


class FeedRefused(FeedError):
    """A fetch refused by the guard (scheme or address); the message names the setting to change."""


class FetchStopped(Exception):
    """The caller asked for the run to stop while a feed or page was being fetched."""


def is_url(source: str) -> bool:
    """Return True for an http(s) URL (a feed), False for a file path."""
    return urlsplit(source).scheme in _SCHEMES


@dataclass(frozen=True)
class AllowList:
    """Hosts and address ranges fetched even though they are not public (`NEWSQA_FEED_ALLOW_HOSTS`)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: str | Iterable[str]) -> AllowList:
        """Read a comma-separated list of host names and CIDR ranges; raise `ValueError` for a bad entry."""
        if isinstance(entries, str):
            entries = entries.split(",")
        hosts: set[str] = set()
        networks: list[Network] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = entry.rstrip(".")
            if not _HOST_NAME.fullmatch(name):
                raise ValueError(
                    f"{raw.strip()!r} is neither a host name (intranet.example) "
                    "nor an address or range (127.0.0.1, 10.0.0.0/8)"
                )
            hosts.add(name)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """Return True when the host name itself is listed."""
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: Address) -> bool:
        """Return True when the address is inside a listed range."""
        return any(address.version == net.version and address in net for net in self.networks)


@dataclass(frozen=True)
class FetchPolicy:
    """How feeds and pages are fetched: the deadline of each fetch, the allowed hosts, a stop switch."""

    timeout: float = 10.0
    """Seconds for a whole fetch: connecting, redirects and the body (`NEWSQA_FEED_TIMEOUT`)."""
    allow: AllowList = field(default_factory=AllowList)
    should_stop: Callable[[], bool] | None = None
    """Asked about five times a second during a download, from a helper thread (so it must be
    thread-safe, as `threading.Event.is_set` is); True ends the fetch with `FetchStopped`."""


def fetch(url: str, policy: FetchPolicy) -> bytes:
    """Return the body of ``url``, following redirects; raise `FeedError` naming the URL when it can't be had.

    Raises `FeedRefused` for a scheme or address the guard refuses (at any redirect), and
    `FetchStopped` when the policy's ``should_stop`` says so.
    """
    deadline = time.monotonic() + policy.timeout
    current = url
    for _ in range(_MAX_REDIRECTS + 1):
        answer = _Hop(url, current, policy, deadline).run()
        if isinstance(answer, bytes):
            return answer
        current = urljoin(current, answer)  # a redirect: the next hop is checked afresh
    raise FeedError(f"{url} redirected more than {_MAX_REDIRECTS} times; not read")


class _Hop:
    """One request of a fetch: check the URL and its addresses, connect to them, read the answer."""

    def __init__(self, url: str, current: str, policy: FetchPolicy, deadline: float) -> None:
        self.url = url
        self.current = current
        self.where = url if current == url else f"{url} (redirected to {current})"
        self.policy = policy
        self.deadline = deadline
        self.expired = threading.Event()
        """Set when the deadline cut the connection: an end of data then means time ran out."""
        self.stopped = threading.Event()
        """Set when ``should_stop`` cut the connection."""
        self.received = 0

    def run(self) -> bytes | str:
        """Return the body, or the ``Location`` a redirect points to."""
        parts = urlsplit(self.current)
        if parts.scheme.lower() not in _SCHEMES:
            scheme = parts.scheme or "a relative address"
            raise FeedRefused(f"refused {self.where}: only http and https are fetched, not {scheme}")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise FeedError(f"{self.where} has an invalid port") from None
        if not host:
            raise FeedError(f"{self.where} names no host")
        https = parts.scheme.lower() == "https"
        addresses = self._resolve(host, port or (443 if https else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = _PinnedConnection(host, port, addresses, self._remaining(), https)
        over = threading.Event()
        watch = threading.Thread(target=self._watch, args=(connection, over), daemon=True)
        watch.start()
        try:
            return self._exchange(connection, target)
        except (FeedError, FetchStopped):
            raise
        except (TimeoutError, http.client.HTTPException, OSError) as exc:
            if self.stopped.is_set():
                raise FetchStopped(self.url) from None
            if self.expired.is_set() or isinstance(exc, TimeoutError):
                raise self._timeout() from None
            if isinstance(exc, http.client.HTTPException):
                raise FeedError(f"cannot read {self.where}: {type(exc).__name__} {exc}".rstrip()) from None
            text = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
            raise FeedError(f"cannot reach {self.where}: {text}") from None
        finally:
            over.set()
            connection.release()

    def _exchange(self, connection: _PinnedConnection, target: str) -> bytes | str:
        connection.request(
            "GET", target, headers={"User-Agent": _USER_AGENT, "Accept": "*/*", "Connection": "close"}
        )
        with connection.getresponse() as response:
            return self._answer(connection, response)

    def _answer(self, connection: _PinnedConnection, response: http.client.HTTPResponse) -> bytes | str:
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise FeedError(f"{self.where} answered HTTP {response.status} without a Location")
            return location
        if response.status >= 400:
            raise FeedError(f"{self.where} answered HTTP {response.status} {response.reason}")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            raise self._too_large()
        pieces: list[bytes] = []
        while True:
            connection.set_timeout(self._remaining())
            piece = response.read1(_PIECE)
            if not piece:
                break
            self.received += len(piece)
            if self.received > MAX_RESPONSE_BYTES:
                raise self._too_large()
            pieces.append(piece)
        # A connection cut by the watch ends like a complete body: it is not one.
        if self.stopped.is_set():
            raise FetchStopped(self.url)
        if self.expired.is_set():
            raise self._timeout()
        if response.length:
            raise FeedError(f"cannot read {self.where}: the connection closed before the whole page arrived")
        return b"".join(pieces)

    def _resolve(self, host: str, port: int) -> list[tuple[int, Any]]:
        """Return the addresses to connect to, every one of them allowed; raise `FeedRefused` if not."""
        found: list[list[tuple[Any, ...]]] = []
        failed: list[OSError] = []

        def lookup() -> None:
            try:
                found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except OSError as exc:
                failed.append(exc)

        # getaddrinfo has no timeout of its own: it runs aside, bounded by the fetch's deadline.
        resolver = threading.Thread(target=lookup, daemon=True)
        resolver.start()
        resolver.join(self._remaining())
        if failed:
            exc = failed[0]
            raise FeedError(f"cannot reach {self.where}: {getattr(exc, 'strerror', None) or exc}")
        if not found:
            raise self._timeout()
        addresses: list[tuple[int, Any]] = []
        for family, _, _, _, sockaddr in found[0]:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            kind = refused_kind(address)
            allow = self.policy.allow
            if kind and not (allow.allows_host(host) or allow.allows_address(address)):
                what = f"{host} is" if host == str(address) else f"{host} resolves to {address},"
                raise FeedRefused(
                    f"refused {self.where}: {what} a {kind} address, and only public addresses are "
                    f"fetched; to fetch it, add {_suggestion(host, address)} to {ALLOW_SETTING}"
                )
            addresses.append((family, sockaddr))
        if not addresses:
            raise FeedError(f"cannot reach {self.where}: {host} has no address")
        return addresses

    def _remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.001)

    def _watch(self, connection: _PinnedConnection, over: threading.Event) -> None:
        """Cut the connection at the deadline, or as soon as ``should_stop`` says so (its own thread).

        A read blocked in the kernel can't look at the clock: cutting the socket under it is
        what bounds a server that sends a byte now and then, or headers that never end.
        """
        should_stop = self.policy.should_stop
        while not over.wait(min(_WATCH_TICK, self._remaining())):
            if time.monotonic() >= self.deadline:
                self.expired.set()
            elif should_stop is not None and should_stop():
                self.stopped.set()
            else:
                continue
            connection.cut()
            return

    def _timeout(self) -> FeedError:
        limit = f"{self.policy.timeout:g} s"
        if self.received:
            return FeedError(
                f"{self.where} sent only {self.received:,} bytes within {limit}, the limit for a whole "
                f"download; check the address, or raise {TIMEOUT_SETTING}"
            )
        return FeedError(
            f"no answer from {self.where} within {limit}; check the address, or raise {TIMEOUT_SETTING}"
        )

    def _too_large(self) -> FeedError:
        return FeedError(f"{self.where} is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB; not read")


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to addresses already checked, never to a second DNS answer."""

    def __init__(
        self, host: str, port: int | None, addresses: list[tuple[int, Any]], timeout: float, https: bool
    ) -> None:
        super().__init__(host, port or (443 if https else 80), timeout=timeout)
        self._tls = ssl.create_default_context() if https else None
        self._addresses = addresses
        self._cut = threading.Lock()
        self._socket: socket.socket | None = None
        """The connected socket, kept: http.client drops ``self.sock`` once a response owns it."""

    def connect(self) -> None:
        """Connect to the first checked address that answers (TLS checks the host name, not the address)."""
        error: OSError | None = None
        for family, sockaddr in self._addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            with self._cut:
                self.sock = self._tls.wrap_socket(sock, server_hostname=self.host) if self._tls else sock
                self._socket = self.sock
            return
        assert error is not None
        raise error

    def cut(self) -> None:
        """End the connection from another thread: whatever read is under way returns at once."""
        with self._cut:
            if self._socket is not None:
                # The plain socket's shutdown, also under TLS: it wakes a blocked read.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(self._socket, socket.SHUT_RDWR)

    def release(self) -> None:
        """Close the connection for good (``close`` alone is also http.client's hand-over)."""
        with self._cut:
            self._socket = None
        self.close()

    def set_timeout(self, seconds: float) -> None:
        """Bound the next read of the socket (the response reads it after ``self.sock`` is dropped)."""
        if self._socket is not None:
            self._socket.settimeout(seconds)


def refused_kind(address: Address) -> str | None:
    """Return why an address is not fetched by default (``loopback``, ``private``, ...), or None."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refused_kind(embedded)
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    ):
        if flag:
            return kind
    return None


def _suggestion(host: str, address: Address) -> str:
    whole = f"{address}/{address.max_prefixlen}"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"{host} (or {whole})"
    return whole
