"""One archive-scale build, then a cold load and query latency, each timed on its own.

What ``speed.py --large`` does for every system, reduced to our engine so a 1M run fits a
session: the build runs in this process (stage times from the progress callback, peak RSS
from ``ru_maxrss``), the load and the queries in a fresh process.

    python benchmarks/synthetic.py --n 1000000 --seed 2 --mean-length 200 -o /tmp/syn1m.jsonl
    python benchmarks/archive.py /tmp/syn1m.jsonl /tmp/idx1m --query-terms 25 \\
        --json benchmarks/results/archive-1m.json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from recommender import BuildConfig, RelatedIndex
from recommender.corpus import iter_articles, read_articles


def build(corpus: Path, output: Path, *, query_terms: int | None, n_neighbors: int,
          jobs: int) -> dict[str, float]:
    started = time.perf_counter()
    articles = read_articles(corpus)
    read = time.perf_counter()
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter())

    config = BuildConfig(n_neighbors=n_neighbors, query_terms=query_terms)
    index = RelatedIndex.build(articles, config, n_jobs=jobs, progress=progress)
    built = time.perf_counter()
    del articles
    index.save(output)
    saved = time.perf_counter()
    return {"articles": len(index), "read_s": read - started,
            "vectorize_s": stages["neighbours"] - read, "neighbours_s": built - stages["neighbours"],
            "save_s": saved - built, "total_s": saved - started,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def serve(corpus: Path, index_dir: Path, queries: int) -> dict[str, float]:
    """Run in a fresh process: load to first answer, then latency of related and similar."""
    out: dict[str, float] = {}
    for verify in (False, True):
        started = time.perf_counter()
        index = RelatedIndex.load(index_dir, verify=verify)
        index.related(index.ids[0], k=10)
        out[f"load_to_first_query_s{'' if verify else '_no_verify'}"] = (
            time.perf_counter() - started)
    ids = index.ids
    rng = np.random.default_rng(0)
    lat = []
    for i in rng.integers(0, len(ids), queries):
        t = time.perf_counter_ns()
        index.related(ids[i], k=10)
        lat.append(time.perf_counter_ns() - t)
    out["related_p50_us"], out["related_p99_us"] = (float(np.percentile(lat, q)) / 1e3
                                                    for q in (50, 99))
    step = max(1, len(ids) // queries)
    drafts = [a for n, a in enumerate(iter_articles(corpus)) if n % step == 0][:queries]
    t = time.perf_counter()
    index.similar(drafts[0], k=10)
    out["first_similar_s"] = time.perf_counter() - t  # builds X.T once
    lat = []
    for a in drafts:
        t = time.perf_counter_ns()
        index.similar(a, k=10)
        lat.append(time.perf_counter_ns() - t)
    out["similar_p50_ms"], out["similar_p99_ms"] = (float(np.percentile(lat, q)) / 1e6
                                                    for q in (50, 99))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--query-terms", type=int, default=25)
    parser.add_argument("--n-neighbors", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--serve-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.serve_only:
        print(json.dumps(serve(args.corpus, args.index, args.queries)))
        return 0
    result = {"command": sys.argv, "machine": platform.platform(),
              "build": build(args.corpus, args.index, query_terms=args.query_terms,
                             n_neighbors=args.n_neighbors, jobs=args.jobs)}
    child = subprocess.run(  # noqa: S603 - this script, run again with --serve-only
        [sys.executable, __file__, str(args.corpus), str(args.index), "--serve-only",
         "--queries", str(args.queries)], capture_output=True, text=True, check=True)
    result["serve"] = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
