"""Corpus files in, index directory out: the whole offline build as one call.

This is what ``recommender build`` runs, so a site's own scheduler can do the same build
(with the same model card and the same timings) without the command line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from recommender.config.build import BuildConfig
from recommender.corpus.formats import Format
from recommender.corpus.reader import open_corpus
from recommender.distributed import dask_cluster
from recommender.errors import CorpusError
from recommender.index.related_index import RelatedIndex
from recommender.progress import Progress
from recommender.records import Article
from recommender.store.directory import file_sha256, package_version
from recommender.store.model_card import CorpusFile, render_model_card

PathArg = str | os.PathLike[str]


@dataclass(frozen=True)
class BuildSummary:
    """What a build produced: counts, seconds per stage, where and how big."""

    path: str
    corpus: list[CorpusFile]
    articles: int
    features: int
    text_features: int
    tags: int
    sections: int
    n_neighbors: int
    seconds: dict[str, float]
    bytes_on_disk: int
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, ready for JSON."""
        return asdict(self)


def _estimate_records(path: PathArg) -> int:
    """Roughly how many records a file holds (its line count), to size a progress bar."""
    count, last = 0, b"\n"
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


class CorpusStream(Iterator[Article]):
    """The articles of several files, read lazily, in order, with ids unique across files.

    What a build reads from: nothing is held but the ids seen. It counts the articles of
    each file and those with editor links, times the reading itself (``read_seconds``),
    and gives the line-count estimate of its length as ``__length_hint__`` when asked to.
    """

    def __init__(self, paths: Sequence[PathArg], *, format: Format | None = None,
                 encoding: str = "utf-8", estimate: bool = False,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if not paths:
            raise CorpusError("no corpus files given; pass the path of at least one corpus file")
        self._streams = open_corpus(paths, format=format, encoding=encoding)
        self._hint = sum(_estimate_records(p) for p in paths) if estimate else 0
        self._clock = clock
        self._file = 0
        self.per_file = [0] * len(paths)
        self.with_links = 0
        self.read_seconds = 0.0

    def __next__(self) -> Article:
        started = self._clock()
        try:
            while self._file < len(self._streams):
                article = next(self._streams[self._file], None)
                if article is not None:
                    break
                self._file += 1
            else:
                raise StopIteration
            self.per_file[self._file] += 1
            self.with_links += bool(article.related)
            return article
        finally:
            self.read_seconds += self._clock() - started

    def __length_hint__(self) -> int:
        return max(self._hint, sum(self.per_file))


def directory_bytes(path: PathArg) -> int:
    """Bytes of the files directly inside ``path`` (an index directory is flat)."""
    return sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file())


class _StageClock(Progress):
    """Forwards progress and notes when each stage starts, to time the stages."""

    def __init__(self, progress: Progress | None, clock: Callable[[], float]) -> None:
        self.progress = progress
        self.clock = clock
        self.starts: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.starts.setdefault(stage, self.clock())
        if self.progress is not None:
            self.progress(stage, done, total)


def build_from_files(
    paths: Sequence[PathArg],
    output: PathArg,
    config: BuildConfig | None = None,
    *,
    format: Format | None = None,
    encoding: str = "utf-8",
    n_jobs: int | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
    dask_scheduler: str | None = None,
) -> BuildSummary:
    """Read ``paths``, build the index, and save it with its model card at ``output``.

    Nothing is written until the build has succeeded, and the save replaces any index at
    ``output`` atomically: a bad corpus leaves the serving index as it was.
    With ``dask_scheduler`` (an address such as ``tcp://host:8786``) the neighbour blocks
    run on that Dask cluster (see :func:`~recommender.distributed.dask_cluster`); the
    connection is made first, so a bad address fails before the corpus is read.
    """
    config = config or BuildConfig()
    stages = _StageClock(progress, clock)
    cluster: AbstractContextManager[object] = (
        nullcontext() if dask_scheduler is None else dask_cluster(dask_scheduler))
    with cluster:
        start = clock()
        stream = CorpusStream(paths, format=format, encoding=encoding,
                              estimate=progress is not None, clock=clock)
        index = RelatedIndex.build(stream, config, n_jobs=n_jobs, progress=stages)
        built = clock()
    neighbours_start = stages.starts.get("neighbours", built)
    # reading is interleaved with analysis: its share is the time spent inside the stream
    seconds = {
        "read": stream.read_seconds,
        "vectorize": neighbours_start - start - stream.read_seconds,
        "neighbours": built - neighbours_start,
    }
    per_file = stream.per_file
    corpus = [CorpusFile(os.fspath(p), file_sha256(p), n)
              for p, n in zip(paths, per_file, strict=True)]
    info = index.info()
    counts = {
        "articles": info["articles"],
        "features": info["features"],
        "text_features": index.space.n_text_features,
        "tags": info["tags"],
        "sections": len(info["sections"]),
        "n_neighbors": info["n_neighbors"],
        "articles_with_editor_links": stream.with_links,
    }
    card = render_model_card(corpus=corpus, counts=counts, config=config,
                             seconds=seconds, version=package_version())
    save_start = clock()
    target = index.save(output, model_card=card)
    seconds["save"] = clock() - save_start
    return BuildSummary(
        path=os.fspath(target), corpus=corpus, articles=counts["articles"],
        features=counts["features"], text_features=counts["text_features"],
        tags=counts["tags"], sections=counts["sections"], n_neighbors=counts["n_neighbors"],
        seconds={k: round(v, 4) for k, v in seconds.items()},
        bytes_on_disk=directory_bytes(target), config=config.to_dict(),
    )


__all__ = ["BuildSummary", "CorpusStream", "build_from_files", "directory_bytes"]
