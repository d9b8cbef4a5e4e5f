"""``recommender update``: add, replace and remove articles of a saved index, in place.

A thin layer over :func:`recommender.pipeline.update_from_files`, imported when the
command runs (it loads numpy and scikit-learn).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from recommender.cli import output as out

if TYPE_CHECKING:
    from recommender.pipeline import UpdateSummary

__all__ = ["update_command"]


def _print_summary(summary: UpdateSummary, fmt: out.OutputFormat) -> None:
    if out.echo_document(summary.to_dict(), fmt):
        return
    what = "updated" if summary.changed else "unchanged"
    click.echo(f"{what} {summary.index}: {len(summary.added)} added, "
               f"{len(summary.replaced)} replaced, {len(summary.removed)} removed; "
               f"{summary.articles:,} articles")


@click.command("update")
@click.argument("index", type=click.Path(path_type=Path))
@click.option("--add", "add_files", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Corpus file (JSON Lines or CSV) of articles to add; an article whose id "
                   "is indexed replaces it (repeatable).")
@click.option("--remove", "remove_ids", multiple=True, metavar="ID",
              help="Take the article of this id out of the index (repeatable).")
@click.option("--format", "corpus_format", type=click.Choice(["jsonl", "csv"]), default=None,
              help="Format of the --add files. [default: from the file extension]")
@click.option("--encoding", default="utf-8", help="Text encoding of the --add files.")
@click.option("--verify/--no-verify", default=True,
              help="Check the index files' digests before loading. The saved index records "
                   "new digests, so skip this only for an index you trust.")
@out.output_options
def update_command(index: Path, add_files: Sequence[Path], remove_ids: Sequence[str],
                   fmt: out.OutputFormat, **params: Any) -> None:
    """Change INDEX in place: add or replace articles from corpus files, remove others.

    Removals apply first, then additions. An article of an --add file whose id is
    already indexed replaces the indexed version (to update an article, just --add it);
    the others are added. Removed articles stop appearing in every related list. An
    unknown --remove id, or one that an --add file also holds, is an error.

    Every check runs before anything is written and the save is atomic: on any error
    the index stays as it was. Words first seen in added articles are ignored until the
    next `recommender build`. A MODEL_CARD.md is kept, with a line noting the update.

    Prints "updated INDEX: A added, R replaced, D removed; N articles". With --json:
    {"index", "added", "replaced", "removed", "articles"}, the three lists holding ids
    and articles the count after the update.
    """
    if not add_files and not remove_ids:
        raise click.UsageError("nothing to do: give --add FILE and/or --remove ID")
    from recommender.pipeline import update_from_files

    summary = update_from_files(index, add_files, remove_ids, format=params["corpus_format"],
                                encoding=params["encoding"], verify=params["verify"])
    _print_summary(summary, fmt)
