"""The ONNX Runtime embedder: exported locally from the bundled weights, same vectors as torch."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from vectorstore import onnx_embeddings
from vectorstore.embeddings import EmbeddingModelError, bundled_model_path, load_embeddings

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    "Rockets hit Camp Taji north of Baghdad, killing two American soldiers and a British medic.",
    "Washington blamed Kataib Hezbollah.",
    "The storm closed the port for three days while markets in Asia fell sharply on the news.",
    "Apple unveiled a new iPhone.",
]


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def torch_model() -> Embeddings:
    return load_embeddings("", 32, "torch")


def cosines(a: list[list[float]], b: list[list[float]]) -> np.ndarray:
    return (np.asarray(a) * np.asarray(b)).sum(axis=1)


def test_float32_onnx_gives_torchs_vectors_in_the_order_given(cache: Path, torch_model: Embeddings) -> None:
    onnx = load_embeddings("", 2, "onnx", str(cache))
    assert isinstance(onnx, Embeddings)
    vectors = onnx.embed_documents(TEXTS)  # batches of 2, shortest first inside
    assert cosines(vectors, torch_model.embed_documents(TEXTS)).min() > 0.9999
    one_by_one = [onnx.embed_query(text) for text in TEXTS]
    assert cosines(vectors, one_by_one).min() > 0.9999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_exported_files_run_onnx_runtimes_fused_transformer_ops(cache: Path) -> None:
    import onnx

    load_embeddings("", 32, "onnx-int8", str(cache))
    ops = {}
    for name in ("model.onnx", "model-int8.onnx"):
        (path,) = cache.rglob(name)
        ops[name] = {node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node}
    # One attention op per layer instead of ~20 small ones: where the speed comes from.
    assert {"Attention", "SkipLayerNormalization", "BiasGelu", "EmbedLayerNormalization"} <= ops["model.onnx"]
    assert {"QAttention", "SkipLayerNormalization", "BiasGelu"} <= ops["model-int8.onnx"]
    assert "Softmax" not in ops["model.onnx"] | ops["model-int8.onnx"]


def test_padding_a_text_in_a_batch_leaves_its_float32_vector_alone(cache: Path) -> None:
    # The fused attention reads the mask as each row's length: padding must stay at the end.
    onnx = load_embeddings("", 8, "onnx", str(cache))
    texts = ["", "a", *TEXTS]
    one_by_one = [onnx.embed_query(text) for text in texts]
    assert cosines(onnx.embed_documents(texts), one_by_one).min() > 0.9999


def test_indexing_and_questions_run_on_their_own_sessions_with_the_same_vectors(cache: Path) -> None:
    # Indexing (many texts a call) keeps ONNX Runtime's busy-waiting threads; a question and its
    # sentences run on threads that sleep, to leave the cores to the searches beside them.
    int8 = load_embeddings("", 8, "onnx-int8", str(cache))
    assert isinstance(int8, onnx_embeddings.OnnxEmbeddings)
    # (int8 activations are scaled per batch: copies of one text make the same batch as it alone)
    questions = [int8.embed_query(text) for text in TEXTS[:2]]
    bulk = [int8.embed_documents([text] * onnx_embeddings.BULK_TEXTS)[0] for text in TEXTS[:2]]
    assert cosines(bulk, questions).min() > 0.9999

    def spins(session: object) -> bool:
        try:  # ONNX Runtime's default, unless set
            entry = session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")  # type: ignore[attr-defined]
        except RuntimeError:
            return True
        return entry != "0"

    assert {bulk: spins(session) for bulk, session in int8._sessions.items()} == {True: True, False: False}


def test_int8_vectors_stay_close_and_rank_passages_alike(cache: Path, torch_model: Embeddings) -> None:
    int8 = load_embeddings("", 32, "onnx-int8", str(cache))
    assert cosines(int8.embed_documents(TEXTS), torch_model.embed_documents(TEXTS)).min() > 0.97
    question = "Who was blamed for the attack on the base in Iraq?"
    scores = [
        np.asarray(model.embed_documents(TEXTS)) @ np.asarray(model.embed_query(question))
        for model in (int8, torch_model)
    ]
    # The two passages about the attack come before the two that are not, under both models;
    # which of the two close ones leads may differ, so each score stays near torch's instead.
    for score in scores:
        assert set(np.argsort(-score)[:2]) == {0, 1}
    assert np.abs(scores[0] - scores[1]).max() < 0.05


def test_a_later_process_loads_the_exported_file_without_torch(cache: Path) -> None:
    load_embeddings("", 32, "onnx-int8", str(cache))  # exported by now
    exported = sorted(cache.rglob("*.onnx"))
    stamps = [path.stat().st_mtime_ns for path in exported]
    code = (
        "import sys; from vectorstore.embeddings import load_embeddings; "
        f"e = load_embeddings('', 32, 'onnx-int8', {str(cache)!r}); e.embed_query('hello'); "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
    assert [path.stat().st_mtime_ns for path in sorted(cache.rglob("*.onnx"))] == stamps


def test_models_the_onnx_path_cannot_run_get_a_message_naming_the_way_out(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    with pytest.raises(EmbeddingModelError, match="NEWSQA_EMBEDDING_BACKEND=torch"):
        load_embeddings(str(folder), 32, "onnx-int8", str(tmp_path / "cache"))
    with pytest.raises(EmbeddingModelError, match="local model folder"):
        load_embeddings("some-org/some-model", 32, "onnx-int8", str(tmp_path / "cache"))


def test_a_new_recipe_builds_new_files_and_the_same_recipe_reuses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def step(name: str) -> Callable[..., None]:
        def write(source: Path, target: Path, *rest: object, **options: object) -> None:
            built.append(name)
            target.write_bytes(name.encode())

        return write

    for name in ("export_onnx", "fuse", "quantize_int8"):
        monkeypatch.setattr(onnx_embeddings, name, step(name))
    location, cache = bundled_model_path(), tmp_path / "cache"
    first = onnx_embeddings.exported_model(location, cache, quantized=True)
    assert built == ["export_onnx", "fuse", "quantize_int8"]
    assert onnx_embeddings.exported_model(location, cache, quantized=True) == first
    assert onnx_embeddings.exported_model(location, cache, quantized=False).is_file()
    assert len(built) == 3  # reused: nothing built again
    assert not (first.parent / "exported.onnx").exists()  # the unfused export is not kept

    monkeypatch.setattr(onnx_embeddings, "RECIPE", onnx_embeddings.RECIPE + 1)
    second = onnx_embeddings.exported_model(location, cache, quantized=True)
    assert second != first and second.parent != first.parent
    assert built[3:] == ["export_onnx", "fuse", "quantize_int8"]
    assert first.read_bytes() == b"quantize_int8"  # the older files are left as they were
