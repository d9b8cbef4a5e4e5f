"""One searcher for the build's blocks and a query's row: the ``k`` most similar indexed
rows of each query row, by :func:`~recommender.search.topk.best_first`.

Exact mode scores every indexed row that shares a term with the query. Pruned mode
(``query_terms``) finds a pool of ``4 k`` candidates from the query's strongest terms in
the pruned postings (:func:`~recommender.search.pruning.search_index`), then scores the
pool exactly: the build and ``similar()`` search the same postings the same way.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from recommender.errors import ConfigError
from recommender.search import kernel, loops
from recommender.search.pruning import prune_rows, search_index, search_terms, strongest_of_row
from recommender.search.topk import (
    Candidates,
    best_of_entries,
    rank_entries,
    topk_of_entries,
    topk_rows,
)

if TYPE_CHECKING:
    from recommender.config.build import BuildConfig

#: a pruned search re-scores this many candidates per neighbour wanted
POOL_FACTOR = 4
#: pairs re-scored at a time, so the gathered rows stay small in memory
_PAIR_CHUNK = 100_000


@dataclass(frozen=True)
class SearchSettings:
    """How candidates are found (the pruning fields of :class:`~recommender.BuildConfig`)."""

    query_terms: int | None = None
    query_max_df: float = 1.0
    index_terms: int = 0
    posting_limit: int = 0

    @classmethod
    def from_config(cls, config: BuildConfig) -> SearchSettings:
        """The search a build config describes (its fields of the same names), once its
        ``query_terms="auto"`` is decided (:meth:`BuildConfig.for_archive`)."""
        if config.search_mode == "auto":
            raise ConfigError("query_terms='auto' is decided by the archive's size: call "
                              "config.for_archive(n_articles) first")
        return cls(**{f.name: getattr(config, f.name) for f in dataclasses.fields(cls)})

    @property
    def pruned(self) -> bool:
        return self.query_terms is not None


class Searcher:
    """Finds neighbours among the rows of ``X``.

    ``XT`` (``X.T``) and, in pruned mode, the pruned ``postings`` are built on first use,
    so a loaded index answers stored rows without paying for them; pass them when they
    exist already (the build, a Dask worker).
    """

    def __init__(self, X: sp.csr_matrix, settings: SearchSettings, *,
                 XT: sp.csr_matrix | None = None,
                 postings: sp.csr_matrix | None = None) -> None:
        self.X = X
        self.settings = settings
        self._XT = XT
        self._postings = postings
        self._query_columns: np.ndarray | None = None

    @property
    def XT(self) -> sp.csr_matrix:
        """``X`` transposed: each term's postings."""
        if self._XT is None:
            self._XT = self.X.T.tocsr()
        return self._XT

    @property
    def postings(self) -> sp.csr_matrix:
        """What a query's terms are looked up in: ``X.T``, or its pruned version."""
        if not self.settings.pruned:
            return self.XT
        if self._postings is None:
            s = self.settings
            _, self._postings = search_index(self.X, self.XT, s.query_max_df, s.index_terms,
                                             s.posting_limit)
        return self._postings

    def warm(self) -> Searcher:
        """Build the transposed matrix and postings now (before timing or serving)."""
        _ = self.postings
        return self

    def search(
        self,
        Q: sp.csr_matrix,
        k: int,
        *,
        own: np.ndarray,
        candidates: Candidates | None = None,
        query_sections: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows of ``X`` for each row of ``Q``: (rows, k) positions (-1 in
        empty slots) and similarities.

        ``own`` is each query's own row in ``X`` (never its own neighbour), -1 for a draft.
        ``candidates`` restricts who may be found (removed articles, sections, filters).
        """
        own = np.asarray(own, dtype=np.int64)
        fast = (kernel.available() and Q.shape[0] >= kernel.MIN_ROWS
                and (candidates is None or candidates.is_empty))
        if not self.settings.pruned:
            if fast:
                return self._exact_with_kernel(Q, k, own)
            if Q.shape[0] == 1:  # a draft: its product row without a sparse matrix
                return topk_of_entries(*self._row_products(Q, self.XT), k, own=int(own[0]),
                                       candidates=candidates, query_sections=query_sections)
            return topk_rows(Q @ self.XT, k, row_ids=own, candidates=candidates,
                             query_sections=query_sections)
        pool = int(POOL_FACTOR * k)
        if Q.shape[0] == 1 and not fast:  # a draft: its pool, in row order (3% faster)
            q = self._search_columns(Q)
            section = None if query_sections is None else np.asarray(query_sections)[:1]
            terms = strongest_of_row(q.indices, q.data, self.settings.query_terms or 0)
            cols, _ = best_of_entries(*self._products(*terms, self.postings), pool,
                                      own=int(own[0]), candidates=candidates,
                                      query_section=section)
            cols = np.sort(cols)
            local = np.zeros(len(cols), dtype=np.int64)
            return rank_entries(local, cols, pair_dots(Q, local, self.X, cols), 1, k)
        queries = prune_rows(self._search_columns(Q), self.settings.query_terms or 0)
        if fast:
            local, cols, _ = kernel.best_entries(queries, self.postings, pool, own)
        else:
            found, _ = topk_rows(queries @ self.postings, pool, row_ids=own,
                                 candidates=candidates, query_sections=query_sections)
            local, slot = np.nonzero(found >= 0)
            cols = found[local, slot].astype(np.int64)
        local = local.astype(np.int64)
        return rank_entries(local, cols, pair_dots(Q, local, self.X, cols), Q.shape[0], k)

    @classmethod
    def _row_products(cls, q: sp.csr_matrix, postings: sp.csr_matrix
                      ) -> tuple[np.ndarray, np.ndarray]:
        """The non-empty entries of one query row times ``postings`` (``X.T`` or its
        pruned version): (columns, values), in no order (:meth:`_products`)."""
        return cls._products(q.indices, q.data, postings)

    @staticmethod
    def _products(indices: np.ndarray, data: np.ndarray, postings: sp.csr_matrix
                  ) -> tuple[np.ndarray, np.ndarray]:
        """A query row given as its entries times ``postings``. Compiled
        (:func:`~recommender.search.loops.row_products`), the same sums as scipy's
        product, which is the path without numba."""
        dtype = np.result_type(data.dtype, postings.dtype)
        if not loops.AVAILABLE:
            q = sp.csr_matrix((data, indices, np.array([0, len(data)])),
                              shape=(1, postings.shape[0]))
            product = q @ postings
            return product.indices.astype(np.int64, copy=False), product.data
        acc = scratch_buffer("acc", postings.shape[1], dtype)
        touched = scratch_buffer("touched", postings.shape[1], np.int64)
        return loops.row_products(indices, data.astype(dtype, copy=False), postings.indptr,
                                  postings.indices, postings.data.astype(dtype, copy=False),
                                  acc, touched)

    def _search_columns(self, Q: sp.csr_matrix) -> sp.csr_matrix:
        """``Q`` without the terms too common to find candidates by (``query_max_df``)."""
        if self.settings.query_max_df >= 1.0:
            return Q
        if self._query_columns is None:
            self._query_columns = search_terms(self.XT, self.X.shape[0],
                                               self.settings.query_max_df)
        if self._query_columns.all():
            return Q
        masked = Q.multiply(self._query_columns).tocsr()
        masked.eliminate_zeros()
        return masked

    def _exact_with_kernel(
        self, Q: sp.csr_matrix, k: int, own: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-``k`` through the kernel, with the tie rule kept: a row whose k-th and
        next values are equal (where the kernel may have cut the tie another way) is
        searched again on the scipy path."""
        local, cols, vals = kernel.best_entries(Q, self.XT, k + 1, own)
        idx, val = rank_entries(local, cols, vals, Q.shape[0], k + 1)
        ambiguous = np.flatnonzero((idx[:, k] >= 0) & (val[:, k] == val[:, k - 1]))
        idx, val = idx[:, :k], val[:, :k]
        if len(ambiguous):
            idx[ambiguous], val[ambiguous] = topk_rows(Q[ambiguous] @ self.XT, k,
                                                       row_ids=own[ambiguous])
        return idx, val


def pair_dots(
    Q: sp.csr_matrix, q_rows: np.ndarray, X: sp.csr_matrix, x_rows: np.ndarray
) -> np.ndarray:
    """``Q[q_rows[i]] . X[x_rows[i]]`` for each pair, as float32, without a product matrix.

    One query row (a draft) is matched against the gathered rows by binary search, which
    spares the O(features) transpose a sparse product would need (0.86 -> 0.77 ms per
    ``similar()`` at 100k articles, 3da4449); many rows (a build block) are multiplied
    pairwise, ``_PAIR_CHUNK`` pairs at a time. ``tests/test_search_contract.py`` checks
    both against the plain product.
    """
    if Q.shape[0] == 1:
        return _one_row_dots(X, x_rows, Q)
    if len(q_rows) >= _RUNS_FROM * max(Q.shape[0], 1):
        return _run_dots(Q, q_rows, X, x_rows)
    out = np.zeros(len(q_rows), dtype=np.float32)
    for a in range(0, len(q_rows), _PAIR_CHUNK):
        q, c = q_rows[a:a + _PAIR_CHUNK], x_rows[a:a + _PAIR_CHUNK]
        out[a:a + _PAIR_CHUNK] = np.asarray(Q[q].multiply(X[c]).sum(axis=1)).ravel()
    return out


#: pairs per query row from which :func:`pair_dots` works a query row at a time
_RUNS_FROM = 8


def grouped_pair_dots(Q: sp.csr_matrix, q_rows: np.ndarray, X: sp.csr_matrix,
                      x_rows: np.ndarray) -> np.ndarray:
    """:func:`pair_dots` of pairs grouped by query row, however few per row, summed as
    :func:`row_dots` sums them (a box's editor links, every article's at once)."""
    return _run_dots(Q, np.asarray(q_rows, np.int64), X, np.asarray(x_rows, np.int64))


def _run_dots(Q: sp.csr_matrix, q_rows: np.ndarray, X: sp.csr_matrix,
              x_rows: np.ndarray) -> np.ndarray:
    """:func:`pair_dots` a run of equal ``q_rows`` at a time (a build block's pool of
    4 K candidates per row): the query row scattered into a per-thread dense buffer, its
    candidates' rows multiplied by it in one sparse product, the buffer cleared. 1.7 us a
    pair against 4.5 us for the pairwise product of gathered rows (20k synthetic, 200
    candidates a row), which gathered each query row once per candidate."""
    if loops.AVAILABLE:  # 0.3 us a pair instead of 1.7 (a build's neighbour stage)
        return loops.run_dots(Q.indptr, Q.indices, Q.data, np.asarray(q_rows, np.int64),
                              X.indptr, X.indices, X.data, np.asarray(x_rows, np.int64),
                              _dense_row(X.shape[1]))
    out = np.zeros(len(q_rows), dtype=np.float32)
    if not len(q_rows):
        return out
    dense = _dense_row(X.shape[1])
    starts = np.flatnonzero(np.r_[True, q_rows[1:] != q_rows[:-1]])
    ends = np.r_[starts[1:], len(q_rows)]
    indptr, indices, data = Q.indptr, Q.indices, Q.data
    for a, b, q in zip(starts.tolist(), ends.tolist(), q_rows[starts].tolist(), strict=True):
        columns = indices[indptr[q]:indptr[q + 1]]
        dense[columns] = data[indptr[q]:indptr[q + 1]]
        try:
            out[a:b] = X[x_rows[a:b]] @ dense
        finally:
            dense[columns] = 0.0
    return out


def _one_row_dots(X: sp.csr_matrix, rows: np.ndarray, x: sp.csr_matrix) -> np.ndarray:
    """``X[rows] @ x.T`` for one sparse row ``x``, by binary search of its columns."""
    if not x.has_sorted_indices:
        x = x.sorted_indices()
    return row_dots(X, rows, x.indices, x.data)


@dataclass(frozen=True)
class GatheredRows:
    """The entries of ``X[rows]``, read through ``X``'s arrays: row pointers, the row of
    each entry, its column and value, and its product with one query row (0 where the
    query has no value)."""

    indptr: np.ndarray
    row_of: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    products: np.ndarray


def gathered_positions(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row pointers of ``rows`` gathered one after the other, and the positions of their
    entries in the CSR entry arrays that ``indptr`` points into."""
    starts = indptr[rows].astype(np.int64)
    sizes = indptr[rows + 1].astype(np.int64) - starts
    out = np.concatenate(([0], np.cumsum(sizes)))
    return out, np.repeat(starts - out[:-1], sizes) + np.arange(int(out[-1]))


def sorted_lookup(sorted_values: np.ndarray, wanted: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``wanted``: its index in ``sorted_values`` (clipped to the last one)
    and whether it is there, by binary search (cheaper than ``np.isin`` when
    ``sorted_values`` is short and already sorted)."""
    if not len(sorted_values):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_values, wanted), len(sorted_values) - 1)
    return where, sorted_values[where] == wanted


#: at most this many values are matched by one broadcast comparison instead of np.isin
_SMALL_SET = 32


def members(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``np.isin(values, wanted)`` for integer arrays. A box asks it of its stored row and
    the source's few editor links on every call, a tuned draft of its candidates' tags,
    where one broadcast comparison costs about a fifth of np.isin's sort (speed13
    branch); long lists still go to np.isin."""
    if len(wanted) > _SMALL_SET:
        return np.isin(values, wanted)
    return (values[:, None] == wanted[None, :]).any(axis=1)


def gather_products(X: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray,
                    values: np.ndarray) -> GatheredRows:
    """``X[rows]`` and each entry's product with one sparse row given as its sorted
    ``columns`` and ``values``, by binary search of those columns.

    Reads ``X``'s arrays directly: scipy's row indexing costs ~75 us a call on a 1M-row
    matrix, which a box with editor links paid twice per query.
    """
    rows = np.asarray(rows, dtype=np.int64)
    indptr, at = gathered_positions(X.indptr, rows)
    cols, data = X.indices[at], X.data[at]
    products = _entry_products(cols, data, columns, values, X.shape[1])
    return GatheredRows(indptr, np.repeat(np.arange(len(rows)), np.diff(indptr)), cols, data,
                        products)


#: gathered entries from which the query row is looked up in a dense copy, not by search
_DENSE_FROM = 4096
_dense = threading.local()


def scratch_buffer(name: str, size: int, dtype: np.dtype[Any] | type) -> np.ndarray:
    """This thread's zeroed buffer ``name`` of ``size`` items of ``dtype`` (grown when
    too short); a caller that writes in it clears what it set before returning."""
    buffer: np.ndarray | None = getattr(_dense, name, None)
    if buffer is None or len(buffer) < size or buffer.dtype != dtype:
        buffer = np.zeros(size, dtype=dtype)
        setattr(_dense, name, buffer)
    return buffer[:size]


def _dense_row(n_features: int) -> np.ndarray:
    """This thread's zeroed buffer of ``n_features`` float64s, for a query row scattered
    in and cleared after (:func:`scratch_buffer`)."""
    return scratch_buffer("row", n_features, np.float64)


def _entry_products(cols: np.ndarray, data: np.ndarray, columns: np.ndarray,
                    values: np.ndarray, n_features: int) -> np.ndarray:
    """``data[i] * value of column cols[i] in the query row`` (0 where it has none).

    Many entries (a draft's pool of 4 K candidates: 34,000 entries at K=50) read the query
    row from a dense copy scattered into a per-thread buffer of ``n_features`` float64s
    (reused, cleared after): 0.60 ms against 0.98 ms by binary search at 100k articles on
    the speed13 branch, the same products (values widened exactly, 0 elsewhere). Few
    entries (an editor's links) keep the binary search. Columns must be strictly
    increasing for the dense copy (as a canonical row's are), else the search is used.
    """
    if not len(columns):
        return np.zeros(len(cols), dtype=np.float64)
    if len(cols) < _DENSE_FROM or not bool(np.all(columns[1:] > columns[:-1])):
        where, found = sorted_lookup(columns, cols)
        return np.where(found, data.astype(np.float64) * values[where], 0.0)
    buffer = _dense_row(n_features)
    buffer[columns] = values
    try:
        # + 0.0: a product with a missing column is 0.0 as on the search path, never -0.0
        return data.astype(np.float64) * buffer[cols] + 0.0
    finally:
        buffer[columns] = 0.0


#: at most this many rows, :func:`row_dots` slices them one by one
_FEW_ROWS = 16


def row_dots(X: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray,
             values: np.ndarray) -> np.ndarray:
    """``X[rows] . x`` for one sparse row given as its sorted ``columns`` and ``values``
    (:func:`gather_products`, summed per row)."""
    rows = np.asarray(rows, dtype=np.int64)
    if loops.AVAILABLE and (len(columns) < 2 or bool(np.all(columns[1:] > columns[:-1]))):
        return loops.run_dots(np.array([0, len(columns)]), columns, values,
                              np.zeros(len(rows), np.int64), X.indptr, X.indices, X.data,
                              rows, _dense_row(X.shape[1]))
    if len(rows) <= _FEW_ROWS:
        return _few_row_dots(X, rows, columns, values)
    gathered = gather_products(X, rows, columns, values)
    return np.bincount(gathered.row_of, weights=gathered.products,
                       minlength=len(gathered.indptr) - 1).astype(np.float32)


def _few_row_dots(X: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray,
                  values: np.ndarray) -> np.ndarray:
    """:func:`row_dots` of a few rows (a box's editor links and fills, on every
    ``related()``): their entries sliced row by row instead of gathered by computed
    positions, the same products summed in the same order (25 us against 35 us for an
    article's three editor links at 100k articles, speed13 branch)."""
    m = len(rows)
    if not m or not len(columns):
        return np.zeros(m, dtype=np.float32)
    starts, ends = X.indptr[rows].tolist(), X.indptr[rows + 1].tolist()
    indices, data = X.indices, X.data
    cols = np.concatenate([indices[a:b] for a, b in zip(starts, ends, strict=True)])
    vals = np.concatenate([data[a:b] for a, b in zip(starts, ends, strict=True)])
    where, found = sorted_lookup(columns, cols)
    products = np.where(found, vals.astype(np.float64) * values[where], 0.0)
    row_of = np.repeat(np.arange(m), [b - a for a, b in zip(starts, ends, strict=True)])
    return np.bincount(row_of, weights=products, minlength=m).astype(np.float32)
