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
@click.option("-k", "k", type=click.IntRange(min=1), default=6,
              help="Related stories shown per demo article.")
@click.option("-n", "--stories", type=click.IntRange(min=1), default=5,
              help="How many demo articles to show.")
@click.option("-q", "--quiet", is_flag=True, help="Hide the progress bars.")
@out.output_options
def demo_command(
    fmt: out.OutputFormat, output_dir: Path, k: int, stories: int, quiet: bool
) -> None:
    """Build the bundled demo corpus and show the related box of a few articles.

    Each item says why it is there: curated (the article's own editor link), similar,
    or fallback (a flagged fill). The last line counts how many of the engine's own
    picks the editors had also chosen: agreement with editors is what it aims for.
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
        rows = [(s.rank, s.reason, f"{s.score:.3f}", "yes" if s.editor_link else "", s.id,
                 s.title) for s in story.related]
        if not rows:
            click.echo("  (nothing to show)")
            continue
        for line in out.format_table(("rank", "why", "score", "editor", "id", "title"), rows,
                                     align="rlrll", stretch=5, width=width, indent="  "):
            click.echo(line)
    picks = sum(s.similar_picks for s in shown)
    hits = sum(s.similar_editor_links for s in shown)
    click.echo("")
    click.echo("why: curated = the story's own editor link, first, in the editor's order; "
               "similar = found by the engine; fallback = a fill (newest stories), not related.")
    click.echo(f"Without the editor links first, {hits} of {picks} similar suggestions are "
               f"editors' links. Next: recommender related {summary.path} "
               f"{shown[0].id if shown else 'ID'} --explain")
