"""The one table of file formats: which extensions mean JSON Lines, CSV or tab-separated.

Corpus files (:mod:`recommender.corpus.reader`) and links files
(:mod:`recommender.evaluation.links`) are told apart by the same table, so a name that one
reader accepts the other accepts too. Standard library only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from recommender.corpus.fields import _show
from recommender.errors import CorpusError

__all__ = ["COMPRESSED", "EXTENSIONS", "FORMATS", "Format", "file_format", "json_lines",
           "parse_json_line"]

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = get_args(Format)

#: lower-case extension -> (format, CSV delimiter); the delimiter also serves a file whose
#: format is given explicitly (``format="csv"`` on ``x.tsv`` still splits on tabs)
EXTENSIONS: MappingProxyType[str, tuple[Format, str]] = MappingProxyType({
    ".jsonl": ("jsonl", ","),
    ".ndjson": ("jsonl", ","),
    ".json-lines": ("jsonl", ","),
    ".jsonlines": ("jsonl", ","),
    ".csv": ("csv", ","),
    ".tsv": ("csv", "\t"),
    ".tab": ("csv", "\t"),
})

#: extensions of compressed files whose format is that of the name without it
#: (``export.jsonl.gz`` is JSON Lines); only readers that decompress accept them
COMPRESSED = (".gz",)

#: what a corpus reader's caller can do when the extension says nothing
CORPUS_REMEDY = "pass format='jsonl' (one JSON object per line) or format='csv'"


def file_format(
    path: str | os.PathLike[str], format: str | None = None, *, remedy: str = CORPUS_REMEDY,
    compressed: bool = False,
) -> tuple[Format, str]:
    """The format of ``path`` and its CSV delimiter: ``format`` if given, else the extension's.

    With ``compressed``, an extension of :data:`COMPRESSED` is looked through:
    ``export.tsv.gz`` is tab-separated.

    Raises :class:`~recommender.errors.CorpusError` for a ``format`` other than
    ``"jsonl"``/``"csv"``/None, or for an extension missing from :data:`EXTENSIONS`
    when no ``format`` is given; that message ends with ``remedy``.

    Examples
    --------
    >>> file_format("links.TSV")
    ('csv', '\\t')
    >>> file_format("corpus.txt", "jsonl")
    ('jsonl', ',')
    """
    if format is not None and format not in FORMATS:
        raise CorpusError(f"format must be 'jsonl', 'csv' or None, got {format!r}")
    file = Path(path)
    if compressed and file.suffix.lower() in COMPRESSED:
        file = file.with_suffix("")
    suffix = file.suffix.lower()
    known = EXTENSIONS.get(suffix)
    if format is None:
        if known is None:
            raise CorpusError(
                f"{os.fspath(path)}: cannot tell the format from the extension "
                f"{suffix or '(none)'!r}; {remedy}"
            )
        return known
    chosen: Format = "jsonl" if format == "jsonl" else "csv"
    return chosen, known[1] if known is not None else ","


def json_lines(
    lines: Iterable[tuple[int, str]], name: str, remedy: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects of JSON Lines text, each with where it stands (``"<name>, line 3"``).

    ``lines`` are ``(1-based line number, text)`` pairs; blank lines are skipped. A line
    that is not valid JSON, or holds something other than an object, raises
    :class:`~recommender.errors.CorpusError` naming the line (and column) and ending with
    ``remedy``: corpus and links files report bad lines in the same words.
    """
    for lineno, text in lines:
        if not text.strip():
            continue
        where = f"{name}, line {lineno}"
        yield where, parse_json_line(text, where, remedy)


def parse_json_line(text: str, where: str, remedy: str, *, cut: bool = False) -> dict[str, Any]:
    """The JSON object on one line, or a :class:`~recommender.errors.CorpusError` naming
    ``where``: invalid JSON, a number of more than 4,300 digits, nesting too deep for the
    parser, or a value other than an object. ``cut`` says the line is the file's last and
    has no line break, so invalid JSON there is most likely a truncated export.
    """
    try:
        record = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        why = (" (the last line has no line break: the file looks cut short, e.g. copied "
               "while still being written)") if cut else ""
        raise CorpusError(
            f"{where}, column {exc.colno}: invalid JSON: {exc.msg.removesuffix(' at')}{why}; "
            f"{remedy}"
        ) from None
    except RecursionError:
        raise CorpusError(
            f"{where}: invalid record: JSON nested too deeply to read; an article's fields "
            "are strings, lists of strings or null"
        ) from None
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string"
        raise CorpusError(f"{where}: invalid record: a value cannot be read ({exc}); an "
                          "article's fields are strings, lists of strings or null") from None
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: expected a JSON object, got {_show(record)}; {remedy}")
    return record
