"""Stage 4c: what the articles talk about, as words: the corpus vocabulary and its English glosses.

Abstention asks how much of a question the articles cover at all. A Japanese question is cut by
the same tokenizer as BM25 and its content words are looked up in the index's vocabulary. An
English question cannot be looked up directly, so each build also stores the English glosses of
the vocabulary, taken from JMdict (the ``jamdict-data`` package: a SQLite file on disk, read
offline); "daycare" is covered when an article says 保育園, "weather" is not when none says 天気.
Both follow the corpus: an article added about a new topic brings its words with it.

A Japanese question's compound nouns (介護保険, 区営住宅: runs of nouns the tokenizer cuts into
words every article has) are looked up as they are written, in the text of the article a hit comes
from: an article that says 介護 and 保険 apart does not answer a question about 介護保険.

The same glosses give each passage an English word list (its words' first glosses, stemmed by the
Snowball stemmer of PyStemmer), so that an English question can be matched word by word too
(:mod:`retrieval.index.lexical`'s ``english`` tokenizer; docs/measurements.md).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

from ..errors import IndexStoreError

ENGLISH_WORD = re.compile(r"[a-z][a-z'\-]*")
# Function words and question chrome that say nothing about a topic.
ENGLISH_STOPWORDS = frozenset("""
a an the of to in on at for by with from and or but not no is are was were be been being am do does did done
have has had can could will would shall should may might must i you he she it we they me him her us them my your
his its our their this that these those there here what which who whom whose when where why how if then so than too
very just also any some all each every much many more most other such only own same about into over after before
up down out off again once get got make made tell let know please want need like say said one ones thing things way
something anything anyone someone s t e g etc esp oneself ward setagaya city office japan japanese
""".split())
# Japanese words that any question may use (Sudachi's normalised forms): not a topic.
JAPANESE_COMMON = frozenset("""
為る 居る 有る 成る 出来る 此の 其の 彼の 何 何か 何処 どんな どういう 如何 どう どの どれ 何回 回 目 事 物 方 所 時
思う 言う 見る 知る 教える 良い 使う 出る 行く 来る 呉れる 貰う 遣る 今 人 区 的 等 方法 仕方 ください 下さる
""".split())
SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("ied", "y"),
            ("ly", ""), ("ers", ""), ("er", ""), ("ments", ""), ("ment", ""))
SQL_CHUNK = 400
# Long dictionary explanations ("to do something carefully for a long time") are not translations;
# only their first words are kept.
MAX_GLOSS_WORDS = 3
# A passage's English words: the first gloss words of each of its words (the first senses; later
# ones drift: 作る also "to cultivate", "to feign"). 5 measured on the tuning corpus.
PASSAGE_GLOSS_WORDS = 5


# Parts of speech that make up a compound noun (区営 住宅, 区民 プール, 印鑑 登録 証明 書).
COMPOUND_POS = ("名詞", "接頭辞", "接尾辞")


def compounds(question: str) -> list[str]:
    """A Japanese question's compound nouns: runs of two or more nouns (with their prefixes and
    suffixes) as written, NFKC-normalised and lower-cased, of three characters or more and without
    digits (「1歳半」 is not a topic)."""
    from sudachipy import SplitMode

    from ..ingest.text import sudachi

    runs, run = [], []
    for morpheme in [*sudachi().tokenize(unicodedata.normalize("NFKC", question).lower(), SplitMode.B), None]:
        pos = morpheme.part_of_speech() if morpheme is not None else ("",)
        if pos[0] in COMPOUND_POS and pos[1] != "数詞":
            run.append(morpheme.surface())
            continue
        if len(run) >= 2:
            runs.append("".join(run))
        run = []
    return [r for r in dict.fromkeys(runs) if len(r) >= 3 and not any(ch.isdigit() for ch in r)]


def english_words(text: str) -> list[str]:
    """Lower-case content words of an English text."""
    words = (w.strip("'-").replace("-", "") for w in ENGLISH_WORD.findall(text.lower()))  # on-line = online
    return [w for w in words if w and w not in ENGLISH_STOPWORDS]


def word_forms(word: str) -> list[str]:
    """A word and its plausible dictionary forms (reservations → reservation, applying → apply)."""
    forms = [word]
    for suffix, replacement in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + replacement)
    return forms


def _dictionary() -> sqlite3.Connection:
    try:
        import jamdict_data
    except ImportError:
        raise IndexStoreError("English glosses need the package jamdict-data: pip install jamdict-data") from None
    return sqlite3.connect(f"file:{jamdict_data.JAMDICT_DB_PATH}?mode=ro", uri=True)


def gloss_map(vocabulary: Iterable[str]) -> dict[str, list[str]]:
    """Each word of ``vocabulary`` that JMdict knows, with its English gloss words (senses in order)."""
    words = sorted(set(vocabulary))
    found: dict[str, list[str]] = {}
    with _dictionary() as db:
        for start in range(0, len(words), SQL_CHUNK):
            chunk = words[start : start + SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                "SELECT k.text, s.ID, g.text FROM Kanji k JOIN Sense s ON s.idseq = k.idseq "
                f"JOIN SenseGloss g ON g.sid = s.ID WHERE k.text IN ({marks}) UNION "
                "SELECT k.text, s.ID, g.text FROM Kana k JOIN Sense s ON s.idseq = k.idseq "
                f"JOIN SenseGloss g ON g.sid = s.ID WHERE k.text IN ({marks}) ORDER BY 1, 2, 3", chunk + chunk)
            for word, _, gloss in rows:
                found.setdefault(word, []).extend(english_words(re.sub(r"\([^)]*\)", " ", gloss))[:MAX_GLOSS_WORDS])
    return found


def english_glosses(glosses: dict[str, list[str]]) -> frozenset[str]:
    """Every English word that translates a word of the articles, with its dictionary forms."""
    return frozenset(form for words in glosses.values() for word in words for form in word_forms(word))


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def english_stems(text: str) -> list[str]:
    """The stems of an English text's content words ("reservations" and "reserve" give "reserv")."""
    return _stemmer().stemWords(english_words(text))


def passage_english(tokens: Sequence[str], glosses: dict[str, list[str]]) -> list[str]:
    """A passage's English words, stemmed: its words' first glosses, and its words written in Latin letters."""
    words: list[str] = []
    for token in tokens:
        words.extend(glosses.get(token, ())[:PASSAGE_GLOSS_WORDS])
        if token.isascii():
            words.extend(english_words(token))
    return _stemmer().stemWords(words)


def coverage(question: str, english: bool, words: Sequence[str], vocabulary: set[str] | dict,
             glosses: set[str] | frozenset[str]) -> float:
    """Share of the question's content words that occur in the articles (1.0 when it has none).

    ``words``: a Japanese question cut by the index's tokenizer (unused for an English one).

    English words count as covered when one of their forms is a gloss of an article word or
    appears in an article as it is (DX, LINE, app names).
    """
    if english:
        words = english_words(question)
        covered = [any(form in glosses or form in vocabulary for form in word_forms(w)) for w in words]
    else:
        covered = [w in vocabulary for w in words if w not in JAPANESE_COMMON]
    return sum(covered) / len(covered) if covered else 1.0
