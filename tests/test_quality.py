"""Retrieval quality with the real bundled model: readers' questions find the right quote near the
top, and questions no article answers get "not found".

Which set is which (tests/data/corpus/README.md, docs/measurements.md):
- the seed article's dev set (tests/data/dev*.jsonl, from ../shared/eval) and our extra set were
  used to tune and calibrate: these gates only guard against regressions;
- seed_exam2 and seed_exam3 (40 questions each about the shipped article in readers' words, 16 it
  does not answer) are held out: written blind in round 9; seed_exam was written the same way,
  measured once, then looked at (tuning side since); seed_exam4 (the same shape in the dev set's
  style, mostly short questions) was written blind in round 10 and measured once; seed_exam5 (the same
  shape, another writer) was written blind in round 10 and measured once in round 12; seed_exam6 (the same
  shape, another writer) was written blind in round 13 and measured once in round 14 with round 13's method
  (and with a calibration tried and not adopted; docs/measurements.md);
- exam19 and exam18 were written blind in round 9 and measured once with round 8's method (round 9
  changed only what a "not found" reply offers); exam18 is in the series index (88 articles), exam19
  not yet; exam20 was written blind in round 10 and measured once in round 12, before and after that
  round's change (a long question's last part weighed in), on its own index only; exam21 likewise in round 13
  (the share of the question's words each article contains weighed in); exam22 (written blind in round 13) was
  measured once in round 14 with round 13's method, on its own index only; exam23 and seed_exam7 (written blind
  in round 14) likewise in round 15 (with a calibration tried and not adopted as well); exam24 and seed_exam8
  (written blind in round 15) likewise in round 16 (with a ranking tried and not adopted as well), and exam25 and
  seed_exam9 (written blind at the start of round 16) later in round 16 (with a second ranking tried);
  seed_exam10 (written blind at the end of round 16) was measured once in round 17, before and after its change
  (on one article, the article signal held); seed_exam11 (written blind in round 17) was measured once in round 18,
  with the shipped method and with a try not adopted (an English operating point on one article); exam26 (written
  with seed_exam10) was measured once in round 21 with the shipped method, on its own index only; exam27 and
  seed_exam12 (written in round 18), exam28 and seed_exam13 (written in round 21) were measured once in round 22,
  before and after its change (an English question's BM25 weighs more), on their own indexes only; exam29 and
  seed_exam14 (written blind at the end of round 22) were measured once in round 23, before and after its change
  (a Japanese question's BM25 weighs less), exam29 on its own index only;
- exam10 to exam17 also served, in round 14, as fitting data of a calibration that was tried and not adopted
  (each judged it only when left out of its fit); the shipped calibration has never seen them;
- exam17 (four invented articles in the series' layouts, with their questions and unanswerable
  questions) is held out: written blind in round 8 by writers who did not tune, never tuned or
  fitted on, measured with round 8's first version (the question map for every question) and again
  with the final one (English questions only) and its shipped calibration. Its gates sit about two
  questions under those figures, on its own index and on one index of the corpus articles (the
  series grown to 88 articles);
- exam16 was written the same way at the start of round 8, measured once with round 7's method and
  again with round 8's;
- exam10 to exam15 were held out in rounds 5 to 7 the same way and measured there, and again with
  round 8's method (aggregates only, never tuned on);
- exam4 and exam6 to exam9 were held out in rounds 2 to 4 and measured then; in round 5 they were
  retired to the tuning side (the shipped calibration, and since round 8 the question map, are
  fitted on them). Their gates are now regression gates.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval import Retriever, load_seeds
from retrieval.editing.library import Library
from retrieval.ingest.sources import read_source
from retrieval.search.evaluate import Report, evaluate, load_questions
from retrieval.search.ranking import english_share

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "corpus"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"

pytestmark = pytest.mark.slow


def report_for(retriever: Retriever, name: str) -> Report:
    return evaluate(retriever, load_questions(DATA / f"{name}.jsonl"),
                    load_questions(DATA / f"{name}_oos.jsonl", need_gold=False))


def test_dev_questions_find_their_answer_and_unanswerable_ones_are_declined(real_retriever: Retriever) -> None:
    report = report_for(real_retriever, "dev")
    summary = "\n".join(report.lines())
    assert (report.questions, report.unanswerable) == (16, 4)
    assert round(report.recall_at_5 * report.questions) >= 15, summary  # 0.938 before this round
    assert report.mrr >= 0.85, summary
    assert round(report.abstained * report.unanswerable) >= 3, summary
    assert round(report.wrongly_abstained * report.questions) <= 1, summary


# Questions about the shipped article written blind in round 9 by readers' standards (long, casual, in other
# words than the article's), on the shipped article alone (python -m retrieval eval tests/data/NAME.jsonl --oos
# tests/data/NAME_oos.jsonl; docs/measurements.md, round 9). seed_exam2 and seed_exam3 are held out (measured
# once); seed_exam was measured once too, then its misses were read: tuning side since. Counts of 40 answerable /
# 16 unanswerable: seed_exam3: R@1 16, R@5 35, wrongly abstained 6, declined 8.  seed_exam2: R@1 22, R@5 38,
# wrongly abstained 2, declined 13.  seed_exam: R@1 22, R@5 37, wrongly abstained 7, declined 15. Floors about
# two questions under.
# seed_exam4 (round 10, held out, measured once with round 9's method; the dev set's style, mostly short questions):
# R@1 29, R@5 40, wrongly abstained 8, declined 12.
# seed_exam5 (round 10, held out, measured once in round 12, before and after its change: the same figures):
# R@1 23, R@5 35, wrongly abstained 10, declined 12.
# seed_exam6 (round 13, held out, measured once in round 14 with round 13's method): R@1 23, R@5 38, wrongly
# abstained 8, declined 9.
# seed_exam7 (round 14, held out, measured once in round 15 with round 13's method): R@1 23, R@5 36, wrongly
# abstained 8, declined 9. seed_exam8 (round 15, held out, measured once in round 16 with round 13's method and
# with a ranking tried and not adopted): R@1 20, R@5 36, wrongly abstained 7, declined 6. seed_exam9 (round 16,
# held out, measured once in round 16 likewise, with a second ranking tried): R@1 26, R@5 39, wrongly abstained 4,
# declined 8. seed_exam10 (round 16, held out, measured once in round 17 with round 17's method, which it judged):
# R@1 27, R@5 39, wrongly abstained 1, declined 9. seed_exam14 (written blind after round 22, measured once in round
# 23 with the change it judged): R@1 24, R@5 37, wrongly abstained 7, declined 10 (seed_exam11 ... 13: docs/
# measurements.md, rounds 18 and 22).
SEED_SETS = {"seed_exam14": {"r1": 22, "r5": 35, "wrongly_abstained": 9, "abstained": 8},
             "seed_exam13": {"r1": 19, "r5": 37, "wrongly_abstained": 6, "abstained": 10},
             "seed_exam12": {"r1": 23, "r5": 34, "wrongly_abstained": 8, "abstained": 9},
             "seed_exam11": {"r1": 21, "r5": 33, "wrongly_abstained": 6, "abstained": 9},
             "seed_exam10": {"r1": 25, "r5": 37, "wrongly_abstained": 3, "abstained": 7},
             "seed_exam9": {"r1": 24, "r5": 37, "wrongly_abstained": 6, "abstained": 6},
             "seed_exam8": {"r1": 18, "r5": 34, "wrongly_abstained": 9, "abstained": 4},
             "seed_exam7": {"r1": 21, "r5": 34, "wrongly_abstained": 10, "abstained": 7},
             "seed_exam6": {"r1": 21, "r5": 36, "wrongly_abstained": 10, "abstained": 7},
             "seed_exam5": {"r1": 21, "r5": 33, "wrongly_abstained": 12, "abstained": 10},
             "seed_exam4": {"r1": 27, "r5": 38, "wrongly_abstained": 10, "abstained": 10},
             "seed_exam3": {"r1": 14, "r5": 33, "wrongly_abstained": 8, "abstained": 6},
             "seed_exam2": {"r1": 20, "r5": 36, "wrongly_abstained": 4, "abstained": 11},
             "seed_exam": {"r1": 20, "r5": 35, "wrongly_abstained": 9, "abstained": 13}}


@pytest.mark.parametrize("name", list(SEED_SETS))
def test_readers_own_words_about_the_shipped_article_find_its_answer(real_retriever: Retriever, name: str) -> None:
    report = report_for(real_retriever, name)
    summary = "\n".join(report.lines())
    floor = SEED_SETS[name]
    assert (report.questions, report.unanswerable) == (40, 16)
    assert round(report.recall_at_1 * report.questions) >= floor["r1"], summary
    assert round(report.recall_at_5 * report.questions) >= floor["r5"], summary
    assert round(report.wrongly_abstained * report.questions) <= floor["wrongly_abstained"], summary
    assert round(report.abstained * report.unanswerable) >= floor["abstained"], summary


# Each split on its own index (the shipped article + its four articles); floors in HELD_OUT_FLOORS below.
HELD_OUT_SPLITS = ("exam29", "exam28", "exam27", "exam26", "exam25", "exam24", "exam23", "exam22", "exam21", "exam20",
                   "exam19", "exam18", "exam17", "exam16", "exam15", "exam14", "exam13", "exam12", "exam10", "exam11",
                   "exam4", "exam6", "exam7", "exam8", "exam9")


@pytest.fixture(scope="module", params=HELD_OUT_SPLITS)
def held_out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Retriever]:
    """(split, the shipped article plus the split's four articles, indexed with the real model)."""
    split = request.param
    seeds = tmp_path_factory.mktemp(f"{split}-seeds")
    for path in [*SEEDS.iterdir(), *(CORPUS / split).glob("*.txt"), *(CORPUS / split).glob("*.json")]:
        shutil.copy(path, seeds / path.name)
    return split, Retriever.build(load_seeds(seeds), tmp_path_factory.mktemp(f"{split}-index"))


def by_language(rows: list[dict], lang: str) -> list[dict]:
    return [row for row in rows if (english_share(row["q"]) > 0.5) == (lang == "en")]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_held_out_articles_answer_readers_questions(held_out: tuple[str, Retriever], lang: str) -> None:
    split, retriever = held_out
    questions = by_language(load_questions(CORPUS / f"{split}_questions.jsonl"), lang)
    report = evaluate(retriever, questions)
    summary = "\n".join(report.lines())
    floor = HELD_OUT_FLOORS[split][lang]
    assert report.recall_at_1 >= floor["r1"], summary
    assert report.recall_at_5 >= floor["r5"], summary
    assert report.wrongly_abstained <= floor["wrongly_abstained"], summary


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_held_out_unanswerable_questions_get_not_found(held_out: tuple[str, Retriever], lang: str) -> None:
    split, retriever = held_out
    unanswerable = by_language(load_questions(CORPUS / f"{split}_oos.jsonl", need_gold=False), lang)
    declined = sum(not retriever.search(row["q"], k=3).answered for row in unanswerable)
    assert declined / len(unanswerable) >= HELD_OUT_FLOORS[split][lang]["abstained"], f"{declined}/{len(unanswerable)}"


def test_an_added_article_on_a_topic_no_article_covered_is_answered(tmp_path: Path) -> None:
    """保育園 applications were once on a hand-written list of topics to decline; now the corpus decides."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    index = tmp_path / "index"
    Retriever.build(load_seeds(seeds), index)
    questions = [row for row in load_questions(CORPUS / "tune_questions.jsonl")
                 if row["article"] == "hoiku-online" and not row.get("about")]
    before = Retriever.load(index)
    answered_before = sum(before.search(row["q"]).answered for row in questions)

    Library(seeds, index).add(read_source(str(CORPUS / "tune" / "hoiku-online.txt")))
    after = Retriever.load(index)
    found = answered = 0
    for row in questions:
        result = after.search(row["q"], k=5)
        answered += result.answered
        found += any(any(g in hit.text for g in row["gold"]) for hit in result.hits)
    assert answered >= answered_before + 0.3 * len(questions), (answered_before, answered)
    assert answered >= 0.9 * len(questions), f"{answered}/{len(questions)} answered"
    assert found >= 0.8 * len(questions), f"{found}/{len(questions)} found in the first five"


# Figures on each split's own index with round 8's method (the question map; docs/measurements.md, rounds 8
# and 9; `python scripts/compare_baseline.py --split exam19`, then `--split exam18` ... `--split exam9` one at a
# time). exam19 and exam18 were written blind in round 9 and measured once with this method (round 9 changed
# only what a "not found" reply offers); exam17 is held out for it (measured with round 8's first version, then
# this one); exam16 was measured once with round 7's method and again with this one; exam10-15 (held out in
# rounds 5 to 7) again, aggregates only; exam4, exam6-9 are tuning side (the map and the calibration are
# fitted on them). Floors about two questions under, so that a real regression fails CI.
# exam29 (written blind after round 22, measured once in round 23 with the shipped method and with the change it
# judged, a Japanese question's BM25 at 0.03; docs/measurements.md): ja R@1 0.662, R@5 0.963, wrongly abstained 7/80,
# declined 14/28; en 0.700, 0.925, 3/40, 12/24. (exam26 ... exam28: docs/measurements.md, rounds 21 and 22.)
# exam25 (written blind in round 16, measured once in round 16 with round 13's method and with a second ranking tried
# and not adopted; docs/measurements.md): ja R@1 0.750, R@5 0.938, wrongly abstained 3/80, declined 17/28;
# en 0.625, 0.975, 1/40, 12/24.
# exam24 (written blind in round 15, measured once in round 16 with round 13's method and with a ranking tried and
# not adopted; docs/measurements.md): ja R@1 0.738, R@5 0.887, wrongly abstained 4/80, declined 21/28;
# en 0.675, 0.900, 4/40, 14/24.
# exam23 (written blind in round 14, measured once in round 15 with round 13's method; docs/measurements.md):
# ja R@1 0.688, R@5 0.963, wrongly abstained 4/80, declined 15/28; en 0.575, 0.850, 2/40, 11/24.
# exam22 (written blind in round 13, measured once in round 14 with round 13's method; docs/measurements.md):
# ja R@1 0.750, R@5 0.963, wrongly abstained 5/80, declined 16/28; en 0.725, 0.875, 4/40, 14/24.
# exam21 (written blind in round 10, measured once in round 13, before and after that round's change: the share of
# the question's words each article contains in the ranking; docs/measurements.md):
# ja R@1 0.725, R@5 0.938, wrongly abstained 5/80, declined 16/28; en 0.575, 0.875, 6/40, 12/24.
# exam20 (written blind in round 10, measured once in round 12 with that round's change; docs/measurements.md):
# ja R@1 0.775, R@5 0.938, wrongly abstained 0/80, declined 16/28; en 0.650, 0.900, 0/40, 14/24.
# exam19: ja R@1 0.738, R@5 0.912, wrongly abstained 0/80, declined 18/28; en 0.550, 0.850, 6/40, 15/24.
# exam18: ja R@1 0.662, R@5 0.925, wrongly abstained 1/80, declined 17/28; en 0.475, 0.875, 1/40, 16/24.
# exam17: ja R@1 0.762, R@5 0.950, wrongly abstained 0/80, declined 21/28; en 0.650, 0.950, 5/40, 13/24.
# exam16: ja R@1 0.613, R@5 0.887, wrongly abstained 0/80, declined 21/28; en 0.450, 0.900, 6/40, 15/24.
# exam15: ja R@1 0.725, R@5 0.912, wrongly abstained 2/80, declined 17/28; en 0.575, 0.800, 3/40, 12/24.
# exam14: ja R@1 0.800, R@5 0.963, wrongly abstained 1/80, declined 22/28; en 0.425, 0.825, 3/40, 12/24.
# exam13: ja R@1 0.725, R@5 0.900, wrongly abstained 1/80, declined 19/28; en 0.625, 0.950, 1/40, 12/24.
# exam12: ja R@1 0.725, R@5 0.938, wrongly abstained 4/80, declined 17/28; en 0.650, 0.950, 2/40, 10/24.
# exam10: ja R@1 0.787, R@5 0.975, wrongly abstained 2/80, declined 24/28; en 0.775, 0.925, 1/40, 19/24.
# exam11: ja R@1 0.725, R@5 0.950, wrongly abstained 3/80, declined 17/28; en 0.675, 0.975, 2/40, 12/24.
# exam4: ja R@1 0.637, R@5 0.938, wrongly abstained 1/80, declined 24/24; en 0.850, 0.975, 0/40, 20/22.
# exam6: ja R@1 0.625, R@5 0.887, wrongly abstained 0/80, declined 24/28; en 0.900, 0.950, 4/40, 15/24.
# exam7: ja R@1 0.787, R@5 0.925, wrongly abstained 8/80, declined 22/28; en 0.950, 1.000, 3/40, 17/24.
# exam8: ja R@1 0.713, R@5 0.950, wrongly abstained 4/80, declined 19/28; en 0.900, 1.000, 3/40, 19/24.
# exam9: ja R@1 0.713, R@5 0.887, wrongly abstained 1/80, declined 24/28; en 0.900, 1.000, 3/40, 19/24.
HELD_OUT_FLOORS = {
    "exam29": {
        "ja": {"r1": 0.63, "r5": 0.93, "wrongly_abstained": 0.1125, "abstained": 0.42},
        "en": {"r1": 0.64, "r5": 0.87, "wrongly_abstained": 0.125, "abstained": 0.41},
    },
    "exam28": {
        "ja": {"r1": 0.51, "r5": 0.85, "wrongly_abstained": 0.165, "abstained": 0.46},
        "en": {"r1": 0.59, "r5": 0.79, "wrongly_abstained": 0.1, "abstained": 0.49},
    },
    "exam27": {
        "ja": {"r1": 0.61, "r5": 0.85, "wrongly_abstained": 0.14, "abstained": 0.39},
        "en": {"r1": 0.64, "r5": 0.87, "wrongly_abstained": 0.15, "abstained": 0.45},
    },
    "exam26": {
        # round 23 (a Japanese question's BM25 at 0.03): ja R@1 0.750 -> 0.688, set again two questions under, as its
        # rule said before measuring (docs/measurements.md; part of its sweep's row exam10 ... exam28, -6 in all)
        "ja": {"r1": 0.66, "r5": 0.92, "wrongly_abstained": 0.075, "abstained": 0.57},
        "en": {"r1": 0.59, "r5": 0.87, "wrongly_abstained": 0.1, "abstained": 0.24},
    },
    "exam25": {
        "ja": {"r1": 0.72, "r5": 0.91, "wrongly_abstained": 0.0625, "abstained": 0.53},
        "en": {"r1": 0.57, "r5": 0.92, "wrongly_abstained": 0.075, "abstained": 0.41},
    },
    "exam24": {
        "ja": {"r1": 0.71, "r5": 0.86, "wrongly_abstained": 0.075, "abstained": 0.67},
        "en": {"r1": 0.62, "r5": 0.85, "wrongly_abstained": 0.15, "abstained": 0.5},
    },
    "exam23": {
        "ja": {"r1": 0.66, "r5": 0.93, "wrongly_abstained": 0.075, "abstained": 0.46},
        "en": {"r1": 0.52, "r5": 0.8, "wrongly_abstained": 0.1, "abstained": 0.37},
    },
    "exam22": {
        # round 23: ja R@1 0.750 -> 0.713, set again two questions under (as exam26's)
        "ja": {"r1": 0.68, "r5": 0.93, "wrongly_abstained": 0.0875, "abstained": 0.5},
        "en": {"r1": 0.67, "r5": 0.82, "wrongly_abstained": 0.15, "abstained": 0.5},
    },
    "exam21": {
        "ja": {"r1": 0.7, "r5": 0.91, "wrongly_abstained": 0.0875, "abstained": 0.5},
        "en": {"r1": 0.52, "r5": 0.82, "wrongly_abstained": 0.2, "abstained": 0.41},
    },
    "exam20": {
        "ja": {"r1": 0.74, "r5": 0.91, "wrongly_abstained": 0.025, "abstained": 0.5},
        "en": {"r1": 0.6, "r5": 0.85, "wrongly_abstained": 0.05, "abstained": 0.5},
    },
    "exam19": {
        "ja": {"r1": 0.71, "r5": 0.88, "wrongly_abstained": 0.025, "abstained": 0.57},
        "en": {"r1": 0.5, "r5": 0.8, "wrongly_abstained": 0.2, "abstained": 0.54},
    },
    "exam18": {
        "ja": {"r1": 0.63, "r5": 0.9, "wrongly_abstained": 0.0375, "abstained": 0.53},
        "en": {"r1": 0.42, "r5": 0.82, "wrongly_abstained": 0.075, "abstained": 0.58},
    },
    "exam17": {
        "ja": {"r1": 0.73, "r5": 0.92, "wrongly_abstained": 0.025, "abstained": 0.67},
        "en": {"r1": 0.6, "r5": 0.9, "wrongly_abstained": 0.175, "abstained": 0.45},
    },
    "exam16": {
        "ja": {"r1": 0.58, "r5": 0.86, "wrongly_abstained": 0.025, "abstained": 0.67},
        "en": {"r1": 0.4, "r5": 0.85, "wrongly_abstained": 0.2, "abstained": 0.54},
    },
    "exam15": {
        # round 23: ja R@1 -> 0.675, set again two questions under (as exam26's)
        "ja": {"r1": 0.645, "r5": 0.88, "wrongly_abstained": 0.05, "abstained": 0.53},
        "en": {"r1": 0.52, "r5": 0.75, "wrongly_abstained": 0.125, "abstained": 0.41},
    },
    "exam14": {
        "ja": {"r1": 0.77, "r5": 0.93, "wrongly_abstained": 0.0375, "abstained": 0.71},
        "en": {"r1": 0.37, "r5": 0.77, "wrongly_abstained": 0.125, "abstained": 0.41},
    },
    "exam13": {
        "ja": {"r1": 0.7, "r5": 0.87, "wrongly_abstained": 0.0375, "abstained": 0.6},
        "en": {"r1": 0.57, "r5": 0.9, "wrongly_abstained": 0.075, "abstained": 0.41},
    },
    "exam12": {
        "ja": {"r1": 0.7, "r5": 0.91, "wrongly_abstained": 0.075, "abstained": 0.53},
        "en": {"r1": 0.6, "r5": 0.9, "wrongly_abstained": 0.1, "abstained": 0.33},
    },
    "exam10": {
        "ja": {"r1": 0.76, "r5": 0.95, "wrongly_abstained": 0.05, "abstained": 0.78},
        "en": {"r1": 0.72, "r5": 0.87, "wrongly_abstained": 0.075, "abstained": 0.7},
    },
    "exam11": {
        "ja": {"r1": 0.7, "r5": 0.92, "wrongly_abstained": 0.0625, "abstained": 0.53},
        "en": {"r1": 0.62, "r5": 0.92, "wrongly_abstained": 0.1, "abstained": 0.41},
    },
    "exam4": {
        "ja": {"r1": 0.61, "r5": 0.91, "wrongly_abstained": 0.0375, "abstained": 0.91},
        # English R@1 set again in round 22 (0.80 before): the question map is fitted on this split's English questions
        "en": {"r1": 0.72, "r5": 0.92, "wrongly_abstained": 0.05, "abstained": 0.81},
    },
    "exam6": {
        "ja": {"r1": 0.6, "r5": 0.86, "wrongly_abstained": 0.025, "abstained": 0.78},
        "en": {"r1": 0.85, "r5": 0.9, "wrongly_abstained": 0.15, "abstained": 0.54},
    },
    "exam7": {
        "ja": {"r1": 0.76, "r5": 0.9, "wrongly_abstained": 0.125, "abstained": 0.71},
        # English R@1 set again in round 22 (0.90 before): the question map is fitted on this split's English questions
        "en": {"r1": 0.8, "r5": 0.95, "wrongly_abstained": 0.125, "abstained": 0.62},
    },
    "exam8": {
        "ja": {"r1": 0.68, "r5": 0.92, "wrongly_abstained": 0.075, "abstained": 0.6},
        # English R@1 set again in round 22 (0.85 before): the question map is fitted on this split's English questions
        "en": {"r1": 0.75, "r5": 0.95, "wrongly_abstained": 0.125, "abstained": 0.7},
    },
    "exam9": {
        "ja": {"r1": 0.68, "r5": 0.86, "wrongly_abstained": 0.0375, "abstained": 0.78},
        "en": {"r1": 0.85, "r5": 0.95, "wrongly_abstained": 0.125, "abstained": 0.7},
    },
}


# Asked on one index of the shipped article and 87 corpus articles (all but exam19), with round 8's method
# (docs/measurements.md, round 9; `python scripts/compare_baseline.py --together --ask exam18` before exam19
# existed, then `--together --index DIR --ask exam17` (and exam16 ... exam11, `--ask exam6 --ask exam7 --ask exam8
# --ask exam9`); the same figures as evaluate()). Floors about two questions under (one where only two are declined).
# exam18: ja R@5 0.887 (71/80), wrongly abstained 0/80, declined 11/28;
#   en R@5 0.800 (32/40), wrongly abstained 1/40, declined 6/24.
# exam17: ja R@5 0.938 (75/80), wrongly abstained 2/80, declined 14/28;
#   en R@5 0.775 (31/40), wrongly abstained 0/40, declined 5/24.
# exam16: ja R@5 0.787 (63/80), wrongly abstained 0/80, declined 12/28;
#   en R@5 0.550 (22/40), wrongly abstained 0/40, declined 2/24.
# exam15: ja R@5 0.887 (71/80), wrongly abstained 0/80, declined 10/28;
#   en R@5 0.750 (30/40), wrongly abstained 1/40, declined 4/24.
# exam14: ja R@5 0.950 (76/80), wrongly abstained 0/80, declined 16/28;
#   en R@5 0.675 (27/40), wrongly abstained 0/40, declined 2/24.
# exam13: ja R@5 0.812 (65/80), wrongly abstained 0/80, declined 13/28;
#   en R@5 0.850 (34/40), wrongly abstained 1/40, declined 7/24.
# exam12: ja R@5 0.925 (74/80), wrongly abstained 1/80, declined 11/28;
#   en R@5 0.825 (33/40), wrongly abstained 0/40, declined 2/24.
# exam10: ja R@5 0.950 (76/80), wrongly abstained 2/80, declined 16/28;
#   en R@5 0.875 (35/40), wrongly abstained 0/40, declined 7/24.
# exam11: ja R@5 0.900 (72/80), wrongly abstained 1/80, declined 16/28;
#   en R@5 0.775 (31/40), wrongly abstained 2/40, declined 1/24.
# exam6-9: ja R@5 0.841 (269/320), wrongly abstained 6/320, declined 50/112;
#   en R@5 0.944 (151/160), wrongly abstained 4/160, declined 12/96.
SERIES_GROUPS = {"exam18": ("exam18",), "exam17": ("exam17",), "exam16": ("exam16",), "exam15": ("exam15",),
                 "exam14": ("exam14",), "exam13": ("exam13",), "exam12": ("exam12",), "exam10": ("exam10",),
                 "exam11": ("exam11",), "exam6-9": ("exam6", "exam7", "exam8", "exam9")}
SERIES_FLOORS = {
    "exam18": {
        "ja": {"r5": 0.86, "wrongly_abstained": 0.025, "abstained": 0.32},
        "en": {"r5": 0.75, "wrongly_abstained": 0.075, "abstained": 0.16},
    },
    "exam17": {
        "ja": {"r5": 0.91, "wrongly_abstained": 0.05, "abstained": 0.42},
        "en": {"r5": 0.72, "wrongly_abstained": 0.05, "abstained": 0.12},
    },
    "exam16": {
        "ja": {"r5": 0.76, "wrongly_abstained": 0.025, "abstained": 0.35},
        "en": {"r5": 0.5, "wrongly_abstained": 0.05, "abstained": 0.04},
    },
    "exam15": {
        "ja": {"r5": 0.86, "wrongly_abstained": 0.025, "abstained": 0.28},
        "en": {"r5": 0.7, "wrongly_abstained": 0.075, "abstained": 0.08},
    },
    "exam14": {
        "ja": {"r5": 0.92, "wrongly_abstained": 0.025, "abstained": 0.5},
        "en": {"r5": 0.62, "wrongly_abstained": 0.05, "abstained": 0.04},
    },
    "exam13": {
        "ja": {"r5": 0.78, "wrongly_abstained": 0.025, "abstained": 0.39},
        "en": {"r5": 0.8, "wrongly_abstained": 0.075, "abstained": 0.2},
    },
    "exam12": {
        "ja": {"r5": 0.9, "wrongly_abstained": 0.0375, "abstained": 0.32},
        "en": {"r5": 0.77, "wrongly_abstained": 0.05, "abstained": 0.04},
    },
    "exam10": {
        "ja": {"r5": 0.92, "wrongly_abstained": 0.05, "abstained": 0.5},
        "en": {"r5": 0.82, "wrongly_abstained": 0.05, "abstained": 0.2},
    },
    "exam11": {
        "ja": {"r5": 0.87, "wrongly_abstained": 0.0375, "abstained": 0.5},
        "en": {"r5": 0.72, "wrongly_abstained": 0.1, "abstained": 0.0},
    },
    "exam6-9": {
        # round 23: Japanese declined 50 -> 47 of 112 (the answer window reads other hits), set again two under
        "ja": {"r5": 0.83, "wrongly_abstained": 0.025, "abstained": 0.40},
        "en": {"r5": 0.93, "wrongly_abstained": 0.0375, "abstained": 0.1},
    },
}


# Held-out splits kept out of the series index, whose floors above were measured on the 88 articles without
# them: exam19 to exam29 are gated on their own indexes only, exam30 is not measured yet (tests/data/corpus/README.md).
OUTSIDE_THE_SERIES: tuple[str, ...] = ("exam19", "exam20", "exam21", "exam22", "exam23", "exam24", "exam25",
                                        "exam26", "exam27", "exam28", "exam29",
                                        "exam30")


@pytest.fixture(scope="module")
def whole_series(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The shipped article and the corpus articles in one index (88): the series after many interviews."""
    seeds = tmp_path_factory.mktemp("series-seeds")
    for path in [*SEEDS.iterdir(), *CORPUS.glob("*/*.txt"), *CORPUS.glob("*/*.json")]:
        if path.parent.name not in OUTSIDE_THE_SERIES:
            shutil.copy(path, seeds / path.name)
    return Retriever.build(load_seeds(seeds), tmp_path_factory.mktemp("series-index"))


@pytest.mark.parametrize("group", list(SERIES_FLOORS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_as_the_series_grows_readers_questions_are_still_found_and_not_turned_away(whole_series: Retriever,
                                                                                   group: str, lang: str) -> None:
    questions = by_language([row for split in SERIES_GROUPS[group] for row in
                             load_questions(CORPUS / f"{split}_questions.jsonl")], lang)
    report = evaluate(whole_series, questions)
    summary = "\n".join(report.lines())
    floor = SERIES_FLOORS[group][lang]
    assert report.recall_at_5 >= floor["r5"], summary
    assert report.wrongly_abstained <= floor["wrongly_abstained"], summary


@pytest.mark.parametrize("group", list(SERIES_FLOORS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_as_the_series_grows_unanswerable_questions_still_get_not_found(whole_series: Retriever, group: str,
                                                                        lang: str) -> None:
    unanswerable = by_language([row for split in SERIES_GROUPS[group] for row in
                                load_questions(CORPUS / f"{split}_oos.jsonl", need_gold=False)], lang)
    declined = sum(not whole_series.search(row["q"], k=3).answered for row in unanswerable)
    assert declined / len(unanswerable) >= SERIES_FLOORS[group][lang]["abstained"], f"{declined}/{len(unanswerable)}"
