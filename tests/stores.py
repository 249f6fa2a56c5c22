"""Building real stores in a temp folder for tests: Chroma embedded, the SQLite keyword file beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from tests.fakes import BagOfWordsEmbeddings
from vectorstore.chroma import ChromaStore, persistent_client
from vectorstore.hybrid import NewsStore
from vectorstore.keyword import KeywordIndex
from vectorstore.outlet_vectors import OutletVectors
from vectorstore.sqlite_file import SqliteFile


def keyword_index(path: Path | None = None, common_share: float = 1.0, **options: Any) -> KeywordIndex:
    """Return a keyword index in ``path`` (in memory when None) that keeps every word unless told."""
    return KeywordIndex(SqliteFile(path), common_share=common_share, **options)


def news_store(folder: Path, embeddings: Embeddings | None = None, **chroma: Any) -> NewsStore:
    """Return a `NewsStore` in ``folder``: Chroma in ``db/``, keywords and outlet vectors beside it."""
    vectors = ChromaStore(
        persistent_client(folder / "db"), embeddings or BagOfWordsEmbeddings(), "news", **chroma
    )
    keywords = keyword_index(folder / "kw.sqlite3")
    return NewsStore(vectors, keywords, OutletVectors(keywords.file))
