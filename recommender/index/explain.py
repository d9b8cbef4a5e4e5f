"""Why each item is in a box: shared tags and words, and what its score is made of.

Computed only when a query asks (``QueryConfig(explain=True)``): one pass over the items'
rows multiplied by the source's row, split by the vectorizer's blocks (text, title, tags).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from recommender.analysis.tags import normalize_tag
from recommender.records import Explanation
from recommender.search.searcher import gather_products
from recommender.vectorize.vectorizer import split_by_block

if TYPE_CHECKING:
    from recommender.index.parts import IndexParts
    from recommender.index.ranking import Ranking
    from recommender.query.config import QueryConfig
    from recommender.query.filters import Source

#: shared words shown per item, those weighing most in the similarity first
SHARED_TERMS = 6


def explanations(parts: IndexParts, ranking: Ranking, query: QueryConfig, source: Source,
                 x: sp.csr_matrix, positions: np.ndarray, n_curated: int,
                 n_similar: int) -> list[Explanation]:
    """One explanation per item of ``positions`` (curated ones, then ``n_similar`` similar
    ones, then fallback fills); only similar items get time and hub parts."""
    space, table = parts.space, parts.table
    v = space.n_text_features
    x = x if x.has_sorted_indices else x.sorted_indices()
    rows = gather_products(space.X, positions, x.indices, x.data)
    products = rows.products
    sums = split_by_block(rows.row_of, rows.indices, products, len(positions), v)
    similarity = sums.sum(axis=1)
    hub = np.zeros(len(positions))
    time = np.zeros(len(positions))
    ranked = slice(n_curated, n_curated + n_similar)
    at = positions[ranked]
    if n_similar:
        from recommender.index.answers import decay_factors

        hub[ranked] = -ranking.hub_penalty * parts.graph.hubs[at]
        bonus = ranking.time_bonus(similarity[ranked], source.date, table.published[at])
        factor = decay_factors(table, query, source.date, at) if query.decays else 1.0
        time[ranked] = bonus + (similarity[ranked] + hub[ranked] + bonus) * (factor - 1.0)
    source_tags: dict[str, str] = {}
    for tag in source.tags:  # the source's first spelling of each folded tag
        source_tags.setdefault(normalize_tag(tag), tag)
    keys = table.tags.keys
    vectorizer = space.vectorizer
    out = []
    for i, p in enumerate(positions.tolist()):
        start, end = rows.indptr[i], rows.indptr[i + 1]
        text = (rows.indices[start:end] < v) & (products[start:end] > 0)
        weights, columns = products[start:end][text], rows.indices[start:end][text]
        top = columns[np.argsort(-weights, kind="stable")[:SHARED_TERMS]]
        item_tags = {keys[c] for c in table.tags.row(p).tolist()}
        out.append(Explanation(
            shared_tags=tuple(t for key, t in source_tags.items() if key in item_tags),
            shared_terms=tuple(dict.fromkeys(vectorizer.term_form(int(c)) for c in top)),
            parts={"text": float(sums[i, 0]), "title": float(sums[i, 1]),
                   "tags": float(sums[i, 2]), "time": float(time[i]), "hub": float(hub[i])},
        ))
    return out
