from __future__ import annotations

from pathlib import Path

import pytest

from assistant.__main__ import main
from assistant.errors import NewsQAError
from assistant.evaluation.cli import render
from assistant.evaluation.harness import load_questions


def test_a_bad_question_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "ok?", "question_type": "null_query", "evidence": []}\n{"nope": 1}\n')
    with pytest.raises(NewsQAError, match=r"q\.jsonl:2: not a question record"):
        load_questions(path)


def test_missing_files_and_bad_k_are_clear_errors(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("{}\n")
    with pytest.raises(NewsQAError, match=r"--questions .*missing\.jsonl: no such file"):
        main(["eval", "--corpus", str(corpus), "--questions", str(tmp_path / "missing.jsonl")])
    with pytest.raises(NewsQAError, match="--k must be at least 1"):
        main(["eval", "--corpus", str(corpus), "--questions", str(corpus), "--k", "0"])


def test_the_table_puts_ours_beside_the_baseline() -> None:
    metrics = {"hits@4": 0.5, "hits@10": 1.0, "map@10": 0.25, "mrr@10": 0.5, "evidence_recall@10": 0.75}
    retrieval = {"questions": 2, **metrics, "by_type": {"temporal_query": {**metrics, "questions": 2}}}
    report = {
        "retrieval": retrieval,
        "answers": {"inference_answer_found": 1.0, "null_abstained": 0.0, "false_abstained": 0.0},
        "latency_ms": {"p50": 12.0, "p95": 20.0},
        "index_seconds": 3.0,
        "index_reused": True,
        "k": 10,
        "baseline": {"retrieval": retrieval, "latency_ms": {"p50": 5.0, "p95": 6.0}, "index_seconds": 2.0},
    }
    table = render(report)
    assert "temporal mrr@10" in table and "(index reused)" in table
    assert any(
        line.split()[-2:] == ["0.5000", "0.5000"] for line in table.splitlines() if "all hits@4" in line
    )
