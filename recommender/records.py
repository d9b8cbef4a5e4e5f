"""Plain records that move through the pipeline: :class:`Article` in, :class:`Related` out."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, make_dataclass
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


#: Related's mutable twin, made from Related's own fields: the same slots in the same
#: order, filled by a plain ``__init__`` (slot stores) and then turned into a Related by
#: ``__class__`` assignment, which CPython allows between classes of one layout.
#: Related's own frozen ``__init__`` sets each field through ``object.__setattr__``; ten
#: records cost 5.9 us with each slot set through its descriptor and 4.2 us this way
#: (``benchmarks/README.md``, "What related() costs").
_RelatedDraft = make_dataclass(
    "_RelatedDraft", [(f.name, f.type, field(default=f.default)) for f in fields(Related)],
    slots=True)


def _twin_matches() -> bool:
    """Whether building through :data:`_RelatedDraft` gives what Related's ``__init__``
    would (no ``__post_init__`` to run) and CPython accepts the class swap; else the
    records are built through Related's own ``__init__``."""
    if hasattr(Related, "__post_init__"):
        return False
    try:
        _RelatedDraft("", 0.0).__class__ = Related
    except TypeError:  # pragma: no cover - an interpreter without the layout check
        return False
    return True


_TWIN_MATCHES = _twin_matches()
_REASON = cast(str, fields(Related)[4].default)


def related_records(ids: Iterable[str], scores: Iterable[float], titles: Iterable[str],
                    similarities: Iterable[float | None]) -> list[Related]:
    """:class:`Related` records from parallel sequences, in order (reason "similar").

    A fast path of every query (:func:`box_records`). ``tests/test_records.py`` checks it
    against keyword construction, so a new or reordered field of Related cannot go
    unnoticed (and :data:`_TWIN_MATCHES` turns the fast path off).
    """
    return box_records(ids, scores, titles, similarities, itertools.repeat(_REASON))


def box_records(ids: Iterable[str], scores: Iterable[float], titles: Iterable[str],
                similarities: Iterable[float | None], reasons: Iterable[str]) -> list[Related]:
    """:func:`related_records` with each record's reason given (a box read whole from
    the table of default boxes: editor links, similar items and fills).

    Each record is built as a :class:`_RelatedDraft` and then made a Related: the same
    object Related's ``__init__`` would build, in 30% less time."""
    if not _TWIN_MATCHES:  # pragma: no cover - Related's fields changed
        return list(map(Related, ids, scores, titles, similarities, reasons))
    out = list(map(_RelatedDraft, ids, scores, titles, similarities, reasons))
    for record in out:
        record.__class__ = Related
    return cast(list[Related], out)
