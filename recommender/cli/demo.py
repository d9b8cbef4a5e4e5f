"""``recommender demo``: build the bundled corpus and show what the index finds."""

from __future__ import annotations

from pathlib import Path

import click

from recommender.cli import output as out


def demo_corpus_path() -> Path:
    """Where the bundled corpus is (:mod:`recommender.demo` imports the index, so it is
    imported here on call, not when ``recommender --help`` lists this command).
    """
    from recommender.demo import demo_corpus_path as bundled

    return bundled()


@click.command("demo")
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("models/demo"),
              help="Where to write the demo index (relative to the current directory).")
@click.option("-k", "k", type=click.IntRange(min=1), default=4,
              help="Related stories shown per demo article.")
@click.option("-n", "--stories", type=click.IntRange(min=1), default=4,
              help="How many demo articles to show.")
@click.option("-q", "--quiet", is_flag=True, help="Hide the progress bars.")
@out.output_options
def demo_command(
    fmt: out.OutputFormat, output_dir: Path, k: int, stories: int, quiet: bool
) -> None:
    """Build the bundled demo corpus and show related stories for a few articles.

    Stories that the article's editor had also linked are marked in the "editor"
    column: agreement with editors is what the engine aims for.
    """
    from recommender.corpus.reader import read_articles
    from recommender.demo import pick_queries, showcase
    from recommender.index.related_index import RelatedIndex
    from recommender.pipeline import build_from_files

    corpus = demo_corpus_path()
    if not corpus.is_file():
        raise click.ClickException(
            f"the demo corpus is missing at {corpus}; reinstall the package "
            "(pip install -e .) or build your own corpus with `recommender build`"
        )
    with out.ProgressBars(enabled=not quiet) as progress:
        summary = build_from_files([corpus], output_dir, progress=progress)
    index = RelatedIndex.load(summary.path)
    queries = pick_queries(read_articles(corpus), n=stories)
    shown = showcase(index, queries, k=k)
    if fmt == "json":
        out.echo_json({"index": summary.path, "articles": summary.articles,
                       "stories": [s.to_dict() for s in shown]})
        return
    if fmt == "nl":
        out.echo_nl(s.to_dict() for s in shown)
        return
    seconds = sum(summary.seconds.values())
    click.echo(f"Built {summary.path}: {summary.articles} articles, {summary.features} "
               f"features, {seconds:.1f} s, {out.human_bytes(summary.bytes_on_disk)}.")
    width = out.terminal_width()
    for story in shown:
        click.echo("")
        click.echo(f"{story.id}  {out.truncate(story.title, max(width - len(story.id) - 2, 12))}")
        rows = [(s.rank, f"{s.score:.3f}", "yes" if s.editor_link else "", s.id, s.title)
                for s in story.related]
        if not rows:
            click.echo("  (no related stories found)")
            continue
        for line in out.format_table(("rank", "score", "editor", "id", "title"), rows,
                                     align="rrll", stretch=4, width=width, indent="  "):
            click.echo(line)
    hits = sum(s.editor_hits for s in shown)
    total = sum(len(s.related) for s in shown)
    click.echo("")
    click.echo(f"{hits} of {total} suggestions are also editors' links. "
               f"Next: recommender related {summary.path} {shown[0].id if shown else 'ID'}")
