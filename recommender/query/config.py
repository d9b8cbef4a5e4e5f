"""QueryConfig: what an editor's box may show, and in which order.

The neighbour graph is computed once, at build time; everything here is applied when a
list is read, so one index serves boxes with different rules (a home page, an archive
page, a newsletter). An index stores one QueryConfig as its default (from the ``[query]``
table of the build's TOML file); a call may override it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import os
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from recommender.config.files import read_toml
from recommender.config.values import coerce
from recommender.errors import ConfigError

__all__ = ["FALLBACKS", "QueryConfig"]

#: fallback strategies, tried in the order a config lists them
FALLBACKS: tuple[str, ...] = ("section_latest", "latest")

_TUPLES = ("sections", "exclude", "tags_any", "tags_all", "tags_none", "fallback")
_DATES = ("published_after", "published_before")


@dataclass(frozen=True)
class QueryConfig:
    """Rules of one related box. Every rule applies to every item, fallback items included.

    Score and filler
        ``min_score``: an item is shown as related only when both its plain similarity
        (the weighted cosine) and its score (after the ranking's time and hub
        adjustments, the number that orders the box) reach this; on a tuned index,
        whose score is the learned probability of a link, only the similarity. The default 0.01
        keeps out stories that share only a stray word, or only what every story
        shares (see benchmarks/README.md, "Editor boxes", for what each floor costs).
    Dates
        ``only_older``: never an article published after the source (archive pages stay
        as they were published). ``max_age_days``: never an article published more than
        this many days before the source. ``published_after`` / ``published_before``: a
        fixed window (inclusive / exclusive). Articles with no date are dropped by any
        date rule. ``half_life_days``: recency decay: an item's score is multiplied by
        ``0.5 ** (|days between the two stories| / half_life_days)``;
        ``section_half_life_days`` overrides it per section of the item (``{"Sport": 7}``).
    Language
        ``same_language`` (default True): only articles in the source's language (as given
        in the corpus, else detected at build). ``language``: only articles in this one.
        Translations of the source are never shown, whatever these say.
    Sections and tags (compared case- and accent-folded)
        ``sections``: only these; ``tags_any``: at least one of these tags;
        ``tags_all``: every one of them; ``tags_none``: none of them.
        ``exclude``: ids never to show.
    List shape
        ``dedupe``: drop an item whose similarity to a better item is at least this
        (copies of one wire story score 0.9 and above); None turns it off.
        ``diversity``: 0 keeps the ranking; up to 1 trades score for variety by maximal
        marginal relevance (each next item maximises
        ``(1 - diversity) * score - diversity * max similarity to the items above``).
    Sources of items
        ``curated_first``: the source's own editor links (its ``related`` field) first, in
        their order, even below ``min_score`` but never against a filter.
        ``fallback``: when fewer than k related items pass, fill with these, in order:
        ``"section_latest"`` (the newest articles of the source's section) and
        ``"latest"`` (the newest articles); each is marked ``reason="fallback"``.
    ``explain``: attach an explanation to each item (shared tags and words, score parts).
    """

    min_score: float = 0.01
    only_older: bool = False
    max_age_days: float | None = None
    published_after: dt.date | None = None
    published_before: dt.date | None = None
    half_life_days: float | None = None
    section_half_life_days: tuple[tuple[str, float], ...] = ()
    same_language: bool = True
    language: str | None = None
    sections: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    dedupe: float | None = 0.9
    diversity: float = 0.0
    curated_first: bool = True
    fallback: tuple[str, ...] = FALLBACKS
    explain: bool = False

    def __post_init__(self) -> None:
        for name in _TUPLES:
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))
        for name in _DATES:
            object.__setattr__(self, name, _date(getattr(self, name), name))
        halves = self.section_half_life_days
        pairs = halves.items() if isinstance(halves, Mapping) else halves
        object.__setattr__(self, "section_half_life_days",
                           tuple((str(s), float(d)) for s, d in pairs))
        self._check()

    def _check(self) -> None:
        def positive(name: str, value: float | None) -> None:
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise ConfigError(f"expected {name} > 0 (days), got {value!r}")

        if not (0.0 <= self.min_score <= 1.0):
            raise ConfigError(f"expected 0 <= min_score <= 1, got {self.min_score!r}")
        if self.max_age_days is not None and not self.max_age_days >= 0:
            raise ConfigError(f"expected max_age_days >= 0, got {self.max_age_days!r}")
        positive("half_life_days", self.half_life_days)
        for section, days in self.section_half_life_days:
            positive(f"section_half_life_days[{section!r}]", days)
        if self.dedupe is not None and not (0.0 < self.dedupe <= 1.0):
            raise ConfigError(f"expected 0 < dedupe <= 1 (or None: off), got {self.dedupe!r}")
        if not (0.0 <= self.diversity <= 1.0):
            raise ConfigError(f"expected 0 <= diversity <= 1, got {self.diversity!r}")
        unknown = [f for f in self.fallback if f not in FALLBACKS]
        if unknown:
            raise ConfigError(f"unknown fallback {unknown[0]!r}; valid fallbacks are "
                              f"{', '.join(FALLBACKS)}")

    # -- building and changing -------------------------------------------------------------
    @classmethod
    def plain(cls) -> QueryConfig:
        """The stored neighbours as ranked, nothing else: no floor, no dedupe, any
        language, no editor links first, no fallback (what evaluation and tests of the
        ranking read)."""
        return cls(min_score=0.0, same_language=False, dedupe=None, curated_first=False,
                   fallback=())

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, source: str = "query config"
                  ) -> QueryConfig:
        """From a mapping of field names (a TOML table, JSON, command-line text), with
        types coerced and errors that name ``source`` and the field."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown query setting(s) {', '.join(unknown)}; "
                              f"valid settings are {', '.join(sorted(known))}")
        coerced = {name: _coerce(name, value, source) for name, value in values.items()}
        try:
            return cls(**coerced)
        except (ConfigError, ValueError, TypeError) as exc:
            raise ConfigError(f"{source}: {exc}") from None

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> QueryConfig:
        """The ``[query]`` table of a TOML file (the defaults when it has none)."""
        data = read_toml(path)
        table = data.get("query", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{os.fspath(path)}: expected a [query] table, got {table!r}")
        return cls.from_dict(table, source=f"{os.fspath(path)} [query]")

    def replace(self, **changes: Any) -> QueryConfig:
        """A copy with some fields changed (coerced and checked like :meth:`from_dict`)."""
        if not changes:
            return self
        source = "query options"
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:  # the same message as from_dict
            return QueryConfig.from_dict({**self.to_dict(), **changes}, source=source)
        # only the changes are coerced: the rest is valid already (a same-section draft
        # replaced its sections on every similar(): 0.2 ms through to_dict/from_dict)
        coerced = {name: _coerce(name, value, source) for name, value in changes.items()}
        try:
            return dataclasses.replace(self, **coerced)
        except (ConfigError, ValueError, TypeError) as exc:
            raise ConfigError(f"{source}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (dates as ISO text, the per-section half-lives as a mapping)."""
        values = dataclasses.asdict(self)
        for name in _TUPLES:
            values[name] = list(values[name])
        for name in _DATES:
            if values[name] is not None:
                values[name] = values[name].isoformat()
        values["section_half_life_days"] = dict(self.section_half_life_days)
        return values

    # -- what the read path asks ----------------------------------------------------------
    @property
    def decays(self) -> bool:
        return self.half_life_days is not None or bool(self.section_half_life_days)

    @property
    def dates_filtered(self) -> bool:
        return (self.only_older or self.max_age_days is not None
                or self.published_after is not None or self.published_before is not None)

    @property
    def tags_filtered(self) -> bool:
        return bool(self.tags_any or self.tags_all or self.tags_none)


@functools.cache
@typing.no_type_check
def _field_types() -> dict[str, Any]:
    """Each field's annotation, evaluated once: ``get_type_hints`` compiles every
    annotation again on each call (0.46 ms of a 1.5 ms ``similar()`` on se_en, which
    coerced its rules through it)."""
    return typing.get_type_hints(QueryConfig)


def _coerce(name: str, value: Any, source: str) -> Any:
    if name in _TUPLES:
        return _strings(name, value, source)
    if name in _DATES:
        return _date(value, name, source)
    if name == "section_half_life_days":
        if isinstance(value, Mapping):
            return {str(k): coerce(f"{name}[{k!r}]", v, float, source) for k, v in value.items()}
        if isinstance(value, str):  # "Sport=7,Culture=365" from the command line
            pairs = [p.partition("=") for p in value.split(",") if p.strip()]
            if any(not sep for _, sep, _ in pairs):
                raise ConfigError(f"{source}: expected SECTION=DAYS,... for {name}, "
                                  f"got {value!r}")
            return {k.strip(): coerce(f"{name}[{k.strip()!r}]", v, float, source)
                    for k, _, v in pairs}
        return value
    return coerce(name, value, _field_types()[name], source)


def _strings(name: str, value: Any, source: str) -> tuple[str, ...]:
    """A list of strings; text from the environment or a command line is comma-separated."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{source}: expected a list of text for {name}, got {value!r}")


def _date(value: Any, name: str, source: str = "query config") -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ConfigError(f"{source}: expected an ISO date (YYYY-MM-DD) for {name}, "
                          f"got {value!r}") from None
