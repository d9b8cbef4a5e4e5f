"""Cross-validated MAP@10 of a ranking learned from the editor links, beside the formula.

For each corpus and each K (neighbours stored per article, the candidates a model
re-ranks): recall@K of the links, then MAP@10 of the formula (the stored order) and of
each model, mean ± standard deviation over query folds whose training never touches a
test query (``recommender.learn``). Where the stored rows hold less than 0.8 of the links,
each model is also scored on lists widened by the site's most-linked articles
(``NAME+linked``); ``--per-section`` adds one model per section on sectioned corpora:

    python benchmarks/learn.py ../shared/data/vdd_fr/articles.jsonl \\
        ../shared/data/se_en/articles.jsonl --k 50 100 --json benchmarks/results/learn-latest.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling helper modules
from ablation import same_section  # noqa: E402

from recommender import BuildConfig, RelatedIndex, read_articles  # noqa: E402
from recommender.learn.cv import cross_validate  # noqa: E402
from recommender.learn.held_out import compare_held_out  # noqa: E402
from recommender.learn.tune import tune  # noqa: E402


def run(path: Path, ks: list[int], n_folds: int, sections: bool) -> list[dict[str, object]]:
    articles = read_articles(path)
    restrict = same_section(articles, "auto")
    rows = []
    both = (False, True) if restrict and sections else (False,)
    for k, per_section in [(k, p) for k in ks for p in both]:
        started = time.perf_counter()
        index = RelatedIndex.build(articles, BuildConfig(same_section=restrict, n_neighbors=k))
        build_s = time.perf_counter() - started
        cv = cross_validate(index, articles, n_folds=n_folds, per_section=per_section)
        rows.append({"corpus": path.parent.name, "K": k, "same_section": restrict,
                     "per_section": per_section,
                     "queries": cv.queries, "links": cv.links, "recall_at_K": cv.recall_at_k,
                     "widened": cv.widened, "recall_widened": cv.recall_widened,
                     "build_s": build_s, "cv_s": cv.seconds, "map10": cv.summary()})
        print(f"{path.parent.name} K={k} per-section {per_section}: recall@K {cv.recall_at_k:.3f}, "
              + ", ".join(f"{n} {s['mean']:.4f}" for n, s in cv.summary().items()),
              file=sys.stderr)
    return rows


def serving(path: Path, k: int, n_queries: int, seed: int = 0,
            held_out: bool = True) -> dict[str, object]:
    """``tune``'s time, then related() and similar() p50/p99 of the untuned and the tuned
    index, interleaved query by query in one run (the ratio is what the issue bounds)."""
    articles = read_articles(path)
    restrict = same_section(articles, "auto")
    index = RelatedIndex.build(articles, BuildConfig(same_section=restrict, n_neighbors=k))
    started = time.perf_counter()
    tuned, report = tune(index, articles)
    tune_s = time.perf_counter() - started
    rng = np.random.default_rng(seed)
    picked = [articles[i] for i in rng.choice(len(articles), min(n_queries, len(articles)),
                                               replace=False)]
    drafts = [dataclasses.replace(a, id=f"draft-{a.id}", related=()) for a in picked]
    seconds: dict[str, list[float]] = {f"{call} {which}": [] for call in ("related", "similar")
                                       for which in ("untuned", "tuned")}
    for ix in (index, tuned):  # warm both once
        ix.related(picked[0].id, k=10)
        ix.similar(drafts[0], k=10)
    for article, draft in zip(picked, drafts, strict=True):
        for which, ix in (("untuned", index), ("tuned", tuned)):
            t = time.perf_counter()
            ix.related(article.id, k=10)
            seconds[f"related {which}"].append(time.perf_counter() - t)
            t = time.perf_counter()
            ix.similar(draft, k=10)
            seconds[f"similar {which}"].append(time.perf_counter() - t)
    latency = {name: {"p50_ms": float(np.percentile(v, 50) * 1e3),
                      "p99_ms": float(np.percentile(v, 99) * 1e3)} for name, v in seconds.items()}
    compared_s = None
    if held_out and report.chosen != "formula":
        started = time.perf_counter()
        compared = compare_held_out(index, articles, model=report.chosen)
        compared_s = {**compared.to_dict(), "seconds": time.perf_counter() - started,
                      "table": compared.table()}
    return {"corpus": path.parent.name, "K": k, "articles": len(articles),
            "chosen": report.chosen, "reason": report.reason, "tune_s": tune_s,
            "held_out": compared_s,
            "queries": len(picked), "latency": latency,
            "ratio_p50": {call: latency[f"{call} tuned"]["p50_ms"]
                          / latency[f"{call} untuned"]["p50_ms"]
                          for call in ("related", "similar")}}


def serving_table(rows: list[dict[str, object]]) -> list[str]:
    lines = ["| corpus | K | chosen | tune s | call | untuned p50 / p99 ms | tuned p50 / p99 ms "
             "| tuned / untuned p50 |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lat, ratio = r["latency"], r["ratio_p50"]
        assert isinstance(lat, dict) and isinstance(ratio, dict)
        for call in ("related", "similar"):
            u, t = lat[f"{call} untuned"], lat[f"{call} tuned"]
            lines.append(f"| {r['corpus']} | {r['K']} | {r['chosen']} | {r['tune_s']:.1f} | "
                         f"{call}() | {u['p50_ms']:.3f} / {u['p99_ms']:.3f} | "
                         f"{t['p50_ms']:.3f} / {t['p99_ms']:.3f} | {ratio[call]:.2f}x |")
    for r in rows:
        held = r["held_out"]
        if isinstance(held, dict):
            lines += ["", f"{r['corpus']}: formula against the tuned ranking on held-out folds "
                      f"({held['seconds']:.0f} s)", "", *held["table"]]
    return lines


NAMES = ("formula", "linear", "trees", "blend", "linear+linked", "trees+linked", "blend+linked")


def table(rows: list[dict[str, object]]) -> list[str]:
    lines = ["| corpus | K | models | recall@K (widened) | "
             + " | ".join(f"MAP@10 {n}" for n in NAMES) + " | best / formula | CV s |",
             "|---|---|---|---|" + "---|" * (len(NAMES) + 2)]
    for r in rows:
        m = r["map10"]
        assert isinstance(m, dict)
        best = max(v["mean"] for v in m.values())
        models = "one per section" if r["per_section"] else "one"
        recall = f"{r['recall_at_K']:.3f}"
        if r.get("recall_widened") is not None:
            recall += f" ({r['recall_widened']:.3f}, +{r['widened']})"
        cells = [f"{m[n]['mean']:.4f} ± {m[n]['std']:.4f}" if n in m else "—" for n in NAMES]
        lines.append(f"| {r['corpus']} | {r['K']} | {models} | {recall} | " + " | ".join(cells)
                     + f" | {best / m['formula']['mean']:.3f}x | {r['cv_s']:.1f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--k", nargs="+", type=int, default=[50])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--serve", action="store_true",
                        help="also time tune and the tuned index's queries (first K only)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--serve-k", type=int, help="K of the served indexes (default: first --k)")
    parser.add_argument("--per-section", action="store_true",
                        help="also one model per section on sectioned corpora")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation table")
    parser.add_argument("--no-held-out", action="store_true",
                        help="with --serve: skip the held-out comparison per protocol")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    corpora = [path for path in args.corpora if path.is_file()]
    rows = [] if args.no_cv else [row for path in corpora
                                  for row in run(path, args.k, args.folds, args.per_section)]
    if rows:
        print("\n".join(table(rows)))
    serve_k = args.serve_k or args.k[0]
    served = [serving(path, serve_k, args.queries, held_out=not args.no_held_out)
              for path in corpora] if args.serve else []
    if served:
        print("\n".join(serving_table(served)))
    if args.json:
        args.json.write_text(json.dumps({"command": sys.argv, "machine": platform.platform(),
                                         "python": platform.python_version(), "rows": rows,
                                         "serving": served}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
