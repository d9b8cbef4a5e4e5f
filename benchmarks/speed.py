"""Build time, memory, index size and query latency at archive scale, beside the peers.

For each size a seeded synthetic corpus (``benchmarks/synthetic.py``) is written once to
``--workdir`` and reused. Every build then runs in a fresh child process of this script
(hidden ``--child`` mode) so its peak RSS is its own; children report JSON lines on stdout,
and one that fails or overruns its time budget is reported as such while the run goes on.

- **ours**, twice: exact (``query_terms=None``) and pruned (``query_terms=--query-terms``).
  Stages: read (``read_articles``), vectorize and neighbours (split at the build progress
  callback's end of "vectorize"), save. Then, in fresh processes, load to first query
  (``RelatedIndex.load(mmap=True)`` + one ``related()``, verify on and off), ``related()``
  latency over random ids and ``similar()`` latency over random articles given a fresh id.
- **sparse_dot_topn**: ``sp_matmul_topn(X, X.T, top_n=K+1, threshold=0)`` on OUR
  vectorizer's matrix (same read and vectorize), self dropped: the neighbour stage on
  identical input.
- **gensim**: ``simple_preprocess``, ``Dictionary``, ``TfidfModel``, ``SparseMatrixSimilarity``;
  all-pairs top-K by chunks of queries when it is projected to fit the budget.
- **tantivy** More-Like-This and **bm25s** (whole article as the query): index, latency.
- **baseline** (issue 13's exact baseline): scikit-learn's
  ``TfidfVectorizer(sublinear_tf=True).fit_transform`` on ``title + " " + body`` (vectorize),
  then ``sp_matmul_topn`` exact top-K, self dropped (neighbours), K = ``BuildConfig()``'s.
- **tantivy** also runs More-Like-This for every article (``limit`` K + 1, the all-pairs
  equivalent of our build, K = ``BuildConfig()``'s) as its neighbours stage, after the
  latency queries; when the budget runs out it stops and projects from its measured rate.
- **tfidf**: our vectorize stage (``ArticleVectorizer`` of ``BuildConfig()``, the build's
  jobs) and ``TfidfVectorizer(sublinear_tf=True).fit_transform`` on ``title + " " + body``,
  alternated ``--vectorize-repeats`` times in one process, medians and their ratio.
- ``--modes auto`` (or ``default``) builds with ``BuildConfig()`` exactly as it is
  (``query_terms="auto"``, its own K); the report says which search auto chose.
- Serving (fresh processes): ``related()`` under the index's default rules and under
  ``QueryConfig.plain()``, alternated with a bare read of the stored row
  (``neighbors[row]`` + ``scores[row]``, and the same with its ids as strings), each call
  on its own random ids (and once more all four on one id, "[same id]"); the first
  ``similar()`` after ``load(warm=True)`` and after a plain load.

    python benchmarks/speed.py --sizes 10000,100000 --json /tmp/speed.json --readme
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling helper module
from readme_sections import replace_section  # noqa: E402

_STARTED = time.perf_counter()  # before numpy, scikit-learn and recommender are imported

import numpy as np  # noqa: E402

try:
    import recommender  # noqa: F401
except ModuleNotFoundError:  # a checkout run without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if str(Path(__file__).resolve().parent) not in sys.path:  # loaded by path (tests)
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
README = SCRIPT.with_name("README.md")
START, END = "<!-- speed:start -->", "<!-- speed:end -->"
PREFIX = "@speed "  # children's result lines start with this
STAGES = ("read", "vectorize", "neighbours", "save")
STEMMERS = {"fr": "french", "en": "english"}
PEERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "baseline": ("baseline: TfidfVectorizer + sparse_dot_topn exact top-K",
                 ("sklearn", "sparse_dot_topn")),
    "sparse_dot_topn": ("sparse_dot_topn exact top-K", ("sparse_dot_topn",)),
    "gensim": ("gensim TF-IDF + SparseMatrixSimilarity", ("gensim",)),
    "tantivy": ("tantivy More-Like-This", ("tantivy",)),
    "bm25s": ("bm25s (article as query)", ("bm25s",)),
    "tfidf": ("scikit-learn TfidfVectorizer (vectorize only)", ("sklearn",)),
}
MODES = ("exact", "pruned", "auto")
MODE_ALIASES = {"default": "auto"}
#: issue 13's goals: ours / peer at most this (lower is better), and related() / row read
BASELINE_GOAL, TANTIVY_ALL_GOAL, RELATED_GOAL = 0.25, 0.5, 3.0


def default_k() -> int:
    """K of ``BuildConfig()``: the default build's, which the baseline and tantivy's
    all-pairs run match."""
    from recommender.config.build import BuildConfig

    return BuildConfig().n_neighbors


# -- child side: one build (or one load) per process, results as JSON lines ---------------
def _emit(**event: Any) -> None:
    print(PREFIX + json.dumps(event), flush=True)


def _rss_peak_mb() -> float:
    """This process's peak resident set (ru_maxrss is KiB on Linux, bytes on macOS)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


class _TreeSampler(threading.Thread):
    """Peak summed RSS of this process and its children (joblib workers), every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.wait(0.05):
            with contextlib.suppress(psutil.Error):
                procs = [me, *me.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))


def _peak_mb(sampler: _TreeSampler | None) -> float:
    return max(_rss_peak_mb(), sampler.peak / 2**20 if sampler else 0.0)


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _positions(n: int, count: int, seed: int) -> np.ndarray:
    """Seeded query positions, the same for every system."""
    return np.random.default_rng([seed, 7]).choice(n, size=count, replace=count > n)


def _time_calls(fn: Callable[[Any], object], items: Sequence[Any], deadline: float,
                warmup: int = 10) -> list[float]:  # fmt: skip
    """Seconds per call (after a few untimed calls); stops early at ``deadline``."""
    for it in items[:warmup]:
        fn(it)
    out: list[float] = []
    for it in items:
        t = time.perf_counter_ns()
        fn(it)
        out.append((time.perf_counter_ns() - t) / 1e9)
        if time.perf_counter() > deadline:
            break
    return out


def _emit_latency(name: str, seconds: list[float], scale: float, unit: str = "ms") -> None:
    """p50 and p99 of ``seconds`` times ``scale`` (1e3: ms, 1e6: µs)."""
    from recommender.evaluation.metrics import latency_percentiles

    p = latency_percentiles(seconds, (50, 99))
    _emit(event="latency", name=name, p50=p["p50_ms"] * scale / 1e3,
          p99=p["p99_ms"] * scale / 1e3, count=len(seconds), unit=unit)  # fmt: skip


def _read(spec: dict[str, Any]) -> list[Any]:
    from recommender.corpus.reader import read_articles

    t = time.perf_counter()
    arts = read_articles(spec["corpus"])
    _emit(event="stage", stage="read", seconds=time.perf_counter() - t)
    return arts


def _drafts(arts: list[Any], spec: dict[str, Any]) -> list[Any]:
    pos = _positions(len(arts), spec["queries"], spec["seed"])
    return [dataclasses.replace(arts[p], id=f"draft-{i}") for i, p in enumerate(pos)]


def _finish(spec: dict[str, Any], sampler: _TreeSampler | None, **measures: Any) -> None:
    """Sizes on disk; the neighbour table = every saved (n, K) array (ids, scores, ...),
    counted by payload (the 128-byte .npy headers left out)."""
    out = Path(spec["out"])
    n = spec["n"]
    table_files = {}
    for f in sorted(out.glob("*.npy")):
        with contextlib.suppress(ValueError):
            arr = np.load(f, mmap_mode="r", allow_pickle=False)
            if arr.ndim == 2 and arr.shape[0] == n:
                table_files[f.stem] = arr.nbytes
    _emit(event="build", peak_rss_mb=_peak_mb(sampler), index_bytes=_dir_bytes(out) / n,
          neighbour_bytes=sum(table_files.values()) / n if table_files else None,
          neighbour_files=sorted(table_files), **measures)  # fmt: skip


def child_ours_build(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    from recommender.config.build import BuildConfig
    from recommender.index.related_index import RelatedIndex

    arts = _read(spec)
    # the default mode is BuildConfig() exactly as it is: its own K and query_terms="auto"
    config = BuildConfig() if spec.get("defaults") else BuildConfig(
        n_neighbors=spec["n_neighbors"], query_terms=spec["query_terms"])
    marks: dict[str, float] = {}
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        # vectorize ends at its last report (the vectorizer also reports done == total
        # after counting, before TF-IDF weighting; build reports it again when done)
        now = time.perf_counter()
        if stage == "vectorize":
            marks["vectorized"] = now
            return
        if "blocks" not in marks:
            marks["blocks"] = now
            _emit(event="stage", stage="vectorize", seconds=marks["vectorized"] - marks["start"])
        if now - last[0] > 5:  # partial news for a timeout report
            last[0] = now
            _emit(event="progress", stage=stage, done=done, total=total,
                  seconds=now - marks["vectorized"])  # fmt: skip

    marks["start"] = time.perf_counter()
    index = RelatedIndex.build(arts, config, n_jobs=spec["jobs"], progress=progress)
    end = time.perf_counter()
    if "blocks" not in marks:  # no neighbour report came (a one-article corpus)
        _emit(event="stage", stage="vectorize", seconds=marks["vectorized"] - marks["start"])
    _emit(event="stage", stage="neighbours", seconds=end - marks["vectorized"],
          prepare=marks.get("blocks", end) - marks["vectorized"])  # fmt: skip
    peak = _peak_mb(sampler)
    out = Path(spec["out"])
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    index.save(out)
    _emit(event="stage", stage="save", seconds=time.perf_counter() - t)
    info = index.info()
    _finish(spec, sampler, build_peak_rss_mb=peak, features=info["features"],
            nnz=int(index.vectors().nnz), chosen_query_terms=index.config.query_terms,
            k_stored=index.n_neighbors)  # fmt: skip


def child_ours_serve(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    from recommender.corpus.reader import read_articles
    from recommender.index.related_index import RelatedIndex

    if spec.get("warm"):  # load(warm=True), then the first similar() and related()
        t = time.perf_counter()
        index = RelatedIndex.load(spec["out"], mmap=True, verify=spec["verify"], warm=True)
        loaded = time.perf_counter() - t
        draft = _drafts(read_articles(spec["corpus"]), spec)[0]
        t = time.perf_counter()
        index.similar(draft, k=spec["k"])
        first = time.perf_counter() - t
        t = time.perf_counter()
        index.related(spec["first_id"], k=spec["k"])
        _emit(event="first_query", warm=True, load_s=loaded, similar_ms=first * 1e3,
              related_us=(time.perf_counter() - t) * 1e6)  # fmt: skip
        return
    t = time.perf_counter()
    index = RelatedIndex.load(spec["out"], mmap=True, verify=spec["verify"])
    index.related(spec["first_id"], k=spec["k"])
    _emit(event="load", verify=spec["verify"], seconds=time.perf_counter() - t,
          imports=t - _STARTED)
    if not spec["latency"]:
        return
    deadline = time.perf_counter() + spec["budget"] * 0.8
    drafts = _drafts(read_articles(spec["corpus"]), spec)
    k = spec["k"]
    t = time.perf_counter()
    index.similar(drafts[0], k=k)  # the first draft after a load without warm-up
    _emit(event="first_query", warm=False, similar_ms=(time.perf_counter() - t) * 1e3)
    index.warm()  # as a server does (IndexHandle) before it takes queries
    ids = index.ids
    pos = _positions(len(ids), 4 * spec["queries"], spec["seed"])  # 4 calls, own ids
    for name, seconds in _time_related(index, [ids[p] for p in pos], k, deadline).items():
        _emit_latency(name, seconds, 1e6, unit="µs")
    seconds = _time_calls(lambda a: index.similar(a, k=k), drafts, deadline)
    _emit_latency("similar", seconds, 1e3, unit="ms")


def _time_related(index: Any, ids: list[str], k: int, deadline: float
                  ) -> dict[str, list[float]]:  # fmt: skip
    """``related()`` under the index's default rules and under ``QueryConfig.plain()``,
    and a bare read of the stored row (``neighbors[row]`` + ``scores[row]``; and the same
    with the row's ids as strings and its scores as floats, the least an answer holds).

    The four calls alternate, so a busy spell of the machine hits all alike, but each
    call reads its own ids (``ids`` dealt round): a call on the id another call has
    just read would find that article's memory in the CPU cache, as no server request
    does. The same-id order of earlier runs (related first, the bare reads after it on
    the same id) is timed too, under names ending in ``[same id]``, for comparison.
    """
    from recommender.query.config import QueryConfig

    plain = QueryConfig.plain()
    positions, neighbors, scores = index.table.positions, index.graph.neighbors, \
        index.graph.scores
    names = index.table.ids

    def row_read(i: str) -> object:
        row = positions[i]
        return neighbors[row], scores[row]

    def row_ids_read(i: str) -> object:
        row = positions[i]
        at = neighbors[row].tolist()
        n = at.index(-1) if -1 in at else len(at)  # empty slots come last
        return list(map(names.__getitem__, at[:k][:n])), scores[row][:min(k, n)].tolist()

    calls: dict[str, Callable[[str], object]] = {
        "related": lambda i: index.related(i, k=k),
        "related plain": lambda i: index.related(i, k=k, query=plain),
        "row read": row_read, "row + ids read": row_ids_read}  # fmt: skip
    for i in ids[:10]:  # untimed warm-up
        for fn in calls.values():
            fn(i)
    out: dict[str, list[float]] = {name: [] for name in calls}
    clock = time.perf_counter_ns
    width = len(calls)
    for start in range(0, len(ids) - width + 1, width):  # its own id for each call
        for (name, fn), i in zip(calls.items(), ids[start:start + width], strict=True):
            t = clock()
            fn(i)
            out[name].append((clock() - t) / 1e9)
        if time.perf_counter() > deadline:
            break
    same = {f"{name} [same id]": [] for name in calls}
    for i in ids[:len(ids) // width]:  # every call on the same id, related first
        for name, fn in calls.items():
            t = clock()
            fn(i)
            same[f"{name} [same id]"].append((clock() - t) / 1e9)
        if time.perf_counter() > deadline:
            break
    return out | same


def _topk_table(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int,
                k: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(n, k) neighbour table from (row, col, value) entries, self dropped, best first."""
    keep = (cols != rows) & (vals > 0)
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((cols, -vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    take = rank < k
    idx = np.full((n, k), -1, dtype=np.int32)
    val = np.zeros((n, k), dtype=np.float32)
    idx[rows[take], rank[take]] = cols[take]
    val[rows[take], rank[take]] = vals[take]
    return idx, val


def child_sparse_dot_topn(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    """sparse_dot_topn's exact top-K on OUR vectorizer's matrix: the neighbour stage on
    identical input."""
    from recommender.config.build import BuildConfig
    from recommender.vectorize import ArticleVectorizer

    arts = _read(spec)
    t = time.perf_counter()
    X = ArticleVectorizer.from_config(BuildConfig()).fit_transform(arts)
    _emit(event="stage", stage="vectorize", seconds=time.perf_counter() - t)
    _exact_topk_table(X, spec, sampler)


def child_baseline(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    """Issue 13's exact baseline: scikit-learn's TfidfVectorizer(sublinear_tf=True) on
    title + body, then sparse_dot_topn's exact top-K (self dropped)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    arts = _read(spec)
    t = time.perf_counter()
    X = TfidfVectorizer(sublinear_tf=True).fit_transform([f"{a.title} {a.body}" for a in arts])
    _emit(event="stage", stage="vectorize", seconds=time.perf_counter() - t)
    del arts
    _exact_topk_table(X.tocsr(), spec, sampler)


def _exact_topk_table(X: Any, spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    """Neighbours (``X.T``, ``sp_matmul_topn``, the (n, K) table) and save stages."""
    from sparse_dot_topn import sp_matmul_topn

    k, jobs = spec["n_neighbors"], spec["jobs"]
    threads = None if jobs in (None, 1) else (os.cpu_count() if jobs < 0 else jobs)
    t = time.perf_counter()
    C = sp_matmul_topn(X, X.T.tocsr(), top_n=k + 1, threshold=0.0, n_threads=threads)
    matmul = time.perf_counter() - t
    C = C.tocsr()
    rows = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    idx, val = _topk_table(rows, C.indices.astype(np.int64), C.data, C.shape[0], k)
    _emit(event="stage", stage="neighbours", seconds=time.perf_counter() - t, matmul=matmul)
    peak = _peak_mb(sampler)
    out = Path(spec["out"])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t = time.perf_counter()
    np.save(out / "neighbors.npy", idx)
    np.save(out / "scores.npy", val)
    _emit(event="stage", stage="save", seconds=time.perf_counter() - t)
    _finish(spec, sampler, build_peak_rss_mb=peak)


def child_tfidf(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    """Our vectorize stage beside scikit-learn's TfidfVectorizer on the same articles,
    alternated in this one process (a busy spell of the machine hits both), medians."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from recommender.config.build import BuildConfig
    from recommender.vectorize import ArticleVectorizer

    arts = _read(spec)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(spec["vectorize_repeats"]):
        t = time.perf_counter()
        ArticleVectorizer.from_config(BuildConfig(), n_jobs=spec["jobs"]).fit_transform(arts)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        TfidfVectorizer(sublinear_tf=True).fit_transform([f"{a.title} {a.body}" for a in arts])
        theirs.append(time.perf_counter() - t)
    _emit(event="stage", stage="vectorize", seconds=float(np.median(theirs)))
    _emit(event="vectorize_pair", ours=float(np.median(ours)), sklearn=float(np.median(theirs)),
          ours_runs=ours, sklearn_runs=theirs, jobs=spec["jobs"])  # fmt: skip


def child_gensim(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    from gensim.corpora import Dictionary
    from gensim.models import TfidfModel
    from gensim.similarities import SparseMatrixSimilarity
    from gensim.utils import simple_preprocess

    logging.getLogger("gensim").setLevel(logging.WARNING)
    started = time.perf_counter()
    arts = _read(spec)
    t = time.perf_counter()
    tokens = [simple_preprocess(f"{a.title} {a.body}") for a in arts]
    dictionary = Dictionary(tokens)
    tfidf = TfidfModel(dictionary=dictionary)
    vecs = [tfidf[dictionary.doc2bow(toks)] for toks in tokens]
    del tokens
    index = SparseMatrixSimilarity(vecs, num_features=len(dictionary))
    _emit(event="stage", stage="vectorize", seconds=time.perf_counter() - t)
    n, k = len(arts), spec["n_neighbors"]
    allowed = started + 0.6 * spec["budget"]
    t = time.perf_counter()
    chunk, parts, done = 256, [], 0
    while done < n:
        b = min(done + chunk, n)
        sims = np.asarray(index[vecs[done:b]]).reshape(b - done, n)
        sims[np.arange(b - done), np.arange(done, b)] = 0.0
        top = np.argpartition(-sims, min(k, n - 1) - 1, axis=1)[:, :k]
        parts.append(top)
        done = b
        now = time.perf_counter()
        projected = (now - t) * n / done
        if done < n and t + projected > allowed:
            _emit(event="note", text=f"all-pairs top-K stopped after {done:,} of {n:,} rows: "
                  f"projected {projected:,.0f} s, over the budget")  # fmt: skip
            break
    else:
        _emit(event="stage", stage="neighbours", seconds=time.perf_counter() - t)
    del parts
    peak = _peak_mb(sampler)
    out = Path(spec["out"])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t = time.perf_counter()
    index.save(str(out / "index.gensim"))
    _emit(event="stage", stage="save", seconds=time.perf_counter() - t)
    _finish(spec, sampler, build_peak_rss_mb=peak)

    def query(a: Any) -> np.ndarray:
        sims = index[tfidf[dictionary.doc2bow(simple_preprocess(f"{a.title} {a.body}"))]]
        return np.argpartition(-sims, spec["k"])[: spec["k"]]

    deadline = started + 0.9 * spec["budget"]
    _emit_latency("similar", _time_calls(query, _drafts(arts, spec), deadline), 1e3)


def child_tantivy(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    import tantivy

    started = time.perf_counter()
    arts = _read(spec)
    out = Path(spec["out"])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t = time.perf_counter()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("text_fr", stored=True, tokenizer_name="fr_stem")  # MLT reads stored
    sb.add_text_field("text_en", stored=True, tokenizer_name="en_stem")
    sb.add_integer_field("pos", fast=True)
    schema = sb.build()
    index = tantivy.Index(schema, path=str(out))
    T, F = tantivy.Tokenizer, tantivy.Filter
    index.register_tokenizer("fr_stem", tantivy.TextAnalyzerBuilder(T.simple()).filter(
        F.remove_long(40)).filter(F.lowercase()).filter(F.stemmer("french")).build())
    jobs = spec["jobs"]
    writer = index.writer(num_threads=1 if jobs in (None, 1) else max(jobs, 0))
    for i, a in enumerate(arts):
        field_name = "text_fr" if a.language == "fr" else "text_en"
        writer.add_document(tantivy.Document(**{field_name: f"{a.title} {a.body}"}, pos=i))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    _emit(event="stage", stage="vectorize", seconds=time.perf_counter() - t)
    _finish(spec, sampler, build_peak_rss_mb=_peak_mb(sampler))
    searcher = index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=len(arts)).hits
    addrs = [h[1] for h in hits]
    address = dict(zip(searcher.fast_field_values("pos", addrs), addrs, strict=True))
    k = spec["k"]

    def query(p: int) -> list[int]:
        q = tantivy.Query.more_like_this_query(address[p], min_doc_frequency=5,
                                               min_term_frequency=2, max_query_terms=25)
        found = searcher.search(q, limit=k + 1, count=False).hits
        return [int(v) for v in searcher.fast_field_values("pos", [h[1] for h in found])]

    pos = [int(p) for p in _positions(len(arts), spec["queries"], spec["seed"])]
    deadline = started + 0.9 * spec["budget"]
    _emit_latency("similar", _time_calls(query, pos, deadline), 1e3)
    _tantivy_all(searcher, address, len(arts), spec["all_k"], deadline)


def _tantivy_all(searcher: Any, address: dict[int, Any], n: int, k: int,
                 deadline: float) -> None:  # fmt: skip
    """More-Like-This for every article (``limit`` k + 1: the all-pairs equivalent of our
    build), in article order, in this one thread; stopped at ``deadline`` and projected
    from the measured rate."""
    import tantivy

    t = time.perf_counter()
    done = 0
    for p in range(n):
        q = tantivy.Query.more_like_this_query(address[p], min_doc_frequency=5,
                                               min_term_frequency=2, max_query_terms=25)
        found = searcher.search(q, limit=k + 1, count=False).hits
        searcher.fast_field_values("pos", [h[1] for h in found])
        done += 1
        if done % 256 == 0 and time.perf_counter() > deadline:
            break
    seconds = time.perf_counter() - t
    _emit(event="stage", stage="neighbours", seconds=seconds * n / done,
          measured=seconds, done=done, total=n, projected=done < n)  # fmt: skip


def child_bm25s(spec: dict[str, Any], sampler: _TreeSampler | None) -> None:
    import bm25s
    import Stemmer

    started = time.perf_counter()
    arts = _read(spec)
    stemmers = {lang: Stemmer.Stemmer(name) for lang, name in STEMMERS.items()}
    t = time.perf_counter()
    tokens: list[list[str]] = [[] for _ in arts]
    for lang, stemmer in stemmers.items():
        which = [i for i, a in enumerate(arts) if (a.language or "en") == lang]
        toks = bm25s.tokenize([f"{arts[i].title} {arts[i].body}" for i in which],
                              stopwords=lang, stemmer=stemmer, return_ids=False,
                              show_progress=False)  # fmt: skip
        for i, tk in zip(which, toks, strict=True):
            tokens[i] = tk
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    del tokens
    _emit(event="stage", stage="vectorize", seconds=time.perf_counter() - t)
    peak = _peak_mb(sampler)
    out = Path(spec["out"])
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    retriever.save(str(out), show_progress=False)
    _emit(event="stage", stage="save", seconds=time.perf_counter() - t)
    _finish(spec, sampler, build_peak_rss_mb=peak)
    k = spec["k"]

    def query(a: Any) -> object:
        lang = a.language if a.language in stemmers else "en"
        toks = bm25s.tokenize([f"{a.title} {a.body}"], stopwords=lang, stemmer=stemmers[lang],
                              return_ids=False, show_progress=False)  # fmt: skip
        return retriever.retrieve(toks, k=k + 1, show_progress=False)

    deadline = started + 0.9 * spec["budget"]
    _emit_latency("similar", _time_calls(query, _drafts(arts, spec), deadline), 1e3)


CHILDREN: dict[str, Callable[[dict[str, Any], _TreeSampler | None], None]] = {
    "ours-build": child_ours_build, "ours-serve": child_ours_serve,
    "sparse_dot_topn": child_sparse_dot_topn, "gensim": child_gensim,
    "tantivy": child_tantivy, "bm25s": child_bm25s, "tfidf": child_tfidf,
    "baseline": child_baseline,
}  # fmt: skip


def child_main(spec: dict[str, Any]) -> int:
    """Run one task; any exception becomes an 'error' event."""
    sampler = None
    if spec.get("jobs") not in (None, 1) and importlib.util.find_spec("psutil"):
        sampler = _TreeSampler()
        sampler.start()
    try:
        CHILDREN[spec["task"]](spec, sampler)
    except Exception as exc:  # the parent reports it and goes on
        _emit(event="error", reason=f"{type(exc).__name__}: {exc}")
        return 1
    return 0


# -- parent side ----------------------------------------------------------------------------
@dataclass
class Result:
    """One system at one size; None = not measured / not applicable."""

    system: str
    name: str
    status: str = "ok"
    reason: str = ""
    stages: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    index_bytes: float | None = None  # per article
    neighbour_bytes: float | None = None  # per article
    load_s: dict[str, float] = field(default_factory=dict)  # "verify" / "no-verify": median
    load_runs: dict[str, list[float]] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    overlap: float | None = None  # overlap@10 of this neighbour table vs ours exact
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def build_s(self) -> float | None:
        if self.status != "ok" or not self.stages:
            return None
        return sum(self.stages.values())


def run_child(spec: dict[str, Any], budget: float) -> tuple[list[dict[str, Any]], str, str]:
    """Run this script with ``--child``; events, status and reason (killed at ``budget``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    cmd = [sys.executable, str(SCRIPT), "--child", json.dumps(spec)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,  # noqa: S603 (our own script)
                            env=env, start_new_session=True)  # fmt: skip
    status, reason = "ok", ""
    try:
        out, err = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the child's own session: it and its workers
        out, err = proc.communicate()
        status, reason = "timeout", f"killed after the {budget:,.0f} s budget"
    events = [json.loads(line[len(PREFIX):]) for line in out.splitlines()
              if line.startswith(PREFIX)]  # fmt: skip
    errors = [e["reason"] for e in events if e["event"] == "error"]
    if status == "ok" and (errors or proc.returncode != 0):
        tail = err.strip().splitlines()[-1:] if err.strip() else [f"exit {proc.returncode}"]
        status, reason = "failed", (errors or tail)[0]
    return events, status, reason


def _absorb(res: Result, events: list[dict[str, Any]]) -> None:
    """Fold a child's events into a result."""
    for e in events:
        kind = e["event"]
        if kind == "stage":
            res.stages[e["stage"]] = e["seconds"]
            res.extra.update({f"{e['stage']}_{x}_s": e[x] for x in ("prepare", "matmul") if x in e})
            if "projected" in e:  # tantivy's More-Like-This of every article
                res.extra["all_pairs"] = {x: e[x] for x in ("measured", "done", "total",
                                                            "projected")}  # fmt: skip
        elif kind == "progress":
            res.extra["last_progress"] = e
        elif kind == "build":
            res.peak_rss_mb = e["peak_rss_mb"]
            res.index_bytes, res.neighbour_bytes = e["index_bytes"], e["neighbour_bytes"]
            res.extra.update({x: e[x] for x in ("features", "nnz", "build_peak_rss_mb",
                                                "neighbour_files", "chosen_query_terms",
                                                "k_stored") if x in e})  # fmt: skip
        elif kind == "load":
            res.load_runs.setdefault("verify" if e["verify"] else "no-verify", []).append(
                e["seconds"])
            res.load_runs.setdefault("imports", []).append(e.get("imports", 0.0))
        elif kind == "latency":
            res.latency[e["name"]] = {"p50": e["p50"], "p99": e["p99"], "count": e["count"]}
        elif kind == "first_query":
            res.extra["first_query_" + ("warm" if e["warm"] else "cold")] = e
        elif kind == "note":
            res.notes.append(e["text"])
        elif kind == "vectorize_pair":
            res.extra["vectorize_pair"] = e


def _fail(res: Result, status: str, reason: str) -> None:
    res.status, res.reason = status, reason
    if status == "timeout":
        done = [s for s in STAGES if s in res.stages]
        res.reason += f"; finished stages: {', '.join(done) or 'none'}"
        if prog := res.extra.get("last_progress"):
            res.reason += (f"; {prog['stage']} at {prog['done']:,}/{prog['total']:,} rows "
                           f"after {prog['seconds']:,.0f} s")  # fmt: skip


def run_ours(mode: str, base: dict[str, Any], a: argparse.Namespace, n: int) -> Result:
    """One build of ours in a fresh process (serving is measured later, once)."""
    qt = {"exact": None, "auto": "auto"}.get(mode, a.query_terms)
    name = {None: "recommender exact", "auto": "recommender default: BuildConfig()"
            }.get(qt, f"recommender pruned (query_terms={qt})")  # fmt: skip
    res = Result(system=f"ours-{mode}", name=name)
    spec = {**base, "task": "ours-build", "query_terms": qt, "defaults": mode == "auto",
            "out": str(Path(a.workdir) / "indexes" / f"ours-{mode}-{n}")}  # fmt: skip
    events, status, reason = run_child(spec, a.budget_ours)
    _absorb(res, events)
    res.extra["spec"] = spec
    if status != "ok":
        _fail(res, status, reason)
    return res


def merge(rounds: list[Result]) -> Result:
    """Median stages and latencies over the rounds that succeeded; max peak RSS."""
    ok = [r for r in rounds if r.status == "ok"]
    if not ok:
        return rounds[0]
    res = dataclasses.replace(ok[-1], notes=list(dict.fromkeys(n for r in ok for n in r.notes)))
    if len(rounds) == 1:
        return res
    res.stages = {s: float(np.median([r.stages[s] for r in ok if s in r.stages]))
                  for s in ok[-1].stages}  # fmt: skip
    res.peak_rss_mb = max(r.peak_rss_mb or 0.0 for r in ok) or None
    for name in ok[-1].latency:
        runs = [r.latency[name] for r in ok if name in r.latency]
        res.latency[name] = {"p50": float(np.median([x["p50"] for x in runs])),
                             "p99": float(np.median([x["p99"] for x in runs])),
                             "count": sum(x["count"] for x in runs)}  # fmt: skip
    res.extra = {**ok[-1].extra, "rounds": [r.stages for r in rounds]}
    bad = [r for r in rounds if r.status != "ok"]
    res.notes.append(f"median of {len(ok)} builds" + (
        f" ({len(bad)} of {len(rounds)} {bad[0].status}: {bad[0].reason})" if bad else ""))
    return res


def _serve(res: Result, spec: dict[str, Any], a: argparse.Namespace) -> None:
    """Load-to-first-query in fresh processes (verify on/off), then latencies."""
    for r in range(a.load_repeats):
        for verify in (True, False):
            latency = not verify and r == a.load_repeats - 1
            events, status, reason = run_child(
                {**spec, "task": "ours-serve", "verify": verify, "latency": latency},
                a.budget_ours)  # fmt: skip
            _absorb(res, events)
            if status != "ok":
                res.notes.append(f"serve (verify={verify}) {status}: {reason}")
    events, status, reason = run_child(
        {**spec, "task": "ours-serve", "verify": True, "warm": True}, a.budget_ours)
    _absorb(res, events)
    if status != "ok":
        res.notes.append(f"serve (warm=True) {status}: {reason}")
    res.load_s = {key: float(np.median(v)) for key, v in res.load_runs.items()}
    if "imports" in res.load_s:
        res.notes.append(f"load excludes {res.load_s['imports']:.2f} s of interpreter start "
                         "and imports (numpy, scikit-learn, recommender)")


def run_peer(key: str, base: dict[str, Any], a: argparse.Namespace, n: int) -> Result:
    name, modules = PEERS[key]
    res = Result(system=key, name=name)
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        res.status, res.reason = "unavailable", f"ModuleNotFoundError: {missing[0]}"
        return res
    spec = {**base, "task": key, "budget": a.budget, "all_k": default_k(),
            "out": str(Path(a.workdir) / "indexes" / f"{key}-{n}")}  # fmt: skip
    if key == "baseline":  # the same K as the default build it is compared with
        spec["n_neighbors"] = default_k()
    events, status, reason = run_child(spec, a.budget)
    _absorb(res, events)
    if status != "ok":
        _fail(res, status, reason)
    elif key == "tfidf":
        pair = res.extra.get("vectorize_pair", {})
        res.notes.append(f"vectorize only; ours in the same process, {pair.get('jobs')} job(s): "
                         f"{pair.get('ours', float('nan')):.2f} s (runs: "
                         + ", ".join(f"{x:.2f}" for x in pair.get("ours_runs", [])) + "; theirs: "
                         + ", ".join(f"{x:.2f}" for x in pair.get("sklearn_runs", [])) + ")")
    elif key == "tantivy" and "all_pairs" in res.extra:
        run = res.extra["all_pairs"]
        res.notes.append(
            f"neighbours = More-Like-This of every article (limit K+1, K={spec['all_k']}, one "
            "thread) " + (f"PROJECTED from {run['done']:,} of {run['total']:,} articles "
                          f"in {run['measured']:,.1f} s (budget)" if run["projected"]
                          else f"run for all {run['total']:,}"))  # fmt: skip
    elif key in ("tantivy", "bm25s") or "neighbours" not in res.stages:
        res.notes.append("no all-pairs neighbour table: build = index, query latency only")
    if key == "baseline":
        res.notes.append(f"K={spec['n_neighbors']} (BuildConfig()'s)")
    return res


def overlap_at(exact: Path, other: Path, m: int = 10) -> float | None:
    """Mean share of each row's exact top-m found in the other table's top-m."""
    files = [p / "neighbors.npy" for p in (exact, other)]
    if not all(f.is_file() for f in files):
        return None
    E, P = (np.load(f, mmap_mode="r") for f in files)
    m = min(m, E.shape[1], P.shape[1])
    hits = total = 0
    for s in range(0, E.shape[0], 65536):
        e, p = np.asarray(E[s:s + 65536, :m]), np.asarray(P[s:s + 65536, :m])
        valid = e >= 0
        hits += int(((e[:, :, None] == p[:, None, :]).any(axis=2) & valid).sum())
        total += int(valid.sum())
    return hits / total if total else None


def ensure_corpus(workdir: Path, n: int, mean_length: int,
                  seed: int) -> tuple[Path, dict[str, Any]]:  # fmt: skip
    """The seeded corpus of this size, written once and reused while its parameters match."""
    params = {"n": n, "mean_length": mean_length, "seed": seed, "generator": "synthetic.py"}
    path = workdir / f"synthetic-n{n}-len{mean_length}-seed{seed}.jsonl"
    meta = path.with_suffix(".meta.json")
    with contextlib.suppress(OSError, ValueError, KeyError):
        known = json.loads(meta.read_text(encoding="utf-8"))
        if known["params"] == params and path.stat().st_size == known["summary"]["bytes"]:
            return path, {**known["summary"], "reused": True}
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    summary = synthetic.write_corpus(tmp, n, seed=seed, mean_length=mean_length)
    os.replace(tmp, path)
    meta.write_text(json.dumps({"params": params, "summary": summary}, indent=2) + "\n", "utf-8")
    return path, {**summary, "reused": False}


# -- output ---------------------------------------------------------------------------------
HEAD = ["system", "read s", "vectorize s", "neighbours s", "save s", "build s", "peak RSS MB",
        "index B/art", "nbr B/art", "load s (verify / no)", "related p50/p99 µs",
        "similar p50/p99 ms", "overlap@10", "status"]  # fmt: skip


def _f(v: float | None, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def _pair(d: dict[str, float] | None, fmt: str, keys: tuple[str, str] = ("p50", "p99")) -> str:
    if not d or not all(k in d for k in keys):
        return "—"
    return f"{d[keys[0]]:{fmt}} / {d[keys[1]]:{fmt}}"


def row(r: Result) -> list[str]:
    st = r.stages
    reason = r.reason.strip().splitlines()[0] if r.reason.strip() else ""
    reason = reason if len(reason) <= 120 else reason[:117] + "..."
    status = r.status if r.status == "ok" else f"{r.status}: {reason}"
    return [r.name, *(_f(st.get(s), ".2f") for s in STAGES), _f(r.build_s, ".2f"),
            _f(r.peak_rss_mb, ",.0f"), _f(r.index_bytes, ",.0f"), _f(r.neighbour_bytes, ",.1f"),
            _pair(r.load_s, ".3f", ("verify", "no-verify")),
            _pair(r.latency.get("related"), ".1f"), _pair(r.latency.get("similar"), ".2f"),
            _f(r.overlap, ".3f"), status]  # fmt: skip


def table(head: list[str], rows: list[list[str]]) -> str:
    """Aligned markdown table."""
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    cells = [head, ["-" * w for w in widths], *rows]
    return "\n".join("| " + " | ".join(x.ljust(w) for x, w in zip(r, widths, strict=True))
                     + " |" for r in cells)  # fmt: skip


def ratios(results: list[Result]) -> dict[str, float]:
    """Peer / ours: > 1 means ours is faster."""
    by = {r.system: r for r in results if r.status == "ok"}
    out: dict[str, float] = {}
    sdt, tan = by.get("sparse_dot_topn"), by.get("tantivy")
    pair = by["tfidf"].extra.get("vectorize_pair") if "tfidf" in by else None
    if pair and pair["sklearn"] > 0:
        out["ours / sklearn TfidfVectorizer, vectorize (same process)"] = \
            pair["ours"] / pair["sklearn"]
    for mode in MODES:
        ours = by.get(f"ours-{mode}")
        if ours is None:
            continue
        if sdt and sdt.build_s and ours.build_s:
            out[f"sparse_dot_topn / ours-{mode}, build"] = sdt.build_s / ours.build_s
            nb_sdt, nb_ours = sdt.stages.get("neighbours"), ours.stages.get("neighbours")
            if nb_sdt and nb_ours:
                out[f"sparse_dot_topn / ours-{mode}, neighbours"] = nb_sdt / nb_ours
        sim_t, sim_o = tan.latency.get("similar") if tan else None, ours.latency.get("similar")
        if sim_t and sim_o:
            out[f"tantivy MLT / ours-{mode} similar(), p50"] = sim_t["p50"] / sim_o["p50"]
            out[f"tantivy MLT / ours-{mode} similar(), p99"] = sim_t["p99"] / sim_o["p99"]
        out.update(_issue13_ratios(mode, ours, by))
    return out


def _issue13_ratios(mode: str, ours: Result, by: dict[str, Result]) -> dict[str, float]:
    """Issue 13's ratios, ours / the reference (lower is better)."""
    out: dict[str, float] = {}
    base, tan = by.get("baseline"), by.get("tantivy")
    if base and base.build_s and ours.build_s:
        out[f"ours-{mode} / baseline, build"] = ours.build_s / base.build_s
    if tan and tan.build_s and ours.build_s and "neighbours" in tan.stages:
        out[f"ours-{mode} / tantivy index + MLT all, build"] = ours.build_s / tan.build_s
    rel, row = ours.latency.get("related"), ours.latency.get("row + ids read")
    if rel and row and row["p50"] > 0:
        out[f"ours-{mode} related() / row + ids read, p50"] = rel["p50"] / row["p50"]
    return out


def _goal_text(key: str) -> str:
    """The goal a ratio line of :func:`ratios` is read against."""
    if key.startswith("ours-") and key.endswith("baseline, build"):
        return f"goal ≤ {BASELINE_GOAL:g}×"
    if "MLT all" in key:
        return f"goal ≤ {TANTIVY_ALL_GOAL:g}×"
    if "row + ids read" in key:
        return f"goal ≤ {RELATED_GOAL:g}×"
    if key.endswith("build"):
        return "goal ≥ 4×"
    if "tantivy" in key:
        return "goal ≥ 1×"
    if "TfidfVectorizer" in key:
        return "goal ≤ 1×"
    return ""


def report(n: int, corpus: dict[str, Any], results: list[Result], rat: dict[str, float]) -> str:
    """Heading, table, ratios and notes of one size."""
    lines = [f"### {n:,} articles (mean body {corpus['body_tokens_mean']:,.0f} tokens, "
             f"{corpus['bytes'] / 1e6:,.0f} MB of JSON Lines)", "",
             table(HEAD, [row(r) for r in results]), ""]  # fmt: skip
    projected = any(r.extra.get("all_pairs", {}).get("projected") for r in results)
    for key, v in rat.items():
        goal = _goal_text(key)
        if projected and "MLT all" in key:
            goal += "; tantivy's MLT of every article PROJECTED"
        lines.append(f"- **{key} = {v:.2f}×**" + (f" ({goal})" if goal else ""))
    for r in results:
        notes = list(r.notes)
        if "neighbours_prepare_s" in r.extra:
            notes.append(f"neighbours includes {r.extra['neighbours_prepare_s']:.2f} s of "
                         "transpose and block planning")  # fmt: skip
        if r.extra.get("neighbour_files") and r.system.startswith("ours"):
            notes.append(f"neighbour table = {', '.join(r.extra['neighbour_files'])}.npy")
        if "neighbours_matmul_s" in r.extra:
            notes.append(f"sp_matmul_topn alone {r.extra['neighbours_matmul_s']:.2f} s")
        if r.extra.get("chosen_query_terms", "unset") != "unset" and r.system == "ours-auto":
            qt = r.extra["chosen_query_terms"]
            notes.append(f"auto chose {'exact search' if qt is None else f'pruned search, query_terms={qt}'}"
                         f" at {n:,} articles; K={r.extra.get('k_stored')}")
        for name, lat in r.latency.items():
            unit = "ms" if name == "similar" else "µs"
            notes.append(f"{name}: p50 {lat['p50']:.2f} / p99 {lat['p99']:.2f} {unit} "
                         f"({lat['count']:,} timed)")  # fmt: skip
        warm, cold = r.extra.get("first_query_warm"), r.extra.get("first_query_cold")
        if warm:
            notes.append(f"load(warm=True) {warm['load_s']:.2f} s, then first similar() "
                         f"{warm['similar_ms']:.2f} ms, first related() {warm['related_us']:.0f} µs")
        if cold:
            notes.append(f"first similar() after a load without warm-up {cold['similar_ms']:.1f} ms")
        if notes:
            lines.append(f"- {r.name}: {'; '.join(notes)}")
    return "\n".join(lines).rstrip() + "\n"


GOALS = [
    ("Build 100k synthetic, end to end", "≤ 30 s"),
    ("Build 1M, end to end", "≤ 10 min, peak RSS ≤ 8 GB"),
    ("related(id)", "p50 ≤ 20 µs, p99 ≤ 100 µs"),
    ("similar(draft)", "p50 ≤ 1 ms at 100k, ≤ 5 ms at 1M"),
    ("Neighbour table", "≤ 100 bytes per article at K=10"),
    ("Load to first query at 1M", "≤ 1 s (memory-mapped)"),
    ("Against peers, same run", "build ≥ 4× faster than exact sparse_dot_topn; "
     "similar() faster than tantivy MLT"),
    ("Vectorize against scikit-learn", "ours ≤ 1.0× TfidfVectorizer(sublinear_tf=True)"
     ".fit_transform, same texts, same process"),
]  # fmt: skip


def _under(value: float | None, limit: float, unit: str,
           fmt: str = ".2f") -> tuple[str, bool | None]:  # fmt: skip
    """'12.3 s (reached, 0.41× the limit)' for an at-most goal."""
    if value is None:
        return "not measured", None
    ok = value <= limit
    how = f"{value / limit:.2f}× the limit" if ok else f"{value / limit:.2f}× over"
    return f"{value:{fmt}} {unit} ({'reached' if ok else 'missed'}, {how})", ok


def _over(value: float | None, target: float) -> tuple[str, bool | None]:
    if value is None:
        return "not measured", None
    ok = value >= target
    return f"{value:.2f}× ({'reached' if ok else 'missed'}, goal {target:g}×)", ok


def goals(sizes: dict[int, list[Result]], k: int) -> list[list[str]]:
    """The issue's goal table, one measured cell per mode of ours."""
    largest = max(sizes) if sizes else 0

    def get(n: int, mode: str) -> Result | None:
        return next((r for r in sizes.get(n, []) if r.system == f"ours-{mode}"), None)

    def cells(fn: Callable[[Result, int], list[str]], n: int) -> str:
        parts = []
        for mode in MODES:
            r = get(n, mode)
            if r is None:
                continue
            if r.status != "ok":
                parts.append(f"{mode}: {r.status}")
                continue
            parts.append(f"{mode}: " + "; ".join(fn(r, n)))
        return "<br>".join(parts) if parts else f"not run at {n:,}"

    def build(lim: float, rss: float | None) -> Callable[[Result, int], list[str]]:
        def fn(r: Result, n: int) -> list[str]:
            out = [_under(r.build_s, lim, "s")[0]]
            if rss is not None:
                out.append("peak " + _under(r.peak_rss_mb, rss, "MB", ",.0f")[0])
            return out
        return fn

    def related(r: Result, n: int) -> list[str]:
        lat = r.latency.get("related", {})
        return [f"p50 {_under(lat.get('p50'), 20, 'µs', '.1f')[0]}",
                f"p99 {_under(lat.get('p99'), 100, 'µs', '.1f')[0]}"]

    def similar(lim: float) -> Callable[[Result, int], list[str]]:
        return lambda r, n: [f"p50 {_under(r.latency.get('similar', {}).get('p50'), lim, 'ms')[0]}"]

    def table_bytes(r: Result, n: int) -> list[str]:
        stored = r.extra.get("k_stored", k)  # the default mode stores BuildConfig()'s K
        if stored != 10:
            return [f"{_f(r.neighbour_bytes, ',.1f')} B at K={stored} (not 10: no verdict)"]
        return [_under(r.neighbour_bytes, 100, "B", ".1f")[0]]

    def load(r: Result, n: int) -> list[str]:
        return [f"no-verify {_under(r.load_s.get('no-verify'), 1.0, 's', '.3f')[0]}",
                f"verify {_under(r.load_s.get('verify'), 1.0, 's', '.3f')[0]}"]

    def peers(n: int) -> str:
        rat = ratios(sizes.get(n, []))
        parts = []
        for mode in MODES:
            b = rat.get(f"sparse_dot_topn / ours-{mode}, build")
            s = rat.get(f"tantivy MLT / ours-{mode} similar(), p50")
            if b is not None or s is not None:
                parts.append(f"{mode}: build {_over(b, 4)[0]}; similar p50 {_over(s, 1)[0]}")
        return "<br>".join(parts) or f"no peer ratio at {n:,}"

    def vectorize(n: int) -> str:
        key = "ours / sklearn TfidfVectorizer, vectorize (same process)"
        value = ratios(sizes.get(n, [])).get(key)
        if value is None:
            return "not measured (--peers tfidf)"
        return f"{value:.2f}× ({'reached' if value <= 1.0 else 'missed'}, goal ≤ 1×)"

    def at(n: int, text: str) -> str:
        if n in sizes:
            return text
        plain = re.sub(r" \((?:reached|missed)[^)]*\)", "", text)  # no verdict off-size
        return f"not run at {n:,}" + (f"; at {largest:,}: {plain}" if largest else "")

    M = 1_000_000
    sim = [f"at {n:,}: " + cells(similar(lim), n) for n, lim in ((100_000, 1.0), (M, 5.0))
           if n in sizes]  # fmt: skip
    if not sim:
        sim = [at(100_000, cells(similar(1.0), largest))]
    return [
        [*GOALS[0], at(100_000, cells(build(30, None), 100_000 if 100_000 in sizes else largest))],
        [*GOALS[1], at(M, cells(build(600, 8192), M if M in sizes else largest))],
        [*GOALS[2], f"at {largest:,}: " + cells(related, largest)],
        [*GOALS[3], "<br>".join(sim)],
        [*GOALS[4], f"at {largest:,}: " + cells(table_bytes, largest)],
        [*GOALS[5], at(M, cells(load, M if M in sizes else largest))],
        [*GOALS[6], f"at {largest:,}: " + peers(largest)],
        [*GOALS[7], f"at {largest:,}: " + vectorize(largest)],
    ]


GOALS13 = [
    ("Default build vs exact baseline",
     f"BuildConfig() / (TfidfVectorizer + sparse_dot_topn exact top-K) ≤ {BASELINE_GOAL:g}"),
    ("Default build vs tantivy",
     f"BuildConfig() / (tantivy index + More-Like-This of every article) ≤ {TANTIVY_ALL_GOAL:g}"),
    ("Vectorize vs scikit-learn", "ours / TfidfVectorizer(sublinear_tf=True) ≤ 1.0"),
    ("similar() vs tantivy MLT", "ours ≤ tantivy at p50 and p99; first query after "
     "load(warm=True) shown"),
    ("related() vs the stored row", f"p50 ≤ {RELATED_GOAL:g}× a bare read of the row and its "
     "ids, same process, alternated, each call on its own ids"),
]  # fmt: skip


def goals13(sizes: dict[int, list[Result]]) -> list[list[str]]:
    """Issue 13's "done when" at 100k (else the largest size run), one cell per mode."""
    n = 100_000 if 100_000 in sizes else max(sizes, default=0)
    results = sizes.get(n, [])
    rat = ratios(results)
    by = {r.system: r for r in results if r.status == "ok"}
    tan = by.get("tantivy")
    modes = [m for m in MODES if f"ours-{m}" in by]

    def verdict(value: float | None, goal: float, text: str = "") -> str:
        if value is None:
            return "not measured"
        return f"{value:.2f}× ({'reached' if value <= goal else 'missed'}{text})"

    def per_mode(fn: Callable[[str, Result], str]) -> str:
        label = {"auto": "default (auto)"}
        return "<br>".join(f"{label.get(m, m)}: {fn(m, by[f'ours-{m}'])}"
                           for m in modes) or "not run"  # fmt: skip

    projected = bool(tan and tan.extra.get("all_pairs", {}).get("projected"))

    def similar(m: str, r: Result) -> str:
        ours, theirs = r.latency.get("similar"), tan.latency.get("similar") if tan else None
        if not ours or not theirs:
            return "not measured"
        ok = ours["p50"] <= theirs["p50"] and ours["p99"] <= theirs["p99"]
        text = (f"p50 {ours['p50']:.2f} vs {theirs['p50']:.2f} ms, p99 {ours['p99']:.2f} vs "
                f"{theirs['p99']:.2f} ms ({'reached' if ok else 'missed'})")
        if warm := r.extra.get("first_query_warm"):
            text += f"; first after load(warm=True): {warm['similar_ms']:.2f} ms"
        return text

    def related(m: str, r: Result) -> str:
        rel, row = r.latency.get("related"), r.latency.get("row + ids read")
        value = rat.get(f"ours-{m} related() / row + ids read, p50")
        if not rel or not row:
            return "not measured"
        text = f"{rel['p50']:.1f} vs {row['p50']:.1f} µs: " + verdict(value, RELATED_GOAL)
        rel_same = r.latency.get("related [same id]")
        row_same = r.latency.get("row + ids read [same id]")
        if rel_same and row_same and row_same["p50"] > 0:
            text += (f"; same id, related first: {rel_same['p50']:.1f} vs "
                     f"{row_same['p50']:.1f} µs, {rel_same['p50'] / row_same['p50']:.2f}×")
        return text

    vec = rat.get("ours / sklearn TfidfVectorizer, vectorize (same process)")
    rows = [
        per_mode(lambda m, r: verdict(rat.get(f"ours-{m} / baseline, build"), BASELINE_GOAL)),
        per_mode(lambda m, r: verdict(rat.get(f"ours-{m} / tantivy index + MLT all, build"),
                                      TANTIVY_ALL_GOAL, ", tantivy projected" if projected
                                      else "")),
        verdict(vec, 1.0),
        per_mode(similar),
        per_mode(related),
    ]
    return [[goal, target, f"at {n:,}: {cell}"] for (goal, target), cell
            in zip(GOALS13, rows, strict=True)]  # fmt: skip


def machine() -> dict[str, Any]:
    """Platform, cores, memory, Python, package versions and BLAS/OpenMP thread pools."""
    import scipy  # noqa: F401  (loads its BLAS so threadpoolctl sees it)
    import sklearn  # noqa: F401

    versions: dict[str, str | None] = {}
    for dist in ("numpy", "scipy", "scikit-learn", "joblib", "gensim", "bm25s", "tantivy",
                 "sparse-dot-topn", "numba", "PyStemmer", "psutil", "threadpoolctl"):  # fmt: skip
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    pools: list[dict[str, Any]] = []
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        pools = [{k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
                 for p in threadpool_info()]  # fmt: skip
    mem = None
    with contextlib.suppress(ImportError):
        import psutil

        mem = round(psutil.virtual_memory().total / 2**30, 1)
    return {"platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(), "memory_gib": mem, "python": platform.python_version(),
            "packages": versions, "threadpools": pools, "source": source()}  # fmt: skip


def source() -> dict[str, Any]:
    """Which engine was measured: a digest of recommender/*.py, and git's view if any."""
    digest = hashlib.sha256()
    for f in sorted((ROOT / "recommender").rglob("*.py")):
        digest.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    out: dict[str, Any] = {"root": str(ROOT), "engine_sha256": digest.hexdigest()[:16]}
    git = shutil.which("git")
    if git and (ROOT / ".git").exists():  # read-only queries; no index refresh written

        def ask(*args: str) -> str:
            return subprocess.run([git, "--no-optional-locks", "-C", str(ROOT), *args],  # noqa: S603
                                  capture_output=True, text=True, timeout=10).stdout  # fmt: skip

        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out["commit"] = ask("rev-parse", "--short", "HEAD").strip()
            status = ask("status", "--porcelain", "--", "recommender")
            out["modified"] = [line[3:] for line in status.splitlines()]
    return out


def update_readme(text: str, path: Path | None = None) -> None:
    """Replace (or append) this script's README section, re-reading the file first."""
    replace_section(path or README, START, END, text)

METHOD = """\
Every build runs in a fresh child process (peak RSS = that process's `ru_maxrss`, plus its
workers sampled with psutil when `--jobs` > 1). Stages: **read** `read_articles`;
**vectorize** text to vectors (for tantivy/bm25s/gensim: text to their searchable index);
**neighbours** the all-pairs top-K table (ours: from the end of vectorize to the end of
`build`, transpose and block planning included; sparse_dot_topn: `X.T`, `sp_matmul_topn` on
our vectorizer's matrix, self dropped); **save** writing the index directory. Load = a fresh
process timing `RelatedIndex.load(mmap=True)` + one `related()` (warm page cache; median of
the runs). `related()` latency over random ids; `similar()` over random articles given a
fresh id (the draft is vectorized inside the call); tantivy: More-Like-This of an indexed
document (min_doc_frequency=5, min_term_frequency=2, max_query_terms=25); bm25s: the whole
article's tokens as the query; gensim: one TF-IDF vector against `SparseMatrixSimilarity`.
overlap@10: share of ours-exact's top-10 found in that system's top-10.

Latencies are timed after `index.warm()` (what a server's `IndexHandle` does before it takes
queries). Issue 13's rows. **default** = `BuildConfig()` exactly as it is (`query_terms="auto"`, which
the notes say it resolved to, and its own K). **baseline** = issue 13's exact baseline:
`TfidfVectorizer(sublinear_tf=True).fit_transform` on title + body, then
`sparse_dot_topn.sp_matmul_topn` exact top-K, self dropped, K = `BuildConfig()`'s.
**tantivy** neighbours = More-Like-This of every article (`limit` K+1, K = `BuildConfig()`'s,
one thread), the all-pairs equivalent of our build; run after its latency queries and,
when its budget runs out, stopped and PROJECTED from its measured rate (the notes say so).
`related()` is timed under the index's default rules (what a site's box gets) and under
`QueryConfig.plain()` (the stored row as ranked), alternated with a bare read of the
stored row: `neighbors[row]` + `scores[row]` after the id's dict lookup ("row read"), and
the same turned into the row's ids (strings) and scores (floats), the least an answer
holds ("row + ids read"); the goal ratio is against the latter. The four calls alternate
but each reads its own random ids: on one id, the call after another finds the article's
memory in the CPU cache, as no server request does (that same-id order, related first,
is also timed, under names ending in "[same id]"). First query:
a fresh process times `load(mmap=True, warm=True)` and then its first `similar()`."""


def _source_text(info: dict[str, Any]) -> str:
    src = info.get("source", {})
    text = f"commit {src.get('commit', '?')}"
    if src.get("modified"):
        text += f" + uncommitted changes to {', '.join(src['modified'])}"
    return text + f" (recommender/*.py sha256 {src.get('engine_sha256', '?')})"


def readme_section(reports: list[str], goal_rows: list[list[str]], info: dict[str, Any],
                   argv: Sequence[str], goal13_rows: list[list[str]]) -> str:  # fmt: skip
    pk = ", ".join(f"{d} {v}" for d, v in info["packages"].items() if v)
    pools = ", ".join(f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)"
                      for p in info["threadpools"]) or "none found"  # fmt: skip
    return (
        "## Speed and scale\n\n"
        "`benchmarks/speed.py` builds our engine (exact, pruned and/or `BuildConfig()` as it\n"
        "is) and the peers on the same seeded synthetic corpora, in one run, each build in\n"
        "its own process.\n\n"
        f"{METHOD}\n\n"
        f"Machine: {info['platform']}, {info['cpu_count']} cores, {info['memory_gib']} GiB, "
        f"Python {info['python']}; {pk}; thread pools: {pools}. Shared machine: expect noise.\n"
        f"Command: `python benchmarks/speed.py {' '.join(argv)}`; engine: {_source_text(info)}\n\n"
        "### Goals (issue 13: fast by default)\n\n"
        + table(["goal", "target", "measured"], goal13_rows) + "\n\n"
        "### Goals (issue \"Scale: a whole archive on one laptop\")\n\n"
        + table(["goal", "target", "measured"], goal_rows) + "\n\n" + "\n".join(reports)
    )


def rerender(path: Path, readme: bool) -> int:
    """Print (and optionally publish) the tables of a saved run without running anything."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(Result)}
    by_size = {s["n"]: [Result(**{k: v for k, v in r.items() if k in names})
                        for r in s["systems"]] for s in saved["sizes"]}  # fmt: skip
    reports = [report(s["n"], s["corpus"], by_size[s["n"]], s["ratios"]) for s in saved["sizes"]]
    goal_rows = goals(by_size, saved["params"]["n_neighbors"])
    goal13_rows = goals13(by_size)
    print("\n".join(reports) + "\n### Goals\n\n" + table(["goal", "target", "measured"], goal_rows)
          + "\n\n### Goals (issue 13)\n\n" + table(["goal", "target", "measured"], goal13_rows))
    if readme:
        update_readme(readme_section(reports, goal_rows, saved["machine"], saved["command"][1:],
                                     goal13_rows))
    return 0


def _int_list(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    """Command line: parse, run every system at every size, print tables."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes")
    p.add_argument("--large", action="store_true", help="also run 1,000,000 articles")
    p.add_argument("--mean-length", type=int, default=300, help="mean body tokens")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=10, help="results per query")
    p.add_argument("--n-neighbors", type=int, default=10, help="K stored per article")
    p.add_argument("--query-terms", type=int, default=25, help="query_terms of pruned mode")
    p.add_argument("--modes", default="exact,auto",
                   help="our modes: exact, pruned (--query-terms), auto (alias default: "
                   "BuildConfig() exactly as it is, its own K)")
    p.add_argument("--jobs", type=int, default=1, help="n_jobs of every build (default 1)")
    p.add_argument("--queries", type=int, default=2000, help="timed queries per latency")
    p.add_argument("--vectorize-repeats", type=int, default=3,
                   help="alternated fits of ours and TfidfVectorizer in the tfidf child")
    p.add_argument("--repeats", default="1",
                   help="builds per system, interleaved, medians reported; one value, or one "
                   "per size (e.g. 3,1)")
    p.add_argument("--load-repeats", type=int, default=3, help="fresh-process loads per mode")
    p.add_argument("--peers", default=",".join(PEERS), help=f"subset of {','.join(PEERS)} or none")
    p.add_argument("--budget", type=float, default=300.0, help="seconds per peer per size")
    p.add_argument("--budget-ours", type=float, default=1200.0,
                   help="seconds per build (and per serve process) of ours")
    p.add_argument("--json", help="write raw results, machine and command here")
    p.add_argument("--readme", action="store_true",
                   help=f"rewrite the speed section of {README.name}")
    p.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "speedbench"),
                   help="corpora and indexes go here (default: <tmp>/speedbench)")
    p.add_argument("--from-json", help="re-render tables (and --readme) from a saved --json")
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        return child_main(json.loads(a.child))
    argv = sys.argv[1:] if argv is None else list(argv)
    if a.from_json:
        return rerender(Path(a.from_json), a.readme)
    sizes = _int_list(a.sizes) + ([1_000_000] if a.large else [])
    peers = [x.strip() for x in a.peers.split(",") if x.strip() and a.peers.strip() != "none"]
    modes = [MODE_ALIASES.get(x.strip(), x.strip()) for x in a.modes.split(",") if x.strip()]
    if bad := [x for x in peers if x not in PEERS] + [x for x in modes if x not in MODES]:
        p.error(f"unknown --peers/--modes {bad}; peers: {','.join(PEERS)} or none; "
                f"modes: {','.join(MODES)}")  # fmt: skip
    repeats = _int_list(a.repeats)
    if not sizes or not repeats or min(sizes) < 2 or min(
            a.k, a.n_neighbors, a.queries, a.load_repeats, *repeats) < 1:  # fmt: skip
        p.error("expected sizes >= 2 and --k, --n-neighbors, --queries, --repeats, "
                "--load-repeats >= 1")
    workdir = Path(a.workdir)
    info, reports, raw, by_size = machine(), [], [], {}
    for i, n in enumerate(sizes):
        n_rounds = repeats[min(i, len(repeats) - 1)]
        print(f"[{n:,}] corpus ...", file=sys.stderr, flush=True)
        corpus, summary = ensure_corpus(workdir, n, a.mean_length, a.seed)
        base = {"corpus": str(corpus), "n": n, "k": a.k, "n_neighbors": a.n_neighbors,
                "jobs": a.jobs, "queries": a.queries, "seed": a.seed, "budget": a.budget_ours,
                "vectorize_repeats": a.vectorize_repeats}
        load_before = os.getloadavg()
        rounds: dict[str, list[Result]] = {}
        for r in range(n_rounds):  # interleaved, so a busy spell on the machine hits all
            tag = f" (round {r + 1}/{n_rounds})" if n_rounds > 1 else ""
            for mode in modes:
                print(f"[{n:,}] ours {mode}{tag} ...", file=sys.stderr, flush=True)
                rounds.setdefault(f"ours-{mode}", []).append(run_ours(mode, base, a, n))
            for key in peers:
                print(f"[{n:,}] {key}{tag} ...", file=sys.stderr, flush=True)
                rounds.setdefault(key, []).append(run_peer(key, base, a, n))
        results = [merge(rs) for rs in rounds.values()]
        for res in results:
            if res.system.startswith("ours-") and res.status == "ok":
                print(f"[{n:,}] {res.system} load and queries ...", file=sys.stderr, flush=True)
                _serve(res, {**res.extra.pop("spec"), "first_id": synthetic.article_ids(n)[n // 2]},
                       a)  # fmt: skip
            res.extra.pop("spec", None)
        exact = workdir / "indexes" / f"ours-exact-{n}"
        if any(r.system == "ours-exact" and r.status == "ok" for r in results):
            for res in results:
                if res.system in ("ours-pruned", "ours-auto", "sparse_dot_topn",
                                  "baseline") and res.status == "ok":
                    res.overlap = overlap_at(exact, workdir / "indexes" / f"{res.system}-{n}")
        rat = ratios(results)
        text = report(n, summary, results, rat)
        print(text, flush=True)
        reports.append(text)
        by_size[n] = results
        raw.append({"n": n, "corpus": {"path": str(corpus), **summary},
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
                    "systems": [dataclasses.asdict(r) | {"build_s": r.build_s} for r in results],
                    "ratios": rat})  # fmt: skip
    goal_rows = goals(by_size, a.n_neighbors)
    goal13_rows = goals13(by_size)
    print("### Goals\n\n" + table(["goal", "target", "measured"], goal_rows), flush=True)
    print("\n### Goals (issue 13: fast by default)\n\n"
          + table(["goal", "target", "measured"], goal13_rows), flush=True)
    if a.json:
        out = {"command": ["benchmarks/speed.py", *argv], "machine": info,
               "params": {k: v for k, v in vars(a).items() if k != "child"},
               "sizes": raw, "goals": goal_rows, "goals_issue13": goal13_rows}  # fmt: skip
        Path(a.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if a.readme:
        update_readme(readme_section(reports, goal_rows, info, argv, goal13_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
