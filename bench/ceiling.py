"""How fast the encoder could run on this machine at best (issue 16), from its matrix products alone.

    python -m bench.tasks ceiling --corpus FILE --store DIR

Nearly all of the encoder's arithmetic is matrix products: per layer, the query/key/value and
output projections and the two feed-forward layers (int8 weights in the default file), and
inside attention the question-by-key scores and the weighted sum of values (float32). Each
of these is built as a one-op ONNX model with its exact shape for a batch of our chunks, run
by ONNX Runtime with the encoder's session options, and timed at its best of several runs.
Their sum, layer by layer, is what a batch would take if LayerNorm, GELU, softmax and
everything else took no time: the chunks a second that no runtime of this model (at this
chunk length, on these cores) can beat.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _matmul_model(folder: Path, name: str, left: list[int], right: list[int], weights: bool) -> Path:
    """Write a one-MatMul model: ``left`` input times a float32 ``right`` (a constant if ``weights``)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inputs = [helper.make_tensor_value_info("a", TensorProto.FLOAT, left)]
    constants = []
    if weights:
        values = np.random.default_rng(0).standard_normal(right).astype(np.float32)
        constants.append(numpy_helper.from_array(values, "b"))
    else:
        inputs.append(helper.make_tensor_value_info("b", TensorProto.FLOAT, right))
    out = helper.make_tensor_value_info("c", TensorProto.FLOAT, None)
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], name, inputs, [out], constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = folder / f"{name}.onnx"
    onnx.save(model, str(path))
    return path


def _best_seconds(path: Path, feeds: dict[str, Any], runs: int) -> float:
    import onnxruntime

    from vectorstore.onnx_embeddings import session_options

    session = onnxruntime.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
    session.run(None, feeds)
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, feeds)
        best = min(best, time.perf_counter() - started)
    return best


def measure(
    texts: list[str], location: Path, work: Path, batch_size: int, say: Callable[[str], None], runs: int = 30
) -> dict[str, Any]:
    """Time each matrix product of one batch of ``batch_size`` chunks of mean length; sum them."""
    import logging

    import numpy as np
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer

    from vectorstore.embeddings import load_tokenizer

    config = json.loads((location / "config.json").read_text(encoding="utf-8"))
    hidden, inner = int(config["hidden_size"]), int(config["intermediate_size"])
    layers, heads = int(config["num_hidden_layers"]), int(config["num_attention_heads"])
    limit = load_tokenizer(str(location)).max_tokens
    tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
    tokenizer.enable_truncation(limit)
    tokenizer.no_padding()  # tokenizer.json may pad every text to 128, as the encoder doesn't
    lengths = [len(encoding.ids) for encoding in tokenizer.encode_batch(texts)]
    tokens = round(float(np.mean(lengths)))
    rows = batch_size * tokens
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    size = hidden // heads
    # (name, left shape, right shape, int8 weights?): each once per layer
    products = [
        ("query, key, value projections", [rows, hidden], [hidden, 3 * hidden], True),
        ("output projection", [rows, hidden], [hidden, hidden], True),
        ("feed-forward in", [rows, hidden], [hidden, inner], True),
        ("feed-forward out", [rows, inner], [inner, hidden], True),
        ("attention scores", [batch_size, heads, tokens, size], [batch_size, heads, size, tokens], False),
        ("attention sum", [batch_size, heads, tokens, tokens], [batch_size, heads, tokens, size], False),
    ]
    timed = []
    for number, (name, left, right, weights) in enumerate(products):
        path = _matmul_model(work, f"product{number}", left, right, weights)
        if weights:
            quantised = work / f"product{number}-int8.onnx"
            logging.disable(logging.WARNING)
            try:
                quantize_dynamic(str(path), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.disable(logging.NOTSET)
            path = quantised
        feeds = {"a": rng.standard_normal(left).astype(np.float32)}
        if not weights:
            feeds["b"] = rng.standard_normal(right).astype(np.float32)
        seconds = _best_seconds(path, feeds, runs)
        multiply_adds = int(np.prod(left)) * right[-1]
        timed.append(
            {
                "product": name,
                "kind": "int8 weights" if weights else "float32",
                "ms_per_batch_layer": round(seconds * 1000, 3),
                "g_multiply_adds_per_s": round(multiply_adds / seconds / 1e9, 1),
            }
        )
        say(f"  {name}: {seconds * 1000:.2f} ms")
    per_batch = layers * sum(row["ms_per_batch_layer"] for row in timed) / 1000
    return {
        "chunks": len(texts),
        "mean_tokens": tokens,
        "batch_size": batch_size,
        "layers": layers,
        "products": timed,
        "seconds_per_batch": round(per_batch, 4),
        "ceiling_chunks_per_second": round(batch_size / per_batch, 1),
    }
