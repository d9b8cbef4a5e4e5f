"""Plain records that move through the pipeline: :class:`Article` in, :class:`Related` out."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import cast


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a site's archive.

    ``related`` holds known related ids (editor links). It is used by evaluation and
    by curated-first ranking, never as a similarity feature. ``translation_of`` is the id
    of the article this one translates: an original and its translations are one
    translation group, and never each other's related stories.
    """

    id: str
    title: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()
    published: dt.date | None = None
    section: str | None = None
    language: str | None = None
    related: tuple[str, ...] = field(default=())
    translation_of: str | None = None

    def __post_init__(self) -> None:
        # Accept lists for convenience but store tuples so the record stays hashable.
        if not isinstance(self.tags, tuple):
            object.__setattr__(self, "tags", tuple(self.tags))
        if not isinstance(self.related, tuple):
            object.__setattr__(self, "related", tuple(self.related))
        if isinstance(self.published, str):
            object.__setattr__(self, "published", dt.date.fromisoformat(self.published[:10]))


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an item is in a box.

    ``shared_tags``: the tags both articles carry, as the source spells them;
    ``shared_terms``: the words that weigh most in their shared text, as written in the
    articles (not stems); ``parts``: the score's make-up: ``text``, ``title`` and ``tags``
    (the similarity's three blocks, which sum to it), ``time`` (the ranking's time factor
    and any recency decay) and ``hub`` (the hub penalty, zero or negative). They sum to the
    score before it is clipped to [0, 1]; curated and fallback items are not ranked, so
    their time and hub parts are 0. Read as attributes or as keys (``e["shared_tags"]``).
    """

    shared_tags: tuple[str, ...]
    shared_terms: tuple[str, ...]
    parts: dict[str, float]

    def __getitem__(self, name: str) -> object:
        if name not in self.__slots__:  # type: ignore[attr-defined]
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, object]:
        return {"shared_tags": list(self.shared_tags), "shared_terms": list(self.shared_terms),
                "parts": dict(self.parts)}


#: why an item is in a box: the source's own editor link, its similarity, or a fill
REASONS = ("curated", "similar", "fallback")


@dataclass(frozen=True, slots=True)
class Related:
    """One item of a box: its id and score (higher is closer), best first.

    ``score`` orders the similar items (see :class:`recommender.index.ranking.Ranking`);
    ``similarity`` is the plain weighted cosine before the hub penalty and time factor,
    kept in half precision (about 3 significant digits) to keep the neighbour table small.
    ``reason``: ``"curated"`` (an editor link of the source, in the editor's order),
    ``"similar"`` (found by similarity) or ``"fallback"`` (a fill, not related: score 0).
    ``explanation``: set when the query asks for it (:class:`Explanation`).
    """

    id: str
    score: float
    title: str = ""
    similarity: float | None = None
    reason: str = "similar"
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON values (scores rounded to 6 digits)."""
        out: dict[str, object] = {
            "id": self.id, "score": round(self.score, 6), "title": self.title,
            "similarity": None if self.similarity is None else round(self.similarity, 6),
            "reason": self.reason,
        }
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_dict()
        return out


#: Related's slots written directly (its frozen ``__init__`` goes through
#: ``object.__setattr__`` once per field); used only while the fields are these six and
#: nothing runs after ``__init__``
_SLOT_NAMES = ("id", "score", "title", "similarity", "reason", "explanation")
_SLOTS_MATCH = (tuple(f.name for f in fields(Related)) == _SLOT_NAMES
                and not hasattr(Related, "__post_init__"))
_SET_ID, _SET_SCORE, _SET_TITLE, _SET_SIMILARITY, _SET_REASON, _SET_EXPLANATION = (
    Related.__dict__[name].__set__ for name in _SLOT_NAMES)
_REASON, _EXPLANATION = (f.default for f in fields(Related)[4:6])


def related_records(ids: Iterable[str], scores: Iterable[float], titles: Iterable[str],
                    similarities: Iterable[float | None]) -> list[Related]:
    """:class:`Related` records from parallel sequences, in order.

    A fast path of every query: each record's slots are set directly, bypassing the
    frozen dataclass's ``__init__`` (10 records: 4.5 us against 7.1 us built by ``map``
    through ``__init__``, measured on the speed13 branch). ``tests/test_records.py``
    checks it against keyword construction, so a new or reordered field of Related cannot
    go unnoticed (and :data:`_SLOTS_MATCH` turns the fast path off).
    """
    return box_records(ids, scores, titles, similarities, itertools.repeat(cast(str, _REASON)))


def box_records(ids: Iterable[str], scores: Iterable[float], titles: Iterable[str],
                similarities: Iterable[float | None], reasons: Iterable[str]) -> list[Related]:
    """:func:`related_records` with each record's reason given (a box read whole from
    the table of default boxes: editor links, similar items and fills); the loop both
    build their records with."""
    if not _SLOTS_MATCH:  # pragma: no cover - Related's fields changed
        return list(map(Related, ids, scores, titles, similarities, reasons))
    new = object.__new__
    out: list[Related] = []
    append = out.append
    for i, score, title, similarity, reason in zip(ids, scores, titles, similarities,
                                                   reasons, strict=False):
        record = new(Related)
        _SET_ID(record, i)
        _SET_SCORE(record, score)
        _SET_TITLE(record, title)
        _SET_SIMILARITY(record, similarity)
        _SET_REASON(record, reason)
        _SET_EXPLANATION(record, _EXPLANATION)
        append(record)
    return out
