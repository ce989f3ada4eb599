"""Stage 4c (vocabulary.py): how much of a question the articles cover, in Japanese and English."""

from __future__ import annotations

import numpy as np

from retrieval.index.lexical import ENGLISH_TOKENIZER, LexicalIndex, tokenizer
from retrieval.index.vocabulary import (
    coverage,
    english_glosses,
    english_stems,
    english_words,
    gloss_map,
    passage_english,
    word_forms,
)

TOKENS = tokenizer("sudachi")
ARTICLE = "保育園の入園の申し込みはオンラインで受け付けています。キャッシュレス決済も始めました。"
ARTICLE_WORDS = {word: 0 for word in TOKENS(ARTICLE)}


def test_english_glosses_translate_the_articles_words_offline() -> None:
    glosses = english_glosses(gloss_map(ARTICLE_WORDS))
    assert {"nursery", "cashless", "payment", "pay"} <= glosses  # "payment" also brings "pay"
    assert "weather" not in glosses and "passport" not in glosses


def covered(question: str, english: bool, glosses: set[str] = frozenset()) -> float:
    return coverage(question, english, TOKENS(question), ARTICLE_WORDS, glosses)


def test_a_japanese_question_is_covered_by_the_words_the_articles_use() -> None:
    assert covered("保育園の申し込みはオンラインでできる?", False) == 1.0
    assert covered("パスポートの申請はどこ?", False) < 0.5


def test_an_english_question_is_covered_through_the_glosses() -> None:
    glosses = english_glosses(gloss_map(ARTICLE_WORDS))
    assert covered("Is the nursery application online?", True, glosses) == 1.0
    assert covered("What is the weather on Mars?", True, glosses) == 0.0


def test_english_words_drop_function_words_and_know_plain_forms() -> None:
    assert english_words("What does the ward do with the reservations?") == ["reservations"]
    assert "reservation" in word_forms("reservations") and "apply" in word_forms("applying") + ["apply"]


def test_an_english_question_finds_the_passage_whose_glosses_it_shares() -> None:
    passages = ["保育園の入園の申し込みはオンラインで受け付けています。",
                "図書館の本はスマートフォンで予約できます。",
                "LINEで道路の穴を知らせてください。"]
    tokens = [TOKENS(text) for text in passages]
    glosses = gloss_map({word for words in tokens for word in words})
    english = LexicalIndex.from_tokens([passage_english(words, glosses) for words in tokens], ENGLISH_TOKENIZER)
    for question, expected in (("How do I apply for a nursery school?", 0),
                               ("Can I reserve library books on my phone?", 1),
                               ("Can I report a pothole on LINE?", 2)):  # LINE: the article's own Latin word
        assert int(np.argmax(english.scores(question))) == expected, question
    assert not english.scores("What is the weather on Mars?").any()
    stems = english_stems("library reservations")
    assert list(english.presence(stems).sum(axis=0)) == [0, 2, 0]  # the library passage holds both words


def test_english_stems_join_a_words_forms() -> None:
    assert english_stems("reservations") == english_stems("reserve") and english_stems("the of") == []
