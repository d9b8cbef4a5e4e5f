"""IndexHandle: a loaded index that follows its path across publishes, without a gap.

A site rebuilds its index offline and publishes it to the path the readers use (today a
directory renamed into place, :func:`~recommender.store.atomic.publish_directory`; a
symlink swapped onto versioned directories works the same). A handle notices the new
index by its *signature*: the resolved path (a symlink swap changes it) and the
``(inode, mtime, size)`` of its ``manifest.json`` (a rename brings a new inode). The check
is one ``stat`` and one ``realpath``, done at most every ``check_interval`` seconds.

The new index is loaded and warmed beside the old one (from the resolved path, so a swap
during the load cannot mix two directories), then put in place in one assignment. A query
takes the current index once and runs on it to the end: it answers from the old or the
new index, never from a mix. The old one lives as long as a query holds it; its
memory-mapped arrays stay readable after its directory is removed (POSIX keeps a mapped
file's pages until the last mapping goes), and are unmapped when it is collected.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recommender.errors import RecommenderError
from recommender.index.related_index import RelatedIndex
from recommender.records import Article, Related
from recommender.store.directory import MANIFEST

__all__ = ["IndexHandle", "Loaded", "Signature", "warm"]

log = logging.getLogger(__name__)

#: loads tried in a row when the path changes again while an index is being loaded
_ATTEMPTS = 3


@dataclass(frozen=True)
class Signature:
    """What identifies one published index at a path, read in one ``stat``."""

    directory: str
    inode: int
    device: int
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> Signature | None:
        """The signature of the index at ``path`` now; None while nothing is there (the
        instant between the two renames of a publish)."""
        directory = os.path.realpath(path)
        try:
            st = os.stat(os.path.join(directory, MANIFEST))
        except OSError:
            return None
        return cls(directory, st.st_ino, st.st_dev, st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class Loaded:
    """One loaded index and what identifies it, replaced as a whole on a reload (so a
    reader never pairs an index with another one's version)."""

    index: RelatedIndex
    signature: Signature
    #: the first 16 hex digits of the manifest's sha256
    version: str
    #: loads that put an index in place so far, this one included
    generation: int
    #: when it was put in place (``time.time()``)
    loaded_at: float


def warm(index: RelatedIndex) -> None:
    """:meth:`RelatedIndex.warm`: the lazily built parts (the searcher's transposed
    matrix and postings, the table's orderings) ready before the first real query."""
    index.warm()


class IndexHandle:
    """Queries an index directory and picks up the index published there next.

    Parameters
    ----------
    path : the index directory (or a symlink to it) that new indexes are published to.
    check_interval : seconds between two checks of the path, made by the queries
        themselves (0: check on every query; None: only on :meth:`reload`).
    background : when a query notices a new index, load it in a background thread (the
        query and those after it are answered by the old one meanwhile); False loads it
        in the noticing thread.
    mmap, verify : as :meth:`RelatedIndex.load`.

    Examples
    --------
    >>> import tempfile
    >>> from recommender.records import Article
    >>> arts = [Article(id="a", title="Drought in Morocco"),
    ...         Article(id="b", title="Dams and drought")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = RelatedIndex.build(arts).save(folder + "/site")
    ...     handle = IndexHandle(folder + "/site")
    ...     [r.id for r in handle.related("a", k=1)]
    ['b']
    """

    def __init__(self, path: str | os.PathLike[str], *, check_interval: float | None = 1.0,
                 background: bool = True, mmap: bool = True, verify: bool = True) -> None:
        self.path = Path(path)
        self.check_interval = check_interval
        self.background = background
        self.mmap = mmap
        self.verify = verify
        self._lock = threading.Lock()  # one load at a time
        self._current: Loaded | None = None
        self._failed: Signature | None = None
        self._next_check = 0.0
        #: the last failed load's message (None after a successful one)
        self.last_error: str | None = None

    # -- reading ------------------------------------------------------------------------
    def current(self) -> Loaded:
        """The current index and its version (loaded on first use; the path is checked
        for a newer index at most every ``check_interval`` seconds). Keep the record for
        a whole query: that query then answers from one index, whatever is published
        meanwhile."""
        current = self._current
        if current is None:
            self.reload()
            current = self._current
            if current is None:  # pragma: no cover - reload() raises when it cannot load
                raise RuntimeError(f"no index loaded from {self.path}")
        elif self.check_interval is not None:
            now = time.monotonic()
            if now >= self._next_check:
                self._next_check = now + self.check_interval
                if self.changed():
                    self._reload_soon()
        return current

    @property
    def index(self) -> RelatedIndex:
        """The current index (see :meth:`current`)."""
        return self.current().index

    @property
    def loaded(self) -> bool:
        """Whether an index has been loaded and warmed."""
        return self._current is not None

    def related(self, article_id: str, k: int = 5, **options: Any) -> list[Related]:
        """:meth:`RelatedIndex.related` on the current index."""
        return self.index.related(article_id, k, **options)

    def similar(self, article: Article, k: int = 5, **options: Any) -> list[Related]:
        """:meth:`RelatedIndex.similar` on the current index."""
        return self.index.similar(article, k, **options)

    def changed(self) -> bool:
        """Whether the path now holds another index than the one loaded (one ``stat``)."""
        now = Signature.of(self.path)
        loaded = self._current.signature if self._current is not None else None
        return now is not None and now != loaded and now != self._failed

    # -- loading ------------------------------------------------------------------------
    def reload(self, *, force: bool = False) -> bool:
        """Load the index at the path if it changed (or always, with ``force``); True when
        a new one was put in place. Waits for a load already under way. When the load
        fails, the current index stays and the error is raised (and kept in
        :attr:`last_error`); the first load's failure leaves no index."""
        with self._lock:
            return self._load(force=force)

    def _reload_soon(self) -> None:
        if not self.background:
            if self._lock.acquire(blocking=False):
                try:
                    self._load_quietly()
                finally:
                    self._lock.release()
            return
        if self._lock.acquire(blocking=False):  # else a load is already under way
            try:
                threading.Thread(target=self._load_in_thread, name="index-reload",
                                 daemon=True).start()
            except BaseException:
                self._lock.release()
                raise

    def _load_in_thread(self) -> None:
        try:
            self._load_quietly()
        finally:
            self._lock.release()

    def _load_quietly(self) -> None:
        try:
            self._load(force=False)
        except (RecommenderError, OSError, ValueError) as exc:
            serving = self._current.version if self._current is not None else "nothing"
            log.warning("could not load the new index at %s (still serving %s): %s",
                        self.path, serving, exc)

    def _load(self, *, force: bool) -> bool:
        """Load, check that the path did not change during the load, warm, swap in.
        Called with the lock held."""
        for attempt in range(1, _ATTEMPTS + 1):
            before = Signature.of(self.path)
            current = self._current
            if before is None:
                if current is not None and not force:
                    return False  # between the two renames of a publish: try later
                raise FileNotFoundError(f"no index at {self.path}: it has no {MANIFEST} "
                                        "(build one with `recommender build`)")
            if current is not None and before == current.signature and not force:
                return False
            try:
                directory = Path(before.directory)
                manifest = (directory / MANIFEST).read_bytes()
                index = RelatedIndex.load(directory, mmap=self.mmap, verify=self.verify)
                warm(index)
            except (RecommenderError, OSError, ValueError) as exc:
                if Signature.of(self.path) != before and attempt < _ATTEMPTS:
                    continue  # replaced while we read it: load the newer one
                self._failed = before
                self.last_error = str(exc)
                raise
            if Signature.of(self.path) != before and attempt < _ATTEMPTS:
                continue  # what we read may be a mix of two publishes: read again
            loaded = Loaded(index=index, signature=before,
                            version=hashlib.sha256(manifest).hexdigest()[:16],
                            generation=current.generation + 1 if current else 1,
                            loaded_at=time.time())
            self._current = loaded  # one assignment: readers see the old or the new
            self._failed, self.last_error = None, None
            log.info("loaded the index at %s (version %s, %d articles)", self.path,
                     loaded.version, len(index))
            return True
        return False  # pragma: no cover - the loop returns or raises

    def info(self) -> dict[str, Any]:
        """Where the handle reads from and what it serves, for ``/info`` and logs."""
        current = self._current
        return {"path": str(self.path),
                "directory": current.signature.directory if current else None,
                "version": current.version if current else None,
                "generation": current.generation if current else 0,
                "loaded_at": current.loaded_at if current else None,
                "last_error": self.last_error}
