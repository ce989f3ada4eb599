"""Stage 5: score passages for a question; answer or abstain.

- Ranking is mostly dense: a passage's score is a weighted mean of two cosines with the question,
  its whole exchange (the interviewer's question and the staff answer, embedded once) and its best
  sentence, plus a small share of BM25: over the articles' words for a Japanese question, over
  their English dictionary glosses for an English one. On the multi-article tuning corpus
  this beat the earlier many-views + rank fusion, which lowered Recall@1 there (readers rarely use
  the articles' words; docs/measurements.md).
- A long Japanese question's last part (the ask after a preamble) is embedded too and weighs in the
  ranking; the signals for "not found" read the question's own vector (:class:`QueryVector`).
- A passage's article counts too: a small share of the mean score of its article's best
  candidates is added, so that an article with several close matches wins over a lone close
  match in an article about something else (it matters once the series has many articles), and a
  smaller share of how many of the question's words the article contains.
- Narration (intros, outros, the series' boilerplate) never answers a content question: it is
  searched only when the question is about an article itself (誰がインタビューした? いつの記事?).
- Each hit gets its own calibrated probability (:mod:`retrieval.index.calibration`) from its dense
  score and its margin over the question's other matches, the share of the question's words the
  articles cover, this passage covers and its article covers, the share of a Japanese question's
  compound nouns its article writes as they are, the best BM25 score, how far the best article score
  stands above the question's best ten matches (held at ``ONE_ARTICLE_SIGNAL`` on an index of one article,
  where it tells nothing apart), the size of the vocabulary and whether the question is English. The articles
  "answer" when one of the first ``ANSWER_WINDOW`` hits reaches the threshold.
- Exact ties are broken by the best single view, then by BM25, then by passage id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..index.calibration import Calibration, feature_rows
from ..index.store import IndexData
from ..index.vocabulary import JAPANESE_COMMON, compounds, coverage, passage_english

DENSE_VIEWS = 256  # views fetched from FAISS before exact per-passage scoring
ANSWER_WINDOW = 3  # the articles answer when one of the first hits is a confident match
WHOLE_WEIGHT = 0.6  # weight of the whole-exchange cosine; the best sentence has the rest (0.4-0.7 measured)
# A Japanese question's words against the articles' words (BM25, scaled to the best match). 0.05 was chosen in round 1
# on the dev set's 16 questions; on 4,796 tuning-side askings 0.03 ranks best with 0.04 (+16 first places over 0.05:
# one article +10, 88 articles +9, own indexes of five -6), and held out, on exam29 and seed_exam14, Japanese first
# places 70 -> 72 of 110, "not found" unchanged (docs/measurements.md, round 23).
LEXICAL_WEIGHT = 0.03
# An English question's words against the passages' English glosses (BM25, scaled to the best match). 0.02 was
# chosen before the question map (round 8), on questions the map was later fitted on; on questions it has not seen
# 0.04 ranks better on one article, five and 88 (English R@1 +0.015 to +0.03), and held out, on exam27, exam28,
# seed_exam12 and seed_exam13, English first places 61 -> 63 of 100, "not found" unchanged (docs/measurements.md,
# round 22).
ENGLISH_LEXICAL_WEIGHT = 0.04
# A question about an article: the narration of the article whose title and department share the
# most of the question's words comes first, and among narration its introduction (who interviewed
# whom, which part) before its closing lines (tuning splits' about-article questions; docs).
TITLE_BONUS = 0.05
INTRO_BONUS = 0.05
# A passage's article counts too: its rank gets ARTICLE_WEIGHT × the mean dense score of its article's
# best ARTICLE_DEPTH candidates. One article's several near matches outweigh a lone near match elsewhere.
# Tuning side, 28-article index: English R@5 0.782 -> 0.827, Japanese R@1 0.710 -> 0.719; flat from 0.5
# to 1.0, lower above (docs/measurements.md, round 4). No effect on an index of one article.
ARTICLE_WEIGHT = 0.5
ARTICLE_DEPTH = 3
# And the share of the question's content words its article contains (``in_article``, also a "not found" signal)
# gets ARTICLE_WORDS_WEIGHT: on 88 articles it picks the article that has the question's words among close
# matches. Tuning side, 88 articles: Japanese R@1 0.630 -> 0.639, English 0.692 -> 0.710 (lower for Japanese at
# 0.1); flat on each split's own index; no effect on one article. Held-out exam21 on 92 articles: Japanese R@1
# 0.625 -> 0.650 (docs/measurements.md, round 13).
ARTICLE_WORDS_WEIGHT = 0.05
# A long Japanese question's last part (the ask after a preamble: 「…イメージだけど、どうすれば参加できる?」) is
# embedded too and its vector mixed into the question's at this share, for the ranking only. Tuning side,
# Japanese questions that have one, on each split's own index: R@1 0.718 -> 0.740 at 0.3 (0.745 at 0.4);
# on 88 articles, flat (docs/measurements.md, rounds 10 and 12).
ASK_SHARE = 0.3
ASK_SENTENCES = re.compile(r"(?<=[。.!?！？])\s*")
ASK_CLAUSES = re.compile(r"(?<=[、,])")
# On an index of one article the article signal (how far the best article score stands above the question's best
# ten) cannot tell articles apart, and on the shipped article it does not tell answerable questions from
# unanswerable ones either (mean 0.021 against 0.020 on its tuning questions), while its weight, fitted where it
# tells articles apart, turns its noise into several logits. There it is held at its median on the shipped
# article's tuning questions (0.0215): Japanese AUROC 0.888 -> 0.921 (docs/measurements.md, round 17).
ONE_ARTICLE_SIGNAL = 0.02
MARGIN_DEPTH = 10  # a hit's margin: its dense score minus the mean of the question's best ten
# A question about an article itself rather than its content: who interviewed, which part, when.
ABOUT_ARTICLE = re.compile(
    r"記事|インタビュー(?:した|して|された|に答え|の相手|したの|者)|インタビュアー|取材|聞き手|ねつせた|"
    r"第.回|何回目|前編|中編|後編|"
    r"\barticle|\binterview(?:ed|er|ers)?\b|\bwho (?:was|were) interviewed|\bwhich part\b|\bpublished\b",
    re.IGNORECASE,
)


def english_share(text: str) -> float:
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(ch.isascii() for ch in letters) / len(letters)


def is_english(text: str) -> bool:
    """Whether a question is mostly Latin letters: read as English (the page then shows its labels in English)."""
    return english_share(text) > 0.5


@dataclass(frozen=True)
class QueryVector:
    """A question as the index compares it (:meth:`Retriever.embed_question`): its own vector, which the signals
    for "not found" and the highlight read, and the vector it is ranked by, a long Japanese question's ask weighed
    in at ``ASK_SHARE`` (round 12). Without an ask both are the same array."""

    own: np.ndarray
    ranked: np.ndarray

    @classmethod
    def of(cls, rows: np.ndarray) -> QueryVector:
        """From the embedder's rows: the question's vector, and its ask's when it has one."""
        if len(rows) == 1:
            own = rows[0]
            return cls(own, own)  # one array: the signals then reuse the ranking's dense scores
        mixed = (1 - ASK_SHARE) * rows[0] + ASK_SHARE * rows[1]
        return cls(rows[0], (mixed / np.linalg.norm(mixed)).astype(rows.dtype))


def the_ask(question: str) -> str | None:
    """A long Japanese question's last part, where readers put what they ask after saying why, else None.

    Its last sentence when it has two or more of at least six characters, else the part after its last
    comma when that part has eight characters or more. English questions have none: there the mix lost
    on the tuning side's 88-article index (docs/measurements.md, round 12).
    """
    if is_english(question):
        return None
    parts = [part for part in ASK_SENTENCES.split(question.strip()) if len(part.strip()) >= 6]
    if len(parts) >= 2:
        return parts[-1].strip()
    clauses = [clause for clause in ASK_CLAUSES.split(question) if clause.strip()]
    if len(clauses) >= 2 and len(clauses[-1]) >= 8:
        return clauses[-1].strip()
    return None


def is_about_article(question: str) -> bool:
    """Whether a question asks about an article itself (its interviewers, part, date)."""
    return ABOUT_ARTICLE.search(unicodedata.normalize("NFKC", question)) is not None


@dataclass(frozen=True)
class Scored:
    """A candidate passage with its dense score, signals and calibrated probability."""

    passage: int
    dense: float
    features: tuple[float, ...]
    probability: float


def _stored_vectors(index) -> np.ndarray:
    """The vectors of a flat FAISS index as a read-only array, without a copy when FAISS allows it."""
    try:
        import faiss

        array = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
    except (AttributeError, TypeError):
        array = index.reconstruct_n(0, index.ntotal)
    array.flags.writeable = False
    return array


class Scorer:
    """Scores one index. Read-only after construction, so one instance serves many threads."""

    def __init__(self, data: IndexData, calibration: Calibration) -> None:
        self.data = data
        self.calibration = calibration
        # Views grouped by passage (view 0, the whole passage, first in each group), and the vectors
        # as one array: a question's cosines with its candidates' views are one product.
        self._order = np.argsort(data.view_owner, kind="stable")
        self._bounds = np.searchsorted(data.view_owner[self._order], np.arange(len(data.passages) + 1))
        self._matrix = _stored_vectors(data.vectors)
        self._narration = np.array([p.kind == "narration" for p in data.passages], dtype=bool)
        first_exchange: dict[str, int] = {}
        for p in data.passages:
            if p.kind != "narration":
                first_exchange[p.article_id] = min(p.start, first_exchange.get(p.article_id, p.start))
        self._title_words = self._article_words(data)
        articles = {aid: code for code, aid in enumerate(data.articles)}
        self._article_code = np.array([articles[p.article_id] for p in data.passages], dtype=np.int64)
        self._intro = np.array([p.kind == "narration" and p.start < first_exchange.get(p.article_id, p.end)
                                for p in data.passages], dtype=bool)
        self._vocabulary = data.lexical.vocabulary
        # Each article's text as compounds are looked up in it (NFKC, lower case).
        texts: dict[str, list[str]] = {}
        for p in data.passages:
            texts.setdefault(p.article_id, []).append(p.text)
        self._article_text = [unicodedata.normalize("NFKC", "\n".join(texts.get(aid, ()))).lower()
                              for aid in data.articles]
        self._glosses = data.glosses
        self._english = data.english

    @staticmethod
    def _article_words(data: IndexData) -> dict[str, tuple[set[str], set[str]]]:
        """Per article: the words of its title and department, in Japanese and as English stems."""
        words = {}
        for article in data.articles.values():
            tokens = data.lexical.tokens(f"{article.title} {article.department}")
            words[article.id] = ({t for t in tokens if t not in JAPANESE_COMMON},
                                 set(passage_english(tokens, data.gloss_map)))
        return words

    def title_match(self, content: list[str], english: bool) -> np.ndarray:
        """Per passage: how well its article's title matches the question (1.0 for the best article)."""
        overlap = {aid: len(set(content) & words[english]) for aid, words in self._title_words.items()}
        best = max(overlap.values(), default=0)
        if not best:
            return np.zeros(len(self.data.passages))
        return np.array([overlap.get(p.article_id, 0) / best for p in self.data.passages])

    def mentions(self, phrase: str) -> bool:
        """Whether the articles mention ``phrase``: written as it is, or every content word of it."""
        text = unicodedata.normalize("NFKC", phrase).lower().strip()
        if is_english(text):  # every content word a gloss of an article word, or in the articles as is
            return coverage(text, True, [], self._vocabulary, self._glosses) == 1.0
        if not text or any(text in article for article in self._article_text):
            return True
        words = [w for w in self.data.lexical.tokens(text) if w not in JAPANESE_COMMON]
        return all(w in self._vocabulary for w in words)

    def view_vectors(self, passage: int) -> np.ndarray:
        """The stored vectors of a passage's views, in the order ``passages.views()`` gives them."""
        return self._matrix[self._order[self._bounds[passage] : self._bounds[passage + 1]]]

    def dense_scores(self, query_vector: np.ndarray, passages: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(ranking score, best single view) for the given passages; view 0 is the whole passage.

        The score: ``WHOLE_WEIGHT`` × the whole passage's cosine + the rest × its best other view
        (the whole passage again when it has no other)."""
        passages = np.asarray(passages, dtype=np.int64)
        starts, ends = self._bounds[passages], self._bounds[passages + 1]
        counts = ends - starts
        first = np.cumsum(counts) - counts  # where each passage's views begin in ``cosines``
        positions = np.arange(counts.sum()) - np.repeat(first, counts) + np.repeat(starts, counts)
        cosines = self._matrix[self._order[positions]] @ query_vector
        whole = cosines[first].astype(np.float64)
        padded = np.append(cosines, -np.inf)  # reduceat needs every boundary inside the array
        bounds = np.empty(2 * len(passages), dtype=np.int64)
        bounds[0::2] = np.where(counts > 1, first + 1, first)
        bounds[1::2] = first + counts
        parts = np.maximum.reduceat(padded, bounds)[0::2].astype(np.float64)
        best = np.maximum(whole, parts)
        return WHOLE_WEIGHT * whole + (1 - WHOLE_WEIGHT) * parts, best

    def article_scores(self, passages: list[int], dense: np.ndarray) -> np.ndarray:
        """Per candidate: its article's score, the mean dense score of the article's best
        ``ARTICLE_DEPTH`` candidates (an article with fewer is padded with the weakest candidate's)."""
        codes = self._article_code[np.asarray(passages)]
        order = np.lexsort((-dense, codes))
        grouped = codes[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        within = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        top = within < ARTICLE_DEPTH
        size = int(codes.max()) + 1
        sums = np.bincount(grouped[top], weights=dense[order][top], minlength=size)
        counts = np.bincount(grouped[top], minlength=size)
        means = (sums + (ARTICLE_DEPTH - counts) * dense.min()) / ARTICLE_DEPTH
        return means[codes]

    def _article_coverage(self, present: np.ndarray) -> np.ndarray:
        """Per article: the share of the question's content words (rows of ``present``) it contains."""
        if not len(present):
            return np.ones(len(self._article_text))
        words, passages = np.nonzero(present)
        contains = np.zeros((len(present), len(self._article_text)), dtype=bool)
        contains[words, self._article_code[passages]] = True
        return contains.sum(axis=0) / len(present)

    def _compound_coverage(self, found: list[str], passages: list[int]) -> np.ndarray:
        """Per candidate: the share of the question's compound nouns its article writes as they are
        (1.0 when the question has none, and for an English question)."""
        if not found:
            return np.ones(len(passages))
        codes = self._article_code[np.asarray(passages)]
        share = {code: sum(c in self._article_text[code] for c in found) / len(found) for code in set(codes.tolist())}
        return np.array([share[code] for code in codes.tolist()])

    def candidates(self, query_vector: np.ndarray, about_article: bool) -> list[int]:
        """Passages owning one of the views nearest to the question (FAISS), nearest first; narration
        only for a question about an article."""
        index = self.data.vectors
        _, view_ids = index.search(query_vector[None, :], min(index.ntotal, DENSE_VIEWS))
        owners = self.data.view_owner[view_ids[0][view_ids[0] >= 0]]
        if not about_article:
            owners = owners[~self._narration[owners]]
        _, first = np.unique(owners, return_index=True)
        return owners[np.sort(first)].tolist()

    def score(self, question: str, query: QueryVector, limit: int | None = None) -> list[Scored]:
        """Candidates for a question, best first, each with its own probability (the first ``limit``
        of them; all when ``limit`` is None)."""
        about = is_about_article(question)
        passages = self.candidates(query.ranked, about)
        if not passages:
            return []
        dense, best = self.dense_scores(query.ranked, passages)
        # The signals for "not found" read the question's own vector: the ask weighed in lifts the scores of
        # unanswerable questions too (tuning side: declined 0.889 -> 0.850; docs/measurements.md, round 12).
        signal = dense if query.own is query.ranked else self.dense_scores(query.own, passages)[0]
        english = is_english(question)
        # A Japanese question is cut once, for BM25 and for coverage; an English one is never cut by Sudachi.
        words = [] if english else self.data.lexical.tokens(question)
        # BM25 over the question's own language: the articles' words, or their English glosses.
        index, weight = (self._english, ENGLISH_LEXICAL_WEIGHT) if english else (self.data.lexical, LEXICAL_WEIGHT)
        content = index.tokens(question) if english else [w for w in words if w not in JAPANESE_COMMON]
        all_lexical = index.scores(question, content if english else words)
        lexical = all_lexical[passages]
        rank = dense + weight * lexical / lexical.max() if lexical.max() > 0 else dense
        articles = self.article_scores(passages, dense)
        covered = coverage(question, english, words, self._vocabulary, self._glosses)
        present = index.presence(content)  # one row per distinct content word, one column per passage
        distinct = len(present)
        hit_covered = present[:, passages].sum(axis=0) / distinct if distinct else np.ones(len(passages))
        in_article = self._article_coverage(present)[self._article_code[passages]]
        if about:  # a question about the article itself: the article's own words (narration) come first
            titled = self.title_match(content, english)[passages]
            rank = rank + self._narration[passages] * (1 + TITLE_BONUS * titled) + INTRO_BONUS * self._intro[passages]
        else:
            rank = rank + ARTICLE_WEIGHT * articles + ARTICLE_WORDS_WEIGHT * in_article
        compound = self._compound_coverage([] if english else compounds(question), passages)
        usual = np.sort(signal)[::-1][:MARGIN_DEPTH].mean()  # how close the question's best ten come
        margin = signal - usual
        best_lexical = float(all_lexical.max())
        if len(self.data.articles) == 1:
            stands_out = ONE_ARTICLE_SIGNAL
        else:  # the article scores the signals read: of the question's own vector when its ask was weighed in
            signal_articles = articles if signal is dense else self.article_scores(passages, signal)
            stands_out = float(signal_articles.max()) - usual
        rows = feature_rows(signal, covered, english, len(self._vocabulary), best_lexical, margin, hit_covered,
                            stands_out, in_article, compound)
        probability = self.calibration.probability(rows)
        # Best first; exact ties by the best single view, then BM25, then the passage's number.
        order = np.lexsort((np.asarray(passages), -lexical, -best, -rank))[:limit]
        return [Scored(passages[i], float(dense[i]), tuple(rows[i].tolist()), float(probability[i]))
                for i in order.tolist()]
