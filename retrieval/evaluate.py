"""Retrieval quality on a question set (format of ../shared/eval): Recall@1/5, MRR, abstention."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import RetrievalError
from .retriever import Retriever

MRR_DEPTH = 10


@dataclass(frozen=True)
class Report:
    questions: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    wrongly_abstained: float  # answerable questions answered "not found"
    unanswerable: int
    abstained: float  # unanswerable questions answered "not found"
    misses: tuple[tuple[str, int], ...]  # (question, rank or 0) when not first

    def lines(self) -> list[str]:
        out = [
            f"questions            {self.questions}",
            f"Recall@1             {self.recall_at_1:.3f}",
            f"Recall@5             {self.recall_at_5:.3f}",
            f"MRR                  {self.mrr:.3f}",
            f"wrongly abstained    {self.wrongly_abstained:.3f}",
        ]
        if self.unanswerable:
            out.append(f"unanswerable         {self.unanswerable}")
            out.append(f"abstained on them    {self.abstained:.3f}")
        return out


def load_questions(path: Path, need_gold: bool = True) -> list[dict]:
    """Read a JSONL question file; every line needs "q" (and "gold" when ``need_gold``)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise RetrievalError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError):
        raise RetrievalError(f"{path}: cannot read it as UTF-8 text") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise RetrievalError(f"{path}:{number}: not valid JSON") from None
        if not isinstance(row, dict) or not isinstance(row.get("q"), str):
            raise RetrievalError(f'{path}:{number}: each line needs {{"q": "..."}}')
        if need_gold and not (isinstance(row.get("gold"), list) and row["gold"]):
            raise RetrievalError(f'{path}:{number}: each line needs "gold": ["...", ...]')
        questions.append(row)
    if not questions:
        raise RetrievalError(f"{path}: no questions in the file")
    return questions


def evaluate(retriever: Retriever, questions: list[dict], unanswerable: list[dict] = ()) -> Report:
    """Rank of the first passage containing a gold string, per question, summarised."""
    ranks, misses, abstained_in = [], [], 0
    for row in questions:
        result = retriever.search(row["q"], k=MRR_DEPTH)
        rank = next((i for i, hit in enumerate(result.hits, 1) if any(g in hit.text for g in row["gold"])), 0)
        ranks.append(rank)
        abstained_in += not result.answered
        if rank != 1:
            misses.append((row["q"], rank))
    abstained_out = sum(not retriever.search(row["q"], k=1).answered for row in unanswerable)
    n = len(questions)
    return Report(
        questions=n,
        recall_at_1=sum(r == 1 for r in ranks) / n,
        recall_at_5=sum(1 <= r <= 5 for r in ranks) / n,
        mrr=sum(1 / r for r in ranks if r) / n,
        wrongly_abstained=abstained_in / n,
        unanswerable=len(unanswerable),
        abstained=abstained_out / len(unanswerable) if unanswerable else 0.0,
        misses=tuple(misses),
    )
