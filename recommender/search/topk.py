"""Top-K neighbours of sparse rows, block by block, never a dense n x n.

Ties are broken by the lower row number so results are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

try:  # a compiled sparse product + top-n kernel; the scipy path below does the same, slower
    from sparse_dot_topn import sp_matmul_topn as _sp_matmul_topn
except ImportError:  # pragma: no cover - depends on the platform's wheels
    _sp_matmul_topn = None

#: bytes per stored product entry while a block is ranked (value, column, row, sort keys).
_BYTES_PER_ENTRY = 40
#: products denser than this share of their cells are ranked as dense arrays.
_DENSE_SHARE = 0.05


@dataclass(frozen=True)
class Candidates:
    """What may be a neighbour: a live mask and, optionally, a section code per row."""

    alive: np.ndarray | None = None
    sections: np.ndarray | None = None

    @property
    def is_empty(self) -> bool:
        return (self.alive is None or bool(self.alive.all())) and self.sections is None


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
    """Best ``k`` columns of each row of a sparse score matrix.

    ``row_ids`` gives each row's own column (excluded: no article is its own neighbour).
    Returns ``(indices, values)`` of shape (rows, k); missing slots hold -1 and 0.
    Dense-ish blocks are ranked as a dense array, sparse ones as a padded array of each
    row's entries (argpartition in both); both give the same order: score, then the
    lower column.
    """
    scores = scores.tocsr()
    scores.sort_indices()
    n_rows, n_cols = scores.shape
    if n_rows and scores.nnz > _DENSE_SHARE * n_rows * n_cols:
        return _topk_dense(scores, k, row_ids, candidates, query_sections)
    counts = np.diff(scores.indptr)
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), counts)
    cols = scores.indices.astype(np.int64, copy=False)
    vals = scores.data
    keep = vals > 0
    if row_ids is not None:
        keep &= cols != np.asarray(row_ids)[rows]
    if candidates is not None:
        if candidates.alive is not None:
            keep &= candidates.alive[cols]
        if candidates.sections is not None and query_sections is not None:
            keep &= candidates.sections[cols] == np.asarray(query_sections)[rows]
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
    return _rank(rows, cols, vals, n_rows, k)


def _best_slots(values: np.ndarray, k: int) -> np.ndarray:
    """Mask of each row's ``k`` largest positive values; ties go to the leftmost slots."""
    if values.shape[1] <= k:
        return values > 0
    part = np.argpartition(-values, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(values, part, axis=1).min(axis=1, keepdims=True)
    above = values > kth
    tied = (values == kth) & (values > 0)
    room = k - above.sum(axis=1, keepdims=True)
    return above | (tied & (np.cumsum(tied, axis=1, dtype=np.int32) <= room))


def _rank(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Order (row, col, value) entries by row, score desc, col asc; keep ``k`` per row."""
    order = np.lexsort((cols, -vals, rows))
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
        D[np.arange(n_rows), np.asarray(row_ids)] = 0.0
    if candidates is not None:
        if candidates.alive is not None:
            D[:, ~candidates.alive[:n_cols]] = 0.0
        if candidates.sections is not None and query_sections is not None:
            D[candidates.sections[None, :n_cols] != np.asarray(query_sections)[:, None]] = 0.0
    rows, cols = np.nonzero(_best_slots(D, k))
    return _rank(rows, cols, D[rows, cols], n_rows, k)


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


def exact_scores(
    X: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, chunk: int = 100_000
) -> np.ndarray:
    """``X[rows[i]] . X[cols[i]]`` for each pair, without forming a product matrix.

    Pairs go ``chunk`` at a time so the gathered rows stay small in memory.
    """
    out = np.zeros(len(rows), dtype=np.float32)
    for a in range(0, len(rows), chunk):
        r, c = rows[a:a + chunk], cols[a:a + chunk]
        out[a:a + chunk] = np.asarray(X[r].multiply(X[c]).sum(axis=1)).ravel()
    return out


def uses_kernel(candidates: Candidates | None) -> bool:
    """Whether blocks go through the compiled kernel (unrestricted candidates only)."""
    return _sp_matmul_topn is not None and (candidates is None or candidates.is_empty)


def plan_kernel_blocks(n: int, k: int, budget_bytes: int) -> list[tuple[int, int]]:
    """Row ranges for the compiled kernel, which never holds a block's full product.

    A block keeps about ``4 k`` candidates per row (plus their re-scoring, done in
    bounded chunks), so blocks can be much larger than on the scipy path; larger blocks
    also spare the kernel's per-call copy of the right-hand matrix.
    """
    per_row = 64 * (4 * k + 2) + 1024
    rows = int(min(max(budget_bytes // per_row, 256), 20_000))
    return [(a, min(a + rows, n)) for a in range(0, n, rows)]


def search_terms(XT: sp.csr_matrix, n: int, max_df: float) -> np.ndarray:
    """Mask of the columns kept for finding candidates: found in at most ``max_df`` of ``n``.

    Like Lucene More-Like-This's ``max_doc_freq``: very common terms make every article a
    candidate of every other and cost the most, while saying little about which are
    related. Used only to find candidates; their scores use every term.
    """
    return np.diff(XT.indptr) <= max(max_df * n, 1.0)


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


def strongest_terms(X: sp.csr_matrix, m: int, rows_per_slice: int = 65_536) -> sp.csr_matrix:
    """:func:`prune_rows` a slice of rows at a time, so a million rows need little memory."""
    if m <= 0 or np.diff(X.indptr).max(initial=0) <= m:
        return X
    return sp.vstack([prune_rows(X[a:a + rows_per_slice], m)
                      for a in range(0, X.shape[0], rows_per_slice)], format="csr")


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


def candidate_matrix(X: sp.csr_matrix, XT: sp.csr_matrix, max_df: float) -> sp.csr_matrix:
    """``X`` without the terms :func:`search_terms` leaves out."""
    keep = search_terms(XT, X.shape[0], max_df)
    if keep.all():
        return X
    Xq = (X @ sp.diags(keep.astype(X.dtype))).tocsr()
    Xq.eliminate_zeros()
    return Xq


def _plain(M: sp.csr_matrix) -> sp.csr_matrix:
    """The same CSR matrix in arrays the compiled kernel accepts.

    joblib hands large arrays to its workers as read-only ``np.memmap``; the kernel takes
    only writable ndarrays for the values (it copies the index arrays itself), so the
    values are copied in that case and the indices viewed.
    """
    if isinstance(M.data, np.memmap) or not M.data.flags.writeable:
        return sp.csr_matrix((np.array(M.data), np.asarray(M.indices), np.asarray(M.indptr)),
                             shape=M.shape)
    return M


def _exact_with_kernel(
    X: sp.csr_matrix, XT: sp.csr_matrix, start: int, stop: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` through the compiled kernel, with the build's tie rule kept.

    The kernel keeps ``k + 2`` values per row (the row itself and one more). A row whose
    k-th and next values are equal could have had its tie cut differently from "lower
    column first": such rows are recomputed with the scipy path, so the result is the
    same as :func:`topk_rows` on the full product.
    """
    block = _plain(X[start:stop])
    found = _sp_matmul_topn(block, _plain(XT), top_n=k + 2, threshold=0.0, sort=False,
                            n_threads=1).tocsr()
    local = np.repeat(np.arange(stop - start), np.diff(found.indptr))
    cols = found.indices.astype(np.int64)
    vals = found.data
    keep = cols != local + start
    idx, val = _rank(local[keep], cols[keep], vals[keep], stop - start, k + 1)
    ambiguous = np.flatnonzero((idx[:, k] >= 0) & (val[:, k] == val[:, k - 1]))
    idx, val = idx[:, :k], val[:, :k]
    if len(ambiguous):
        again_idx, again_val = topk_rows(block[ambiguous] @ XT, k,
                                         row_ids=ambiguous + start)
        idx[ambiguous], val[ambiguous] = again_idx, again_val
    return idx, val


def topk_block(
    X: sp.csr_matrix,
    XT: sp.csr_matrix,
    start: int,
    stop: int,
    k: int,
    candidates: Candidates | None = None,
    query_terms: int | None = None,
    Xq: sp.csr_matrix | None = None,
    XqT: sp.csr_matrix | None = None,
) -> tuple[int, np.ndarray, np.ndarray]:
    """Neighbours of rows ``start:stop`` of ``X`` against every row (``XT`` is ``X.T``).

    With ``query_terms`` set, each query row keeps only its strongest terms of ``Xq`` (the
    candidate matrix, ``X`` by default) to find a pool of ``4 k`` candidates, which are then
    re-scored exactly with ``X``.
    """
    row_ids = np.arange(start, stop)
    sections = None
    if candidates is not None and candidates.sections is not None:
        sections = candidates.sections[start:stop]
    unrestricted = candidates is None or candidates.is_empty
    if query_terms is None:
        if unrestricted and _sp_matmul_topn is not None:
            return start, *_exact_with_kernel(X, XT, start, stop, k)
        return start, *topk_rows(
            X[start:stop] @ XT, k, row_ids=row_ids, candidates=candidates,
            query_sections=sections,
        )
    Xq = X if Xq is None else Xq
    XqT = XT if XqT is None else XqT
    queries = prune_rows(Xq[start:stop], query_terms)
    pool = 4 * k
    if unrestricted and _sp_matmul_topn is not None:
        found = _sp_matmul_topn(_plain(queries), _plain(XqT), top_n=pool + 1, threshold=0.0,
                                sort=False, n_threads=1).tocsr()
        local = np.repeat(np.arange(stop - start), np.diff(found.indptr))
        cols = found.indices.astype(np.int64)
        keep = cols != local + start
        local, cols = local[keep], cols[keep]
    else:
        pool_idx, _ = topk_rows(queries @ XqT, pool, row_ids=row_ids, candidates=candidates,
                                query_sections=sections)
        local, slot = np.nonzero(pool_idx >= 0)
        cols = pool_idx[local, slot].astype(np.int64)
    vals = exact_scores(X, local + start, cols)
    return start, *_rank(local.astype(np.int64), cols, vals, stop - start, k)


def merge_into_rows(
    neighbors: np.ndarray,
    scores: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    values: np.ndarray,
) -> np.ndarray:
    """Offer new (row, column, score) neighbours to existing rows, in place.

    Each row keeps its best K by the same order as a build (score, then lower column).
    Returns the rows that were offered something (they need re-ranking).
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
        best = np.lexsort((all_cols, -all_vals))[:k]
        neighbors[r] = -1
        scores[r] = 0.0
        neighbors[r, : len(best)] = all_cols[best]
        scores[r, : len(best)] = all_vals[best]
    return np.unique(rows)
