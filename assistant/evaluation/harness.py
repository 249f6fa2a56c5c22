"""The MultiHop-RAG evaluation: index a corpus, ask every question, measure what came back.

Questions go through the normal path (`NewsAssistant.ask`, which answers from the passages
`retrieve` returns), so the numbers describe what a user gets. The store is reused when a
record beside it says it holds exactly this corpus, indexed with the same settings; the
LangChain baseline (`assistant.evaluation.baseline`) gets a folder of its own in the same container.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answering.check import answer_sentences
from assistant.errors import NewsQAError
from assistant.evaluation.metrics import (
    RetrievalScore,
    accurate,
    answer_found,
    by_type,
    in_first_sentence,
    mean_scores,
    percentile,
    rounded,
    score_retrieval,
    share,
    short_answer_found,
)
from assistant.factory import index_identity
from assistant.settings import Settings

NULL = "null_query"
INFERENCE = "inference_query"
RECORD = "eval-store.json"
FORMAT = 2
"""Bumped when chunking or indexing changes in a way the settings don't show."""

Log = Callable[[str], None]


@dataclass(frozen=True)
class Question:
    """One benchmark question with its gold answer and evidence texts."""

    id: str
    question: str
    answer: str
    type: str
    evidence: tuple[str, ...]


@dataclass
class Outcome:
    """What one run of the questions produced."""

    scores: list[RetrievalScore] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)


def load_questions(path: Path) -> list[Question]:
    """Read the questions file (JSON Lines); a bad line is an error naming the file and line."""
    questions: list[Question] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NewsQAError(f"cannot read the questions file {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            questions.append(
                Question(
                    id=str(record.get("id", f"line{number}")),
                    question=record["question"],
                    answer=str(record.get("answer", "")),
                    type=str(record.get("question_type", "unknown")),
                    evidence=tuple(item["text"] for item in record.get("evidence", [])),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise NewsQAError(
                f"{path}:{number}: not a question record ({exc}); expected JSON with 'question', "
                "'question_type', 'answer' and 'evidence': [{'text': ...}]"
            ) from None
    if not questions:
        raise NewsQAError(f"{path} holds no questions")
    return questions


def fingerprint(corpus: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Return what identifies an index: the corpus file's hash and the settings that shape it."""
    try:
        digest = hashlib.sha256(corpus.read_bytes()).hexdigest()
    except OSError as exc:
        raise NewsQAError(f"cannot read the corpus file {corpus}: {exc.strerror or exc}") from None
    return {"format": FORMAT, "corpus_sha256": digest, **values}


def prepare(
    folder: Path, identity: dict[str, Any], build: Callable[[], None], log: Log
) -> tuple[float, bool]:
    """Make ``folder`` hold the index ``identity`` names; return (seconds it took to build, reused).

    A folder whose record matches is reused as it is. One built for something else (or cut
    short) is emptied and built again; a folder with no record that isn't empty is left alone.
    """
    record_path = folder / RECORD
    if record_path.is_file():
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("identity") == identity and record.get("complete"):
            log(f"reusing the index in {folder} (built in {record['index_seconds']:.0f} s)")
            return float(record["index_seconds"]), True
        shutil.rmtree(folder)
    elif folder.exists() and any(folder.iterdir()):
        raise NewsQAError(
            f"{folder} is not empty and was not made by `python -m assistant eval`; "
            "give --store an empty or new folder."
        )
    folder.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps({"identity": identity, "complete": False}), encoding="utf-8")
    started = time.perf_counter()
    build()
    seconds = time.perf_counter() - started
    record = {"identity": identity, "complete": True, "index_seconds": round(seconds, 1)}
    record_path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return seconds, False


def evaluate(
    corpus: Path,
    questions_path: Path,
    store: Path,
    k: int = 10,
    baseline: bool = False,
    settings: Settings | None = None,
    log: Log | None = None,
    half: str | None = None,
) -> dict[str, Any]:
    """Index the corpus (or reuse its index), run every question, and return the report.

    ``half`` (``even`` or ``odd``) keeps the questions whose id ends in such a number.
    """
    from assistant.core import NewsAssistant

    say = log or (lambda message: print(message, file=sys.stderr, flush=True))
    questions = load_questions(questions_path)
    if half:
        questions = [q for q in questions if _id_number(q.id) % 2 == (half == "odd")]
    settings = settings or Settings()
    bot = NewsAssistant(settings=settings.model_copy(update={"store_dir": store / "newsqa"}))
    identity = fingerprint(corpus, index_identity(bot.settings).fields)

    def build() -> None:
        report = bot.index([corpus], on_progress=_progress(say))
        if not report.ok:
            reasons = "; ".join(f"{f.path}: {f.reason}" for f in report.failed[:3])
            raise NewsQAError(f"the corpus {corpus} could not be indexed: {reasons}")
        say(f"indexed {report.added} articles, {report.chunks} chunks")

    index_seconds, reused = prepare(store / "newsqa", identity, build, say)
    bot.retrieve(questions[0].question, k)  # loads the model: not part of any question's latency
    ours = _run_ours(bot, questions, k)
    report = _report(questions, ours, k)
    report.update(
        index_seconds=round(index_seconds, 1), index_reused=reused, k=k, corpus=str(corpus), store=str(store)
    )
    report["answers"] = _answer_metrics(questions, ours)
    report["answerer"] = bot.answerer_label
    report["details"] = ours.details
    if baseline:
        report["baseline"] = _run_baseline(corpus, store / "baseline", questions, k, bot, say)
    return report


def _id_number(question_id: str) -> int:
    digits = "".join(ch for ch in question_id if ch.isdigit())
    return int(digits) if digits else 0


def _run_ours(bot: Any, questions: Sequence[Question], k: int) -> Outcome:
    outcome = Outcome()
    for question in questions:
        started = time.perf_counter()
        answer = bot.ask(question.question, k=k)
        outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
        texts = [passage.text for passage in answer.passages]
        score = score_retrieval(texts, question.evidence)
        outcome.scores.append(score)
        outcome.types.append(question.type)
        quotes = [citation.quote for citation in answer.citations[:3]]
        short = answer.short_answer.text if answer.short_answer else None
        spans = answer_sentences(answer.text)
        first = answer.text[spans[0][0] : spans[0][1]] if spans else answer.text
        outcome.details.append(
            {
                "id": question.id,
                "type": question.type,
                "abstained": answer.abstained,
                "answer_found": answer_found(question.answer, answer.text, quotes),
                "short_answer": short,
                "short_answer_found": short_answer_found(question.answer, short),
                "answer_in_first_sentence": in_first_sentence(question.answer, first),
                "accurate": accurate(question.answer, answer.text, answer.abstained, question.type == NULL),
                "fell_back": answer.note is not None,
                "articles": [passage.chunk.article_id for passage in answer.passages],
                **(score.as_dict() if question.evidence else {}),
            }
        )
    return outcome


def _report(questions: Sequence[Question], outcome: Outcome, k: int) -> dict[str, Any]:
    """Return retrieval metrics (null questions excluded) and latency."""
    kept = [i for i, question in enumerate(questions) if question.type != NULL]
    scores = [outcome.scores[i] for i in kept]
    types = [outcome.types[i] for i in kept]
    retrieval: dict[str, Any] = {"questions": len(kept), **rounded(mean_scores(scores))}
    retrieval["by_type"] = {kind: rounded(values) for kind, values in by_type(types, scores).items()}
    return {
        "retrieval": retrieval,
        "latency_ms": {
            "p50": round(percentile(outcome.latencies_ms, 50), 1),
            "p95": round(percentile(outcome.latencies_ms, 95), 1),
        },
    }


def _answer_metrics(questions: Sequence[Question], outcome: Outcome) -> dict[str, Any]:
    """Return the answer metrics: the gold answer found (anywhere, in the short answer, in the
    first sentence) for inference questions, abstentions, and the paper's accuracy by type."""
    rows = list(zip(questions, outcome.details, strict=True))
    inference = [d for q, d in rows if q.type == INFERENCE]
    metrics: dict[str, Any] = rounded(
        {
            "inference_answer_found": share(d["answer_found"] for d in inference),
            "short_answer_found": share(d["short_answer_found"] for d in inference),
            "short_answer_given": share(d["short_answer"] is not None for d in inference),
            "answer_in_first_sentence": share(d["answer_in_first_sentence"] for d in inference),
            "null_abstained": share(d["abstained"] for q, d in rows if q.type == NULL),
            "false_abstained": share(d["abstained"] for q, d in rows if q.type != NULL),
            "accuracy": share(d["accurate"] for _, d in rows),
            "fell_back": share(d["fell_back"] for _, d in rows),
        }
    )
    kinds = sorted({q.type for q in questions})
    metrics["accuracy_by_type"] = rounded(
        {kind: share(d["accurate"] for q, d in rows if q.type == kind) for kind in kinds}
    )
    return metrics


def _run_baseline(
    corpus: Path, folder: Path, questions: Sequence[Question], k: int, bot: Any, say: Log
) -> dict[str, Any]:
    from assistant.evaluation.baseline import LangChainBaseline
    from assistant.factory import make_embeddings
    from ingest.readers import read_file

    # The baseline is what the LangChain docs lead to: the model in float32 sentence-transformers.
    settings = bot.settings.model_copy(update={"embedding_backend": "torch"})
    baseline = LangChainBaseline(
        folder, make_embeddings(settings), settings.embedding_model, settings.chunk_overlap_tokens
    )
    identity = fingerprint(
        corpus, {"baseline": "langchain", "model": settings.embedding_model, "overlap": baseline.overlap}
    )

    progress = _progress(say)

    def build() -> None:
        count = baseline.build(
            read_file(corpus).articles, lambda done, total: progress("baseline", done, total)
        )
        say(f"baseline: {count} chunks")

    index_seconds, reused = prepare(folder, identity, build, say)
    outcome = Outcome()
    for question in questions:
        started = time.perf_counter()
        texts = baseline.retrieve(question.question, k)
        outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
        outcome.scores.append(score_retrieval(texts, question.evidence))
        outcome.types.append(question.type)
    report = _report(questions, outcome, k)
    report.update(index_seconds=round(index_seconds, 1), index_reused=reused)
    return report


def _progress(say: Log) -> Callable[[str, int, int], None]:
    """Return a progress callback that logs about every tenth of the work."""
    last: dict[str, int] = {}

    def report(stage: str, done: int, total: int) -> None:
        step = max(1, total // 10)
        if done == total or done // step != last.get(stage, -1):
            last[stage] = done // step
            say(f"{stage}: {done}/{total}")

    return report
