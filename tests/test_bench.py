"""The encoder's ceiling (`bench.ceiling`): the model's own matrix products, timed at their real shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.ceiling import measure
from bench.report import encoders_markdown
from vectorstore.embeddings import resolve_model

pytestmark = [pytest.mark.model]


def test_the_ceiling_times_every_matrix_product_of_the_bundled_model(tmp_path: Path) -> None:
    location = Path(resolve_model(""))
    texts = ["Kataib Hezbollah was likely behind the rocket attack on Camp Taji, officials said."] * 4
    found = measure(texts, location, tmp_path, batch_size=2, say=lambda _: None, runs=1)

    assert found["layers"] == 6  # all-MiniLM-L6-v2
    assert 10 < found["mean_tokens"] < 40  # the sentence, tokenized, with [CLS] and [SEP]
    names = [row["product"] for row in found["products"]]
    assert names == [
        "query, key, value projections", "output projection", "feed-forward in",
        "feed-forward out", "attention scores", "attention sum",
    ]  # fmt: skip
    assert all(row["g_multiply_adds_per_s"] > 0 for row in found["products"])
    per_batch = found["layers"] * sum(row["ms_per_batch_layer"] for row in found["products"]) / 1000
    assert found["ceiling_chunks_per_second"] == pytest.approx(2 / per_batch, rel=0.01)

    variant = {
        "name": "int8, recipe 1", "kept": "dropped", "batch_size": 8, "chunks_per_second": 20.0,
        "cosine_min": 0.98, "cosine_mean": 0.99, "file_mb": 23.0,
    }  # fmt: skip
    page = encoders_markdown(
        {
            "command": "python -m bench --encoders-only",
            "started": "2026-11-30 15:00",
            "encoders": {
                "chunks": 256,
                "groups": 1,
                "variants": [variant],
                "load_before": 0,
                "load_after": 0,
            },
            "ceiling": found,
        }
    )
    assert f"at most **{found['ceiling_chunks_per_second']} chunks/s**" in page
