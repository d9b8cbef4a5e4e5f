"""The three parts of an index, held and swapped together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from recommender.index.articles import ArticleTable
from recommender.index.graph import NeighbourGraph
from recommender.index.space import VectorSpace

if TYPE_CHECKING:
    from recommender.learn.tuned import TunedRanking


@dataclass(frozen=True, eq=False)
class IndexParts:
    """An article table, its neighbour graph and its vector space, row-aligned; and the
    ranking learned from editor links when the index was tuned."""

    table: ArticleTable
    graph: NeighbourGraph
    space: VectorSpace
    learned: TunedRanking | None = None
