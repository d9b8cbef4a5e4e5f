"""Read-time policy: which stored neighbours an editor's query may show.

The neighbour graph is computed once; filters are applied when a list is read, and
when a filter leaves too few stored neighbours the index answers exactly instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from recommender.analysis.tags import normalize_tag


@dataclass(frozen=True)
class Filter:
    """Editorial constraints on candidates.

    ``section``: only this section (compared case- and accent-folded).
    ``published_after`` / ``published_before``: only articles published in that window
    (inclusive after, exclusive before; articles with no date are kept only when no
    window is set). ``exclude``: ids never to show (e.g. links already in the article).
    """

    section: str | None = None
    published_after: dt.date | None = None
    published_before: dt.date | None = None
    exclude: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        *,
        section: str | None = None,
        published_after: dt.date | str | None = None,
        published_before: dt.date | str | None = None,
        exclude: Iterable[str] = (),
    ) -> Filter:
        """Build from loose arguments (ISO strings accepted for dates).

        No arguments give the one shared empty filter: most queries have none, and
        ``related()`` is a 13 us call.
        """
        if (section is None and published_after is None and published_before is None
                and exclude == ()):
            return _NO_FILTER
        return cls(
            section=section,
            published_after=_date(published_after, "published_after"),
            published_before=_date(published_before, "published_before"),
            exclude=frozenset(exclude),
        )

    @property
    def is_empty(self) -> bool:
        return (
            self.section is None
            and self.published_after is None
            and self.published_before is None
            and not self.exclude
        )

    def mask(
        self,
        positions: np.ndarray,
        *,
        section_codes: np.ndarray,
        section_names: list[str],
        published: np.ndarray,
        excluded_positions: np.ndarray,
    ) -> np.ndarray:
        """Which of ``positions`` pass the filter."""
        keep = np.ones(len(positions), dtype=bool)
        if self.section is not None:
            keep &= np.isin(section_codes[positions], section_matches(self.section,
                                                                      section_names))
        if self.published_after is not None or self.published_before is not None:
            dates = published[positions]
            keep &= ~np.isnat(dates)
            if self.published_after is not None:
                keep &= dates >= np.datetime64(self.published_after, "D")
            if self.published_before is not None:
                keep &= dates < np.datetime64(self.published_before, "D")
        if len(excluded_positions):
            keep &= ~np.isin(positions, excluded_positions)
        return keep


_NO_FILTER = Filter()


def section_matches(section: str, section_names: list[str]) -> list[int]:
    """Codes of the section names that ``section`` names, case- and accent-folded as tags
    are (``"economie"`` finds ``"Économie"``)."""
    wanted = normalize_tag(section)
    return [code for code, name in enumerate(section_names) if normalize_tag(name) == wanted]


def _date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"expected an ISO date (YYYY-MM-DD) for {name}, got {value!r}") from None
