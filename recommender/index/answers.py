"""Answers of one query: a searched vector ranked like the stored rows, as records."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from recommender.config.build import BuildConfig
from recommender.index.articles import ArticleTable
from recommender.index.parts import IndexParts
from recommender.index.ranking import Ranking
from recommender.query.filters import Filter
from recommender.records import Related, related_records
from recommender.search.topk import Candidates


def searched(
    parts: IndexParts, config: BuildConfig, ranking: Ranking, x: sp.csr_matrix, k: int,
    filt: Filter, *, own: int, date: np.datetime64, group: int = -1,
) -> list[Related]:
    """Best ``k`` for one vector, searched as the build searched its rows: the
    ``max(k, K)`` most similar candidates, ordered by the ranking.

    ``own`` is the vector's own row (never an answer), -1 for a draft; ``date`` its
    publication day (NaT when unknown), for the ranking's time factor; ``group`` its
    translation group (never an answer), -1 for none.
    """
    table = parts.table
    pool = max(k, parts.graph.n_neighbors)
    same_section = config.same_section and own >= 0
    candidates: Candidates | None = Candidates(
        alive=None if len(table.positions) == table.n_rows else table.alive,
        sections=table.section_codes if same_section else None,
        accept=_acceptance(table, filt, group),
    )
    if candidates is not None and candidates.is_empty:
        candidates = None  # every indexed article may be an answer: no mask to apply
    query_sections = table.section_codes[[own]] if same_section else None
    found, sims = parts.space.searcher.search(x, pool, own=np.array([own]),
                                               candidates=candidates,
                                               query_sections=query_sections)
    cand, scores, sims = ranking.order(found, sims, np.array([date]), table.published,
                                       parts.graph.hubs)
    n = int(np.count_nonzero(cand[0, :k] >= 0))  # empty slots come last
    return records(table, cand[0, :n], scores[0, :n], sims[0, :n])


def _acceptance(
    table: ArticleTable, filt: Filter, group: int
) -> Callable[[np.ndarray], np.ndarray] | None:
    """The read-time test of candidate positions: the editor's filter, outside the
    query's translation group; None when there is nothing to test."""
    if group < 0:
        return None if filt.is_empty else (lambda cols: table.filter_mask(cols, filt))
    if filt.is_empty:
        return lambda cols: table.translations.outside(cols, group)
    return lambda cols: table.translations.outside(cols, group) & table.filter_mask(cols, filt)


def records(
    table: ArticleTable, positions: np.ndarray, values: np.ndarray, sims: np.ndarray
) -> list[Related]:
    """Records of stored or searched slots (no empty ones), scores clipped to [0, 1]."""
    at = positions.tolist()
    return related_records(map(table.ids.__getitem__, at),
                           np.minimum(np.maximum(values, 0.0), 1.0).tolist(),
                           map(table.titles.__getitem__, at),
                           np.minimum(np.maximum(sims.astype(np.float16), 0.0), 1.0).tolist())
