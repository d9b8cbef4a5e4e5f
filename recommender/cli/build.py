"""``recommender build``: build an index of corpus files and save it.

The option help shows the :class:`BuildConfig` defaults (a light module); the pipeline,
and with it numpy and scikit-learn, is imported when the command runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from recommender.cli import output as out
from recommender.config.build import BuildConfig
from recommender.config.layers import (
    FIELDS,
    env_name,
    env_settings,
    parse_assignments,
    resolve_config,
)

if TYPE_CHECKING:
    from recommender.pipeline import BuildSummary

__all__ = ["build", "build_config"]

_DEFAULTS = BuildConfig()


def _config_help(field: str, text: str) -> str:
    return (f"{text} [default: {getattr(_DEFAULTS, field)!r} or the config file; "
            f"env: {env_name(field)}]")


def build_config(
    config_file: str | None, assignments: Sequence[str], options: dict[str, Any]
) -> BuildConfig:
    """Defaults < TOML < RECOMMENDER_* environment < --set < named options."""
    _, ignored = env_settings(os.environ)
    for name in ignored:
        click.echo(f"warning: ignoring {name}: not a build setting "
                   f"(valid: {', '.join(env_name(f) for f in FIELDS)})", err=True)
    overrides: dict[str, Any] = dict(parse_assignments(assignments))
    overrides.update({k: v for k, v in options.items() if v is not None})
    return resolve_config(toml=config_file, environ=os.environ, overrides=overrides)


def _check_jobs(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if value == 0 or value < -1:
        raise click.BadParameter(f"expected a number of workers >= 1, or -1 for every core; "
                                 f"got {value}")
    return value


def search_text(config: dict[str, Any]) -> str:
    """How an index's neighbours were searched, from its stored config."""
    terms = config.get("query_terms")
    if terms is None:
        return "exact (every shared term)"
    return (f"pruned (query_terms={terms}, query_max_df={config.get('query_max_df')}, "
            f"index_terms={config.get('index_terms')}, "
            f"posting_limit={config.get('posting_limit')})")


def _print_summary(summary: BuildSummary, fmt: out.OutputFormat) -> None:
    if out.echo_document(summary.to_dict(), fmt):
        return
    s = summary.seconds
    stages = "  ".join(f"{name} {value:.2f}" for name, value in s.items())
    corpus = ", ".join(f"{f.path} ({f.articles}, sha256 {f.sha256[:12]})" for f in summary.corpus)
    pairs = [
        ("index", summary.path),
        ("corpus", corpus),
        ("articles", summary.articles),
        ("features", f"{summary.features} ({summary.text_features} words, the same again "
                     f"for titles, {summary.features - 2 * summary.text_features} tags)"),
        ("tags", summary.tags),
        ("sections", summary.sections),
        ("neighbours", f"{summary.n_neighbors} per article"),
        ("search", search_text(summary.config)),
        *([("rejected", f"{summary.input.get('rejected_records', 0):,} records, listed in "
                        f"{summary.rejects}")] if summary.rejects is not None else []),
        ("seconds", f"{stages}  (total {sum(s.values()):.2f})"),
        ("size on disk", out.human_bytes(summary.bytes_on_disk)),
    ]
    for line in out.format_pairs(pairs):
        click.echo(line)


@click.command("build")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "output_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Index directory to write (replaced atomically if it exists). "
                   "[default: models/<stem of the first CORPUS file>]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML file of build settings (BuildConfig field names, top level or a "
                   "[build] table) and the boxes' default rules (a [query] table).")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Override any build setting, e.g. --set min_df=2 (repeatable).")
@click.option("--tag-weight", type=float, default=None,
              help=_config_help("tag_weight", "Share of the score given to tag overlap (0-1)."))
@click.option("--title-weight", type=float, default=None,
              help=_config_help("title_weight", "How many body words one title word counts for."))
@click.option("--n-neighbors", type=int, default=None,
              help=_config_help("n_neighbors", "Neighbours stored per article."))
@click.option("--same-section/--no-same-section", default=None,
              help=_config_help("same_section", "Only articles of the same section are related."))
@click.option("--language", default=None,
              help=_config_help("language", "Language of articles without one: a code such as "
                                "'fr', 'auto' to detect it per article, 'none' for no "
                                "stemming or stop words."))
@click.option("--max-body-chars", type=int, default=None,
              help=_config_help("max_body_chars", "Cut longer bodies to this many characters "
                                "(one warning with the count)."))
@click.option("--max-tags", type=int, default=None,
              help=_config_help("max_tags", "Keep the first this many tags of an article "
                                "(one warning with the count)."))
@click.option("--skip-invalid", is_flag=True,
              help="Leave out invalid records instead of stopping at the first; each is "
                   "listed with its file, line, field and reason in the rejects file.")
@click.option("--rejects", "rejects", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="JSON Lines file of the records --skip-invalid left out, written "
                   "atomically. [default: INDEX.rejects.jsonl, next to the index]")
@click.option("--jobs", "n_jobs", type=int, default=1, callback=_check_jobs,
              help="Worker processes for vectorizing and the neighbour computation "
                   "(-1: every core). [default: 1]")
@click.option("--dask-scheduler", metavar="ADDRESS", default=None,
              help="Run the neighbour computation on the Dask cluster whose scheduler is at "
                   "ADDRESS (e.g. tcp://host:8786); needs pip install 'recommender[dask]'. "
                   "The workers' threads set the parallelism, so --jobs does not apply.")
@click.option("--format", "corpus_format", type=click.Choice(["jsonl", "csv"]), default=None,
              help="Corpus format. [default: from the file extension]")
@click.option("--encoding", default="utf-8", help="Text encoding of the corpus files.")
@click.option("-q", "--quiet", is_flag=True, help="Hide the progress bars.")
@out.output_options
def build(corpus: tuple[Path, ...], fmt: out.OutputFormat, **kwargs: Any) -> None:
    """Build an index of the CORPUS file(s) (JSON Lines or CSV) and save it.

    Settings come from, lowest precedence first: defaults, --config FILE,
    RECOMMENDER_<FIELD> environment variables, --set, then the named options.
    Prints a summary (articles, features, seconds per stage, size); the index
    directory also holds MODEL_CARD.md. A failed build leaves any existing index as it was.
    An invalid record stops the build with its file, line and field, unless
    --skip-invalid leaves it out (listed in the --rejects file). Gzip files
    (corpus.jsonl.gz) are read as they are.
    """
    from recommender.pipeline import build_from_files

    named = {name: kwargs[name] for name in
             ("tag_weight", "title_weight", "n_neighbors", "same_section", "language",
              "max_body_chars", "max_tags")}
    if kwargs["rejects"] is not None and not kwargs["skip_invalid"]:
        raise click.UsageError("--rejects names the file of the records --skip-invalid "
                               "leaves out: add --skip-invalid, or drop --rejects")
    n_jobs: int | None = kwargs["n_jobs"]
    if kwargs["dask_scheduler"] is not None:
        ctx = click.get_current_context()
        if ctx.get_parameter_source("n_jobs") is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError("--jobs and --dask-scheduler cannot be used together: on a "
                                   "cluster the workers' threads set the parallelism "
                                   "(drop --jobs)")
        n_jobs = None  # joblib's Dask backend then uses every worker thread
    config = build_config(kwargs["config_file"], kwargs["assignments"], named)
    query = None
    if kwargs["config_file"] is not None:
        from recommender.query.config import QueryConfig

        query = QueryConfig.from_toml(kwargs["config_file"])
    target = kwargs["output_dir"] or Path("models") / corpus[0].stem
    with out.ProgressBars(enabled=not kwargs["quiet"]) as progress:
        summary = build_from_files(
            list(corpus), target, config, format=kwargs["corpus_format"],
            encoding=kwargs["encoding"], n_jobs=n_jobs, progress=progress,
            dask_scheduler=kwargs["dask_scheduler"], query=query,
            skip_invalid=kwargs["skip_invalid"], rejects=kwargs["rejects"],
        )
    for line in summary.warnings:
        click.echo(f"warning: {line}", err=True)
    _print_summary(summary, fmt)
