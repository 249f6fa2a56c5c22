from __future__ import annotations

import pytest

from assistant.evaluation.metrics import (
    answer_found,
    by_type,
    is_relevant,
    mean_scores,
    percentile,
    score_retrieval,
    squeeze,
)


def test_the_hit_rule_ignores_spaces_and_newlines_only() -> None:
    gold = "Sam Bankman-Fried was found guilty"
    assert squeeze("a b\nc\td") == "abc\td"
    assert is_relevant("The jury said Sam  Bankman-Fried was\nfound guilty on all counts.", [gold])
    assert is_relevant("SamBankman-Friedwasfoundguilty", [gold])
    # Anything else must match exactly: case, hyphens, tabs and quotes are not normalised.
    assert not is_relevant("Sam Bankman Fried was found guilty", [gold])
    assert not is_relevant("sam bankman-fried was found guilty", [gold])
    assert not is_relevant("Sam Bankman-Fried was\tfound guilty", [gold])
    # A chunk holding only part of the evidence is not a hit.
    assert not is_relevant("Sam Bankman-Fried was found", [gold])
    assert is_relevant("x", ["nothing", "x"])


def test_metrics_of_one_question_by_hand() -> None:
    gold = ["alpha beta", "gamma delta", "epsilon"]
    retrieved = [
        "noise",
        "it says alpha\nbeta here",  # rank 2: first gold -> precision 1/2
        "more noise",
        "alpha beta and gamma delta",  # rank 4: only gamma delta is new -> 1/4
        "alphabeta again",  # rank 5: nothing new -> adds 0
    ]
    score = score_retrieval(retrieved, gold)
    assert score.hits_at_4 == 1.0 and score.hits_at_10 == 1.0
    assert score.mrr_at_10 == pytest.approx(1 / 2)
    assert score.map_at_10 == pytest.approx((1 / 2 + 1 / 4) / 3)
    assert score.evidence_recall_at_10 == pytest.approx(2 / 3)


def test_hits_beyond_the_cutoffs_do_not_count() -> None:
    gold = ["needle"]
    late = ["hay"] * 4 + ["a needle"]
    assert score_retrieval(late, gold).hits_at_4 == 0.0
    assert score_retrieval(late, gold).hits_at_10 == 1.0
    assert score_retrieval(late, gold).mrr_at_10 == pytest.approx(1 / 5)
    too_late = ["hay"] * 10 + ["needle"]
    assert score_retrieval(too_late, gold).as_dict() == {
        "hits@4": 0.0,
        "hits@10": 0.0,
        "map@10": 0.0,
        "mrr@10": 0.0,
        "evidence_recall@10": 0.0,
    }


def test_means_by_type_and_overall() -> None:
    hit = score_retrieval(["x"], ["x"])
    miss = score_retrieval(["y"], ["x"])
    assert mean_scores([hit, miss])["hits@4"] == 0.5
    grouped = by_type(["b", "a", "b"], [hit, miss, miss])
    assert list(grouped) == ["a", "b"]
    assert grouped["b"]["hits@10"] == 0.5 and grouped["b"]["questions"] == 2
    assert mean_scores([])["mrr@10"] == 0.0


def test_answer_found_ignores_case_and_looks_in_quotes() -> None:
    assert answer_found("Sam Bankman-Fried", "It was SAM BANKMAN-FRIED.", [])
    assert answer_found("Apple", "No name here.", ["quote one", "apple said"])
    assert not answer_found("Apple", "No name here.", ["quote"])
    assert not answer_found("", "anything", [])


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([5], 95) == 5
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([], 50) == 0.0
