"""The embedding model on ONNX Runtime, float32 or int8, exported locally from its own weights.

On 2 CPU cores, embedding is nearly all of the cost of indexing. ONNX Runtime with weights
quantised to int8 (per output channel, activations quantised on the fly) embeds 1.8x as
fast as float32 PyTorch here, and within noise of its retrieval quality on MultiHop-RAG
(docs/benchmarks.md). Nothing is downloaded: the model folder's own weights are exported once
(``torch.onnx``), quantised (``onnxruntime.quantization``) and kept in a cache folder; later
processes load the ``.onnx`` file alone, without importing torch or transformers.

`OnnxEmbeddings` tokenizes every text once, sorts them by length so each batch pads little,
and pools and normalises as the sentence-transformers model does (mean of token vectors).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

# Bumped when the export or quantisation recipe changes: older cached files are not reused.
RECIPE = 1
_INPUTS = ("input_ids", "attention_mask")


class OnnxExportError(RuntimeError):
    """The model cannot be run on ONNX Runtime; the message says what to use instead."""


def default_cache_dir() -> Path:
    """Return where exported models are kept: ``$XDG_CACHE_HOME/newsqa`` or ``~/.cache/newsqa``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsqa"


def check_supported(location: Path) -> None:
    """Raise `OnnxExportError` unless the folder holds a mean-pooled sentence-transformers model."""
    if not (location / "tokenizer.json").is_file():
        raise OnnxExportError(
            f"{location} has no tokenizer.json: the onnx backends need a local sentence-transformers "
            "model folder with a fast tokenizer. Set NEWSQA_EMBEDDING_BACKEND=torch for this model."
        )
    pooling = location / "1_Pooling" / "config.json"
    if pooling.is_file():
        config = json.loads(pooling.read_text(encoding="utf-8"))
        if not config.get("pooling_mode_mean_tokens", False):
            raise OnnxExportError(
                f"{location} pools its tokens other than by their mean, which the onnx backends don't "
                "do. Set NEWSQA_EMBEDDING_BACKEND=torch for this model."
            )


def exported_model(location: Path, cache_dir: Path, quantized: bool) -> Path:
    """Return the ONNX file of the model in ``location``, exporting (and quantising) it on first use.

    The cache key covers the model's files (names, sizes, times), the recipe and the library
    versions; concurrent processes wait for one another's export (a lock beside the files).
    """
    check_supported(location)
    folder = cache_dir / "onnx" / f"{location.name}-{_cache_key(location)}"
    target = folder / ("model-int8.onnx" if quantized else "model.onnx")
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        float32 = folder / "model.onnx"
        if not float32.is_file():
            _export(location, float32)
        if quantized and not target.is_file():
            _quantize(float32, target)
    return target


class OnnxEmbeddings(Embeddings):
    """LangChain embeddings from an exported sentence-transformers model on ONNX Runtime."""

    def __init__(
        self, model_file: Path, tokenizer_file: Path, max_tokens: int, batch_size: int = 32, threads: int = 0
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0: one per core
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # tokenizer.json may carry a shorter limit (128) than the model is used with (256).
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, shortest first in batches, returned in the order given."""
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        vectors: list[list[float]] = [[] for _ in texts]
        for offset in range(0, len(order), self.batch_size):
            batch = order[offset : offset + self.batch_size]
            for i, vector in zip(batch, self._embed([encodings[i].ids for i in batch]), strict=True):
                vectors[i] = vector.tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed a question."""
        return self.embed_documents([text])[0]

    def _embed(self, token_ids: Sequence[Sequence[int]]) -> Any:
        import numpy as np

        longest = max(len(ids) for ids in token_ids)
        ids = np.full((len(token_ids), longest), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), longest), dtype=np.int64)
        for row, sequence in enumerate(token_ids):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _cache_key(location: Path) -> str:
    import onnxruntime

    files = sorted(
        (str(path.relative_to(location)), path.stat().st_size, path.stat().st_mtime_ns)
        for path in location.rglob("*")
        if path.is_file()
    )
    described = json.dumps([str(location.resolve()), files, RECIPE, onnxruntime.__version__])
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def _export(location: Path, target: Path) -> None:
    """Export the transformer (token vectors out; pooling is done in numpy) to ``target``."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(location)).eval()

    class TokenVectors(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    example = (torch.ones((2, 8), dtype=torch.long), torch.ones((2, 8), dtype=torch.long))
    partial = target.with_suffix(".partial")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "token_vectors")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenVectors(model), example, str(partial), input_names=list(_INPUTS),
            output_names=["token_vectors"], dynamic_axes=axes, opset_version=17, dynamo=False,
        )  # fmt: skip
    partial.replace(target)


def _quantize(source: Path, target: Path) -> None:
    """Quantise the weights of every matrix product to int8, per output channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(".partial")
    # It logs advice about pre-processing (meant for static quantisation) on the root logger.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(logging.NOTSET)
    partial.replace(target)
