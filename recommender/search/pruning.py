"""Pruning for the fast candidate search: the strongest terms of queries and articles,
and each term's strongest postings.

Used only to *find* candidates; the searcher then scores every candidate exactly on all
terms, so pruning can miss a neighbour but never mis-scores one.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def prune_rows(X: sp.csr_matrix, m: int) -> sp.csr_matrix:
    """Keep each row's ``m`` largest weights (Lucene More-Like-This keeps 25 query terms).

    Used on the query side only: candidates come from ``prune_rows(X) @ X.T``, then
    their scores are recomputed exactly, so pruning can miss a neighbour but never
    mis-scores one. Ties go to the lower column.
    """
    X = X.tocsr()
    X.sort_indices()
    counts = np.diff(X.indptr)
    if counts.max(initial=0) <= m:
        return X
    rows = np.repeat(np.arange(X.shape[0]), counts)
    # one stable sort by (row, weight descending); rows' columns are ascending, so equal
    # weights keep the lower column first
    order = np.argsort(rows * 2.0 + (1.0 - X.data.astype(np.float64)), kind="stable")
    rank = np.arange(X.nnz) - X.indptr[rows]
    keep = np.zeros(X.nnz, dtype=bool)
    keep[order[rank < m]] = True
    pruned = sp.csr_matrix(
        (X.data[keep], X.indices[keep], np.concatenate([[0], np.cumsum(np.minimum(counts, m))])),
        shape=X.shape,
    )
    return pruned


def strongest_of_row(indices: np.ndarray, data: np.ndarray, m: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`prune_rows` of one row given as its entries (a draft's), without a sparse
    matrix: the ``m`` largest weights, in column order, ties to the lower column."""
    if len(data) <= m:
        return indices, data
    if len(indices) > 1 and not bool(np.all(indices[1:] > indices[:-1])):
        by_column = np.argsort(indices, kind="stable")
        indices, data = indices[by_column], data[by_column]
    order = np.argsort(1.0 - data.astype(np.float64), kind="stable")
    keep = np.sort(order[:m])
    return indices[keep], data[keep]


def strongest_terms(X: sp.csr_matrix, m: int, rows_per_slice: int = 65_536) -> sp.csr_matrix:
    """:func:`prune_rows` a slice of rows at a time, so a million rows need little memory."""
    if m <= 0 or np.diff(X.indptr).max(initial=0) <= m:
        return X
    return sp.vstack([prune_rows(X[a:a + rows_per_slice], m)
                      for a in range(0, X.shape[0], rows_per_slice)], format="csr")


def search_terms(XT: sp.csr_matrix, n: int, max_df: float) -> np.ndarray:
    """Mask of the columns kept for finding candidates: found in at most ``max_df`` of ``n``.

    Like Lucene More-Like-This's ``max_doc_freq``: very common terms make every article a
    candidate of every other and cost the most, while saying little about which are
    related. Used only to find candidates; their scores use every term.
    """
    return np.diff(XT.indptr) <= max(max_df * n, 1.0)


def candidate_matrix(X: sp.csr_matrix, XT: sp.csr_matrix, max_df: float) -> sp.csr_matrix:
    """``X`` without the terms :func:`search_terms` leaves out."""
    keep = search_terms(XT, X.shape[0], max_df)
    if keep.all():
        return X
    Xq = (X @ sp.diags(keep.astype(X.dtype))).tocsr()
    Xq.eliminate_zeros()
    return Xq


def limit_postings(XT: sp.csr_matrix, limit: int) -> sp.csr_matrix:
    """Each term's ``limit`` postings where it weighs most (0: all); the others are left out.

    Term-based static index pruning (Carmel et al., SIGIR 2001): an article is found
    through a term only when that term is among its strong ones, which bounds the work
    per query term by ``limit`` whatever the archive's size. Used only to find
    candidates. Ties go to the lower article number; rows keep their column order.
    """
    counts = np.diff(XT.indptr)
    if limit <= 0 or counts.max(initial=0) <= limit:
        return XT
    keep = np.ones(XT.nnz, dtype=bool)
    for term in np.flatnonzero(counts > limit):
        a, b = XT.indptr[term], XT.indptr[term + 1]
        weaker = np.argsort(-XT.data[a:b], kind="stable")[limit:]
        keep[a + weaker] = False
    indptr = np.concatenate([[0], np.cumsum(np.minimum(counts, limit))])
    return sp.csr_matrix((XT.data[keep], XT.indices[keep], indptr), shape=XT.shape)


def search_index(
    X: sp.csr_matrix, XT: sp.csr_matrix, max_df: float, index_terms: int, posting_limit: int
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """What a pruned candidate search uses: the query matrix and the postings it reads.

    Queries are rows of :func:`candidate_matrix` (common terms out, ``max_df``). In the
    postings each article is listed under its ``index_terms`` strongest terms only, and
    each term keeps its ``posting_limit`` strongest articles (0 turns either off). A pair
    is then found when both sides weigh a shared term among their strongest, the case of
    related articles; everything found is re-scored exactly. The build and ``similar()``
    both call this, so a draft searches what the build searched.
    """
    Xq = candidate_matrix(X, XT, max_df)
    if index_terms > 0 and np.diff(Xq.indptr).max(initial=0) > index_terms:
        XqT = strongest_terms(Xq, index_terms).T.tocsr()
    else:
        XqT = XT if Xq is X else Xq.T.tocsr()
    return Xq, limit_postings(XqT, posting_limit)
