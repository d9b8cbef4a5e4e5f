"""Top-K of sparse score rows, never a dense n x n, with the one tie rule of the package.

The tie rule (:func:`best_first`): a higher score first, then (when given) the next
scores, then the lower row number. The build's blocks, a query's row, the merge of an
update and the ranking all order through it, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.search import loops

#: bytes per stored product entry while a block is ranked (value, column, row, sort keys).
_BYTES_PER_ENTRY = 40
#: products denser than this share of their cells are ranked as dense arrays.
_DENSE_SHARE = 0.05


def best_first(
    positions: np.ndarray, *scores: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Indices that order entries best first: by each of ``scores`` descending (the first
    decides, the next break its ties), then by the lower position.

    With ``rows``, entries are grouped by row first (ascending). Works along the last axis,
    so a (rows, slots) table is ordered row by row.
    """
    keys: list[np.ndarray] = [positions, *(-s for s in reversed(scores))]
    if rows is not None:
        keys.append(rows)
    return np.lexsort(keys, axis=-1)


@dataclass(frozen=True)
class Candidates:
    """What may be a neighbour: a live mask, a section code per row (candidates must share
    the query's section) and a read-time test of positions (e.g. an editor's filter)."""

    alive: np.ndarray | None = None
    sections: np.ndarray | None = None
    accept: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def is_empty(self) -> bool:
        return ((self.alive is None or bool(self.alive.all())) and self.sections is None
                and self.accept is None)

    def mask(self, cols: np.ndarray, query_sections: np.ndarray | None) -> np.ndarray:
        """Which (query, column) entries may be neighbours; ``query_sections`` is aligned
        with ``cols`` (one section per entry's query row)."""
        keep = np.ones(len(cols), dtype=bool)
        if self.alive is not None:
            keep &= self.alive[cols]
        if self.sections is not None and query_sections is not None:
            keep &= self.sections[cols] == query_sections
        if self.accept is not None:
            keep[keep] = self.accept(cols[keep])
        return keep


def plan_blocks(X: sp.csr_matrix, XT: sp.csr_matrix, budget_bytes: int) -> list[tuple[int, int]]:
    """Row ranges whose product ``X[a:b] @ XT`` fits the budget.

    The number of entries of a product row is bounded by the summed posting lengths of
    its terms (and by n); blocks are cut where the running bound reaches the budget.
    """
    n = X.shape[0]
    if n == 0:
        return []
    postings = np.diff(XT.indptr).astype(np.float64)  # documents per term
    bound = np.minimum(X.copy().astype(np.float64, copy=False).sign() @ postings, XT.shape[1])
    bound = np.maximum(bound, 1.0) * _BYTES_PER_ENTRY
    cumulative = np.cumsum(bound)
    blocks = []
    start = 0
    while start < n:
        base = cumulative[start - 1] if start else 0.0
        stop = int(np.searchsorted(cumulative, base + budget_bytes, side="right"))
        stop = min(max(stop, start + 1), n)
        blocks.append((start, stop))
        start = stop
    return blocks


def topk_rows(
    scores: sp.csr_matrix,
    k: int,
    *,
    row_ids: np.ndarray | None = None,
    candidates: Candidates | None = None,
    query_sections: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` columns of each row of a sparse score matrix, by :func:`best_first`.

    ``row_ids`` gives each row's own column (excluded: no article is its own neighbour;
    -1 for a query that is not indexed). Returns ``(indices, values)`` of shape
    (rows, k); missing slots hold -1 and 0. Dense-ish blocks of several rows are ranked
    as a dense array, others as a padded array of each row's entries (argpartition in
    both); both give the same order.
    """
    scores = scores.tocsr()
    n_rows, n_cols = scores.shape
    if n_rows == 1:  # a query: its best k found without sorting the row, then ordered
        own = -1 if row_ids is None else int(np.asarray(row_ids)[0])
        return topk_of_entries(scores.indices.astype(np.int64, copy=False), scores.data, k,
                               own=own, candidates=candidates, query_sections=query_sections)
    scores.sort_indices()
    if scores.nnz > _DENSE_SHARE * n_rows * n_cols:
        return _topk_dense(scores, k, row_ids, candidates, query_sections)
    counts = np.diff(scores.indptr)
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), counts)
    cols = scores.indices.astype(np.int64, copy=False)
    vals = scores.data
    keep = vals > 0
    if row_ids is not None:
        keep &= cols != np.asarray(row_ids)[rows]
    if candidates is not None:
        sections = None if query_sections is None else np.asarray(query_sections)[rows[keep]]
        keep[keep] = candidates.mask(cols[keep], sections)
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    per_row = np.bincount(rows, minlength=n_rows)
    width = int(per_row.max(initial=0))
    if width > k:
        # rank each row's entries in a padded (rows, width) array, in column order
        starts = np.concatenate([[0], np.cumsum(per_row)[:-1]])
        slot = np.arange(len(rows)) - starts[rows]
        padded = np.zeros((n_rows, width), dtype=np.float32)
        padded[rows, slot] = vals
        r, c = np.nonzero(_best_slots(padded, k))
        entry = starts[r] + c
        rows, cols, vals = rows[entry], cols[entry], vals[entry]
    return rank_entries(rows, cols, vals, n_rows, k)


def topk_of_entries(
    cols: np.ndarray,
    vals: np.ndarray,
    k: int,
    *,
    own: int = -1,
    candidates: Candidates | None = None,
    query_sections: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`topk_rows` of one row given as its (columns, values) entries: its best
    ``k`` (:func:`best_of_entries`), ordered by :func:`best_first`, as (1, k) tables."""
    section = None if query_sections is None else np.asarray(query_sections)[:1]
    cols, vals = best_of_entries(cols, vals, k, own=own, candidates=candidates,
                                 query_section=section)
    return rank_entries(np.zeros(len(cols), dtype=np.int64), cols, vals, 1, k)


def best_of_entries(
    cols: np.ndarray,
    vals: np.ndarray,
    k: int,
    *,
    own: int = -1,
    candidates: Candidates | None = None,
    query_section: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of one row's (columns, values) entries, in no order: the same set
    :func:`best_first` would rank first, found without sorting the row.

    What it buys: ``similar()`` searches one row of up to ~50k entries (exact mode, 100k
    articles), whose column sort alone cost as much as the rest of the query.
    """
    keep = (vals > 0) & (cols != own)
    if candidates is not None:
        keep[keep] = candidates.mask(cols[keep], query_section)
    cols, vals = cols[keep], vals[keep]
    if len(vals) <= k:
        return cols, vals
    kth = np.partition(vals, len(vals) - k)[len(vals) - k]
    above, tied = vals > kth, vals == kth
    room = k - int(np.count_nonzero(above))
    tied_cols = np.sort(cols[tied])[:room]  # ties at the cut go to the lower columns
    return (np.concatenate([cols[above], tied_cols]),
            np.concatenate([vals[above], np.full(len(tied_cols), kth, dtype=vals.dtype)]))


def _best_slots(values: np.ndarray, k: int) -> np.ndarray:
    """Mask of each row's ``k`` largest positive values; ties go to the leftmost slots
    (the lower columns: slots are in column order), as :func:`best_first` wants."""
    if values.shape[1] <= k:
        return values > 0
    part = np.argpartition(-values, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(values, part, axis=1).min(axis=1, keepdims=True)
    above = values > kth
    tied = (values == kth) & (values > 0)
    room = k - above.sum(axis=1, keepdims=True)
    return above | (tied & (np.cumsum(tied, axis=1, dtype=np.int32) <= room))


def rank_entries(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(row, col, value) entries as (n_rows, k) tables, each row :func:`best_first`."""
    if n_rows == 1:  # a query: no grouping by row
        best = best_first(cols, vals)[:k]
        out_idx = np.full((1, k), -1, dtype=np.int32)
        out_val = np.zeros((1, k), dtype=np.float32)
        out_idx[0, :len(best)] = cols[best]
        out_val[0, :len(best)] = np.clip(vals[best], 0.0, 1.0)
        return out_idx, out_val
    if loops.AVAILABLE and len(rows) and bool(np.all(rows[1:] >= rows[:-1])):
        return loops.rank_grouped(rows, cols, vals, n_rows, k)
    order = best_first(cols, vals, rows=rows)
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    rank = np.arange(len(rows)) - starts[rows]
    take = rank < k
    out_idx = np.full((n_rows, k), -1, dtype=np.int32)
    out_val = np.zeros((n_rows, k), dtype=np.float32)
    out_idx[rows[take], rank[take]] = cols[take]
    out_val[rows[take], rank[take]] = np.clip(vals[take], 0.0, 1.0)
    return out_idx, out_val


def _topk_dense(
    scores: sp.csr_matrix,
    k: int,
    row_ids: np.ndarray | None,
    candidates: Candidates | None,
    query_sections: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    n_rows, n_cols = scores.shape
    D = scores.toarray()
    if row_ids is not None:
        own = np.asarray(row_ids)
        D[np.flatnonzero(own >= 0), own[own >= 0]] = 0.0
    if candidates is not None:
        all_cols = np.arange(n_cols)
        if candidates.alive is not None or candidates.accept is not None:
            D[:, ~Candidates(candidates.alive, None, candidates.accept).mask(all_cols, None)] = 0
        if candidates.sections is not None and query_sections is not None:
            D[candidates.sections[None, :n_cols] != np.asarray(query_sections)[:, None]] = 0.0
    rows, cols = np.nonzero(_best_slots(D, k))
    return rank_entries(rows, cols, D[rows, cols], n_rows, k)


def merge_into_rows(
    neighbors: np.ndarray,
    scores: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    values: np.ndarray,
) -> np.ndarray:
    """Offer new (row, column, score) neighbours to existing rows, in place.

    Each row keeps its best K by :func:`best_first`, as a build does. Returns the rows
    that were offered something (they need re-ranking).
    """
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    k = neighbors.shape[1]
    order = np.argsort(rows, kind="stable")
    rows, cols, values = rows[order], cols[order], values[order]
    bounds = np.flatnonzero(np.diff(rows)) + 1
    for group in np.split(np.arange(len(rows)), bounds):
        r = int(rows[group[0]])
        old = neighbors[r]
        valid = old >= 0
        all_cols = np.concatenate([old[valid].astype(np.int64), cols[group]])
        all_vals = np.concatenate([scores[r][valid], values[group].astype(np.float32)])
        best = best_first(all_cols, all_vals)[:k]
        neighbors[r] = -1
        scores[r] = 0.0
        neighbors[r, : len(best)] = all_cols[best]
        scores[r, : len(best)] = all_vals[best]
    return np.unique(rows)
