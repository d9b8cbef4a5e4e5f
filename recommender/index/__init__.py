"""The index: an article table, a neighbour graph and a vector space behind one facade."""

from recommender.index.related_index import RelatedIndex

__all__ = ["RelatedIndex"]
