"""Read-time policy: which stored neighbours an editor's query may show.

The neighbour graph is computed once; filters are applied when a list is read, and
when a filter leaves too few stored neighbours the index answers exactly instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Filter:
    """Editorial constraints on candidates.

    ``section``: only this section. ``published_after`` / ``published_before``: only
    articles published in that window (inclusive after, exclusive before; articles with
    no date are kept only when no window is set). ``exclude``: ids never to show (e.g.
    links already in the article).
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
        """Build from loose arguments (ISO strings accepted for dates)."""
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
            try:
                code = section_names.index(self.section)
            except ValueError:
                return np.zeros(len(positions), dtype=bool)
            keep &= section_codes[positions] == code
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


def _date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"expected an ISO date (YYYY-MM-DD) for {name}, got {value!r}") from None


@dataclass(frozen=True)
class Ranking:
    """How stored candidates are ordered: similarity, raised for stories close in time,
    less a hub penalty.

    ``final(i, j) = s_ij * (1 + time_weight * exp(-|t_i - t_j| / time_scale))``
    ``- hub_penalty * hub_j``

    where ``hub_j`` is the mean of article j's ``hub_neighbors`` best similarities. The
    penalty demotes "hub" articles that are close to everything (the CSLS correction of
    nearest-neighbour retrieval); the time factor favours stories published close together
    (1 when either date is unknown) and, being a factor, never lifts an unrelated story.
    The candidates are the K most similar articles; this only reorders them. The reported
    score is ``final`` clipped to [0, 1].
    """

    hub_penalty: float = 0.0
    hub_neighbors: int = 20
    time_weight: float = 0.0
    time_scale_days: float = 365.0

    @property
    def is_identity(self) -> bool:
        return self.hub_penalty == 0 and self.time_weight == 0

    def hubs(self, similarity: np.ndarray) -> np.ndarray:
        """Mean of each row's ``min(hub_neighbors, K)`` best similarities (empty slots count 0)."""
        m = max(1, min(self.hub_neighbors, similarity.shape[1]))
        return (np.asarray(similarity[:, :m], dtype=np.float64).sum(axis=1) / m).astype(
            np.float32
        )

    def final(
        self,
        similarity: np.ndarray,
        candidates: np.ndarray,
        query_dates: np.ndarray,
        dates: np.ndarray,
        hubs: np.ndarray,
    ) -> np.ndarray:
        """Final scores of (rows, slots) candidates; empty slots (-1) get -inf."""
        valid = candidates >= 0
        safe = np.where(valid, candidates, 0)
        out = np.asarray(similarity, dtype=np.float64).copy()
        if self.hub_penalty:
            out -= self.hub_penalty * hubs[safe]
        if self.time_weight:
            cand_dates = dates[safe]
            q = np.asarray(query_dates, dtype="datetime64[D]").reshape(-1, 1)
            known = ~np.isnat(cand_dates) & ~np.isnat(q)
            gap = np.abs((cand_dates - q).astype("timedelta64[D]").astype(np.float64))
            gap[~known] = 0.0
            proximity = np.where(known, np.exp(-gap / self.time_scale_days), 0.0)
            out += self.time_weight * np.asarray(similarity, dtype=np.float64) * proximity
        return np.where(valid, out, -np.inf)

    def order(
        self,
        candidates: np.ndarray,
        similarity: np.ndarray,
        query_dates: np.ndarray,
        dates: np.ndarray,
        hubs: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows reordered by final score (then similarity, then position).

        Returns (candidates, clipped final scores, similarities), empty slots last.
        """
        candidates = np.atleast_2d(candidates)
        similarity = np.atleast_2d(similarity)
        final = self.final(similarity, candidates, query_dates, dates, hubs)
        order = np.lexsort((np.where(candidates >= 0, candidates, np.iinfo(np.int64).max),
                            -similarity, -final), axis=-1)
        cand = np.take_along_axis(candidates, order, axis=1)
        sim = np.take_along_axis(similarity, order, axis=1)
        fin = np.take_along_axis(final, order, axis=1)
        scores = np.where(cand >= 0, np.clip(fin, 0.0, 1.0), 0.0).astype(np.float32)
        return cand, scores, sim.astype(np.float32)
