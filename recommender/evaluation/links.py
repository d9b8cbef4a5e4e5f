"""Known related links: the answer key the harness scores an index against.

Links come from the articles themselves (each article's ``related`` ids, as an editor
placed them) or from a separate file, so a site can evaluate against judgements that are
not stored in its corpus, with grades for graded relevance.

File formats, chosen by extension from the table corpus files use
(:data:`recommender.corpus.formats.EXTENSIONS`: ``.jsonl``/``.ndjson``/``.json-lines``/
``.jsonlines`` JSON Lines, ``.csv``, ``.tsv``/``.tab`` tab-separated; any other is refused):

- CSV/TSV: a header row with ``source`` and ``target`` columns and an optional ``grade``
  column (names are case-insensitive, other columns are ignored). An empty grade cell
  means 1.0.
- JSON Lines: one object a line, ``{"source": "a", "target": "b", "grade": 2}``; ``grade``
  is optional (1.0). Blank lines are skipped.

Ids are stripped of surrounding whitespace; integer ids become their decimal string, as
in :mod:`recommender.corpus`. A grade must be a finite number > 0: a link of grade 0 is
not a link. Errors are :class:`~recommender.errors.CorpusError` naming the file, the
1-based line and the field.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from recommender.corpus.formats import file_format, json_lines
from recommender.errors import CorpusError
from recommender.records import Article

__all__ = ["Link", "links_from_articles", "read_links"]

_JSONL_REMEDY = 'expected one object a line such as {"source": "a", "target": "b"}'
_REMEDY = "name it .csv or .tsv (header source,target[,grade]) or .jsonl (one object a line)"


@dataclass(frozen=True, slots=True)
class Link:
    """One known relation: ``target`` is a good recommendation for ``source``.

    ``grade`` weighs the link in nDCG (higher is more relevant); the other metrics only
    ask whether a link exists.
    """

    source: str
    target: str
    grade: float = 1.0

    def __post_init__(self) -> None:
        grade = self.grade
        if isinstance(grade, bool) or not isinstance(grade, Real):
            raise ValueError(f"expected a number for grade, got grade={grade!r}")
        if not (math.isfinite(grade) and grade > 0):
            raise ValueError(f"expected a finite grade > 0, got grade={grade!r}")
        object.__setattr__(self, "grade", float(grade))


def links_from_articles(articles: Iterable[Article]) -> list[Link]:
    """Every ``(article.id, related id)`` pair, in article order then ``related`` order.

    Examples
    --------
    >>> links_from_articles([Article(id="a", title="x", related=("b", "c"))])
    [Link(source='a', target='b', grade=1.0), Link(source='a', target='c', grade=1.0)]
    """
    return [Link(a.id, target) for a in articles for target in a.related]


def read_links(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> list[Link]:
    """Read links from a CSV/TSV or JSON Lines file (see the module docstring)."""
    file = Path(path)
    name = os.fspath(path)
    if not file.is_file():
        raise CorpusError(f"links file {name!r} does not exist (check the path)")
    fmt, delimiter = file_format(file, remedy=_REMEDY)
    try:
        with open(file, encoding=encoding, newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{name}: not valid {encoding} text at byte {exc.start}; save it as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if fmt == "jsonl":
        return list(_jsonl(text, name))
    return list(_csv(text, name, delimiter))


def _id(value: Any, where: str, field: str) -> str:
    if isinstance(value, Integral) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise CorpusError(f"{where}, field {field!r}: expected a non-empty id, got {value!r}")


def _grade(value: Any, where: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1.0
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = value
    if isinstance(number, bool) or not isinstance(number, int | float) or not (
        math.isfinite(number) and number > 0
    ):
        raise CorpusError(
            f"{where}, field 'grade': expected a finite number > 0, got {value!r} "
            "(leave the grade empty for 1.0)"
        )
    return float(number)


def _jsonl(text: str, name: str) -> Iterator[Link]:
    for where, record in json_lines(enumerate(text.splitlines(), 1), name, _JSONL_REMEDY):
        for field in ("source", "target"):
            if field not in record:
                raise CorpusError(f"{where}: missing field {field!r} (every line needs "
                                  "'source' and 'target')")
        yield Link(_id(record["source"], where, "source"), _id(record["target"], where, "target"),
                   _grade(record.get("grade"), where))


def _csv(text: str, name: str, delimiter: str) -> Iterator[Link]:
    reader = csv.reader(text.splitlines(), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CorpusError(f"{name}: empty file; expected a header row source,target[,grade]")
        columns = [cell.strip().lower() for cell in header]
        for field in ("source", "target"):
            if field not in columns:
                raise CorpusError(
                    f"{name}, line 1: missing column {field!r} in header {header!r}; expected "
                    f"source{delimiter}target[{delimiter}grade]"
                )
        src, dst = columns.index("source"), columns.index("target")
        grade = columns.index("grade") if "grade" in columns else None
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            where = f"{name}, line {number}"
            if len(row) < len(columns):
                missing = columns[len(row)]
                raise CorpusError(f"{where}, field {missing!r}: missing value "
                                  f"(row has {len(row)} of {len(columns)} columns)")
            yield Link(_id(row[src], where, "source"), _id(row[dst], where, "target"),
                       _grade(row[grade] if grade is not None else None, where))
    except csv.Error as exc:
        raise CorpusError(f"{name}, line {reader.line_num}: malformed CSV ({exc})") from None
