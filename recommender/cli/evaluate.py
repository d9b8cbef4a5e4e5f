"""``recommender evaluate``: score an index against known links, or sweep build settings.

A thin layer over :func:`recommender.evaluation.harness.evaluate_per_query`,
:func:`recommender.evaluation.sweep.sweep` and :func:`recommender.evaluation.report.write_report`;
``recommender/cli/__init__.py`` loads it when the ``evaluate`` command is looked up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from recommender.cli import output as out
from recommender.errors import RecommenderError
from recommender.store.atomic import atomic_write

if TYPE_CHECKING:
    from recommender.evaluation.harness import Evaluation
    from recommender.evaluation.sweep import SweepResult
    from recommender.learn.held_out import HeldOutComparison

__all__ = ["evaluate_command"]

# recommender.evaluation.harness.PROTOCOLS, spelled out so that listing this command
# does not import numpy; tests/test_startup.py checks that the two stay equal
PROTOCOLS: tuple[str, ...] = ("indexed", "cold", "as-of-date")

_PER_K = ("P", "R", "MAP", "nDCG", "Hit")
_COUNTS = ("links", "links_used", "links_missing", "links_unreachable", "links_self",
           "links_duplicate", "links_sampled_out")


def _cutoffs(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        values = sorted({int(v) for v in value.split(",") if v.strip()})
    except ValueError:
        raise click.BadParameter(f"expected whole numbers separated by commas, got {value!r} "
                                 "(e.g. -k 5,10)") from None
    if not values or values[0] < 1:
        raise click.BadParameter(f"expected cutoffs >= 1, got {value!r} (e.g. -k 5,10)")
    return tuple(values)


@click.command("evaluate", context_settings={"show_default": True, "max_content_width": 100,
                                             "help_option_names": ["-h", "--help"]})
@click.argument("index", type=click.Path(file_okay=False, path_type=Path))
@click.argument("corpus", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--links", "links_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Known links file (CSV/TSV source,target[,grade] or JSON Lines). "
                   "[default: the corpus articles' related ids]")
@click.option("-k", "ks", default="5,10", callback=_cutoffs, metavar="K1,K2",
              help="Cutoffs, comma-separated; the largest is k (list depth, sweep ranking).")
@click.option("--protocol", type=click.Choice(PROTOCOLS), default="indexed",
              help="indexed: query articles already in the index; cold: hold queries out "
                   "and query by text (n-fold); as-of-date: only older articles count.")
@click.option("--folds", "n_folds", type=click.IntRange(min=2), default=5,
              help="Folds of the cold protocol (one index build per fold).")
@click.option("--max-queries", type=click.IntRange(min=1), default=None,
              help="Score a seeded random sample of this many queries. [default: all]")
@click.option("--seed", type=int, default=0, help="Seed of the folds and samples.")
@click.option("--jobs", "n_jobs", type=int, default=1,
              help="Worker processes for index builds (-1: every core).")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write report.json, report.md (and PNG plots with matplotlib) here.")
@click.option("--held-out/--no-held-out", "held_out", default=None,
              help="Also compare the formula with a ranking learned from the links, on "
                   "held-out folds (--folds), under each protocol. [default: with --report, "
                   "on a tuned index]")
@click.option("--sweep", "sweeps", multiple=True, metavar="FIELD=V1,V2",
              help="Build settings to try (repeatable; the grid is their product); the "
                   "INDEX's settings are the base.")
@click.option("--best-config", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("best-config.toml"),
              help="With --sweep: where to write the best settings as TOML (for build --config).")
@click.option("-q", "--quiet", is_flag=True, help="Hide the progress bars.")
@out.output_options
def evaluate_command(index: Path, corpus: tuple[Path, ...], fmt: out.OutputFormat,
                     **opts: Any) -> None:
    """Score the INDEX against the known related links of the CORPUS file(s).

    Prints P, R, MAP, nDCG and Hit at each cutoff, MRR, catalogue coverage, list
    diversity, query latency, and how many links were used, missing from the index or
    unreachable under the protocol. With --sweep, builds every combination of the given
    settings from CORPUS, prints them ranked by MAP@k and writes the best as TOML.

    \b
    Examples:
      recommender evaluate models/site articles.jsonl -k 5,10
      recommender evaluate models/site articles.jsonl --protocol cold --folds 3
      recommender evaluate models/site articles.jsonl --sweep tag_weight=0,0.3,0.5 \\
          --sweep bigrams=false,true --best-config site.toml
    """
    try:
        _run(index, corpus, fmt, opts)
    except RecommenderError as exc:
        raise click.ClickException(" ".join(str(exc).split())) from None
    except OSError as exc:
        where = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
        raise click.ClickException(f"{where} (check the path and its permissions)") from None


def _run(index_path: Path, corpus: tuple[Path, ...], fmt: out.OutputFormat,
         opts: dict[str, Any]) -> None:
    from recommender.corpus.reader import read_articles
    from recommender.evaluation.harness import evaluate_per_query
    from recommender.evaluation.links import read_links
    from recommender.evaluation.report import write_report
    from recommender.evaluation.sweep import parse_sweep_option, sweep
    from recommender.index.related_index import RelatedIndex

    grid = dict(parse_sweep_option(text) for text in opts["sweeps"])
    index = RelatedIndex.load(index_path)
    articles = read_articles(list(corpus))
    links = read_links(opts["links_file"]) if opts["links_file"] is not None else None
    ks: tuple[int, ...] = opts["ks"]
    common = {"k": ks[-1], "ks": ks, "protocol": opts["protocol"], "n_folds": opts["n_folds"],
              "seed": opts["seed"], "max_queries": opts["max_queries"],
              "n_jobs": opts["n_jobs"]}
    with out.ProgressBars(enabled=not opts["quiet"]) as progress:
        if not grid:
            given = articles if links is None else links
            result = evaluate_per_query(index, given, articles=None if links is None else articles,
                                        progress=progress, **common)
        else:
            results = sweep(articles, index.config, grid, links=links, progress=progress,
                            **common)
    if not grid:
        learned = index.info()["learned"]
        if learned is not None:  # tuned on links: scores on those links are in-sample
            click.echo(
                f"warning: {index_path} was tuned on {learned['links']:,} editor links "
                f"({learned['model']}); scores on those links are in-sample, not a fair "
                "measure. Its cross-validated MAP@10, from tuning: "
                + ", ".join(f"{name} {s['mean']:.4f}"
                            for name, s in learned["cv_map10"].items()), err=True)
        compared = None
        wanted = opts["held_out"]
        if wanted or (wanted is None and learned is not None
                      and opts["report_dir"] is not None):
            compared = _held_out(index, articles, learned, opts)
        _print_evaluation(index_path, opts["protocol"], ks, result, fmt, compared)
        if opts["report_dir"] is not None:
            write_report(opts["report_dir"], result.metrics, per_query=result,
                         title=f"Evaluation of {index_path} ({opts['protocol']})",
                         held_out=compared)
        return
    best = opts["best_config"]
    k = ks[-1]
    header = (f"# best of {len(results)} configuration(s) by MAP@{k} = "
              f"{results[0].metrics[f'MAP@{k}']:.4f} (protocol {opts['protocol']})\n")
    atomic_write(best, header + results[0].config.to_toml())
    _print_sweep(results, k, best, opts["protocol"], fmt)
    if opts["report_dir"] is not None:
        write_report(opts["report_dir"], results[0].metrics, sweep=results, k=k,
                     title=f"Sweep from {index_path} ({opts['protocol']})")


def _held_out(index: Any, articles: list[Any], learned: dict[str, Any] | None,
              opts: dict[str, Any]) -> HeldOutComparison:
    """The formula against a learned ranking on held-out folds. A tuned index no longer
    holds the formula's order: it is rebuilt from the corpus with the index's config."""
    from recommender.index.related_index import RelatedIndex
    from recommender.learn.held_out import compare_held_out

    base = index
    if learned is not None:
        base = RelatedIndex.build(articles, index.config, n_jobs=opts["n_jobs"],
                                  query=index.query)
    model = learned.get("ranking", learned["model"]) if learned is not None else "trees"
    with out.ProgressBars(enabled=not opts["quiet"]) as progress:
        return compare_held_out(base, articles, model=model, n_folds=opts["n_folds"],
                                seed=opts["seed"], k=opts["ks"][-1], progress=progress)


def _print_evaluation(path: Path, protocol: str, ks: tuple[int, ...], result: Evaluation,
                      fmt: out.OutputFormat, compared: HeldOutComparison | None = None
                      ) -> None:
    m = result.metrics
    document: dict[str, Any] = {"index": str(path), "protocol": protocol, "k": ks[-1],
                                "metrics": m}
    if compared is not None:
        document["held_out"] = compared.to_dict()
    if out.echo_document(document, fmt):
        return
    def n(key: str) -> int:
        return int(m.get(key, 0))

    pairs: list[tuple[str, Any]] = [
        ("index", path), ("protocol", protocol),
        ("queries", f"{n('queries')} scored, {n('queries_skipped')} skipped"),
        ("links", f"{n('links')}: " + ", ".join(
            f"{n(key)} {key.removeprefix('links_').replace('_', ' ')}"
            for key in _COUNTS[1:] if key in m)),
        ("MRR", f"{m['MRR']:.4f}"),
        (f"coverage@{ks[-1]}", f"{m['coverage']:.4f}"),
        (f"diversity@{ks[-1]}", f"{m['diversity']:.4f}"),
    ]
    if "latency_p50_ms" in m:
        pairs.append(("latency ms", "  ".join(
            f"{key.removeprefix('latency_').removesuffix('_ms')} {value:.3f}"
            for key, value in m.items() if key.startswith("latency_"))))
    for line in out.format_pairs(pairs):
        click.echo(line)
    click.echo("")
    rows = [[k, *(f"{m[f'{name}@{k}']:.4f}" for name in _PER_K)] for k in ks]
    for line in out.format_table(("k", *_PER_K), rows, align="rrrrrr"):
        click.echo(line)
    if compared is not None:
        click.echo(f"\nformula against the learned ranking ({compared.model}), "
                   f"{compared.n_folds} held-out folds:")
        for line in compared.table():
            click.echo(line)


def _print_sweep(results: list[SweepResult], k: int, best: Path, protocol: str,
                 fmt: out.OutputFormat) -> None:
    rows = [{"rank": rank, "changes": r.changes, "metrics": r.metrics,
             "build_seconds": round(r.build_seconds, 3)} for rank, r in enumerate(results, 1)]
    if fmt == "json":
        out.echo_json({"protocol": protocol, "k": k, "best_config": str(best), "results": rows})
        return
    if fmt == "nl":
        out.echo_nl(rows)
        return
    table = [[rank, r.label(), *(f"{r.metrics[key]:.4f}" for key in
                                 (f"MAP@{k}", f"nDCG@{k}", "MRR", f"R@{k}")),
              f"{r.build_seconds:.2f}"] for rank, r in enumerate(results, 1)]
    headers = ("rank", "changes", f"MAP@{k}", f"nDCG@{k}", "MRR", f"R@{k}", "build s")
    for line in out.format_table(headers, table, align="rlrrrrr", stretch=1):
        click.echo(line)
    click.echo(f"\nbest configuration written to {best}")
