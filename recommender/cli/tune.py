"""``recommender tune``: learn INDEX's ranking from the editor links of its corpus.

A thin layer over :func:`recommender.learn.tune.tune`, imported when the command runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from recommender.cli import output as out

__all__ = ["tune_command"]


@click.command("tune")
@click.argument("index", type=click.Path(path_type=Path))
@click.argument("corpus", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--links", "links_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Known links file (CSV/TSV source,target or JSON Lines) "
                                 "instead of the corpus' related fields.")
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where to write the tuned index. [default: INDEX, replaced "
                                 "atomically]")
@click.option("--folds", "n_folds", type=click.IntRange(min=2), default=5,
              help="Cross-validation folds.")
@click.option("--seed", type=int, default=0, help="Seed of the folds.")
@click.option("--linked-candidates", "widen", type=click.IntRange(min=0), default=None,
              help="Also score each model on candidate lists widened by the N articles the "
                   "links point to most (0: never). [default: 200 when the stored rows hold "
                   "less than 0.8 of the links]")
@click.option("--verify/--no-verify", default=True,
              help="Check the index files' digests before loading.")
@out.output_options
def tune_command(index: Path, corpus: Sequence[Path], fmt: out.OutputFormat,
                 **params: Any) -> None:
    """Learn the ranking of INDEX from the editor links of CORPUS (their related fields,
    or --links), when it beats the formula in cross-validation.

    Folds never train on a link, in either direction, that they test. The best of the
    formula, a logistic regression and gradient-boosted trees is kept; a model is stored
    in the index as arrays (no pickle) and re-orders every stored row, so related()
    reads rows as fast as before. Where the stored rows miss many of the links, each
    model is also tried on lists widened by the site's most-linked articles (NAME+linked).
    With too few links, the formula stays and the index is not rewritten. Prints the
    cross-validated MAP@10 of each.
    """
    from recommender.corpus.reader import read_articles
    from recommender.evaluation.links import read_links
    from recommender.index.related_index import RelatedIndex
    from recommender.learn.tune import tune

    loaded = RelatedIndex.load(index, verify=params["verify"])
    articles = read_articles([str(p) for p in corpus])
    given = read_links(params["links_file"]) if params["links_file"] else articles
    tuned, report = tune(loaded, given, n_folds=params["n_folds"], seed=params["seed"],
                         widen=params["widen"])
    target = params["output_dir"] or index
    written = None
    if report.chosen != "formula":
        written = str(tuned.save(target, model_card=_card(index, report)))
    summary = report.cv.summary() if report.cv is not None else {}
    doc = {"index": written, "chosen": report.chosen, "reason": report.reason,
           "queries": report.queries, "links": report.links,
           "recall_at_k": report.cv.recall_at_k if report.cv else None,
           "linked_candidates": report.cv.widened if report.cv else None,
           "recall_widened": report.cv.recall_widened if report.cv else None,
           "cv_map10": summary}
    if out.echo_document(doc, fmt):
        return
    click.echo(f"{report.queries:,} articles with {report.links:,} links")
    if summary and report.cv is not None:
        click.echo(f"recall of the links among the stored candidates: "
                   f"{report.cv.recall_at_k:.3f}")
        if report.cv.recall_widened is not None:
            click.echo(f"with the {report.cv.widened} most-linked articles added "
                       f"(+linked): {report.cv.recall_widened:.3f}")
        rows = [(name, f"{s['mean']:.4f}", f"{s['std']:.4f}") for name, s in summary.items()]
        for line in out.format_table(("ranking", "MAP@10", "± std"), rows, align="lrr"):
            click.echo(line)
    click.echo(f"chosen: {report.chosen} ({report.reason})"
               + (f"; wrote {written}" if written else "; index left as it was"))


def _card(index: Path, report: Any) -> str:
    """The index's model card with a section on the learned ranking."""
    card_path = index / "MODEL_CARD.md"
    card = card_path.read_text(encoding="utf-8") if card_path.is_file() else "# Model card\n"
    learned = "\n".join(
        [f"- {name}: {s['mean']:.4f} ± {s['std']:.4f}"
         for name, s in report.cv.summary().items()])
    return (card.rstrip() + "\n\n## Learned ranking\n\n"
            f"Chosen: {report.chosen} ({report.reason}). Learned from {report.links:,} "
            f"editor links of {report.queries:,} articles; recall of the links among the "
            f"stored candidates {report.cv.recall_at_k:.3f}. Cross-validated MAP@10 over "
            f"{len(report.cv.folds)} folds that never train on a tested link in either "
            f"direction:\n\n{learned}\n")
