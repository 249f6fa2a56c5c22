"""The embedding model on ONNX Runtime, float32 or int8, exported locally from its own weights.

On 2 CPU cores, embedding is nearly all of the cost of indexing. Nothing is downloaded: the
model folder's own weights are exported once (``torch.onnx``, with the model's eager
attention), ONNX Runtime's transformer fusions are applied (``onnxruntime.transformers``:
one Attention op per layer, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization), and
for int8 the weights of every matrix product are quantised per output channel
(``onnxruntime.quantization``); the files are kept in a cache folder, and later processes
load the ``.onnx`` file alone, without importing torch or transformers. Each step was
measured in docs/benchmarks.md (issues 7 and 16).

`OnnxEmbeddings` tokenizes every text once, sorts them by length so each batch pads little,
and pools and normalises as the sentence-transformers model does (mean of token vectors).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from vectorstore.sentence_vectors import Spans, pack, pool

if TYPE_CHECKING:
    import onnxruntime

# Bumped when the export, fusion or quantisation recipe changes: older cached files are not
# reused. 1: scaled-dot-product attention as exported, no fusions (issue 7). 2: eager
# attention, fused (issue 16).
RECIPE = 2
# For each backend, the recipe since which its vectors are what they are; the embedder id
# names it (`vectorstore.embeddings.embedder_id`), so a store written with older vectors asks
# to be re-indexed. Bump a backend's entry with RECIPE when its vectors change. The fusions
# rearrange the same arithmetic (float32 vectors match recipe 1's to rounding), while int8
# quantises the fused attention's weights differently.
VECTORS_RECIPE = {"onnx": 1, "onnx-int8": 2}
_INPUTS = ("input_ids", "attention_mask")
_FLOAT32_FILE, _INT8_FILE = "model.onnx", "model-int8.onnx"


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
    target = folder / (_INT8_FILE if quantized else _FLOAT32_FILE)
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fused = folder / _FLOAT32_FILE
        if not fused.is_file():
            exported = folder / "exported.onnx"
            export_onnx(location, exported)
            fuse(exported, fused, location)
            exported.unlink()  # 90 MB the fused file replaces
        if quantized and not target.is_file():
            quantize_int8(fused, target)
    return target


def session_options(threads: int = 0, spinning: bool = True) -> onnxruntime.SessionOptions:
    """Return the session options used for embedding: all cores, one operator at a time.

    On 2 cores, running operators in parallel (``ORT_PARALLEL``), fewer threads, turning
    the memory pattern off or a lower graph optimisation level measured no faster
    (docs/benchmarks.md, issue 16); these are ONNX Runtime's defaults, set here so that
    the choice is visible and the benchmark varies it from one place. Without ``spinning``,
    a thread with no work sleeps at once instead of busy-waiting for the next operator.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = threads  # 0: one per core
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.enable_mem_pattern = True  # batches repeat their shapes: reuse the planned buffers
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


BULK_TEXTS = 64
"""Calls embedding at least this many texts (indexing) run on threads that busy-wait between
operators, as ONNX Runtime does by default (5% more chunks a second on 2 cores); smaller calls
(a question, its candidate sentences) on threads that sleep, so that they leave the cores to
the searches running beside them: at a million chunks, with PostgreSQL and the Chroma server
on the same 2 cores, asking took 174-244 ms at the median instead of 270-280 (docs/benchmarks.md,
Issue 15)."""


class OnnxEmbeddings(Embeddings):
    """LangChain embeddings from an exported sentence-transformers model on ONNX Runtime.

    It keeps up to two sessions of the model, each made on first use: one for indexing (calls
    of `BULK_TEXTS` or more), one for questions; ``options`` given make one session for both.
    """

    def __init__(
        self,
        model_file: Path,
        tokenizer_file: Path,
        max_tokens: int,
        batch_size: int = 32,
        threads: int = 0,
        options: onnxruntime.SessionOptions | None = None,
    ) -> None:
        from tokenizers import Tokenizer

        self._model_file = model_file
        self._options = options
        self._threads = threads
        self._sessions: dict[bool, onnxruntime.InferenceSession] = {}
        self._lock = threading.Lock()
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # tokenizer.json may carry a shorter limit (128) than the model is used with (256).
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, shortest first in batches, returned in the order given."""
        return self._embed_all(texts, None)[0]

    def embed_with_sentences(
        self, texts: list[str], spans: Sequence[Spans]
    ) -> tuple[list[list[float]], list[bytes | None]]:
        """Embed passages as `embed_documents` does (the same vectors), and give each passage's
        sentences (``spans``, character offsets into its text) vectors pooled from the same run's
        token vectors (`vectorstore.sentence_vectors`), packed."""
        return self._embed_all(texts, spans)

    def _embed_all(
        self, texts: list[str], spans: Sequence[Spans] | None
    ) -> tuple[list[list[float]], list[bytes | None]]:
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        vectors: list[list[float]] = [[] for _ in texts]
        sentences: list[bytes | None] = [None for _ in texts]
        for offset in range(0, len(order), self.batch_size):
            batch = order[offset : offset + self.batch_size]
            embedded, hidden = self._run([encodings[i].ids for i in batch], len(texts) >= BULK_TEXTS)
            for row, (i, vector) in enumerate(zip(batch, embedded, strict=True)):
                vectors[i] = vector.tolist()
                if spans is not None:
                    tokens = hidden[row, : len(encodings[i].ids)]
                    sentences[i] = pack(pool(tokens, encodings[i].offsets, spans[i]))
        return vectors, sentences

    def embed_query(self, text: str) -> list[float]:
        """Embed a question."""
        return self.embed_documents([text])[0]

    def _session(self, bulk: bool) -> onnxruntime.InferenceSession:
        """Return the session for indexing (``bulk``) or for questions, made on first use."""
        import onnxruntime

        spinning = bulk or self._options is not None
        with self._lock:
            if spinning not in self._sessions:
                options = self._options or session_options(self._threads, spinning=spinning)
                self._sessions[spinning] = onnxruntime.InferenceSession(
                    str(self._model_file), options, providers=["CPUExecutionProvider"]
                )
            return self._sessions[spinning]

    def _run(self, token_ids: Sequence[Sequence[int]], bulk: bool = False) -> tuple[Any, Any]:
        """Return the texts' unit vectors and the model's token vectors (padded), one row each."""
        import numpy as np

        longest = max(len(ids) for ids in token_ids)
        ids = np.full((len(token_ids), longest), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), longest), dtype=np.int64)
        # Padding goes at the end of each row: the fused attention reads the mask as a length.
        for row, sequence in enumerate(token_ids):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        hidden = self._session(bulk).run(None, {"input_ids": ids, "attention_mask": mask})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12), hidden


def _cache_key(location: Path) -> str:
    import onnxruntime

    files = sorted(
        (str(path.relative_to(location)), path.stat().st_size, path.stat().st_mtime_ns)
        for path in location.rglob("*")
        if path.is_file()
    )
    described = json.dumps([str(location.resolve()), files, RECIPE, onnxruntime.__version__])
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def export_onnx(location: Path, target: Path, attention: str = "eager") -> None:
    """Export the transformer (token vectors out; pooling is done in numpy) to ``target``.

    ``eager`` attention exports as the plain matrix products and softmax that ONNX Runtime's
    fusions recognise; ``sdpa`` (what recipe 1 exported) comes out as ops they don't, and is
    kept for the benchmark's comparison.
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(location), attn_implementation=attention).eval()

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


def fuse(source: Path, target: Path, location: Path) -> dict[str, int]:
    """Apply ONNX Runtime's BERT fusions to ``source``; return how many of each op were fused.

    The same arithmetic in fewer, fused ops: float32 vectors match the unfused model's to
    within rounding. ``location`` is the model folder, whose config gives the head count.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((location / "config.json").read_text(encoding="utf-8"))
    partial = target.with_suffix(".partial")
    # The optimiser logs each fusion at INFO and a note about its symbolic shape inference
    # at WARNING; neither is for users.
    logging.disable(logging.WARNING)
    try:
        model = optimize_model(
            str(source),
            model_type="bert",
            num_heads=int(config.get("num_attention_heads", 0)),  # 0: read from the graph
            hidden_size=int(config.get("hidden_size", 0)),
            opt_level=0,  # its fusions only: the session applies ONNX Runtime's own when it loads
        )
        fused = {name: count for name, count in model.get_fused_operator_statistics().items() if count}
        model.save_model_to_file(str(partial))
    finally:
        logging.disable(logging.NOTSET)
    partial.replace(target)
    return fused


def quantize_int8(source: Path, target: Path, embeddings: bool = False) -> None:
    """Quantise the weights of every matrix product (fused attention included) to int8, per channel.

    The token embedding tables stay float32 unless ``embeddings``: quantising them measured no
    faster and moved the vectors further from float32 (docs/benchmarks.md, issue 16).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(".partial")
    ops = ["MatMul", "Attention", *(["EmbedLayerNormalization"] if embeddings else [])]
    # It logs advice about pre-processing (meant for static quantisation) on the root logger.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=ops,
            # Shape inference can't type the outputs of the fused (contrib) ops; they are float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        logging.disable(logging.NOTSET)
    partial.replace(target)
