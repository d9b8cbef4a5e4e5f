"""Corpus files in, index directory out: the whole offline build, or an update, as one call.

This is what ``recommender build`` and ``recommender update`` run, so a site's own
scheduler can do the same (with the same model card and the same timings) without the
command line.
"""

from __future__ import annotations

import datetime as dt
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
from recommender.corpus.report import ReadReport
from recommender.distributed import dask_cluster
from recommender.errors import CorpusError, RecommenderError
from recommender.index.related_index import RelatedIndex
from recommender.progress import Progress
from recommender.query.config import QueryConfig
from recommender.records import Article
from recommender.store.directory import file_sha256, package_version
from recommender.store.model_card import DIGEST_PREFIX, CorpusFile, note_update, render_model_card

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
    #: what reading left out or changed (:meth:`ReadReport.counts`): rejected records,
    #: cut bodies and tag lists, links to ids not in the corpus
    input: dict[str, int] = field(default_factory=dict)
    #: the rejects file written by a build with ``skip_invalid`` (None without)
    rejects: str | None = None
    #: one line per kind of change reading made (:meth:`ReadReport.warnings`)
    warnings: list[str] = field(default_factory=list)
    #: the neighbour search the build used: "exact" or "pruned" (``query_terms``)
    search: str = "exact"

    def to_dict(self) -> dict[str, Any]:
        """Plain values, ready for JSON."""
        return asdict(self)


def _estimate_records(path: PathArg) -> int:
    """Roughly how many records a file holds (its line count), to size a progress bar;
    0 (unknown) for gzip data, whose bytes say nothing about its lines."""
    count, last = 0, b"\n"
    with open(path, "rb") as fh:
        if fh.read(2) == b"\x1f\x8b":
            return 0
        fh.seek(0)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


class CorpusStream(Iterator[Article]):
    """The articles of several files, read lazily, in order, with ids unique across files.

    What a build reads from: nothing is held but the ids seen. It counts the articles of
    each file and those with editor links, times the reading itself (``read_seconds``),
    and gives the line-count estimate of its length as ``__length_hint__`` when asked to.
    ``report`` says what reading left out or changed (see :func:`read_articles
    <recommender.corpus.reader.read_articles>` for ``skip_invalid`` and the caps); ``done``
    turns true once every file was read to its end. A corpus that yields no article at
    all is a :class:`CorpusError` naming each file and why.
    """

    def __init__(self, paths: Sequence[PathArg], *, format: Format | None = None,
                 encoding: str = "utf-8", estimate: bool = False,
                 clock: Callable[[], float] = time.perf_counter, skip_invalid: bool = False,
                 max_body_chars: int | None = None, max_tags: int | None = None) -> None:
        if not paths:
            raise CorpusError("no corpus files given; pass the path of at least one corpus file")
        self.report = ReadReport()
        self._paths = [os.fspath(p) for p in paths]
        self._streams = open_corpus(paths, format=format, encoding=encoding,
                                    skip_invalid=skip_invalid, report=self.report,
                                    max_body_chars=max_body_chars, max_tags=max_tags)
        self.done = False
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
                self.done = True
                if not any(self.per_file):
                    raise self._no_articles()
                raise StopIteration
            self.per_file[self._file] += 1
            self.with_links += bool(article.related)
            return article
        finally:
            self.read_seconds += self._clock() - started

    def __length_hint__(self) -> int:
        return max(self._hint, sum(self.per_file))

    def _no_articles(self) -> CorpusError:
        rejected: dict[str, int] = {}
        for reject in self.report.rejects:
            rejected[reject.file] = rejected.get(reject.file, 0) + 1
        why = []
        for path in self._paths:
            if rejected.get(path):
                count = rejected[path]
                why.append(f"{path}: {count:,} invalid record{'s' * (count != 1)} skipped")
            elif os.path.getsize(path) == 0:
                why.append(f"{path}: empty file (0 bytes)")
            else:
                why.append(f"{path}: no records (blank lines only, or a header alone)")
        return CorpusError(f"cannot build an index from 0 articles ({'; '.join(why)}); check "
                           "the export that wrote the corpus")


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
    query: QueryConfig | None = None,
    skip_invalid: bool = False,
    rejects: PathArg | None = None,
) -> BuildSummary:
    """Read ``paths``, build the index, and save it with its model card at ``output``.

    ``query`` is the default of the index's boxes (stored with it). Bodies and tag lists
    are cut to ``config.max_body_chars`` and ``config.max_tags``. A bad record is an error
    naming its file, line and field; with ``skip_invalid`` it is left out instead and
    listed, with its reason, in the JSON Lines file ``rejects`` (default
    :func:`rejects_path` of ``output``), written atomically once the corpus was read
    (even when the build then fails, e.g. because no record was valid). What was left
    out or changed is counted in the summary and the model card.

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
    rejects_file = (rejects if rejects is not None else rejects_path(output)) \
        if skip_invalid else None
    with cluster:
        start = clock()
        stream = CorpusStream(paths, format=format, encoding=encoding,
                              estimate=progress is not None, clock=clock,
                              skip_invalid=skip_invalid, max_body_chars=config.max_body_chars,
                              max_tags=config.max_tags)
        try:
            index = RelatedIndex.build(stream, config, query=query, n_jobs=n_jobs,
                                       progress=stages)
        finally:
            if rejects_file is not None and stream.done:
                stream.report.write_rejects(rejects_file)
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
        **stream.report.counts(),
    }
    warnings = stream.report.warnings(rejects_file)
    config = index.config  # as the build decided it ("auto" search: exact or pruned)
    card = render_model_card(corpus=corpus, counts=counts, config=config,
                             seconds=seconds, version=package_version(), input_notes=warnings)
    save_start = clock()
    target = index.save(output, model_card=card)
    seconds["save"] = clock() - save_start
    return BuildSummary(
        path=os.fspath(target), corpus=corpus, articles=counts["articles"],
        features=counts["features"], text_features=counts["text_features"],
        tags=counts["tags"], sections=counts["sections"], n_neighbors=counts["n_neighbors"],
        seconds={k: round(v, 4) for k, v in seconds.items()},
        bytes_on_disk=directory_bytes(target), config=config.to_dict(),
        input=stream.report.counts(), warnings=warnings,
        rejects=None if rejects_file is None else os.fspath(rejects_file),
        search=config.search_mode,
    )


def rejects_path(output: PathArg) -> Path:
    """Where a build that skips invalid records lists them: next to the index directory,
    ``models/site`` -> ``models/site.rejects.jsonl`` (outside it, so the index directory
    holds only what its manifest lists)."""
    out = Path(output)
    return out.with_name(out.name + ".rejects.jsonl")


@dataclass(frozen=True)
class UpdateSummary:
    """What an update changed: the ids added, replaced and removed, and the count after."""

    index: str
    added: list[str]
    replaced: list[str]
    removed: list[str]
    articles: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, ready for JSON."""
        return asdict(self)


MODEL_CARD = "MODEL_CARD.md"


def _update_line(summary: UpdateSummary, corpus: Sequence[CorpusFile],
                 now: dt.datetime) -> str:
    """The model card's note of one update: when, what, from which files."""
    line = (f"{now.isoformat(timespec='seconds')} with recommender {package_version()}: "
            f"{len(summary.added)} added, {len(summary.replaced)} replaced, "
            f"{len(summary.removed)} removed; {summary.articles} articles")
    if corpus:
        line += " (from " + ", ".join(f"{f.path}: {f.articles}, sha256 "
                                      f"`{f.sha256[:DIGEST_PREFIX]}`" for f in corpus) + ")"
    return line


def update_from_files(
    index_path: PathArg,
    add: Sequence[PathArg] = (),
    remove: Sequence[str] = (),
    *,
    format: Format | None = None,
    encoding: str = "utf-8",
    verify: bool = True,
    now: dt.datetime | None = None,
) -> UpdateSummary:
    """Add and replace the articles of the ``add`` files, remove the ``remove`` ids, and
    save the index in place.

    Removals apply first, then additions: an added article whose id is indexed replaces
    it (:meth:`RelatedIndex.update`). An id both removed and added, or a removed id the
    index does not hold, is an error. Every check runs before anything is written and the
    save is atomic, so any failure leaves the index as it was; nothing is written when
    nothing changes. A ``MODEL_CARD.md`` is kept, with one line noting the update.
    """
    paths = list(add)
    removals = list(dict.fromkeys(remove))
    # read every file before touching the index: a bad line fails fast, naming file:line
    per_file = ([list(s) for s in open_corpus(paths, format=format, encoding=encoding)]
                if paths else [])
    articles = [a for batch in per_file for a in batch]
    origin = {a.id: os.fspath(p) for p, batch in zip(paths, per_file, strict=True)
              for a in batch}
    both = [i for i in removals if i in origin]
    if both:
        raise RecommenderError(
            f"article {both[0]!r} is both to remove and in {origin[both[0]]}: an added "
            "article replaces the indexed one of the same id, so do not also remove it"
        )
    index = RelatedIndex.load(index_path, verify=verify)
    unknown = [i for i in removals if i not in index]
    if unknown:
        more = f" (and {len(unknown) - 1} more unknown)" if len(unknown) > 1 else ""
        raise RecommenderError(
            f"cannot remove {unknown[0]!r}{more}: no article of that id in the index "
            f"{os.fspath(index_path)} ({len(index)} articles); check the id (nothing was "
            "changed)"
        )
    indexed = {a.id for a in articles if a.id in index}
    card_file = Path(index_path) / MODEL_CARD
    card = card_file.read_text(encoding="utf-8") if card_file.is_file() else None
    index.remove(removals)
    index.add(articles, replace=True)
    summary = UpdateSummary(
        index=os.fspath(index_path), added=[a.id for a in articles if a.id not in indexed],
        replaced=[a.id for a in articles if a.id in indexed], removed=removals,
        articles=len(index),
    )
    if summary.changed:
        if card is not None:
            corpus = [CorpusFile(os.fspath(p), file_sha256(p), len(batch))
                      for p, batch in zip(paths, per_file, strict=True)]
            card = note_update(card, _update_line(summary, corpus, now or dt.datetime.now(dt.UTC)))
        index.save(index_path, model_card=card)
    return summary


__all__ = ["BuildSummary", "CorpusStream", "UpdateSummary", "build_from_files",
           "directory_bytes", "rejects_path", "update_from_files"]
