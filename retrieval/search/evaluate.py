"""Retrieval quality on a question set (format of ../shared/eval): Recall@1/5, MRR, abstention."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RetrievalError
from ..index.calibration import (
    FEATURES,
    NOT_FOR_ENGLISH,
    Calibration,
    decline_bias,
    fit,
    growth_allowance,
)
from .ranking import ANSWER_WINDOW, is_english
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
        out = [f"questions            {self.questions}"]
        if self.questions:
            out += [
                f"Recall@1             {self.recall_at_1:.3f}",
                f"Recall@5             {self.recall_at_5:.3f}",
                f"MRR                  {self.mrr:.3f}",
                f"wrongly abstained    {self.wrongly_abstained:.3f}",
            ]
        if self.unanswerable:
            out.append(f"unanswerable         {self.unanswerable}")
            out.append(f"abstained on them    {self.abstained:.3f}")
        return out


def by_language(questions: list[dict], unanswerable: list[dict]) -> dict[str, tuple[list[dict], list[dict]]]:
    """The (answerable, unanswerable) questions of each language present: "ja", then "en"."""
    split = {lang: ([r for r in questions if is_english(r["q"]) == (lang == "en")],
                    [r for r in unanswerable if is_english(r["q"]) == (lang == "en")]) for lang in ("ja", "en")}
    return {lang: rows for lang, rows in split.items() if rows[0] or rows[1]}


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


def gold_rank(texts: Iterable[str], gold: Sequence[str]) -> int:
    """The 1-based rank of the first text holding a gold string (gold strings are exact substrings of
    the article, so this does not depend on how it is cut into passages); 0 when none does."""
    return next((i for i, text in enumerate(texts, 1) if any(g in text for g in gold)), 0)


def evaluate(retriever: Retriever, questions: list[dict], unanswerable: list[dict] = ()) -> Report:
    """Rank of the first passage containing a gold string, per question, summarised."""
    ranks, misses, abstained_in = [], [], 0
    for row in questions:
        result = retriever.search(row["q"], k=MRR_DEPTH)
        rank = gold_rank((hit.text for hit in result.hits), row["gold"])
        ranks.append(rank)
        abstained_in += not result.answered
        if rank != 1:
            misses.append((row["q"], rank))
    abstained_out = sum(not retriever.search(row["q"], k=1).answered for row in unanswerable)
    n = len(questions) or 1  # a set of unanswerable questions alone has no ranks (Report.lines leaves them out)
    return Report(
        questions=len(questions),
        recall_at_1=sum(r == 1 for r in ranks) / n,
        recall_at_5=sum(1 <= r <= 5 for r in ranks) / n,
        mrr=sum(1 / r for r in ranks if r) / n,
        wrongly_abstained=abstained_in / n,
        unanswerable=len(unanswerable),
        abstained=abstained_out / len(unanswerable) if unanswerable else 0.0,
        misses=tuple(misses),
    )


@dataclass(frozen=True)
class Fitted:
    """A calibration fitted on a question set, with its leave-one-out error rates."""

    calibration: Calibration
    answerable: int
    unanswerable: int
    loo_wrongly_abstained: float  # answerable questions a leave-one-out fit would answer "not found"
    loo_abstained: float  # unanswerable questions a leave-one-out fit would answer "not found"


def first_hits(retriever: Retriever, question: str) -> np.ndarray | None:
    """The signals of a question's first hits (one row each, as ``search()`` weighs them), or None if none."""
    scored = retriever.features(question)[:ANSWER_WINDOW]
    return np.array([s.features for s in scored]) if scored else None


# Japanese questions get a model of their own from this many answerable and as many unanswerable ones.
# One question writer's set (about 80 Japanese and 40 English answerable questions) is too few: fitted
# on each of the 12 tuning-side splits alone, a model per language turned away 6.7 % of the answerable
# questions left out one at a time, one model for both 4.6 % (docs/measurements.md, round 7).
MIN_OWN_MODEL = 100


def fit_calibration(retriever: Retriever, questions: list[dict], unanswerable: list[dict],
                    source: str = "", more: list[tuple[Retriever, list[dict], list[dict]]] = (),
                    larger: list[tuple[Retriever, list[dict]]] = (),
                    english_more: list[tuple[Retriever, list[dict], list[dict]]] = ()) -> Fitted:
    """Fit the abstention model on questions about the indexed articles (with and without answers).

    ``more`` adds (retriever, answerable, unanswerable) groups of other indexes (e.g. the shipped
    article alone and many articles together, so that the signals are seen at both corpus sizes).
    Features are those of the first-ranked hit. With ``MIN_OWN_MODEL`` answerable and unanswerable
    Japanese questions, Japanese questions get a model of their own; English ones are judged by a model
    fitted on the questions of both languages without ``calibration.NOT_FOR_ENGLISH`` (a model of the
    English questions alone answered "What time does the library open?" on the shipped article;
    docs/measurements.md, round 7). With fewer, one model on every signal serves both. Each model's
    bias is then moved so that a set share of the answerable questions it was fitted on would be
    declined (``calibration.WRONGLY_DECLINED``). The leave-one-out figures judge each question as
    ``search()`` decides (the best probability among the first hits).
    ``larger`` (retriever, answerable questions) are indexes larger than all of ``groups``: they set
    how far each language's threshold moves as the index grows
    (:func:`~retrieval.index.calibration.growth_allowance`), and nothing else.
    ``english_more`` groups, like ``more``, are fitted into the English questions' model only (both
    languages' questions; the Japanese model does not see them, nor do they move where the size
    allowances start).
    """
    groups = [(retriever, questions, unanswerable), *more]
    if any(not q or not u for _, q, u in [*groups, *english_more]):
        raise RetrievalError("calibrating needs both answerable and unanswerable questions")
    firsts, labels, japanese_too = [], [], []
    for both, searcher, answerable, declined in [(True, *g) for g in groups] + [(False, *g) for g in english_more]:
        for label, rows in ((1.0, answerable), (0.0, declined)):
            for row in rows:
                if (hits := first_hits(searcher, row["q"])) is not None:
                    firsts.append(hits)
                    labels.append(label)
                    japanese_too.append(both)
    x = np.array([f[0] for f in firsts])
    y = np.array(labels)
    (bias, weights), (english_bias, english_weights), own, abstained = fit_models(
        firsts, y, leave_one_out=True, japanese_too=np.array(japanese_too))
    start = float(x[np.array(japanese_too), FEATURES.index("corpus_size")].max())
    larger_rows = [hits for searcher, answerable in larger for row in answerable
                   if (hits := first_hits(searcher, row["q"])) is not None]
    english = growth_allowance(english_bias, english_weights, larger_rows, start, english=True)
    japanese = growth_allowance(bias, weights, larger_rows, start, english=False)
    grows = bool(english or japanese)
    end = max((float(rows[0, FEATURES.index("corpus_size")]) for rows in larger_rows), default=0.0)
    calibration = Calibration(bias, tuple(float(w) for w in weights), english_growth=english, japanese_growth=japanese,
                              growth_from=start if grows else 0.0, growth_to=end if grows else 0.0,
                              english_bias=english_bias if own else 0.0,
                              english_weights=tuple(float(w) for w in english_weights) if own else (),
                              query_adapter=retriever.adapter.digest, fitted_on={
        "source": source or "python -m retrieval calibrate", "answerable": int(y.sum()),
        "unanswerable": int(len(y) - y.sum()),
        "articles": sorted({a for searcher, _, _ in [*groups, *english_more] for a in searcher.data.articles}),
        **({"larger": [len(searcher.data.articles) for searcher, _ in larger]} if larger else {})})
    return Fitted(calibration, int(y.sum()), int(len(y) - y.sum()),
                  float(abstained[y == 1].mean()), float(abstained[y == 0].mean()))


def fit_models(firsts: list[np.ndarray], y: np.ndarray, leave_one_out: bool = False,
               japanese_too: np.ndarray | None = None
               ) -> tuple[tuple[float, np.ndarray], tuple[float, np.ndarray], bool, np.ndarray]:
    """The two logistic models of :func:`fit_calibration` from each question's first hits' signals
    (``firsts``) and labels (``y``: 1 answerable, 0 not): ((bias, weights) for Japanese questions, (bias,
    weights) for English ones, whether Japanese has a model of its own, and with ``leave_one_out`` whether
    each question would be declined by a fit without it). ``japanese_too``: which questions the Japanese
    model is fitted on as well as the English one (default: all)."""
    x = np.array([f[0] for f in firsts])
    english = x[:, FEATURES.index("english")] > 0.5
    every = np.ones(len(x), dtype=bool)
    japanese = ~english & (every if japanese_too is None else japanese_too)
    own = all((japanese & (y == label)).sum() >= MIN_OWN_MODEL for label in (0, 1))
    # (questions fitted on, signals left out, questions it judges)
    models = ([(japanese, (), ~english), (every, NOT_FOR_ENGLISH, english)] if own
              else [(every, (), every)])

    def fitted(signals: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
        _, weights = fit(signals[mask], y[mask])
        answerable = [f for f, m, label in zip(firsts, mask, y, strict=True) if m and label]
        return decline_bias(weights, answerable), weights

    abstained = np.zeros(len(x), dtype=bool)
    fits = []
    for fitted_on, drop, judged in models:
        signals = x.copy()
        signals[:, [FEATURES.index(name) for name in drop]] = 0.0  # a constant column: its weight stays 0
        for j in np.flatnonzero(judged) if leave_one_out else ():
            keep = fitted_on.copy()
            keep[j] = False
            bias, weights = fitted(signals, keep)
            abstained[j] = (firsts[j] @ weights).max() + bias < 0
        fits.append(fitted(signals, fitted_on))
    return fits[0], fits[-1], own, abstained
