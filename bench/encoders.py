"""The encoder's variants side by side (issue 16): the same chunks, slice by slice, in turn.

    python -m bench.tasks encoders --corpus FILE --work DIR [--groups N]

Every variant's model file is built first, locally from the bundled weights (nothing on the
clock). Then our chunks of the corpus are taken in groups of 256 (what an indexing batch
holds), a few groups spread over the corpus; each group is embedded by every variant in
turn through `OnnxEmbeddings.embed_documents`, the order of the variants reversed from one
group to the next, so that all of them meet the same load on a machine shared with other
work. A variant's figure is its chunks over its summed seconds; its vectors are compared
with the float32 model's (cosine, chunk by chunk).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import onnxruntime

GROUP = 256
REFERENCE = "float32, recipe 2 (eager export, fused)"
DEFAULT = "int8, recipe 2: eager export, fused, embedding tables float32 (the default)"


@dataclass(frozen=True)
class Variant:
    """One way of running the encoder: a model file, session options, a batch size."""

    name: str
    file: str
    """Key of the model file in `build_files`."""
    kept: str
    """Kept or dropped (docs/benchmarks.md says why)."""
    batch_size: int = 8
    options: dict[str, Any] = field(default_factory=dict)
    """Overrides of `session_options`: ``threads``, ``parallel``, ``mem_pattern``, ``level``, ``spin``."""


VARIANTS = (
    Variant(REFERENCE, "fused", "kept (the `onnx` backend)"),
    Variant("int8, recipe 1 (issue 7: SDPA export, not fused)", "recipe1-int8", "dropped"),
    Variant("int8, eager export, not fused", "eager-int8", "dropped"),
    Variant("int8, eager export, fused, embedding tables int8 too", "fused-int8-tables", "dropped"),
    Variant(DEFAULT, "fused-int8", "**kept**"),
    Variant("default file, 1 thread", "fused-int8", "dropped", options={"threads": 1}),
    Variant("default file, `ORT_PARALLEL` execution", "fused-int8", "dropped", options={"parallel": True}),
    Variant("default file, memory pattern off", "fused-int8", "dropped", options={"mem_pattern": False}),
    Variant("default file, graph level `EXTENDED`", "fused-int8", "dropped", options={"level": "extended"}),
    Variant("default file, threads don't spin", "fused-int8", "dropped", options={"spin": False}),
    Variant("default file, batches of 4", "fused-int8", "dropped", batch_size=4),
    Variant("default file, batches of 16", "fused-int8", "dropped", batch_size=16),
)  # fmt: skip


def build_files(location: Path, folder: Path, say: Callable[[str], None]) -> dict[str, Path]:
    """Build every variant's model file in ``folder`` from the model in ``location``."""
    from vectorstore.onnx_embeddings import export_onnx, exported_model, quantize_int8

    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "fused": exported_model(location, folder / "cache", quantized=False),
        "fused-int8": exported_model(location, folder / "cache", quantized=True),
    }
    sdpa, eager = folder / "sdpa.onnx", folder / "eager.onnx"
    steps: list[tuple[str, Path, Callable[[Path], None]]] = [
        ("sdpa export", sdpa, lambda target: export_onnx(location, target, attention="sdpa")),
        ("recipe 1 int8", folder / "recipe1-int8.onnx", lambda target: _quantize_recipe1(sdpa, target)),
        ("eager export", eager, lambda target: export_onnx(location, target)),
        ("eager int8", folder / "eager-int8.onnx", lambda target: quantize_int8(eager, target)),
        (
            "fused int8 with tables",
            folder / "fused-int8-tables.onnx",
            lambda target: quantize_int8(files["fused"], target, embeddings=True),
        ),
    ]
    for label, target, build in steps:
        if not target.is_file():
            say(f"  building {label} ...")
            build(target)
        files[target.stem] = target
    return files


def _quantize_recipe1(source: Path, target: Path) -> None:
    """Quantise as recipe 1 did: every op type ``quantize_dynamic`` knows, per channel."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(logging.NOTSET)


def options_for(variant: Variant) -> onnxruntime.SessionOptions:
    """Return the default session options with the variant's overrides."""
    import onnxruntime

    from vectorstore.onnx_embeddings import session_options

    given = variant.options
    options = session_options(int(given.get("threads", 0)))
    if given.get("parallel"):
        options.execution_mode = onnxruntime.ExecutionMode.ORT_PARALLEL
    if "mem_pattern" in given:
        options.enable_mem_pattern = bool(given["mem_pattern"])
    if given.get("level") == "extended":
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    if given.get("spin") is False:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def measure(
    texts: list[str], location: Path, work: Path, groups: int, say: Callable[[str], None]
) -> dict[str, Any]:
    """Embed ``groups`` groups of the chunks with every variant in turn; return each one's figures."""
    import numpy as np

    from vectorstore.embeddings import load_tokenizer
    from vectorstore.onnx_embeddings import OnnxEmbeddings

    files = build_files(location, work, say)
    limit = load_tokenizer(str(location)).max_tokens
    tokenizer = location / "tokenizer.json"
    models = {
        v.name: OnnxEmbeddings(files[v.file], tokenizer, limit, v.batch_size, options=options_for(v))
        for v in VARIANTS
    }
    every = [texts[start : start + GROUP] for start in range(0, len(texts), GROUP)]
    step = max(1, len(every) // groups)
    chosen = every[::step][:groups]
    seconds = dict.fromkeys(models, 0.0)
    vectors: dict[str, list[list[float]]] = {name: [] for name in models}
    names = list(models)
    for model in models.values():
        model.embed_documents(texts[:8])  # the first run of a session sets up its buffers
    for number, group in enumerate(chosen):
        for name in names if number % 2 == 0 else reversed(names):
            started = time.perf_counter()
            vectors[name].extend(models[name].embed_documents(group))
            seconds[name] += time.perf_counter() - started
        say(f"  group {number + 1}/{len(chosen)} done")
    reference = np.asarray(vectors[REFERENCE])
    chunks = len(reference)
    rows = []
    for variant in VARIANTS:
        cosines = (np.asarray(vectors[variant.name]) * reference).sum(axis=1)
        rows.append(
            {
                "name": variant.name,
                "kept": variant.kept,
                "batch_size": variant.batch_size,
                "seconds": round(seconds[variant.name], 2),
                "chunks_per_second": round(chunks / seconds[variant.name], 1),
                "cosine_min": round(float(cosines.min()), 4),
                "cosine_mean": round(float(cosines.mean()), 4),
                "file_mb": round(files[variant.file].stat().st_size / 1e6, 1),
            }
        )
    return {"chunks": chunks, "groups": len(chosen), "variants": rows}
