"""Cross-validated MAP@10 of a ranking learned from the editor links, beside the formula.

For each corpus and each K (neighbours stored per article, the candidates a model
re-ranks): recall@K of the links, then MAP@10 of the formula (the stored order) and of
each model (on corpora with one section per site, also one model per section), mean ± standard deviation over query folds whose training never touches a
test query (``recommender.learn``):

    python benchmarks/learn.py ../shared/data/vdd_fr/articles.jsonl \\
        ../shared/data/se_en/articles.jsonl --k 50 100 --json benchmarks/results/learn-latest.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling helper modules
from ablation import same_section  # noqa: E402

from recommender import BuildConfig, RelatedIndex, read_articles  # noqa: E402
from recommender.learn.cv import cross_validate  # noqa: E402


def run(path: Path, ks: list[int], n_folds: int) -> list[dict[str, object]]:
    articles = read_articles(path)
    restrict = same_section(articles, "auto")
    rows = []
    for k, per_section in [(k, p) for k in ks for p in ((False, True) if restrict else (False,))]:
        started = time.perf_counter()
        index = RelatedIndex.build(articles, BuildConfig(same_section=restrict, n_neighbors=k))
        build_s = time.perf_counter() - started
        cv = cross_validate(index, articles, n_folds=n_folds, per_section=per_section)
        rows.append({"corpus": path.parent.name, "K": k, "same_section": restrict,
                     "per_section": per_section,
                     "queries": cv.queries, "links": cv.links, "recall_at_K": cv.recall_at_k,
                     "build_s": build_s, "cv_s": cv.seconds, "map10": cv.summary()})
        print(f"{path.parent.name} K={k} per-section {per_section}: recall@K {cv.recall_at_k:.3f}, "
              + ", ".join(f"{n} {s['mean']:.4f}" for n, s in cv.summary().items()),
              file=sys.stderr)
    return rows


def table(rows: list[dict[str, object]]) -> list[str]:
    names = list(rows[0]["map10"]) if rows else []  # type: ignore[call-overload]
    lines = ["| corpus | K | models | recall@K | " + " | ".join(f"MAP@10 {n}" for n in names)
             + " | best / formula | CV s |",
             "|---|---|---|---|" + "---|" * (len(names) + 2)]
    for r in rows:
        m = r["map10"]
        assert isinstance(m, dict)
        best = max(v["mean"] for v in m.values())
        models = "one per section" if r["per_section"] else "one"
        lines.append(f"| {r['corpus']} | {r['K']} | {models} | {r['recall_at_K']:.3f} | "
                     + " | ".join(f"{m[n]['mean']:.4f} ± {m[n]['std']:.4f}" for n in names)
                     + f" | {best / m['formula']['mean']:.3f}x | {r['cv_s']:.1f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--k", nargs="+", type=int, default=[50])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = [row for path in args.corpora if path.is_file()
            for row in run(path, args.k, args.folds)]
    print("\n".join(table(rows)))
    if args.json:
        args.json.write_text(json.dumps({"command": sys.argv, "machine": platform.platform(),
                                         "python": platform.python_version(), "rows": rows},
                                        indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
