"""Read and validate articles from JSON Lines, CSV/TSV files or plain dicts.

This is the edge of the pipeline: every check on input happens here, once, so later stages
can trust an :class:`~recommender.records.Article`. Errors are :class:`CorpusError` and name
the file, the 1-based line (or record) and the field, with the offending value and a fix.

Accepted values, per field:

- ``id``: a non-empty string, or an integer (stored as its decimal string); floats and
  booleans are rejected. Surrounding whitespace is removed. Ids are unique across all the
  files of one :func:`read_articles` call.
- ``title``, ``body``: a string or null (null becomes ``""``). Text is kept as written.
- ``tags``: a list of strings or null. Tags are stripped and empty ones dropped; case is
  kept (normalisation belongs to the analysis stage).
- ``related``: a list of ids (strings or integers) or null; stripped, empty ones dropped.
- ``translation_of``: the id (string or integer) of the article this one translates, or
  null; an original and its translations are never each other's related stories.
- ``published``: null, ``"YYYY-MM-DD"``, or an ISO datetime such as
  ``"2020-09-26T14:40:00Z"`` whose date part (as written, no time-zone shift) is kept.
- ``section``: a string or null, stripped; empty becomes null.
- ``language``: a string or null, stripped and lower-cased: ``"fr"``, ``"pt-br"``.

An article needs a title, a body or a tag: without any there is nothing to compare it by.
Blank lines are skipped, a UTF-8 byte-order mark and CRLF line ends are tolerated, unknown
fields are ignored. Text may not hold lone UTF-16 surrogates nor NUL; one-line fields (id,
tags, related, translation_of, section) no control character either (tab, line break).
Gzip data is read whatever the name (``export.jsonl.gz``); a FIFO, device or directory is
refused before it is opened, and a file that changes while it is read is an error
(:mod:`recommender.corpus.lines`). ``skip_invalid`` turns record errors into rejects
(:class:`~recommender.corpus.report.ReadReport`).

CSV files need a header row with an ``id`` column (names are case-insensitive); ``tags``
and ``related`` cells hold several values separated by ``|``, or by ``;`` when the cell has
no ``|``. Every row has as many cells as the header (a short row is most often half of a
record split by an unquoted line break). The delimiter is ``,`` (tab for ``.tsv`` and
``.tab``), unless the header line holds none of it but does hold a tab or ``;``. Quoting
is strict (a stray quote is an error, not a silently merged record). Errors give the
physical line where the record starts.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from recommender.corpus.fields import (
    _Checker,
    _show,
)
from recommender.corpus.formats import Format, file_format, parse_json_line
from recommender.corpus.lines import Line, check_file, lines
from recommender.corpus.report import REJECT_TEXT_CHARS, ReadReport, Reject
from recommender.errors import CorpusError
from recommender.records import Article
from recommender.store.atomic import atomic_file

__all__ = [
    "article_to_record",
    "articles_from_records",
    "iter_articles",
    "read_articles",
    "write_articles",
]

logger = logging.getLogger(__name__)

PathArg = str | os.PathLike[str]

_CSV_FIELDS = ("id", "title", "body", "tags", "published", "section", "language", "related",
               "translation_of")
# Article bodies easily exceed csv's default 128 KiB cell limit; 2**31 - 1 is the largest
# value every platform accepts.
_CSV_FIELD_LIMIT = 2**31 - 1
_JSONL_REMEDY = (
    "each line must hold one JSON object (JSON Lines, not a pretty-printed document); "
    "for a CSV file pass format='csv'"
)


def _resolve(path: Any, format: Format | None) -> tuple[Path, str, Format, str]:
    """Check the path and pick format and delimiter, eagerly, before any reading."""
    if not isinstance(path, str | os.PathLike):
        raise CorpusError(f"expected a file path, got {_show(path)}")
    name = os.fspath(path)
    file = Path(path)
    check_file(file, name)
    fmt, delimiter = file_format(path, format, compressed=True)
    return file, name, fmt, delimiter


def _check_encoding(encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise CorpusError(f"unknown encoding {encoding!r}; try 'utf-8' or 'latin-1'") from None
    if "\n".encode(codec.name) != b"\n":
        raise CorpusError(
            f"encoding {encoding!r} is not supported (lines are split on byte 0x0A); "
            "convert the file to UTF-8, e.g. iconv -f UTF-16 -t UTF-8"
        )
    return codec.name


class _Session:
    """One read: the shared id check and caps, and what to do with a bad record (raise,
    or with ``skip_invalid`` note it in the report and go on)."""

    def __init__(self, *, skip_invalid: bool = False, report: ReadReport | None = None,
                 max_body_chars: int | None = None, max_tags: int | None = None) -> None:
        self.checker = _Checker(max_body_chars=max_body_chars, max_tags=max_tags)
        self.skip_invalid = skip_invalid
        self.report = report if report is not None else ReadReport()
        self.report._checker = self.checker

    def reject(self, error: CorpusError, file: str, line: int, text: str,
               record: Mapping[str, Any] | None = None) -> None:
        """Raise ``error``, or with ``skip_invalid`` record it as a reject."""
        if not self.skip_invalid:
            raise error
        raw_id = record.get("id") if record is not None else None
        art_id = str(raw_id) if isinstance(raw_id, str | int) else None
        self.report.rejects.append(Reject(
            file=file, line=line, field=error.field, error=str(error), id=art_id,
            text=text[:REJECT_TEXT_CHARS].rstrip("\r\n"),
        ))


def _iter_jsonl(file: Path, name: str, encoding: str, session: _Session) -> Iterator[Article]:
    for line in lines(file, name, encoding):
        if line.error is None and not line.text.strip():
            continue
        where = f"{name}, line {line.number}"
        record = None
        try:
            if line.error is not None:
                raise line.error
            record = parse_json_line(line.text, where, _JSONL_REMEDY, cut=line.cut)
            article = session.checker.article(record, where)
        except CorpusError as exc:
            session.reject(exc, name, line.number, line.text, record)
            continue
        yield article


def _header(name: str, cells: list[str]) -> list[str]:
    columns = [c.strip().lower() for c in cells]
    if "id" not in columns:
        raise CorpusError(
            f"{name}, line 1: no 'id' column in the header {cells!r}; the header row must "
            f"name the columns, e.g. {','.join(_CSV_FIELDS)}"
        )
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        raise CorpusError(
            f"{name}, line 1: duplicate columns {dupes} in the header; rename or remove one of each"
        )
    return columns


class _CsvLines:
    """Feeds the csv reader one line at a time and keeps what the current record was made
    of: its text (for a rejects file), lines that could not be decoded, a cut last line."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self.lines = lines
        self.text: list[str] = []
        self.errors: list[CorpusError] = []
        self.cut = False

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            self.text.append(line.text)
            if line.error is not None:
                self.errors.append(line.error)
            self.cut = line.cut
            yield line.text

    def take(self) -> tuple[str, CorpusError | None]:
        """The current record's text and first decoding error; starts the next record."""
        text, error = "".join(self.text), (self.errors[0] if self.errors else None)
        self.text, self.errors = [], []
        return text, error


def _iter_csv(
    file: Path, name: str, encoding: str, session: _Session, delimiter: str
) -> Iterator[Article]:
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    source = _CsvLines(lines(file, name, encoding))
    texts = iter(source)
    first = next(texts, None)
    if first is None:
        raise CorpusError(
            f"{name}: empty file; a CSV corpus needs a header row with an 'id' column"
        )
    if source.errors:
        raise source.errors[0]
    if delimiter not in first:
        delimiter = next((d for d in ("\t", ";") if d in first), delimiter)
    reader = csv.reader(chain([first], texts), delimiter=delimiter, strict=True)
    columns: list[str] | None = None
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, previous = previous + 1, reader.line_num
            text, _ = source.take()
            why = (" (the file ends inside a quoted cell: it looks cut short)"
                   if source.cut and "end of data" in str(exc) else "")
            session.reject(CorpusError(
                f"{name}, line {start}: malformed CSV record: {exc}{why}; check its quotes"
            ), name, start, text)
            continue
        start, previous = previous + 1, reader.line_num
        text, error = source.take()
        if columns is None:
            columns = _header(name, row)
            continue
        if error is None and not any(cell.strip() for cell in row):
            continue
        record = dict(zip(columns, row, strict=False))
        where = f"{name}, line {start}"
        try:
            if error is not None:
                raise error
            if len(row) != len(columns):
                raise CorpusError(
                    f"{where}: {len(row)} cells but the header has {len(columns)} columns; "
                    f"quote cells that contain the delimiter {delimiter!r} or a line break, "
                    "and give every row all the columns (empty cells for empty fields)"
                )
            article = session.checker.article(record, where, split=True)
        except CorpusError as exc:
            session.reject(exc, name, start, text, record)
            continue
        yield article


def _iter_file(
    path: Any, format: Format | None, encoding: str, session: _Session
) -> Iterator[Article]:
    file, name, fmt, delimiter = _resolve(path, format)
    codec = _check_encoding(encoding)
    if fmt == "jsonl":
        return _iter_jsonl(file, name, codec, session)
    return _iter_csv(file, name, codec, session, delimiter)


def iter_articles(
    path: PathArg, *, format: Format | None = None, encoding: str = "utf-8",
    skip_invalid: bool = False, report: ReadReport | None = None,
    max_body_chars: int | None = None, max_tags: int | None = None,
) -> Iterator[Article]:
    """Stream the articles of one file, validating each line as it is read.

    For archives too big to hold at once. The path, format and encoding are checked when
    this is called; line errors surface while iterating. The other options are
    :func:`read_articles`'.
    """
    session = _Session(skip_invalid=skip_invalid, report=report,
                       max_body_chars=max_body_chars, max_tags=max_tags)
    return _iter_file(path, format, encoding, session)


def open_corpus(
    paths: Sequence[PathArg], *, format: Format | None = None, encoding: str = "utf-8",
    skip_invalid: bool = False, report: ReadReport | None = None,
    max_body_chars: int | None = None, max_tags: int | None = None,
) -> list[Iterator[Article]]:
    """One lazy stream per file, sharing one id check: ids are unique across all files.

    Every path, format and the encoding are checked now; line errors surface while
    iterating, a repeated id naming where it was first seen. The other options are
    :func:`read_articles`'; ``report`` is complete once every stream is exhausted.
    """
    session = _Session(skip_invalid=skip_invalid, report=report,
                       max_body_chars=max_body_chars, max_tags=max_tags)
    return [_iter_file(p, format, encoding, session) for p in paths]


def read_articles(
    paths: PathArg | Sequence[PathArg],
    *,
    format: Format | None = None,
    encoding: str = "utf-8",
    skip_invalid: bool = False,
    report: ReadReport | None = None,
    max_body_chars: int | None = None,
    max_tags: int | None = None,
) -> list[Article]:
    """Read and validate one or more corpus files into a list of articles.

    The format comes from the extension (``.jsonl``/``.ndjson``/``.json-lines``/
    ``.jsonlines``: JSON Lines; ``.csv``; ``.tsv``/``.tab``: tab-separated; the table is
    :data:`recommender.corpus.formats.EXTENSIONS`) unless ``format`` is given; a ``.gz``
    after it (``export.jsonl.gz``), or gzip data under any name, is decompressed as read.
    Ids must be unique across all files. Raises :class:`CorpusError` naming the file,
    line and field; with ``skip_invalid`` a bad record is left out and noted in ``report``
    (a :class:`~recommender.corpus.report.ReadReport`) instead, while a file that cannot
    be read at all (missing, not a file, empty, changed while read) still raises.
    ``max_body_chars`` and ``max_tags`` cut longer bodies and tag lists (counted in
    ``report.truncated``, logged once); None keeps them whole.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if not paths:
        raise CorpusError("no corpus files given; pass a path or a list of paths")
    session = _Session(skip_invalid=skip_invalid, report=report,
                       max_body_chars=max_body_chars, max_tags=max_tags)
    articles: list[Article] = []
    for path in paths:
        articles.extend(_iter_file(path, format, encoding, session))
    logger.debug("read %d articles from %d file(s)", len(articles), len(paths))
    for line in session.report.warnings():
        logger.warning("%s", line)
    return articles


def articles_from_records(
    records: Iterable[Mapping[str, Any]], *, source: str = "<records>"
) -> list[Article]:
    """Validate plain mappings (e.g. rows from a CMS) as a file's lines would be.

    Errors name the 1-based record: ``<records>, record 3, field 'tags': ...``.

    Examples
    --------
    >>> articles_from_records([{"id": 7, "title": "Hops", "tags": [" beer "]}])
    [Article(id='7', title='Hops', body='', tags=('beer',), published=None, section=None, \
language=None, related=(), translation_of=None)]
    """
    checker = _Checker()
    articles = []
    for number, rec in enumerate(records, 1):
        where = f"{source}, record {number}"
        if not isinstance(rec, Mapping):
            raise CorpusError(f"{where}: expected a mapping of fields, got {_show(rec)}")
        articles.append(checker.article(rec, where))
    return articles


def article_to_record(article: Article) -> dict[str, Any]:
    """The JSON-ready dict of an article, inverse of :func:`articles_from_records`.

    Examples
    --------
    >>> article_to_record(Article(id="a", title="T", published="2020-09-26"))["published"]
    '2020-09-26'
    """
    published = article.published
    if isinstance(published, dt.datetime):
        published = published.date()
    return {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "tags": list(article.tags),
        "published": published.isoformat() if published is not None else None,
        "section": article.section,
        "language": article.language,
        "related": list(article.related),
        "translation_of": article.translation_of,
    }


def _encode(record: dict[str, Any]) -> bytes:
    line = json.dumps(record, ensure_ascii=False)
    try:
        return line.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # lone surrogates: \u escapes keep them readable back
        return json.dumps(record).encode("ascii") + b"\n"


def write_articles(articles: Iterable[Article], path: PathArg) -> int:
    """Write articles as UTF-8 JSON Lines, atomically; return how many were written.

    Each article is validated first (so the file always reads back) and written in its
    normalised form. The file appears complete or not at all
    (:func:`~recommender.store.atomic.atomic_file`): a bad article leaves ``path`` as it was.
    """
    name = os.fspath(path)
    checker = _Checker()
    count = 0
    with atomic_file(path) as fh:
        for count, article in enumerate(articles, 1):
            where = f"{name}, article {count}"
            if not isinstance(article, Article):
                raise CorpusError(f"{where}: expected an Article, got {_show(article)}")
            checked = checker.article(article_to_record(article), where)
            fh.write(_encode(article_to_record(checked)))
    return count
