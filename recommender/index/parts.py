"""The three parts of an index, held and swapped together."""

from __future__ import annotations

from dataclasses import dataclass

from recommender.index.articles import ArticleTable
from recommender.index.graph import NeighbourGraph
from recommender.index.space import VectorSpace


@dataclass(frozen=True, eq=False)
class IndexParts:
    """An article table, its neighbour graph and its vector space, row-aligned."""

    table: ArticleTable
    graph: NeighbourGraph
    space: VectorSpace
