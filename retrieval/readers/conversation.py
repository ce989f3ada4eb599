"""A question in a conversation: follow-ups read in context, quotes with the answering sentence marked.

A short follow-up such as 「それはいつから?」 or 「具体的には?」 names nothing the index can find; it
is searched together with the question before it. The rule is deliberately simple (measured in
docs/followups.md): a question is a follow-up when it is short and either starts with a word that
points back (それ, その, そこ, 以前, 今後, ...), asks about the other one (「OCRのほうは?」), is nothing but
question words and particles (いつから, 誰が, 具体的には), or is very short and names nothing the articles
do not mention (「誰がなるの?」「区民向けには?」, but not 「区役所の駐車場は何台?」: that asks about something
new). English works the same way ("When did it start?", "Why?", "Who trains them?", "What about staff?").

Everything here is independent of the web page; the web layer (``web/cards.py``) only renders an :class:`Answer`.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..errors import QueryError
from ..ingest.text import noun_phrases
from ..search.citation import Segment, highlight
from ..search.ranking import ANSWER_WINDOW, is_english
from ..search.retriever import MAX_QUESTION_CHARS, Hit, Retriever, SearchResult, check_k, check_question

FOLLOW_UP_MAX_CHARS = 15
FOLLOW_UP_MAX_WORDS = 6
ELLIPTIC_MAX_CHARS = 10
NAME = re.compile(r"[A-Za-z0-9]{2,}|[ァ-ヴー]{2,}")
# Words that point back at what was just said, or place the question in time against it (「以前は?」).
POINTING = tuple("それ その そこ そう そちら そっち そんな これ この ここ こう こちら こんな あれ あの あそこ 彼 同じ "
                 "他に ほかに じゃあ では なら ちなみに で、 以前 当時 昔".split())
CONTRAST = re.compile(r"(?:のほう|の方)は$")  # 「OCRのほうは?」: the other one of what was just said
QUESTION_WORDS = tuple("いつ 誰 だれ 何 なに なん なぜ どうして どこ どれ どの どう どんな どのよう どのくらい "
                       "どれくらい いくつ いくら 具体的 例えば たとえば 詳しく くわしく もっと 理由 他 ほか 方法 "
                       "結果 目的 きっかけ".split())
PARTICLES = tuple("から まで って とは には では でしょうか ですか ますか でした です だった だ か は が を に で "
                  "の と も へ ね よ ある あります いる います した する します ため".split())
# A noun run that starts with one of these asks or places in time rather than names (何年度, 最近の例)
ASKING = (*QUESTION_WORDS, "何", "幾", "最近", "今後", "今")
BARE = re.compile("(?:" + "|".join(sorted(map(re.escape, QUESTION_WORDS + PARTICLES), key=len, reverse=True)) + ")+")
PUNCTUATION = re.compile(r"[\s?？!！。、,.・…「」()（）]+")
ENGLISH_POINTING = {"it", "its", "that", "this", "they", "them", "those", "these", "there", "he", "she", "his", "her"}
ENGLISH_TURN = ("what about ", "how about ", "and ")  # "What about current staff?"
ENGLISH_BARE = re.compile(r"(?:why|when|who|what|where|how|which|since|else|more|details?|about|and|so|exactly|"
                          r"for|example|long|much|many|the|did|does|do|is|was|are|were|start|started|\s)+")
EXAMPLE_MAX_CHARS = 40
# "Not found" offers the interviewer's questions of the nearest passages, up to NEARBY of them, drawn from
# the first NEARBY_DEPTH hits, each at most NEARBY_MAX_CHARS long and confirmed to find its own passage;
# only when a first hit's probability reaches NEARBY_MIN_SCORE (a question near nothing gets the usual
# examples). Tuning side: for 28 of the 64 answerable questions turned away, one click on an offer shows
# the answer; when the floor was chosen none of the questions recovered then was under it, while 48 % of
# the off-topic questions were (docs/measurements.md, round 9).
NEARBY = 3
NEARBY_DEPTH = 5
NEARBY_MAX_CHARS = 60
NEARBY_MIN_SCORE = 0.01
CONTEXT_MAX_CHARS = 30
OPENERS = re.compile(r"^(?:まず|次に|では|さて|ところで|そういえば)、")


def is_follow_up(question: str, mentions: Callable[[str], bool] | None = None) -> bool:
    """Whether ``question`` only makes sense after the question before it.

    ``mentions`` (:meth:`Retriever.mentions`) says whether the articles mention a phrase: a very short
    question that names something they never mention (「区役所の駐車場は何台?」, 「任期は?」) asks
    about something new and stands alone, so that it gets "not found" rather than the previous topic's
    answer. Without it, only the wording decides.
    """
    text = unicodedata.normalize("NFKC", question).strip()
    if is_english(text):
        words = re.findall(r"[a-z']+", text.lower())
        if not words or len(words) > FOLLOW_UP_MAX_WORDS:
            return False
        joined = " ".join(words)
        if bool(ENGLISH_POINTING & set(words)) or ENGLISH_BARE.fullmatch(joined) is not None:
            return True
        # "What about current staff?" turns to something else of the same topic; "What about parking?",
        # which the articles never mention, is a new question.
        turn = next((t for t in ENGLISH_TURN if f"{joined} ".startswith(t)), None)
        return turn is not None and (mentions is None or mentions(joined[len(turn):]))
    compact = PUNCTUATION.sub("", text)
    if not compact or len(compact) > FOLLOW_UP_MAX_CHARS:
        return False
    if compact.startswith(POINTING) or BARE.fullmatch(compact) is not None:
        return True
    if (other := CONTRAST.search(compact)) is not None:  # 「OCRのほうは?」, if the articles mention OCR
        return mentions is None or all(mentions(phrase) for phrase in named(compact[: other.start()]))
    # Very short and naming nothing (no Latin or katakana word, nothing the articles never mention):
    # 「誰がなるの?」「区民向けには?」
    elliptic = any(word in compact for word in QUESTION_WORDS) or (
        compact.endswith("は") and not compact.endswith("とは"))
    if len(compact) > ELLIPTIC_MAX_CHARS or not elliptic or NAME.search(compact) is not None:
        return False
    return mentions is None or all(mentions(phrase) for phrase in named(compact))


def named(text: str) -> list[str]:
    """What a short question names: its runs of nouns of two characters or more, question words
    (何年度, 具体的) aside."""
    return [p for p in noun_phrases(text) if len(p) >= 2 and not p.startswith(ASKING)]


def in_context(question: str, previous: str | None, mentions: Callable[[str], bool] | None = None) -> str:
    """What to search for: the question, preceded by the previous one when it is a follow-up
    (``mentions``: see :func:`is_follow_up`)."""
    question = question.strip()
    if not previous or not is_follow_up(question, mentions):
        return question
    room = MAX_QUESTION_CHARS - len(question) - 1
    return f"{previous.strip()[-room:]} {question}" if room > 0 else question


@dataclass(frozen=True)
class Answer:
    """A searched question and its quotes, each cut into segments with the answering sentence marked."""

    question: str  # as typed
    searched: str  # what was searched: the question, in context when it is a follow-up
    result: SearchResult
    quotes: tuple[tuple[Segment, ...], ...]  # one per hit, same order
    context: str = ""  # the earlier question this one was read after; "" when it stands alone
    # When the articles do not answer: questions near this one that they do answer (nearby_questions).
    suggestions: tuple[str, ...] = ()

    @property
    def read_as(self) -> str:
        """What a follow-up was taken to be about, for telling the reader; "" when not a follow-up.

        The longest run of nouns in the earlier question (「DX推進リーダー」), else that question.
        """
        if not self.context:
            return ""
        phrases = [] if is_english(self.context) else noun_phrases(self.context)
        topic = max(phrases, key=len) if phrases else self.context.strip()
        return topic if len(topic) <= CONTEXT_MAX_CHARS else topic[: CONTEXT_MAX_CHARS - 1] + "…"

    def to_dict(self) -> dict:
        """The result's JSON plus, per hit, its quote as segments (``marked``: the sentences that answer)
        and, for a follow-up, what it was read as (``read_as``)."""
        data = self.result.to_dict()
        for hit, segments in zip(data["hits"], self.quotes, strict=True):
            hit["quote"] = [{"text": s.text, "marked": s.marked} for s in segments]
        return {"asked": self.question, **data, "read_as": self.read_as, "suggestions": list(self.suggestions)}

    @property
    def answered(self) -> bool:
        return self.result.answered

    @property
    def hits(self) -> tuple[Hit, ...]:
        return self.result.hits

    @property
    def english(self) -> bool:
        return is_english(self.question)


def answer(retriever: Retriever, question: object, previous: str | None = None, k: int = 4) -> Answer:
    """Search ``question`` (in the context of ``previous`` when it is a follow-up) and mark the quotes.

    Raises :class:`QueryError` (with a ``code``) for a question that cannot be searched; the
    question is checked on its own, before any context is added.
    """
    question = check_question(question)
    k = check_k(k)
    searched = in_context(question, previous, retriever.mentions)
    query = retriever.embed_question(searched, with_previous=searched != question)
    result = retriever.search(searched, k=max(k, NEARBY_DEPTH), query_vector=query)
    suggestions = () if result.answered else nearby_questions(retriever, result.hits)
    result = replace(result, hits=result.hits[:k])
    tokens = retriever.data.lexical.tokens
    quotes = tuple(highlight(hit.text, searched, _similarity(retriever, hit.id, query.own), tokens)
                   for hit in result.hits)
    context = previous.strip() if previous and searched != question else ""
    return Answer(question=question, searched=searched, result=result, quotes=quotes, context=context,
                  suggestions=suggestions)


def _similarity(retriever: Retriever, passage_id: str, query: np.ndarray) -> Callable[[list[str]], list[float]]:
    """Cosines of sentences with the query, from the vectors already in the index where possible.

    Every sentence of a passage was embedded as one of its views when the index was built; only a
    sentence cut differently from the view is embedded now.
    """
    stored = retriever.view_vectors(passage_id)

    def similarity(sentences: list[str]) -> list[float]:
        missing = [s for s in sentences if s not in stored]
        fresh = dict(zip(missing, retriever.embedder.embed_passages(missing), strict=True)) if missing else {}
        return [float(query @ (stored.get(s) if s in stored else fresh[s])) for s in sentences]

    return similarity


# From the interviewer's formal question to a reader's words (「どのような経緯で設立されたのですか?」 →
# 「どんな経緯で設立されたの?」). Applied in order; a question that stays long is not used.
PLAIN_WORDS = (
    (re.compile(r"^(?:そんな|それでは|では|じゃあ)、?"), ""),
    (re.compile(r"どのような"), "どんな"),
    (re.compile(r"どのように"), "どうやって"),
    (re.compile(r"(?:のでしょうか|のですか|んですか)[?？]$"), "の?"),
    (re.compile(r"ていますか[?？]$"), "ているの?"),
    (re.compile(r"(?:でしょうか|ですか)[?？]$"), "?"),
    (re.compile(r"ありますか[?？]$"), "あるの?"),
    (re.compile(r"^([^、]{2,14}?(?:は|では|には))、"), r"\1"),
)
PLAIN_MAX_CHARS = 30


def plain_question(question: str, limit: int = PLAIN_MAX_CHARS) -> str:
    """An interviewer's question (its last sentence) in a reader's shorter words; "" when none fits."""
    asked = re.findall(r"[^。!?！？\n]*[?？]", question)
    text = OPENERS.sub("", asked[-1].strip()) if asked else ""
    for pattern, replacement in PLAIN_WORDS:
        text = pattern.sub(replacement, text)
    # 「その方法は?」「具体的にはどんなこと?」 point back at earlier talk: offered and clicked, they would be
    # read after the reader's previous question (is_follow_up), not as the interviewer meant them.
    if text.startswith(POINTING) or is_follow_up(text):
        return ""
    return text if 6 <= len(text) <= limit else ""


def example_questions(retriever: Retriever, n: int = 3) -> list[str]:
    """Up to ``n`` short questions the articles answer, in a reader's words, from the current index.

    Each is an interviewer's question made plain (:func:`plain_question`), taken in turn from each
    article (so a newly added article shows up), and kept only if searching it is answered with
    its own passage first.
    """
    confirmed: list[str] = []
    for limit in (PLAIN_MAX_CHARS, EXAMPLE_MAX_CHARS):  # short ones first; longer ones if too few
        _confirm(retriever, n, limit, confirmed)
    return confirmed


def _confirm(retriever: Retriever, n: int, limit: int, confirmed: list[str]) -> None:
    per_article: dict[str, list[tuple[str, str]]] = {}
    for passage in retriever.data.passages:
        if passage.kind == "exchange" and passage.question and (text := plain_question(passage.question, limit)):
            per_article.setdefault(passage.article_id, []).append((text, passage.id))
    queues = [list(reversed(found)) for found in per_article.values()]
    while queues and len(confirmed) < n:
        for queue in list(queues):
            if not queue:
                queues.remove(queue)
                continue
            text, passage_id = queue.pop()
            try:
                result = retriever.search(text, k=1)
            except QueryError:
                continue
            if result.answered and result.hits[0].id == passage_id and text not in confirmed:
                confirmed.append(text)
                if len(confirmed) >= n:
                    break


# Per retriever (one index generation): passage id -> its question as offered, "" when it cannot be.
_OFFERABLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def nearby_questions(retriever: Retriever, hits: tuple[Hit, ...], n: int = NEARBY) -> tuple[str, ...]:
    """Up to ``n`` questions the articles answer, near a question they do not: the interviewer's
    questions of the nearest ``hits`` (made plain, :func:`plain_question`), each kept only if searching it
    is answered with its own passage first, so that asking it shows that passage. None when no first hit
    reaches ``NEARBY_MIN_SCORE``: a question near nothing is offered the usual examples instead.

    A reader turned away may have asked something the articles do answer in other words; one click
    on the right offer shows it. Each passage is checked once per index generation (cached).
    """
    if max((hit.score for hit in hits[:ANSWER_WINDOW]), default=0.0) < NEARBY_MIN_SCORE:
        return ()
    offerable = _OFFERABLE.setdefault(retriever, {})
    offered: list[str] = []
    for hit in hits:
        if len(offered) >= n:
            break
        if hit.kind != "exchange" or not hit.question:
            continue
        if hit.id not in offerable:
            offerable[hit.id] = _own_question(retriever, hit)
        text = offerable[hit.id]
        if text and text not in offered:
            offered.append(text)
    return tuple(offered)


def _own_question(retriever: Retriever, hit: Hit) -> str:
    """The hit's question as a reader would ask it, if asking it finds this passage first; else ""."""
    text = plain_question(hit.question, NEARBY_MAX_CHARS)
    if not text:
        return ""
    try:
        found = retriever.search(text, k=1)
    except QueryError:
        return ""
    return text if found.answered and found.hits and found.hits[0].id == hit.id else ""
