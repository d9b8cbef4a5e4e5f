"""From raw counts to weighted, unit-length rows, a slice of rows at a time."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def weight_rows(
    counts: np.ndarray, columns: np.ndarray, column_weights: np.ndarray, share: float,
    log: bool, indptr: np.ndarray | None = None,
) -> np.ndarray:
    """The weighted values of rows of counts: ``(1 + log) counts`` (when ``log``) times
    the column weights, each row scaled to length ``sqrt(share)``, in float64.

    ``indptr`` (from 0) cuts ``counts`` into rows; None is one row. Every block of every
    vector, a build's or a draft's, is weighted here.
    """
    values = counts.astype(np.float64)
    if log:
        np.log(values, out=values)
        values += 1.0
    values *= column_weights[columns]
    scale = np.sqrt(share)
    if indptr is None:
        norm = float(np.sqrt(np.dot(values, values)))
        return values * (scale / norm) if norm > 0 else values
    n_rows = len(indptr) - 1
    filled = np.flatnonzero(np.diff(indptr))
    norms = np.zeros(n_rows)
    norms[filled] = np.sqrt(np.add.reduceat(values * values, indptr[:-1][filled]))
    row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
    with np.errstate(divide="ignore", invalid="ignore"):
        values *= np.where(norms > 0, scale / norms, 0.0)[row_of]
    return values


def weighted_unit_rows(
    counts: sp.csr_matrix, column_weights: np.ndarray, share: float, log: bool, dtype: type,
    rows_per_slice: int = 65_536,
) -> sp.csr_matrix:
    """:func:`weight_rows` of a count matrix, a slice of rows at a time (no float64 copy
    of the whole matrix), stored as ``dtype``; empty rows stay empty."""
    n_rows = counts.shape[0]
    indptr = np.asarray(counts.indptr, dtype=np.int64)
    data = np.empty(counts.nnz, dtype=dtype)
    for a in range(0, n_rows, rows_per_slice):
        b = min(a + rows_per_slice, n_rows)
        lo, hi = indptr[a], indptr[b]
        if lo < hi:
            data[lo:hi] = weight_rows(counts.data[lo:hi], counts.indices[lo:hi], column_weights,
                                      share, log, indptr[a:b + 1] - lo)
    return sp.csr_matrix((data, counts.indices, indptr), shape=counts.shape)


def select_columns(m: sp.csr_matrix, columns: np.ndarray) -> sp.csr_matrix:
    """``m[:, columns]`` through a lookup table: one pass, no CSC copy of the matrix."""
    new = np.full(m.shape[1], -1, dtype=np.int32)
    new[columns] = np.arange(len(columns), dtype=np.int32)
    mapped = new[m.indices]
    kept = mapped >= 0
    per_row = np.zeros(m.shape[0], dtype=np.int64)
    filled = np.flatnonzero(np.diff(m.indptr))
    if len(filled):
        per_row[filled] = np.add.reduceat(kept, m.indptr[filled], dtype=np.int64)
    out = sp.csr_matrix(
        (m.data[kept], mapped[kept], np.concatenate([[0], np.cumsum(per_row)])),
        shape=(m.shape[0], len(columns)),
    )
    out.sort_indices()
    return out
