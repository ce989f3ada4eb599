"""Stage 4b: articles in, one complete index generation out, embedding only views not seen before.

``Retriever.build`` (a full build) and ``Library`` (an editor's incremental update) both end here;
the only difference is whether a :class:`~retrieval.reuse.Reuse` of the previous generation is
given. Writing, verifying and switching the generation is :func:`retrieval.store.write_generation`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexStoreError
from ..ingest.articles import Article
from ..ingest.passages import Passage, make_passages, views
from . import reuse as cache
from .calibration import Calibration, default_for
from .embedding import Embedder
from .lexical import ENGLISH_TOKENIZER, LexicalIndex, tokenizer
from .store import ArticleInfo, IndexData, write_generation
from .vocabulary import gloss_map, passage_english

EMBED_BATCH = 32
Progress = Callable[[str], None]


@dataclass(frozen=True)
class IndexedArticle:
    """An article as an index holds it. An update takes unchanged articles over in this form from
    the previous generation instead of parsing and cutting them again."""

    info: ArticleInfo
    passages: tuple[Passage, ...]

    @classmethod
    def of(cls, article: Article) -> IndexedArticle:
        info = ArticleInfo.from_meta(article.id, article.title, article.meta, article.source)
        return cls(info, tuple(make_passages(article)))

    @classmethod
    def all_in(cls, data: IndexData) -> dict[str, IndexedArticle]:
        """Every article of a loaded generation, by id, with its passages (no parsing, no embedding)."""
        passages: dict[str, list[Passage]] = {}
        for passage in data.passages:
            passages.setdefault(passage.article_id, []).append(passage)
        return {a.id: cls(a, tuple(passages.get(a.id, ()))) for a in data.articles.values()}


@dataclass(frozen=True)
class BuildReport:
    """What a build did: the generation it wrote and how many views it embedded or reused."""

    folder: Path
    articles: int
    passages: int
    views: int
    embedded: int
    reused: int


def embedder_info(embedder: Embedder) -> dict:
    return {"name": embedder.name, "dim": embedder.dim, "model": embedder.spec,
            "version": getattr(embedder, "version", "")}


def build_generation(
    articles: Sequence[Article | IndexedArticle],
    index_dir: Path,
    embedder: Embedder,
    tokenizer_name: str,
    previous: cache.Reuse | None = None,
    progress: Progress | None = None,
    calibration: Calibration | None = None,
) -> BuildReport:
    """Cut, embed (what ``previous`` lacks) and index ``articles`` into a new generation.

    The generation's calibration is ``calibration`` when given, else the previous generation's,
    else the shipped default for the embedder.
    """
    say = progress or (lambda message: None)
    previous = previous or cache.Reuse()
    indexed = [a if isinstance(a, IndexedArticle) else IndexedArticle.of(a) for a in articles]
    passages = [passage for article in indexed for passage in article.passages]
    ids = [p.id for p in passages]
    if len(set(ids)) != len(ids):
        raise IndexStoreError("two articles share a file name; give each article its own name")
    say(f"{len(articles)} article(s), {len(passages)} passages")

    texts, owner = [], []
    for number, passage in enumerate(passages):
        for text in views(passage):
            texts.append(text)
            owner.append(number)
    keys = [cache.view_key(embedder.name, text) for text in texts]
    vectors, missing = previous.lookup(keys, embedder.dim)
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors[batch] = embedder.embed_passages([texts[i] for i in batch])
        say(f"embedded {min(start + EMBED_BATCH, len(missing))}/{len(missing)} new views")
    if len(missing) < len(texts):
        say(f"reused {len(texts) - len(missing)} views from the previous generation")

    documents = [f"{p.question}\n{p.text}" for p in passages]
    document_keys = [cache.document_key(tokenizer_name, doc) for doc in documents]
    tokenize = tokenizer(tokenizer_name)
    tokens = [previous.tokens.get(key) or tokenize(doc) for key, doc in zip(document_keys, documents, strict=True)]
    lexical = LexicalIndex.from_tokens(tokens, tokenizer_name)

    calibration = calibration or previous.calibration or default_for(embedder.name)
    glosses = gloss_map(lexical.vocabulary)
    english = LexicalIndex.from_tokens([passage_english(t, glosses) for t in tokens], ENGLISH_TOKENIZER)
    say(f"{len(lexical.vocabulary)} words, {len(glosses)} of them with English glosses")

    infos = [article.info for article in indexed]
    folder = write_generation(
        index_dir, embedder_info=embedder_info(embedder), tokenizer=tokenizer_name, vectors=vectors,
        view_owner=np.asarray(owner, dtype=np.int32), passages=passages, articles=infos, lexical=lexical,
        english=english, calibration=calibration, glosses=glosses,
        extra_files=lambda staging: cache.save(staging, keys, document_keys, tokens),
    )
    say(f"index written to {folder}")
    return BuildReport(folder, len(articles), len(passages), len(texts), len(missing), len(texts) - len(missing))
