"""Ablation of the ranking on the development links: what each part of the score adds.

Builds the index once per configuration on each corpus and evaluates it with
``recommender.evaluate`` (protocol "indexed", k=10). Rows add one part at a time to a
plain text cosine, then show tags alone and the pruned search:

    python benchmarks/ablation.py ../shared/data/vdd_fr/articles.jsonl \\
        ../shared/data/se_en/articles.jsonl --json benchmarks/results/ablation-latest.json --readme

``--same-section auto`` restricts candidates to the query's section when a corpus has
several sections and no link across them (se_en), as ``quality.py`` does.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from recommender import BuildConfig, QueryConfig, RelatedIndex, evaluate, read_articles
from recommender.records import Article

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling helper module
from readme_sections import replace_section  # noqa: E402

README = Path(__file__).resolve().parent / "README.md"
START, END = "<!-- ablation:start -->", "<!-- ablation:end -->"

#: (label, settings) — each row adds one part to the row above, then two contrasts
ROWS: list[tuple[str, dict[str, object]]] = [
    ("text only (TF-IDF cosine, title counted once)",
     {"tag_weight": 0.0, "title_match_weight": 0.0, "hub_penalty": 0.0, "time_weight": 0.0}),
    ("+ tags (tag_weight 0.1)",
     {"title_match_weight": 0.0, "hub_penalty": 0.0, "time_weight": 0.0}),
    ("+ title match (title_match_weight 0.2)", {"hub_penalty": 0.0, "time_weight": 0.0}),
    ("+ hub penalty (0.7, 20 neighbours, no floor)",
     {"time_weight": 0.0, "hub_floor_quantile": 0.0}),
    ("+ hub floor (hub scores below their 25% quantile raised to it)", {"time_weight": 0.0}),
    ("+ time proximity (x(1 + 0.2 e^(-days/365))) = defaults", {}),
    ("defaults, pruned search (query_terms 25)", {"query_terms": 25}),
    ("tags only", {"tag_weight": 1.0, "title_match_weight": 0.0, "hub_penalty": 0.0,
                   "time_weight": 0.0}),
]
METRICS = ("MAP@10", "nDCG@10", "MRR", "R@10", "P@10")


def same_section(articles: list[Article], choice: str) -> bool:
    if choice != "auto":
        return choice == "yes"
    section = {a.id: a.section for a in articles}
    sections = set(section.values())
    crossing = sum(section.get(t) != a.section for a in articles for t in a.related)
    return len(sections) > 1 and crossing == 0


def run_corpus(path: Path, choice: str) -> dict[str, object]:
    articles = read_articles(path)
    restrict = same_section(articles, choice)
    rows = []
    for label, settings in ROWS:
        config = BuildConfig(same_section=restrict).replace(**settings)
        started = time.perf_counter()
        index = RelatedIndex.build(articles, config)
        seconds = time.perf_counter() - started
        # the ranking itself: no box rules (benchmarks/boxes.py measures those)
        metrics = evaluate(index, articles, k=10, ks=(10,), latency=False,
                           query=QueryConfig.plain())
        rows.append({"label": label, "settings": settings, "build_s": seconds,
                     "metrics": {m: metrics[m] for m in METRICS},
                     "lifted": lifted_share(index), "queries": metrics["queries"]})
        print(f"  {label}: MAP@10 {metrics['MAP@10']:.4f}", file=sys.stderr)
    return {"corpus": str(path), "articles": len(articles), "same_section": restrict,
            "rows": rows}


#: an item is "lifted" when it sits above one whose similarity is at least 1/LIFT times its own
LIFT = 0.85


def lifted_share(index: RelatedIndex, k: int = 10) -> float:
    """Share of all top-k lists where the ranking puts a story above a clearly more similar
    one (its similarity below ``LIFT`` times that of an item further down)."""
    plain = QueryConfig.plain()
    lifted = 0
    for article_id in index.ids:
        sims = [r.similarity or 0.0 for r in index.related(article_id, k=k, query=plain)]
        below = [max(sims[i + 1:]) for i in range(len(sims) - 1)]
        lifted += any(s < LIFT * b for s, b in zip(sims, below, strict=False))
    return lifted / max(len(index), 1)


def table(result: dict[str, object]) -> list[str]:
    rows = result["rows"]
    assert isinstance(rows, list)
    base = rows[0]["metrics"]["MAP@10"]
    lines = ["| configuration | " + " | ".join(METRICS)
             + " | vs text only | lists with a lift | build s |",
             "|---|" + "---|" * (len(METRICS) + 3)]
    for row in rows:
        m = row["metrics"]
        lines.append(f"| {row['label']} | " + " | ".join(f"{m[k]:.4f}" for k in METRICS)
                     + f" | {m['MAP@10'] / base:.3f}x | {row['lifted']:.1%} "
                     f"| {row['build_s']:.1f} |")
    return lines


def update_readme(text: str) -> None:
    """Replace (or append) this script's README section, re-reading the file first."""
    replace_section(README, START, END, text)

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--same-section", choices=("auto", "yes", "no"), default="auto")
    parser.add_argument("--json", type=Path, help="write raw results here")
    parser.add_argument("--readme", action="store_true", help="refresh benchmarks/README.md")
    args = parser.parse_args(argv)
    results = []
    for path in args.corpora:
        print(f"{path}:", file=sys.stderr)
        results.append(run_corpus(path, args.same_section))
    text = ["## Ablation: what each part of the score adds", "",
            "`benchmarks/ablation.py`, protocol `indexed`, k=10, development links; each row "
            "adds one part to the row above (raw JSON in `benchmarks/results/`). Lists are "
            "the ranking itself (`QueryConfig.plain()`: no box rules). \"Lists with a lift\": "
            "the share of all top-10 lists where a story sits above one at least 1/0.85 "
            "times as similar; the hub penalty makes such lifts on purpose (it demotes "
            "stories close to everything), the hub floor stops it lifting stories close to "
            "nothing. "
            f"Machine: {platform.platform()}, Python {platform.python_version()}.", ""]
    for result in results:
        text.append(f"### {Path(str(result['corpus'])).parent.name}: {result['articles']} "
                    f"articles, same-section {'yes' if result['same_section'] else 'no'}")
        text.append("")
        text.extend(table(result))
        text.append("")
    print("\n".join(text))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"command": sys.argv, "results": results}, indent=2))
    if args.readme:
        update_readme("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
