"""How a row's candidates are ordered: similarity, a time factor and a hub penalty."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from recommender.index.catalogue import days_between
from recommender.search.topk import best_first

if TYPE_CHECKING:
    from recommender.config.build import BuildConfig


@dataclass(frozen=True)
class Ranking:
    """How stored candidates are ordered: similarity, raised for stories close in time,
    less a hub penalty.

    ``final(i, j) = s_ij * (1 + time_weight * exp(-|t_i - t_j| / time_scale))``
    ``- hub_penalty * hub_j``

    where ``hub_j`` is the mean of article j's ``hub_neighbors`` best similarities, raised
    to the index's ``hub_floor_quantile`` quantile of them when it is lower. The
    penalty demotes "hub" articles that are close to everything (the CSLS correction of
    nearest-neighbour retrieval); the floor keeps a story close to nothing from being
    lifted above clearly more similar ones; the time factor favours stories published close together
    (1 when either date is unknown) and, being a factor, never lifts an unrelated story.
    The candidates are the K most similar articles; this only reorders them. The reported
    score is ``final`` clipped to [0, 1].
    """

    hub_penalty: float = 0.0
    hub_neighbors: int = 20
    hub_floor_quantile: float = 0.0
    time_weight: float = 0.0
    time_scale_days: float = 365.0

    @classmethod
    def from_config(cls, config: BuildConfig) -> Ranking:
        """The ordering a build config describes (its fields of the same names)."""
        return cls(**{f.name: getattr(config, f.name) for f in dataclasses.fields(cls)})

    @property
    def is_identity(self) -> bool:
        return self.hub_penalty == 0 and self.time_weight == 0

    def hubs(self, similarity: np.ndarray) -> np.ndarray:
        """Mean of each row's ``min(hub_neighbors, K)`` best similarities (empty slots count 0)."""
        m = max(1, min(self.hub_neighbors, similarity.shape[1]))
        return (np.asarray(similarity[:, :m], dtype=np.float64).sum(axis=1) / m).astype(
            np.float32
        )

    def hub_floor(self, hubs: np.ndarray) -> float:
        """The floor of hub scores: their ``hub_floor_quantile`` quantile (0 when off)."""
        if not self.hub_floor_quantile or not len(hubs):
            return 0.0
        return float(np.quantile(np.asarray(hubs, dtype=np.float64), self.hub_floor_quantile))

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
            q = np.asarray(query_dates, dtype="datetime64[D]").reshape(-1, 1)
            out += self.time_bonus(similarity, q, dates[safe])
        return np.where(valid, out, -np.inf)

    def time_bonus(self, similarity: np.ndarray, query_dates: np.ndarray | np.datetime64,
                   dates: np.ndarray) -> np.ndarray:
        """What the time factor adds to each similarity:
        ``time_weight * s * exp(-|days apart| / time_scale_days)``, 0 where a date is
        unknown (``query_dates`` and ``dates`` broadcast against ``similarity``)."""
        days, known = days_between(query_dates, dates)
        proximity = np.where(known, np.exp(-np.abs(days) / self.time_scale_days), 0.0)
        return self.time_weight * np.asarray(similarity, dtype=np.float64) * proximity

    def order(
        self,
        candidates: np.ndarray,
        similarity: np.ndarray,
        query_dates: np.ndarray,
        dates: np.ndarray,
        hubs: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows reordered by final score, then similarity, then position (:func:`best_first`).

        Returns (candidates, clipped final scores, similarities), empty slots last.
        """
        candidates = np.atleast_2d(candidates)
        similarity = np.atleast_2d(similarity)
        final = self.final(similarity, candidates, query_dates, dates, hubs)
        empty_last = np.where(candidates >= 0, candidates, np.iinfo(np.int64).max)
        order = best_first(empty_last, final, similarity)
        if len(order) == 1:  # a draft's row: plain indexing (take_along_axis: 10 us each)
            cand, sim, fin = candidates[:, order[0]], similarity[:, order[0]], final[:, order[0]]
        else:
            cand = np.take_along_axis(candidates, order, axis=1)
            sim = np.take_along_axis(similarity, order, axis=1)
            fin = np.take_along_axis(final, order, axis=1)
        scores = np.where(cand >= 0, np.clip(fin, 0.0, 1.0), 0.0).astype(np.float32)
        return cand, scores, sim.astype(np.float32)
