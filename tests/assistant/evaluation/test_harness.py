from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import NewsAssistant
from assistant.__main__ import main
from assistant.errors import NewsQAError
from assistant.evaluation.harness import evaluate, load_questions
from tests.conftest import EVAL, require_shared

pytestmark = [pytest.mark.model, pytest.mark.shared]


def squeezed(text: str) -> str:
    return text.replace(" ", "").replace("\n", "")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, dict]:
    corpus = require_shared(EVAL / "smoke_corpus.jsonl")
    questions = require_shared(EVAL / "smoke_questions.jsonl")
    store = tmp_path_factory.mktemp("eval")
    report = evaluate(corpus, questions, store, k=10, baseline=True, log=lambda _: None)
    return corpus, questions, store, report


def test_the_report_recomputes_from_what_retrieve_returns(smoke: tuple[Path, Path, Path, dict]) -> None:
    _, questions_path, store, report = smoke
    questions = load_questions(questions_path)
    answerable = [q for q in questions if q.type != "null_query"]
    assert report["retrieval"]["questions"] == len(answerable) == 17
    assert sum(v["questions"] for v in report["retrieval"]["by_type"].values()) == 17
    bot = NewsAssistant(store_dir=store / "newsqa")
    hits10 = hits4 = recall = reciprocal = 0.0
    for question in answerable:
        texts = [squeezed(p.text) for p in bot.retrieve(question.question, k=10)]
        gold = [squeezed(g) for g in question.evidence]
        relevant = [any(g in t for g in gold) for t in texts]
        hits10 += any(relevant)
        hits4 += any(relevant[:4])
        reciprocal += 1 / (relevant.index(True) + 1) if any(relevant) else 0
        recall += sum(any(g in t for t in texts) for g in gold) / len(gold)
    n = len(answerable)
    assert report["retrieval"]["hits@10"] == pytest.approx(hits10 / n, abs=1e-4)
    assert report["retrieval"]["hits@4"] == pytest.approx(hits4 / n, abs=1e-4)
    assert report["retrieval"]["mrr@10"] == pytest.approx(reciprocal / n, abs=1e-4)
    assert report["retrieval"]["evidence_recall@10"] == pytest.approx(recall / n, abs=1e-4)
    # The three smoke articles hold every answerable question's evidence.
    assert report["retrieval"]["hits@10"] == 1.0
    assert report["baseline"]["retrieval"]["questions"] == 17
    assert set(report["answers"]) == {"inference_answer_found", "null_abstained", "false_abstained"} | {
        "short_answer_found",
        "short_answer_given",
        "answer_in_first_sentence",
        "accuracy",
        "accuracy_by_type",
        "fell_back",
    }
    # The short-answer figures recompute from the details: the gold answer inside the short answer.
    inference = [d for d in report["details"] if d["type"] == "inference_query"]
    found = [d for d in inference if d["short_answer_found"]]
    assert report["answers"]["short_answer_found"] == pytest.approx(len(found) / len(inference), abs=1e-4)
    assert all(d["short_answer"] for d in found)
    assert report["answers"]["null_abstained"] in (0.0, 1.0)  # one null question in the smoke set
    assert report["latency_ms"]["p95"] >= report["latency_ms"]["p50"] > 0
    assert report["index_seconds"] > 0 and not report["index_reused"]


def test_a_second_run_reuses_the_index_and_prints_json(
    smoke: tuple[Path, Path, Path, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, questions, store, first = smoke
    assert (
        main(
            ["eval", "--corpus", str(corpus), "--questions", str(questions), "--store", str(store), "--json"]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["index_reused"] is True
    assert report["retrieval"] == first["retrieval"] and report["answers"] == first["answers"]
    assert set(report) >= {"retrieval", "answers", "latency_ms", "index_seconds"}
    assert "baseline" not in report


def test_a_folder_it_did_not_make_is_left_alone(smoke: tuple[Path, Path, Path, dict], tmp_path: Path) -> None:
    corpus, questions, _, _ = smoke
    (tmp_path / "newsqa").mkdir()
    (tmp_path / "newsqa" / "precious.txt").write_text("user data", encoding="utf-8")
    with pytest.raises(NewsQAError, match="not made by"):
        evaluate(corpus, questions, tmp_path, log=lambda _: None)
    assert (tmp_path / "newsqa" / "precious.txt").exists()
