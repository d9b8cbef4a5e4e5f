"""``recommender related`` and ``recommender similar``: query a saved index.

Output shapes (the same for both commands):

- table (default): per query, a heading line ``ID  title`` then ``rank id score title``;
- ``--json``: one object mapping each query id to its list of
  ``{"id", "score", "title", "similarity"}``,
  best first, in the order the queries were given;
- ``--nl``: one object per recommendation,
  ``{"query", "rank", "id", "score", "title", "similarity"}``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from recommender.cli import output as out
from recommender.corpus.drafts import parse_draft
from recommender.records import Related

if TYPE_CHECKING:
    from recommender.index.related_index import RelatedIndex

F = TypeVar("F", bound=Callable[..., Any])
Answers = list[tuple[str, str, list[Related]]]  # (query id, query title, results)

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def query_options(func: F) -> F:
    """Options shared by the query commands: k, the editorial filters, verification."""
    options = [
        click.option("-k", "k", type=click.IntRange(min=1), default=5,
                     help="How many related articles to show per query."),
        click.option("--section", default=None,
                     help="Only recommend articles of this section."),
        click.option("--after", type=_DATE, default=None, metavar="YYYY-MM-DD",
                     help="Only articles published on or after this date."),
        click.option("--before", type=_DATE, default=None, metavar="YYYY-MM-DD",
                     help="Only articles published before this date."),
        click.option("--exclude", multiple=True, metavar="ID",
                     help="Never recommend this article (repeatable)."),
        click.option("--verify/--no-verify", default=True,
                     help="Check the index files' digests before loading (slower start "
                          "on very large indexes)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def filters(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``related``/``similar`` from the parsed options."""
    def day(value: dt.datetime | None) -> dt.date | None:
        return value.date() if value is not None else None

    return {
        "section": params["section"],
        "published_after": day(params["after"]),
        "published_before": day(params["before"]),
        "exclude": tuple(params["exclude"]),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def print_answers(answers: Answers, fmt: out.OutputFormat, *, filtered: bool = False) -> None:
    """Print query results as a table, one JSON document, or JSON lines.

    ``filtered``: the query had filters, so an empty list may be theirs, not the text's.
    """
    if fmt == "json":
        out.echo_json({q: [{"id": r.id, "score": round(r.score, 6), "title": r.title,
                            "similarity": _rounded(r.similarity)}
                           for r in rs] for q, _, rs in answers})
        return
    if fmt == "nl":
        out.echo_nl({"query": q, "rank": n, "id": r.id, "score": round(r.score, 6),
                     "title": r.title, "similarity": _rounded(r.similarity)}
                    for q, _, rs in answers for n, r in enumerate(rs, 1))
        return
    width = out.terminal_width()
    for number, (query, title, results) in enumerate(answers):
        if number:
            click.echo("")
        click.echo(f"{query}  {out.truncate(title, max(width - len(query) - 2, 12))}")
        if not results:
            click.echo("  (no related articles pass the filters: --section, --after, "
                       "--before, --exclude)" if filtered else
                       "  (no related articles: nothing shares words or tags with it)")
            continue
        rows = [(n, r.id, f"{r.score:.3f}", r.title) for n, r in enumerate(results, 1)]
        for line in out.format_table(("rank", "id", "score", "title"), rows, align="rlrl",
                                     stretch=3, width=width, indent="  "):
            click.echo(line)


def _load(index: Path, verify: bool) -> RelatedIndex:
    """Load the index; numpy, scipy and scikit-learn are imported here, not at start-up."""
    from recommender.index.related_index import RelatedIndex

    return RelatedIndex.load(index, verify=verify)


@click.command("related")
@click.argument("index", type=click.Path(path_type=Path))
@click.argument("ids", metavar="ID...", nargs=-1, required=True)
@query_options
@out.output_options
def related_command(index: Path, ids: Sequence[str], fmt: out.OutputFormat,
                    **params: Any) -> None:
    """Articles of INDEX related to each article ID, best first.

    With --json: {"ID": [{"id", "score", "title", "similarity"}, ...], ...}. With --nl:
    one {"query", "rank", "id", "score", "title", "similarity"} object per line. The score
    orders the list; similarity is the plain weighted cosine (see the README).
    """
    loaded = _load(index, params["verify"])
    unknown = [i for i in dict.fromkeys(ids) if i not in loaded]
    if unknown:
        more = f" (and {len(unknown) - 1} more unknown)" if len(unknown) > 1 else ""
        raise click.ClickException(
            f"unknown article id {unknown[0]!r}{more}: it is not in the index {index} "
            f"({len(loaded)} articles); check the id, rebuild the index with the article, "
            "or query its text with `recommender similar`"
        )
    kwargs = filters(params)
    answers = [(i, loaded.title(i), loaded.related(i, k=params["k"], **kwargs))
               for i in dict.fromkeys(ids)]
    print_answers(answers, fmt, filtered=any(kwargs.values()))


def _read_stdin() -> bytes:
    stream = sys.stdin.buffer
    if stream.isatty():
        raise click.UsageError(
            "no draft given: pipe a JSON object into stdin, or use --input FILE, "
            "or --title/--body/--tag"
        )
    return stream.read()


@click.command("similar")
@click.argument("index", type=click.Path(path_type=Path))
@click.option("--input", "input_file", type=click.File("rb"), default=None,
              help="JSON object of the draft (title, body, tags, ...); '-' reads stdin. "
                   "[default: stdin, unless --title/--body/--tag are given]")
@click.option("--title", default=None, help="Title of the draft.")
@click.option("--body", default=None, help="Body text of the draft.")
@click.option("--tag", "tags", multiple=True, help="A tag of the draft (repeatable).")
@click.option("--language", default=None,
              help="Language of the draft, e.g. 'fr' ('auto' or unset: the index's default "
                   "language, else detected).")
@query_options
@out.output_options
def similar_command(index: Path, fmt: out.OutputFormat, **params: Any) -> None:
    """Articles of INDEX similar to a draft that is not indexed (yet).

    The draft is a JSON object with the corpus fields (id optional, "draft" by
    default), from --input FILE or stdin; --title, --body, --tag and --language
    set or override its fields. Output as for `recommender related`.
    """
    fields = {"title": params["title"], "body": params["body"], "tags": list(params["tags"]),
              "language": params["language"]}
    input_file = params["input_file"]
    text: bytes | None = None
    if input_file is not None:
        text, name = input_file.read(), getattr(input_file, "name", "-")
        name = "stdin" if name in ("-", "<stdin>") else name
    elif any(params[n] for n in ("title", "body", "tags")):
        name = "options"
    else:
        text, name = _read_stdin(), "stdin"
    draft = parse_draft(text, source=f"draft from {name}", fields=fields)
    loaded = _load(index, params["verify"])
    kwargs = filters(params)
    results = loaded.similar(draft, k=params["k"], **kwargs)
    print_answers([(draft.id, draft.title, results)], fmt, filtered=any(kwargs.values()))
