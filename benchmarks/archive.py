"""One archive-scale build, then a cold load and query latency, each timed on its own.

What ``speed.py --large`` does for every system, reduced to our engine so a 1M run fits a
session. The build is ``recommender build``'s own path (``build_from_files``: the corpus
streams from disk, stage times from its summary, peak RSS of this process and of the
whole process tree with its workers); the load, the queries and the overlap of pruned
neighbours with exact ones on sampled rows run in a fresh process.

    python benchmarks/synthetic.py --n 1000000 --seed 2 --mean-length 200 -o /tmp/syn1m.jsonl
    python benchmarks/archive.py /tmp/syn1m.jsonl /tmp/idx1m --query-terms 25 --jobs 2 \\
        --overlap-rows 1000 --json benchmarks/results/archive-1m.json
    python benchmarks/archive.py /tmp/syn1m.jsonl /tmp/idx1m-default --defaults --jobs 2 \\
        --overlap-rows 1000 --json benchmarks/results/archive-1m-default.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from recommender import BuildConfig, RelatedIndex
from recommender.corpus.reader import iter_articles
from recommender.pipeline import build_from_files
from recommender.query.config import QueryConfig
from recommender.search.searcher import Searcher, SearchSettings


class _TreePeak(threading.Thread):
    """Peak summed RSS of this process and its children (joblib workers), every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0

    def run(self) -> None:
        try:
            import psutil
        except ImportError:  # without psutil: this process's own peak only
            return
        me = psutil.Process()
        while True:
            with contextlib.suppress(psutil.Error):
                procs = [me, *me.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            time.sleep(0.05)


def build(corpus: Path, output: Path, *, query_terms: int | None, n_neighbors: int,
          jobs: int, defaults: bool = False) -> dict[str, float]:
    """``recommender build``'s own path: the corpus streams from disk into the index
    (``defaults``: with ``BuildConfig()`` as shipped, whatever the other settings)."""
    sampler = _TreePeak()
    sampler.start()
    started = time.perf_counter()
    config = BuildConfig() if defaults else BuildConfig(n_neighbors=n_neighbors,
                                                        query_terms=query_terms)
    summary = build_from_files([corpus], output, config, n_jobs=jobs)
    total = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"articles": summary.articles, "read_s": summary.seconds["read"],
            "vectorize_s": summary.seconds["vectorize"],
            "neighbours_s": summary.seconds["neighbours"], "save_s": summary.seconds["save"],
            # the rest: hashing the corpus for the model card, writing the card
            "total_s": total, "peak_rss_mb": own,
            "peak_rss_tree_mb": max(own, sampler.peak / 2**20)}


def pruned_overlap(index: RelatedIndex, rows: int, seed: int = 0) -> float:
    """Overlap@K of the stored (pruned) neighbours with exact top-K, on sampled rows."""
    X = index.space.X
    exact_search = Searcher(X, SearchSettings(), XT=index.space.searcher.XT)
    k = index.n_neighbors
    picked = np.sort(np.random.default_rng(seed).choice(X.shape[0], rows, replace=False))
    hits = []
    for row in picked:
        exact, _ = exact_search.search(X[int(row)], k, own=np.array([row]))
        want = set(exact[0][exact[0] >= 0].tolist())
        got = set(np.asarray(index.graph.neighbors[row])[:k].tolist()) - {-1}
        hits.append(len(want & got) / max(len(want), 1))
    return float(np.mean(hits))


def serve(corpus: Path, index_dir: Path, queries: int, overlap_rows: int = 0) -> dict[str, float]:
    """Run in a fresh process: load to first answer, then latency of related and similar."""
    out: dict[str, float] = {}
    for verify in (False, True):
        started = time.perf_counter()
        index = RelatedIndex.load(index_dir, verify=verify)
        index.related(index.ids[0], k=10)
        out[f"load_to_first_query_s{'' if verify else '_no_verify'}"] = (
            time.perf_counter() - started)
    ids = index.ids
    picks = np.random.default_rng(0).integers(0, len(ids), queries)
    # the box under the index's default rules, and the stored row as ranked (plain),
    # interleaved so both see the same machine
    plain = QueryConfig.plain()
    lat: list[int] = []
    lat_plain: list[int] = []
    for i in picks:
        t = time.perf_counter_ns()
        index.related(ids[i], k=10)
        lat.append(time.perf_counter_ns() - t)
        t = time.perf_counter_ns()
        index.related(ids[i], k=10, query=plain)
        lat_plain.append(time.perf_counter_ns() - t)
    out["related_p50_us"], out["related_p99_us"] = (float(np.percentile(lat, q)) / 1e3
                                                    for q in (50, 99))
    out["related_plain_p50_us"], out["related_plain_p99_us"] = (
        float(np.percentile(lat_plain, q)) / 1e3 for q in (50, 99))
    step = max(1, len(ids) // queries)
    # drafts: articles of the corpus under a new id (and no editor links), so each is
    # vectorized and searched; an indexed id is answered from its stored row
    drafts = [dataclasses.replace(a, id=f"draft-{a.id}", related=())
              for n, a in enumerate(iter_articles(corpus)) if n % step == 0][:queries]
    t = time.perf_counter()
    index.similar(drafts[0], k=10)
    out["first_similar_s"] = time.perf_counter() - t  # builds X.T and the postings once
    lat = []
    for a in drafts:
        t = time.perf_counter_ns()
        index.similar(a, k=10)
        lat.append(time.perf_counter_ns() - t)
    out["similar_p50_ms"], out["similar_p99_ms"] = (float(np.percentile(lat, q)) / 1e6
                                                    for q in (50, 99))
    # what a server does before it says ready: warm() (X.T, the orders, the analyzers'
    # words, every default box), then related() reads the boxes
    t = time.perf_counter()
    index.warm()
    out["warm_s"] = time.perf_counter() - t
    # alternated with a bare read of another random article's stored row and its ids
    # (issue 13's yardstick; its own ids, so neither call finds the other's memory in cache)
    positions, names = index.table.positions, index.table.ids
    neighbors, scores = index.graph.neighbors, index.graph.scores
    others = np.random.default_rng(1).integers(0, len(ids), queries)
    lat, lat_row = [], []
    for i, j in zip(picks, others, strict=True):
        t0 = time.perf_counter_ns()
        index.related(ids[i], k=10)
        lat.append(time.perf_counter_ns() - t0)
        t0 = time.perf_counter_ns()
        row = positions[ids[j]]
        at = neighbors[row].tolist()
        n = at.index(-1) if -1 in at else len(at)
        _ = list(map(names.__getitem__, at[:10][:n])), scores[row][:min(10, n)].tolist()
        lat_row.append(time.perf_counter_ns() - t0)
    out["related_warm_p50_us"], out["related_warm_p99_us"] = (
        float(np.percentile(lat, q)) / 1e3 for q in (50, 99))
    out["row_ids_read_p50_us"] = float(np.percentile(lat_row, 50)) / 1e3
    if overlap_rows:
        out["overlap_rows"] = overlap_rows
        out["overlap_at_k_pruned_vs_exact"] = pruned_overlap(index, min(overlap_rows, len(ids)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--query-terms", type=int, default=25)
    parser.add_argument("--n-neighbors", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--defaults", action="store_true",
                        help="build with BuildConfig() as shipped (the automatic search "
                             "and its K), ignoring --query-terms and --n-neighbors")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--overlap-rows", type=int, default=0,
                        help="rows whose exact top-K is computed to measure pruning's overlap")
    parser.add_argument("--serve-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.serve_only:
        print(json.dumps(serve(args.corpus, args.index, args.queries, args.overlap_rows)))
        return 0
    result = {"command": sys.argv, "machine": platform.platform(),
              "build": build(args.corpus, args.index, query_terms=args.query_terms,
                             n_neighbors=args.n_neighbors, jobs=args.jobs,
                             defaults=args.defaults)}
    stored = RelatedIndex.load(args.index, verify=False)
    result["config"] = {"search_mode": stored.config.search_mode,
                        "query_terms": stored.config.query_terms,
                        "n_neighbors": stored.config.n_neighbors}
    del stored
    child = subprocess.run(  # noqa: S603 - this script, run again with --serve-only
        [sys.executable, __file__, str(args.corpus), str(args.index), "--serve-only",
         "--queries", str(args.queries), "--overlap-rows", str(args.overlap_rows)],
        capture_output=True, text=True, check=True)
    result["serve"] = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
