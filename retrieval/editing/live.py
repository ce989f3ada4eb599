"""Serving while editors update: a retriever that switches to a new index generation between requests.

``LiveRetriever(index_dir).current()`` returns the retriever to answer one request with. At most
every ``check_every`` seconds it reads ``index/CURRENT`` (one small file); when that names another
generation, the calling thread loads it with the same embedder object (the model is not loaded
again) and swaps it in. Requests already running keep the retriever they were given. When the new
generation cannot be loaded (damaged file, other model) it logs one line and keeps serving the last
good generation; it tries again when ``CURRENT`` changes. Safe to share between threads.

:func:`open_index` is the app's start-up: the newest intact generation (saying what is damaged), or
a build from ``seeds/`` under the update lock when there is none.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import IndexStoreError, RetrievalError
from ..index.embedding import Embedder
from ..index.store import current_generation, load_intact
from ..ingest.articles import load_seeds
from ..search.retriever import Retriever
from .library import update_lock

CHECK_EVERY = 1.0
log = logging.getLogger(__name__)


class LiveRetriever:
    """Holds the retriever of the newest good generation of ``index_dir``."""

    def __init__(self, index_dir: Path, embedder: Embedder | None = None, check_every: float = CHECK_EVERY,
                 *, start: Retriever | None = None) -> None:
        self.index_dir = Path(index_dir)
        self._retriever = start or open_intact(self.index_dir, embedder)
        self._embedder = self._retriever.embedder
        self._check_every = check_every
        self._next_check = time.monotonic() + check_every
        self._rejected: str | None = None  # the generation that failed to load, not retried
        self._lock = threading.Lock()

    @property
    def generation(self) -> str:
        """The name of the generation being served."""
        return self._retriever.data.path.name

    def current(self) -> Retriever:
        """The retriever to answer one request with (switched to a new generation when there is one)."""
        if time.monotonic() >= self._next_check and self._lock.acquire(blocking=False):
            # Other threads do not wait for a reload: they keep the previous retriever meanwhile.
            try:
                self._next_check = time.monotonic() + self._check_every
                self._reload_if_changed()
            finally:
                self._lock.release()
        return self._retriever

    def refresh(self) -> Retriever:
        """Check for a new generation now (tests, admin hooks); same result as :meth:`current`."""
        with self._lock:
            self._reload_if_changed()
        return self._retriever

    def _reload_if_changed(self) -> None:
        try:
            folder = current_generation(self.index_dir)
        except RetrievalError as error:
            self._reject(f"{self.index_dir}/CURRENT", error)
            return
        if folder is None or folder.name in (self.generation, self._rejected):
            return
        try:
            retriever = Retriever.load(self.index_dir, self._embedder)
        except RetrievalError as error:
            self._reject(folder.name, error)
            return
        self._retriever = retriever
        self._rejected = None
        log.info("now serving index generation %s", retriever.data.path.name)

    def _reject(self, name: str, error: Exception) -> None:
        if name != self._rejected:
            log.warning("keeping index generation %s: %s cannot be loaded (%s)", self.generation, name, error)
        self._rejected = name


def open_intact(index_dir: Path, embedder: Embedder | None = None,
                say: Callable[[str], None] = log.warning) -> Retriever:
    """The current generation, or the newest intact one when it is damaged (``say`` names the damage)."""
    data, problems = load_intact(index_dir)
    for problem in problems:
        say(f"{problem.split('; rebuild')[0]}; serving the intact generation {data.path.name} instead "
            "(the next add, remove or build writes a new one)")
    return Retriever.load(index_dir, embedder, data=data)


def open_index(index_dir: Path, seeds_dir: Path, model: str, say: Callable[[str], None]) -> Retriever:
    """The app's start-up: :func:`open_intact`; only when no generation is intact (or there is no
    index), a build from ``seeds_dir``, under the update lock so that it never races an editor."""
    try:
        return open_intact(index_dir, say=lambda message: say(f"warning: {message}"))
    except IndexStoreError as error:
        say(f"{error}\nbuilding the index in {index_dir} from {seeds_dir} ...")
    with update_lock(index_dir):
        try:  # an editor's update may have written one while this waited for the lock
            return Retriever.load(index_dir)
        except IndexStoreError:
            return Retriever.build(load_seeds(seeds_dir), index_dir, model=model, progress=say)
