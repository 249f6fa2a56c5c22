"""Shared fixtures: no network but loopback, fake and real assistants, ../shared access."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import NewsAssistant
from tests import engines
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLE_ARTICLES = SHARED / "samples" / "articles"
EVAL = SHARED / "eval"

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0])
        try:
            allowed = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = False
        if not allowed:
            raise ConnectionRefusedError(f"tests are offline: connection to {host} blocked")
    _real_connect(self, address)  # type: ignore[arg-type]


# Tests that start a server on loopback do it through one of these fixtures.
_SERVER_FIXTURES = frozenset({"server", "site", "chroma_server", "postgres_server", "shared_env"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as ``slow`` every test of the real model, a browser or a server (`make test-fast` skips them).

    Tests that start processes carry the mark themselves (``pytestmark`` of their module).
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            item.get_closest_marker("model")
            or item.get_closest_marker("browser")
            or fixtures & _SERVER_FIXTURES
            or "real_store" in fixtures
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs offline: only loopback connections go through."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


def require_shared(path: Path) -> Path:
    """Return the path, or skip the test when ../shared (absent for users) lacks it."""
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared is only beside the repo in development and CI")
    return path


@pytest.fixture
def sample_articles() -> Path:
    return require_shared(SAMPLE_ARTICLES)


@pytest.fixture
def fake_bot(tmp_path: Path) -> NewsAssistant:
    """An assistant over a real Chroma in a temp dir, with a fake embedder and tokenizer."""
    return NewsAssistant(
        store_dir=tmp_path / "store",
        embeddings=BagOfWordsEmbeddings(),
        token_spans=simple_token_spans,
        chunk_tokens=60,
        chunk_overlap_tokens=12,
    )


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store holding the sample article, indexed with the real bundled model."""
    require_shared(SAMPLE_ARTICLES)
    store = tmp_path_factory.mktemp("real-store")
    report = real_assistant(store).index([SAMPLE_ARTICLES])
    assert report.ok and report.added == 1
    yield store


_REAL: dict[Path, NewsAssistant] = {}


def real_assistant(store: Path) -> NewsAssistant:
    """Return one assistant per store with the real model, loaded once per test session."""
    if store not in _REAL:
        shared_embeddings = next(iter(_REAL.values())).embeddings if _REAL else None
        _REAL[store] = NewsAssistant(store_dir=store, embeddings=shared_embeddings)
    return _REAL[store]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[engines.Postgres]:
    """A real PostgreSQL on a free port of 127.0.0.1 for the session (skipped, with the reason,
    where it can't run), with a role ``newsqa`` and its database."""
    try:
        with engines.postgres() as server:
            yield server
    except engines.Unavailable as exc:
        pytest.skip(f"PostgreSQL can't run here: {exc}")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[engines.ChromaServer]:
    """A real ``chroma run`` on a free port of 127.0.0.1 for the session."""
    try:
        with engines.chroma(tmp_path_factory.mktemp("chroma-server")) as server:
            yield server
    except engines.Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def shared_env(
    postgres_server: engines.Postgres, chroma_server: engines.ChromaServer, request: pytest.FixtureRequest
) -> dict[str, str]:
    """Settings that put a store's whole state in the engines: its own collection per test."""
    collection = "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
    return {
        **chroma_server.env(),
        "NEWSQA_DATABASE_URL": postgres_server.url(),
        "NEWSQA_COLLECTION": collection,
    }
