"""Where the automatic search mode switches from exact to pruned: build time and quality
of both modes by archive size.

For each corpus (files given, then seeded synthetic ones of ``--sizes``) the index is
built twice with the default ``BuildConfig`` but ``query_terms`` forced: exact (None)
and pruned (``--query-terms``). Printed per size: vectorize and neighbour seconds of each
build, MAP@10 of each on the corpus's links (``recommender.evaluate``, protocol
"indexed", ``QueryConfig.plain()``), and overlap@10 (the share of each exact top-10 list
found in the pruned one). Builds alternate exact/pruned, so a busy spell of the machine
hits both; ``--repeats`` takes medians.

    python benchmarks/search_switch.py ../shared/data/vdd_fr/articles.jsonl \\
        ../shared/data/se_en/articles.jsonl --sizes 5000,20000,50000,100000 \\
        --json benchmarks/results/search-switch.json --readme
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from recommender import BuildConfig, QueryConfig, RelatedIndex, evaluate, read_articles
from recommender.config.build import AUTO_PRUNED_FROM, AUTO_QUERY_TERMS

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling helper modules
import synthetic  # noqa: E402
from ablation import same_section  # noqa: E402
from readme_sections import replace_section  # noqa: E402

README = Path(__file__).resolve().parent / "README.md"
START, END = "<!-- search-switch:start -->", "<!-- search-switch:end -->"


def build(articles: list[Any], config: BuildConfig, jobs: int) -> tuple[RelatedIndex, dict]:
    """One build, with its vectorize and neighbour seconds (split at the progress
    callback's first report of a stage other than vectorize)."""
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage != "vectorize" and "vectorized" not in marks:
            marks["vectorized"] = time.perf_counter()

    start = time.perf_counter()
    index = RelatedIndex.build(articles, config, n_jobs=jobs, progress=progress)
    end = time.perf_counter()
    split = marks.get("vectorized", end)
    return index, {"vectorize_s": split - start, "neighbours_s": end - split,
                   "build_s": end - start}


def top_lists(index: RelatedIndex, k: int = 10) -> list[set[str]]:
    plain = QueryConfig.plain()
    return [{r.id for r in index.related(i, k=k, query=plain)} for i in index.ids]


def run_corpus(name: str, articles: list[Any], a: argparse.Namespace) -> dict[str, Any]:
    restrict = same_section(articles, "auto")
    base = BuildConfig(same_section=restrict, n_neighbors=a.n_neighbors)
    runs: dict[str, list[dict[str, Any]]] = {"exact": [], "pruned": []}
    lists: dict[str, list[set[str]]] = {}
    quality: dict[str, float] = {}
    for r in range(a.repeats):
        for mode, qt in (("exact", None), ("pruned", a.query_terms)):
            index, times = build(articles, base.replace(query_terms=qt), a.jobs)
            runs[mode].append(times)
            print(f"  {name} {mode} round {r + 1}: {times['build_s']:.1f} s", file=sys.stderr)
            if r == 0:
                metrics = evaluate(index, articles, k=10, ks=(10,), latency=False,
                                   query=QueryConfig.plain())
                quality[mode] = metrics["MAP@10"]
                lists[mode] = top_lists(index)
            del index
    hits = sum(len(e & p) for e, p in zip(lists["exact"], lists["pruned"], strict=True))
    total = sum(len(e) for e in lists["exact"])
    med = {mode: {key: statistics.median(t[key] for t in ts) for key in ts[0]}
           for mode, ts in runs.items()}
    return {"corpus": name, "articles": len(articles), "same_section": restrict,
            "seconds": med, "runs": runs, "map10": quality,
            "overlap10": hits / total if total else None}


def table(results: list[dict[str, Any]]) -> list[str]:
    lines = ["| corpus | articles | exact build s (vectorize + neighbours) | pruned build s "
             "| pruned / exact time | MAP@10 exact | MAP@10 pruned | MAP@10 change "
             "| overlap@10 | auto picks |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        e, p = r["seconds"]["exact"], r["seconds"]["pruned"]
        m = r["map10"]
        change = (m["pruned"] / m["exact"] - 1) if m["exact"] else 0.0
        pick = "pruned" if r["articles"] >= AUTO_PRUNED_FROM else "exact"
        lines.append(
            f"| {r['corpus']} | {r['articles']:,} | {e['build_s']:.1f} ({e['vectorize_s']:.1f} + "
            f"{e['neighbours_s']:.1f}) | {p['build_s']:.1f} ({p['vectorize_s']:.1f} + "
            f"{p['neighbours_s']:.1f}) | {p['build_s'] / e['build_s']:.2f} | {m['exact']:.4f} "
            f"| {m['pruned']:.4f} | {change:+.2%} | {r['overlap10']:.4f} | {pick} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpora", nargs="*", type=Path)
    p.add_argument("--sizes", default="20000", help="synthetic sizes, comma-separated")
    p.add_argument("--mean-length", type=int, default=300, help="mean body tokens")
    p.add_argument("--query-terms", type=int, default=AUTO_QUERY_TERMS)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--n-neighbors", type=int, default=BuildConfig().n_neighbors,
                   help="K stored per article (the pruned pool is 4 K)")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "speedbench")
    p.add_argument("--json", type=Path)
    p.add_argument("--readme", action="store_true")
    a = p.parse_args(argv)
    results = []
    for path in a.corpora:
        print(f"{path}:", file=sys.stderr)
        results.append(run_corpus(path.parent.name, read_articles(path), a))
    for n in [int(s) for s in a.sizes.split(",") if s.strip()]:
        path = a.workdir / f"synthetic-n{n}-len{a.mean_length}-seed0.jsonl"
        if not path.is_file():
            a.workdir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            synthetic.write_corpus(tmp, n, seed=0, mean_length=a.mean_length)
            os.replace(tmp, path)
        print(f"synthetic {n}:", file=sys.stderr)
        results.append(run_corpus(f"synthetic {n // 1000}k", read_articles(path), a))
    text = ["## Search mode: where exact gives way to pruned (issue 13)", "",
            "`benchmarks/search_switch.py`: each corpus built with the default `BuildConfig` "
            f"twice, `query_terms` forced to exact (None) and pruned ({a.query_terms}), "
            f"n_neighbors={a.n_neighbors}, "
            f"{a.jobs} job(s), median of {a.repeats} alternated build(s) each. MAP@10 on "
            "the corpus's links (protocol `indexed`, `QueryConfig.plain()`); overlap@10: share "
            "of each exact top-10 list found in the pruned one. `auto picks`: what "
            f"`query_terms=\"auto\"` (the default) chooses: pruned from {AUTO_PRUNED_FROM:,} "
            "articles. "
            f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f} at the end "
            "(shared machine: times are noisy, compare within a row).", ""]
    text += table(results)
    print("\n".join(text))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({"command": sys.argv, "results": results}, indent=2) + "\n")
    if a.readme:
        replace_section(README, START, END, "\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
