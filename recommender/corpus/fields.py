"""Field checks of the corpus reader: one function per field, each naming what it rejects.

Split from :mod:`recommender.corpus` (which reads files and records) so each module has one
job; the accepted values are documented there.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from recommender.errors import CorpusError
from recommender.records import Article

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")
_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
# lone UTF-16 surrogates (from "\\ud800" in JSON): not text, and not encodable as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")
# what a one-line value (an id, a tag, a section) may not hold: C0/C1 controls (tab,
# newline, NUL...), DEL, and the Unicode line and paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NUL = re.compile("\x00")


def _show(value: Any) -> str:
    """The value as an error message shows it: a short repr and its type."""
    try:
        text = repr(value)
    except RecursionError:  # a list nested hundreds deep, from JSON
        text = f"a {type(value).__name__} nested too deeply to show"
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _bad(where: str, field: str, expected: str, value: Any, remedy: str = "") -> CorpusError:
    """``<where>, field 'f': expected X, got 'v' (type); remedy``."""
    tail = f"; {remedy}" if remedy else ""
    return CorpusError(f"{where}, field '{field}': expected {expected}, got {_show(value)}{tail}",
                       field=field)


def _check_chars(value: str, where: str, field: str, *, one_line: bool) -> str:
    """``value`` if it is text that can be stored: no lone surrogate (nor NUL); a one-line
    field (id, tag, section...) also no control character such as a tab or a newline."""
    if value.isascii() and value.isprintable():
        return value
    if bad := _SURROGATE.search(value):
        raise _bad(where, field, "text without lone UTF-16 surrogates", value,
                   f"character {bad.start() + 1} is {bad.group()!r}, half of a pair; fix the "
                   "export's escaping (\\ud83d\\ude00 is one emoji, \\ud83d alone is not)")
    found = (_CONTROL if one_line else _NUL).search(value)
    if found:
        what = "a NUL character" if found.group() == "\x00" else "a control character"
        raise _bad(where, field, f"text without {what}", value,
                   f"character {found.start() + 1} is {found.group()!r}; remove it from the "
                   "export (a one-line field may hold no tab or line break)" if one_line else
                   f"character {found.start() + 1} is {found.group()!r}; remove it from the export")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Turns one raw record into an :class:`Article`; remembers ids to catch duplicates."""

    def __init__(self, *, max_body_chars: int | None = None, max_tags: int | None = None,
                 ) -> None:
        for name, cap in (("max_body_chars", max_body_chars), ("max_tags", max_tags)):
            if cap is not None and (not _is_int(cap) or cap < 1):
                raise CorpusError(f"expected {name} >= 1 or None, got {name}={cap!r}")
        self.seen: dict[str, str] = {}  # id -> where it first appeared
        self.max_body_chars = max_body_chars
        self.max_tags = max_tags
        #: how many articles had their body / tag list cut to the cap
        self.truncated: Counter[str] = Counter()
        #: how many times each id was named in a ``related`` / ``translation_of`` field
        self.related_targets: Counter[str] = Counter()
        self.translation_targets: Counter[str] = Counter()

    def article(self, rec: Mapping[str, Any], where: str, *, split: bool = False) -> Article:
        art_id = _id(rec.get("id"), where)
        if art_id in self.seen:
            raise CorpusError(
                f"{where}, field 'id': duplicate id {art_id!r}, first seen at "
                f"{self.seen[art_id]}; ids must be unique (rename or remove one of the two)",
                field="id",
            )
        title = _text(rec.get("title"), where, "title")
        body = _text(rec.get("body"), where, "body")
        tags = _strings(rec.get("tags"), where, "tags", split=split, ints=False)
        if not (tags or title.strip() or body.strip()):
            raise CorpusError(
                f"{where}, field 'title': article {art_id!r} has no title, body or tags, so "
                "there is nothing to compare it by; fill in one of them or remove the article",
                field="title",
            )
        section = _text(rec.get("section"), where, "section").strip()
        article = Article(
            id=art_id,
            title=title,
            body=self._capped_body(body),
            tags=self._capped_tags(tags),
            published=_date(rec.get("published"), where),
            section=_check_chars(section, where, "section", one_line=True) or None,
            language=_language(rec.get("language"), where),
            related=_strings(rec.get("related"), where, "related", split=split, ints=True),
            translation_of=_translation_of(rec.get("translation_of"), where, art_id),
        )
        self.seen[art_id] = where
        self.related_targets.update(article.related)
        if article.translation_of is not None:
            self.translation_targets[article.translation_of] += 1
        return article

    def _capped_body(self, body: str) -> str:
        if self.max_body_chars is not None and len(body) > self.max_body_chars:
            self.truncated["body"] += 1
            return body[: self.max_body_chars]
        return body

    def _capped_tags(self, tags: tuple[str, ...]) -> tuple[str, ...]:
        if self.max_tags is not None and len(tags) > self.max_tags:
            self.truncated["tags"] += 1
            return tags[: self.max_tags]
        return tags

    def unknown_links(self) -> dict[str, int]:
        """Links to ids that no article read so far has: ``related`` and ``translation_of``
        targets, counted once per mention."""
        return {
            "related": sum(n for t, n in self.related_targets.items() if t not in self.seen),
            "translation_of": sum(n for t, n in self.translation_targets.items()
                                  if t not in self.seen),
        }


def _id(value: Any, where: str) -> str:
    if _is_int(value):
        return str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _bad(where, "id", "a non-empty id", value, "every article needs a unique id")
    if not isinstance(value, str):
        raise _bad(where, "id", "a string (or integer) id", value, 'quote it, e.g. "A123"')
    return _check_chars(value.strip(), where, "id", one_line=True)


def _translation_of(value: Any, where: str, own_id: str) -> str | None:
    """The id of the translated article (string or integer), or None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if _is_int(value):
        value = str(value)
    if not isinstance(value, str):
        raise _bad(where, "translation_of", "the id of the translated article, or null", value)
    if value.strip() == own_id:
        raise _bad(where, "translation_of", "another article's id", value,
                   "an article cannot translate itself; leave the field empty")
    return _check_chars(value.strip(), where, "translation_of", one_line=True)


def _text(value: Any, where: str, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(where, field, "a string or null", value)
    return _check_chars(value, where, field, one_line=False)


def _language(value: Any, where: str) -> str | None:
    code = _text(value, where, "language").strip().lower()
    if code and not _LANGUAGE.fullmatch(code):
        remedy = "use an ISO 639 code, or null to have it detected"
        raise _bad(where, "language", "a code such as 'fr', 'en' or 'pt-br'", value, remedy)
    return code or None


def _strings(value: Any, where: str, field: str, *, split: bool, ints: bool) -> tuple[str, ...]:
    """A list field; CSV cells (``split``) hold ``|``- or ``;``-separated values instead."""
    if value is None:
        return ()
    if isinstance(value, str) and split:
        sep = "|" if "|" in value else ";"
        parts = (p.strip() for p in value.split(sep))
        return tuple(_check_chars(s, where, field, one_line=True) for s in parts if s)
    if isinstance(value, str):
        guess = [p.strip() for p in re.split(r"[,;|]", value) if p.strip()]
        example = json.dumps(guess, ensure_ascii=False)[:60]
        raise _bad(where, field, "a list of strings", value, f"write a JSON list: {example}")
    if not isinstance(value, list | tuple):
        raise _bad(where, field, "a list of strings or null", value)
    out = []
    for pos, item in enumerate(value, 1):
        if ints and _is_int(item):
            item = str(item)
        if not isinstance(item, str):
            raise _bad(where, field, f"a list of strings; item {pos} is not a string", item)
        if item := item.strip():
            out.append(_check_chars(item, where, field, one_line=True))
    return tuple(out)


def _date(value: Any, where: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if value is None or isinstance(value, dt.date):
        return value
    expected = "an ISO date 'YYYY-MM-DD' (or ISO datetime) or null"
    if not isinstance(value, str):
        raise _bad(where, "published", expected, value)
    text = value.strip()
    try:
        if not text:
            return None
        if _DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
        if _DATETIME.match(text):
            return dt.datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise _bad(where, "published", "a valid date", value, str(exc)) from None
    remedy = "write it as e.g. '2020-09-26'"
    if dmy := _DMY.fullmatch(text):
        day, month, year = dmy.groups()
        remedy = f"write '{year}-{int(month):02d}-{int(day):02d}' if it is day/month/year"
    raise _bad(where, "published", expected, value, remedy)


# --------------------------------------------------------------------------- files
