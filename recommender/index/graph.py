"""The neighbour graph: each article's K stored candidates in ranking order.

``neighbors[p]`` holds row numbers (-1 in empty slots), ``scores[p]`` their final
scores, ``similarity[p]`` their plain similarities, and ``hubs[p]`` is article p's hub
score (:class:`~recommender.index.ranking.Ranking`). A query by id reads one row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.index.ranking import Ranking


@dataclass(frozen=True, eq=False)
class NeighbourGraph:
    """Four (n, K) / (n,) arrays, never changed in place once built."""

    neighbors: np.ndarray
    scores: np.ndarray
    similarity: np.ndarray
    #: hub scores as the ranking uses them (raised to ``hub_floor``)
    hubs: np.ndarray
    hub_floor: float = 0.0

    @classmethod
    def ranked(cls, neighbors: np.ndarray, similarity: np.ndarray, published: np.ndarray,
               ranking: Ranking) -> NeighbourGraph:
        """Every article's candidates (best similarity first) put in ranking order."""
        raw = ranking.hubs(similarity)
        floor = ranking.hub_floor(raw)
        hubs = np.maximum(raw, np.float32(floor))
        ordered, scores, sims = ranking.order(neighbors, similarity, published, published, hubs)
        return cls(neighbors=ordered, scores=scores, similarity=sims, hubs=hubs,
                   hub_floor=floor)

    @property
    def n_neighbors(self) -> int:
        """K: neighbours stored per article."""
        return int(self.neighbors.shape[1])

    def row(self, position: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stored (positions, scores, similarities) of one article, empty slots cut."""
        stored = self.neighbors[position]
        if stored[-1] >= 0:  # a full row (the common case) needs no mask
            return stored, self.scores[position], self.similarity[position]
        positions = stored[stored >= 0]  # empty slots come last
        n = len(positions)
        return positions, self.scores[position][:n], self.similarity[position][:n]

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "neighbors": np.asarray(self.neighbors), "scores": np.asarray(self.scores),
            # half precision: the plain similarity is shown, never used to order a list
            "similarity": np.asarray(self.similarity, dtype=np.float16),
            "hubs": np.asarray(self.hubs),
            "hub_floor": np.array([self.hub_floor], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> NeighbourGraph:
        return cls(neighbors=a["neighbors"], scores=a["scores"], similarity=a["similarity"],
                   hubs=a["hubs"], hub_floor=float(a["hub_floor"][0]))
