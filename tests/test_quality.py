"""Retrieval quality with the real bundled model: readers' questions find the right quote near the
top, and questions no article answers get "not found".

Which set is which (tests/data/corpus/README.md, docs/measurements.md):
- the seed article's dev set (tests/data/dev*.jsonl, from ../shared/eval) and our extra set were
  used to tune and calibrate: these gates only guard against regressions;
- the held-out corpus splits (tests/data/corpus/exam4/ and exam6/ to exam9/, four invented articles
  each in the series' layouts, with their questions and unanswerable questions) were written by
  writers who did not tune, and were never tuned or fitted on: their gates sit just under the
  figures measured once, after the method and the shipped calibration were fixed; exam6 to exam9 are
  also asked on one index of every corpus article (the series grown to 52 articles). (Earlier
  held-out splits were measured in their turn and retired to the tuning side;
  tests/data/corpus/README.md.)
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


@pytest.fixture(scope="module", params=["exam4", "exam6", "exam7", "exam8", "exam9"])
def held_out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Retriever]:
    """(split, the shipped article plus the held-out split's four articles, indexed with the real model)."""
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


# Each measured once on its held-out split after the method and the shipped calibration were fixed
# (docs/measurements.md); set about two questions under those figures so that a real regression
# fails CI. exam4 (round 2): ja R@1 0.625, R@5 0.938, wrongly abstained 1/80, unanswerable declined 14/24;
#                            en R@1 0.450, R@5 0.750, wrongly abstained 1/40, unanswerable declined 13/22.
# exam6 (round 3):           ja R@1 0.625, R@5 0.887, wrongly abstained 0/80, unanswerable declined 15/28;
#                            en R@1 0.675, R@5 0.900, wrongly abstained 4/40, unanswerable declined 12/24.
# exam7 (round 3):           ja R@1 0.787, R@5 0.925, wrongly abstained 5/80, unanswerable declined 12/28;
#                            en R@1 0.525, R@5 0.850, wrongly abstained 7/40, unanswerable declined 10/24.
# exam8 (round 4):           ja R@1 0.713, R@5 0.950, wrongly abstained 3/80, unanswerable declined 13/28;
#                            en R@1 0.550, R@5 0.900, wrongly abstained 6/40, unanswerable declined 15/24.
# exam9 (round 4):           ja R@1 0.713, R@5 0.887, wrongly abstained 1/80, unanswerable declined 18/28;
#                            en R@1 0.500, R@5 0.850, wrongly abstained 4/40, unanswerable declined 15/24.
# (Round 4's article score, asked again of exam4-8 as a second look, lowered none of their figures.)
HELD_OUT_FLOORS = {
    "exam4": {
        "ja": {"r1": 0.60, "r5": 0.91, "wrongly_abstained": 0.04, "abstained": 0.50},
        "en": {"r1": 0.40, "r5": 0.70, "wrongly_abstained": 0.075, "abstained": 0.50},
    },
    "exam6": {
        "ja": {"r1": 0.60, "r5": 0.86, "wrongly_abstained": 0.03, "abstained": 0.46},
        "en": {"r1": 0.62, "r5": 0.85, "wrongly_abstained": 0.15, "abstained": 0.41},
    },
    "exam7": {
        "ja": {"r1": 0.76, "r5": 0.90, "wrongly_abstained": 0.09, "abstained": 0.35},
        "en": {"r1": 0.47, "r5": 0.80, "wrongly_abstained": 0.225, "abstained": 0.33},
    },
    "exam8": {
        "ja": {"r1": 0.68, "r5": 0.92, "wrongly_abstained": 0.065, "abstained": 0.39},
        "en": {"r1": 0.50, "r5": 0.85, "wrongly_abstained": 0.20, "abstained": 0.54},
    },
    "exam9": {
        "ja": {"r1": 0.68, "r5": 0.86, "wrongly_abstained": 0.04, "abstained": 0.57},
        "en": {"r1": 0.45, "r5": 0.80, "wrongly_abstained": 0.15, "abstained": 0.54},
    },
}


@pytest.fixture(scope="module")
def whole_series(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The shipped article and every corpus article in one index (52): the series after many interviews."""
    seeds = tmp_path_factory.mktemp("series-seeds")
    for path in [*SEEDS.iterdir(), *CORPUS.glob("*/*.txt"), *CORPUS.glob("*/*.json")]:
        shutil.copy(path, seeds / path.name)
    return Retriever.build(load_seeds(seeds), tmp_path_factory.mktemp("series-index"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_as_the_series_grows_readers_questions_are_still_found_and_not_turned_away(whole_series: Retriever,
                                                                                   lang: str) -> None:
    questions = by_language([row for split in SERIES_SPLITS for row in
                             load_questions(CORPUS / f"{split}_questions.jsonl")], lang)
    report = evaluate(whole_series, questions)
    summary = "\n".join(report.lines())
    floor = SERIES_FLOORS[lang]
    assert report.recall_at_5 >= floor["r5"], summary
    assert report.wrongly_abstained <= floor["wrongly_abstained"], summary


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_as_the_series_grows_unanswerable_questions_still_get_not_found(whole_series: Retriever, lang: str) -> None:
    unanswerable = by_language([row for split in SERIES_SPLITS for row in
                                load_questions(CORPUS / f"{split}_oos.jsonl", need_gold=False)], lang)
    declined = sum(not whole_series.search(row["q"], k=3).answered for row in unanswerable)
    assert declined / len(unanswerable) >= SERIES_FLOORS[lang]["abstained"], f"{declined}/{len(unanswerable)}"


# The held-out splits written for rounds 3 and 4, asked on one index of the shipped article and all 51 corpus
# articles (every split, tuning side included), with round 4's method; exam9 measured once with it, exam6-8 asked
# again (docs/measurements.md, `python scripts/round4_heldout.py`, `scripts/series_abstention.py`; the four
# splits' figures by the same evaluate()): ja R@5 0.866 (277/320), wrongly abstained 14/320, declined 62/112;
# en R@5 0.744 (119/160), wrongly abstained 9/160, declined 26/96. Floors about two questions under.
SERIES_SPLITS = ("exam6", "exam7", "exam8", "exam9")
SERIES_FLOORS = {
    "ja": {"r5": 0.855, "wrongly_abstained": 0.05, "abstained": 0.53},
    "en": {"r5": 0.73, "wrongly_abstained": 0.07, "abstained": 0.25},
}
