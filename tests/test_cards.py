"""What a reply card tells the reader besides the quote (web/cards.py): how a follow-up was read, the
article's date, a match level the engine believes, and one definition of labels for every surface.

Fast: the fake-embedder index.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from conftest import NEW_ARTICLE, SEEDS

from retrieval import (
    FeedbackStore,
    HashingEmbedder,
    LiveRetriever,
    Retriever,
    answer,
    example_questions,
    load_seeds,
)
from retrieval.editing.library import Library
from retrieval.ingest.articles import load_article
from retrieval.ingest.sources import read_source
from retrieval.readers.conversation import EXAMPLE_MAX_CHARS, plain_question
from retrieval.search.retriever import MATCH_LEVELS, match_level
from web.cards import LABELS, published_label, render_answer, widget_config
from web.page import Context, new_state, on_ask

LEADER = "DX推進リーダーって何をする人？"


@pytest.fixture()
def ctx(fake_retriever: Retriever, tmp_path: Path) -> Context:
    return Context(fake_retriever, FeedbackStore(tmp_path / "fb.sqlite3"), ("DX推進担当課はいつできたの?",))


def test_a_follow_up_card_says_what_it_was_read_as(ctx: Context) -> None:
    history, _, state = on_ask(ctx, LEADER, [], new_state())
    assert "についての質問として検索しました" not in history[-1]["content"]
    history, _, state = on_ask(ctx, "それはいつから?", history, state)
    assert "『DX推進リーダー』についての質問として検索しました" in history[-1]["content"]
    history, _, _ = on_ask(ctx, "OCRって何?", history, state)  # a question of its own is read alone
    assert "についての質問として検索しました" not in history[-1]["content"]


def test_the_card_shows_the_article_date_when_it_is_known(tmp_path: Path) -> None:
    article = load_article(NEW_ARTICLE)
    dated = dataclasses.replace(article, meta=dataclasses.replace(article.meta, published="2024-03-15"))
    retriever = Retriever.build([*load_seeds(SEEDS), dated], tmp_path / "index", embedder=HashingEmbedder())
    new = answer(retriever, "職員のテレワークはどのくらい使われていますか")
    assert new.hits[0].published == "2024-03-15"
    assert '<span class="date">(2024年3月15日)</span>' in render_answer(new, ())
    old = answer(retriever, LEADER)  # the shipped article states no date: none is shown
    assert old.hits[0].published is None and 'class="date"' not in render_answer(old, ())
    assert published_label("2024-03-05T09:00:00+09:00", LABELS["ja"]) == "2024年3月5日"
    assert published_label("", LABELS["ja"]) == published_label(None, LABELS["ja"]) == ""


def test_the_match_level_follows_the_calibrated_probability_from_one_table() -> None:
    assert [match_level(p) for p in (0.99, 0.8, 0.79, 0.5, 0.49, 0.0)] == ["high", "high", "mid", "mid", "low", "low"]
    assert MATCH_LEVELS[0] == (0.8, "high")


def test_the_card_labels_the_level_the_engine_gives(fake_retriever: Retriever) -> None:
    found = answer(fake_retriever, LEADER)
    card = render_answer(found, ())
    hit = found.hits[0]
    words = LABELS["ja"]
    shown = re.search(r'<div class="meta match match-(\w+)">一致度: (.) \((\d+)%\)</div>', card)
    assert shown.groups() == (hit.level, words[hit.level], str(round(hit.score * 100)))


def test_the_widget_gets_the_same_labels_and_limits_as_the_page() -> None:
    config = widget_config(["例の質問?"])
    assert config["labels"] == dict(LABELS["ja"]) and config["examples"] == ["例の質問?"]
    assert config["limits"] == {"k": 4, "related": 3, "related_min_score": 0.25, "max_chars": 500}
    assert set(LABELS["ja"]) == set(LABELS["en"])
    widget = (Path(__file__).resolve().parent.parent / "static" / "widget.js").read_text(encoding="utf-8")
    for label in ("聞き手の質問", "出典", "一致度", "関連する回答", "見つかりませんでした"):
        assert label not in widget  # defined once, in Python


def test_example_questions_are_short_plain_and_answered_by_their_own_passage(fake_retriever: Retriever) -> None:
    examples = example_questions(fake_retriever, 3)
    assert len(examples) == 3 and examples[0] == "DX推進担当課はどんな経緯で設立されたの?"
    passages = {p.id: p for p in fake_retriever.data.passages}
    for question in examples:  # each one finds the exchange it was made from
        made_from = passages[fake_retriever.search(question, k=1).hits[0].id].question
        assert plain_question(made_from, EXAMPLE_MAX_CHARS) == question
    assert all(len(q) <= EXAMPLE_MAX_CHARS and "のですか" not in q and "どのような" not in q for q in examples)
    assert all(fake_retriever.search(q).answered for q in examples)


def test_examples_follow_the_index_after_an_article_is_added(library_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    seeds, index = library_dirs
    live = LiveRetriever(index, HashingEmbedder())
    ctx = Context(live, FeedbackStore(tmp_path / "fb.sqlite3"))
    before = ctx.examples
    assert len(before) == 3 and not any("テレワーク" in q for q in before)
    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    live.refresh()
    after = ctx.examples
    assert "区役所の職員の方も、テレワークをしているの?" in after  # the new article's first question, made plain
    assert ctx.examples is after  # drawn once per index generation
