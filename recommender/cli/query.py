"""``recommender related`` and ``recommender similar``: query a saved index.

Output shapes (the same for both commands):

- table (default): per query, a heading line ``ID  title`` then
  ``rank id score why title`` (with ``--explain``, a line of reasons under each item);
- ``--json``: one object mapping each query id to its list of
  ``{"id", "score", "title", "similarity", "reason"[, "explanation"]}``,
  in box order, the queries in the order they were given;
- ``--nl``: one such object per item, with ``"query"`` and ``"rank"``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from recommender.cli import output as out
from recommender.corpus.drafts import parse_draft
from recommender.records import Explanation, Related

if TYPE_CHECKING:
    from recommender.index.related_index import RelatedIndex
    from recommender.query.config import QueryConfig

F = TypeVar("F", bound=Callable[..., Any])
Answers = list[tuple[str, str, list[Related]]]  # (query id, query title, results)

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def query_options(func: F) -> F:
    """Options shared by the query commands: k, the box's rules, verification."""
    options = [
        click.option("-k", "k", type=click.IntRange(min=1), default=5,
                     help="How many items to show per query."),
        click.option("--query-config", type=click.Path(dir_okay=False), default=None,
                     metavar="FILE",
                     help="TOML file whose [query] table sets the rules (over the index's "
                          "stored defaults; the options below go over it)."),
        click.option("--min-score", type=click.FloatRange(0, 1), default=None, metavar="S",
                     help="Only items whose similarity is at least S (filler floor; "
                          "the index's default otherwise)."),
        click.option("--only-older", is_flag=True, default=None,
                     help="Never an article published after the source (archive pages)."),
        click.option("--max-age-days", type=click.FloatRange(min=0), default=None,
                     metavar="DAYS",
                     help="Never an article published more than DAYS before the source."),
        click.option("--half-life-days", type=click.FloatRange(min=0, min_open=True),
                     default=None, metavar="DAYS",
                     help="Recency decay: halve an item's score per DAYS between the stories."),
        click.option("--diversity", type=click.FloatRange(0, 1), default=None, metavar="L",
                     help="0 keeps the ranking; up to 1 trades score for varied lists (MMR)."),
        click.option("--dedupe", type=click.FloatRange(0, 1, min_open=True), default=None,
                     metavar="T",
                     help="Drop an item whose similarity to a better one is at least T "
                          "(copies of one story)."),
        click.option("--no-dedupe", is_flag=True, default=False,
                     help="Keep copies of one story."),
        click.option("--no-curated", is_flag=True, default=False,
                     help="Do not put the article's own editor links first."),
        click.option("--no-fallback", is_flag=True, default=False,
                     help="Never fill a short box with the latest articles."),
        click.option("--any-language", is_flag=True, default=False,
                     help="Also show articles in other languages than the source's."),
        click.option("--section", "sections", multiple=True,
                     help="Only articles of this section (repeatable; case and accents "
                          "ignored)."),
        click.option("--tag-any", multiple=True, metavar="TAG",
                     help="Only articles carrying at least one of these tags (repeatable)."),
        click.option("--tag-all", multiple=True, metavar="TAG",
                     help="Only articles carrying all of these tags (repeatable)."),
        click.option("--tag-none", multiple=True, metavar="TAG",
                     help="Never articles carrying one of these tags (repeatable)."),
        click.option("--after", type=_DATE, default=None, metavar="YYYY-MM-DD",
                     help="Only articles published on or after this date."),
        click.option("--before", type=_DATE, default=None, metavar="YYYY-MM-DD",
                     help="Only articles published before this date."),
        click.option("--exclude", multiple=True, metavar="ID",
                     help="Never show this article (repeatable)."),
        click.option("--explain", is_flag=True, default=False,
                     help="Say why each item is there: shared tags and words, score parts."),
        click.option("--verify/--no-verify", default=True,
                     help="Check the index files' digests before loading (slower start "
                          "on very large indexes)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def query_rules(params: dict[str, Any], default: QueryConfig) -> QueryConfig:
    """The box's rules: the index's ``default`` < ``--query-config`` < the options."""
    from recommender.query.config import QueryConfig

    rules = default
    if params["query_config"] is not None:
        rules = QueryConfig.from_toml(params["query_config"])
    changes: dict[str, Any] = {
        name: params[name]
        for name in ("min_score", "max_age_days", "half_life_days", "diversity", "dedupe")
        if params[name] is not None
    }
    if params["only_older"]:
        changes["only_older"] = True
    if params["no_dedupe"]:
        changes["dedupe"] = None
    if params["no_curated"]:
        changes["curated_first"] = False
    if params["no_fallback"]:
        changes["fallback"] = ()
    if params["any_language"]:
        changes["same_language"] = False
    if params["explain"]:
        changes["explain"] = True
    for name, option in (("sections", "sections"), ("tags_any", "tag_any"),
                         ("tags_all", "tag_all"), ("tags_none", "tag_none"),
                         ("exclude", "exclude")):
        if params[option]:
            changes[name] = tuple(params[option])
    for name, option in (("published_after", "after"), ("published_before", "before")):
        if params[option] is not None:
            changes[name] = params[option].date()
    return rules.replace(**changes)


def _filtered(rules: QueryConfig) -> bool:
    """Whether an empty box may be the rules' doing rather than the text's."""
    return bool(rules.sections or rules.exclude or rules.dates_filtered
                or rules.tags_filtered or rules.language or rules.same_language)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def print_answers(answers: Answers, fmt: out.OutputFormat, *, filtered: bool = False) -> None:
    """Print query results as a table, one JSON document, or JSON lines.

    ``filtered``: the query had rules, so an empty list may be theirs, not the text's.
    """
    if fmt == "json":
        out.echo_json({q: [r.to_dict() for r in rs] for q, _, rs in answers})
        return
    if fmt == "nl":
        out.echo_nl({"query": q, "rank": n, **r.to_dict()}
                    for q, _, rs in answers for n, r in enumerate(rs, 1))
        return
    width = out.terminal_width()
    for number, (query, title, results) in enumerate(answers):
        if number:
            click.echo("")
        click.echo(f"{query}  {out.truncate(title, max(width - len(query) - 2, 12))}")
        if not results:
            click.echo("  (nothing passes the rules: see --min-score, --section, --tag-any, "
                       "--after, --before, --only-older, --any-language)" if filtered else
                       "  (no related articles: nothing shares words or tags with it)")
            continue
        rows = [(n, r.id, f"{r.score:.3f}", r.reason, r.title)
                for n, r in enumerate(results, 1)]
        lines = out.format_table(("rank", "id", "score", "why", "title"), rows, align="rlrll",
                                 stretch=4, width=width, indent="  ")
        click.echo(lines[0])
        for line, r in zip(lines[1:], results, strict=True):
            click.echo(line)
            if r.explanation is not None:
                pad = "        "  # under the id column
                click.echo(pad + out.truncate(_explained(r.explanation), width - len(pad)))


def _explained(e: Explanation) -> str:
    """One line of an item's explanation: shared tags, shared words, score parts."""
    parts = " ".join(f"{name} {value:+.3f}" for name, value in e.parts.items() if value)
    return (f"tags: {', '.join(e.shared_tags) or '-'} | words: "
            f"{', '.join(e.shared_terms) or '-'} | {parts or 'no shared words or tags'}")


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
    """The related box of each article ID: its editor links, similar articles, fills.

    Each item has a reason: curated (an editor link of the article), similar, or
    fallback (a fill when too few are related; score 0). The rules are the index's
    stored defaults, then --query-config, then the options below.

    With --json: {"ID": [{"id", "score", "title", "similarity", "reason"[,
    "explanation"]}, ...], ...}. With --nl: one such object per line, with "query" and
    "rank". The score orders the similar items; similarity is the plain weighted cosine
    (see the README).
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
    rules = query_rules(params, loaded.query)
    answers = [(i, loaded.title(i), loaded.related(i, k=params["k"], query=rules))
               for i in dict.fromkeys(ids)]
    print_answers(answers, fmt, filtered=_filtered(rules))


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
    rules = query_rules(params, loaded.query)
    results = loaded.similar(draft, k=params["k"], query=rules)
    print_answers([(draft.id, draft.title, results)], fmt, filtered=_filtered(rules))
