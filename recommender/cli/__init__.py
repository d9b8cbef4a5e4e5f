"""The ``recommender`` command: parse, call the library, format, map errors.

Every command is a thin layer over a library call (``pipeline.build_from_files``,
``RelatedIndex.related``/``similar``, ``inspection.describe_index``), so a site can do in
Python all that an operator does here. Results go to stdout, progress to stderr; library
errors become a one-line message with a remedy and exit status 1, usage errors exit 2.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from recommender.cli import output as out
from recommender.cli.demo import demo_command
from recommender.cli.evaluate import evaluate_command
from recommender.cli.query import related_command, similar_command
from recommender.config.build import BuildConfig
from recommender.config.layers import (
    FIELDS,
    env_name,
    env_settings,
    parse_assignments,
    resolve_config,
)
from recommender.errors import RecommenderError
from recommender.pipeline import BuildSummary, build_from_files
from recommender.store.directory import package_version
from recommender.store.inspection import describe_index

_DEFAULTS = BuildConfig()
_CONTEXT = {"show_default": True, "help_option_names": ["-h", "--help"], "max_content_width": 100}
# the library's remedies speak Python; on the command line the same fix is an option
_PYTHON_TO_CLI = ((re.compile(r"pass format='(\w+)'"), r"use --format \1"),
                  (re.compile(r"format='(\w+)'"), r"--format \1"),
                  (re.compile(r"pass the right encoding= \(e\.g\. '([\w-]+)'\)"),
                   r"use --encoding (e.g. --encoding \1)"))


def _one_line(message: str) -> str:
    for pattern, repl in _PYTHON_TO_CLI:
        message = pattern.sub(repl, message)
    return " ".join(message.split())


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _Group(click.Group):
    """Turns the library's errors into one-line messages (exit 1) instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RecommenderError as exc:
            raise click.ClickException(_one_line(str(exc))) from None
        except BrokenPipeError:
            # the reader (e.g. `| head`) has gone: stop quietly, as Unix tools do
            _silence_stdout()
            ctx.exit(1)
        except OSError as exc:
            message = str(exc)
            if exc.filename is not None and exc.strerror:
                message = f"{exc.filename}: {exc.strerror}"
            if isinstance(exc, FileNotFoundError):
                message += " (check the path)"
            elif isinstance(exc, PermissionError):
                message += " (check the permissions, or choose another path)"
            raise click.ClickException(_one_line(message)) from None


@click.group(cls=_Group, context_settings=_CONTEXT)
@click.version_option(package_version(), "--version", prog_name="recommender",
                      message="%(prog)s %(version)s")
def main() -> None:
    """Related-article engine: build an index of a site's articles, then ask it for
    related stories.

    \b
    Typical use:
      recommender build articles.jsonl -o models/site
      recommender related models/site ARTICLE-ID -k 5
      recommender similar models/site < draft.json
      recommender info models/site
      recommender demo
    """


# -- build -------------------------------------------------------------------------------


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


def _print_summary(summary: BuildSummary, fmt: out.OutputFormat) -> None:
    if fmt == "json":
        out.echo_json(summary.to_dict())
        return
    if fmt == "nl":
        out.echo_nl([summary.to_dict()])
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
        ("seconds", f"{stages}  (total {sum(s.values()):.2f})"),
        ("size on disk", out.human_bytes(summary.bytes_on_disk)),
    ]
    for line in out.format_pairs(pairs):
        click.echo(line)


@main.command()
@click.argument("corpus", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Index directory to write (replaced atomically if it exists). "
                   "[default: models/<stem of the first CORPUS file>]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML file of build settings (BuildConfig field names).")
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
              help=_config_help("language", "Language of articles without one ('none': detect)."))
@click.option("--jobs", "n_jobs", type=int, default=1, callback=_check_jobs,
              help="Worker processes for the neighbour computation (-1: every core).")
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
    """
    named = {name: kwargs[name] for name in
             ("tag_weight", "title_weight", "n_neighbors", "same_section", "language")}
    n_jobs: int | None = kwargs["n_jobs"]
    if kwargs["dask_scheduler"] is not None:
        ctx = click.get_current_context()
        if ctx.get_parameter_source("n_jobs") is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError("--jobs and --dask-scheduler cannot be used together: on a "
                                   "cluster the workers' threads set the parallelism "
                                   "(drop --jobs)")
        n_jobs = None  # joblib's Dask backend then uses every worker thread
    config = build_config(kwargs["config_file"], kwargs["assignments"], named)
    target = kwargs["output_dir"] or Path("models") / corpus[0].stem
    with out.ProgressBars(enabled=not kwargs["quiet"]) as progress:
        summary = build_from_files(
            list(corpus), target, config, format=kwargs["corpus_format"],
            encoding=kwargs["encoding"], n_jobs=n_jobs, progress=progress,
            dask_scheduler=kwargs["dask_scheduler"],
        )
    _print_summary(summary, fmt)


# -- info --------------------------------------------------------------------------------


@main.command()
@click.argument("index", type=click.Path(path_type=Path))
@click.option("--verify/--no-verify", default=True,
              help="Check every file against the sha256 recorded in the manifest.")
@out.output_options
def info(index: Path, verify: bool, fmt: out.OutputFormat) -> None:
    """Describe the INDEX directory: format, versions, counts, settings, files, integrity.

    Exits with status 1 when a file does not match its recorded digest.
    """
    report = describe_index(index, verify=verify)
    if fmt == "json":
        out.echo_json(report)
    elif fmt == "nl":
        out.echo_nl([report])
    else:
        versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
        pairs: list[tuple[str, Any]] = [
            ("index", report["path"]),
            ("format", f"{report['format']} v{report['format_version']}"),
            ("created", report["created"]),
            ("versions", versions),
            ("integrity", report["integrity"] + (f": {report['problem']}"
                                                 if report["problem"] else "")),
            ("size on disk", out.human_bytes(report["bytes_on_disk"])),
        ]
        pairs += [(f"counts.{k}", v) for k, v in report["counts"].items()]
        pairs += [(f"config.{k}", v) for k, v in report["config"].items()]
        for line in out.format_pairs(pairs):
            click.echo(line)
        click.echo("")
        rows = [(name, "?" if size is None else size) for name, size in report["files"].items()]
        for line in out.format_table(("file", "bytes"), rows, align="lr"):
            click.echo(line)
    if report["problem"] is not None:
        raise click.ClickException(_one_line(report["problem"]))


main.add_command(related_command)
main.add_command(similar_command)
main.add_command(demo_command)
main.add_command(evaluate_command)


if __name__ == "__main__":  # python -m recommender.cli
    main()
