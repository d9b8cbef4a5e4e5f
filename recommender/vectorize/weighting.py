"""From raw counts to weighted, unit-length rows, a slice of rows at a time."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def unit(values: np.ndarray) -> np.ndarray:
    """A vector scaled to unit length (a zero vector stays zero)."""
    norm = float(np.sqrt(np.dot(values, values)))
    return values / norm if norm > 0 else values


def weighted_unit_rows(
    counts: sp.csr_matrix, column_weights: np.ndarray, share: float, log: bool, dtype: type,
    rows_per_slice: int = 65_536,
) -> sp.csr_matrix:
    """``(1 + log) counts`` times the column weights, rows scaled to length ``sqrt(share)``.

    Computed in float64 a slice of rows at a time and stored as ``dtype``; empty rows
    stay empty.
    """
    n_rows = counts.shape[0]
    indptr = np.asarray(counts.indptr, dtype=np.int64)
    data = np.empty(counts.nnz, dtype=dtype)
    scale = np.sqrt(share)
    for a in range(0, n_rows, rows_per_slice):
        b = min(a + rows_per_slice, n_rows)
        lo, hi = indptr[a], indptr[b]
        if lo == hi:
            continue
        values = counts.data[lo:hi].astype(np.float64)
        if log:
            np.log(values, out=values)
            values += 1.0
        values *= column_weights[counts.indices[lo:hi]]
        starts = indptr[a:b] - lo
        filled = np.flatnonzero(np.diff(indptr[a:b + 1]))
        norms = np.zeros(b - a)
        norms[filled] = np.sqrt(np.add.reduceat(values * values, starts[filled]))
        row_of = np.repeat(np.arange(b - a), np.diff(indptr[a:b + 1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            values *= np.where(norms > 0, scale / norms, 0.0)[row_of]
        data[lo:hi] = values
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
