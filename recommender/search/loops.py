"""Compiled loops (numba, :mod:`recommender.compiled`) for dot products of sparse rows.

Re-scoring a search's candidates is a dot product of one query row with each candidate's
row. numpy does it in a dozen passes over gathered temporaries (positions, columns,
values, products, sums) and scipy's row indexing costs ~75 us a call on a 1M-row
matrix; here the query row is scattered into a zeroed dense buffer, each candidate's
entries are read in place and summed in float64 in entry order (as scipy and
``np.bincount`` sum them: the same float32 results), and the buffer is cleared.
"""

from __future__ import annotations

import numpy as np

from recommender.compiled import AVAILABLE, compiled

__all__ = ["AVAILABLE", "rank_grouped", "row_products", "run_dots"]


def _run_dots(q_indptr: np.ndarray, q_indices: np.ndarray, q_data: np.ndarray,
              q_rows: np.ndarray, x_indptr: np.ndarray, x_indices: np.ndarray,
              x_data: np.ndarray, x_rows: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """``Q[q_rows[i]] . X[x_rows[i]]`` for each pair, as float32; the query row is
    scattered once per run of equal ``q_rows`` (a build block's 4 K candidates of a row,
    a draft's pool). ``dense``: a zeroed float64 buffer of X's width, left zeroed.

    Candidates are read four at a time in step: reading their rows from a large matrix
    waits on memory, and four rows in flight wait together (a draft's pool of 200 at
    100k articles: 295-320 -> 213-228 us; a 30k build's neighbour stage 6.2-6.5 ->
    5.5-5.6 s). Each row's entries are still summed alone, in order, from 0.
    """
    out = np.zeros(len(q_rows), dtype=np.float32)
    start = 0
    while start < len(q_rows):
        q = q_rows[start]
        end = start + 1
        while end < len(q_rows) and q_rows[end] == q:
            end += 1
        for at in range(q_indptr[q], q_indptr[q + 1]):
            dense[q_indices[at]] = q_data[at]
        i = start
        while i + 3 < end:
            a0, e0 = x_indptr[x_rows[i]], x_indptr[x_rows[i] + 1]
            a1, e1 = x_indptr[x_rows[i + 1]], x_indptr[x_rows[i + 1] + 1]
            a2, e2 = x_indptr[x_rows[i + 2]], x_indptr[x_rows[i + 2] + 1]
            a3, e3 = x_indptr[x_rows[i + 3]], x_indptr[x_rows[i + 3] + 1]
            t0 = t1 = t2 = t3 = 0.0
            for _ in range(min(e0 - a0, e1 - a1, e2 - a2, e3 - a3)):  # the four in step
                t0 += np.float64(x_data[a0]) * dense[x_indices[a0]]
                t1 += np.float64(x_data[a1]) * dense[x_indices[a1]]
                t2 += np.float64(x_data[a2]) * dense[x_indices[a2]]
                t3 += np.float64(x_data[a3]) * dense[x_indices[a3]]
                a0 += 1
                a1 += 1
                a2 += 1
                a3 += 1
            for at in range(a0, e0):  # then the rest of each
                t0 += np.float64(x_data[at]) * dense[x_indices[at]]
            for at in range(a1, e1):
                t1 += np.float64(x_data[at]) * dense[x_indices[at]]
            for at in range(a2, e2):
                t2 += np.float64(x_data[at]) * dense[x_indices[at]]
            for at in range(a3, e3):
                t3 += np.float64(x_data[at]) * dense[x_indices[at]]
            out[i], out[i + 1], out[i + 2], out[i + 3] = t0, t1, t2, t3
            i += 4
        for k in range(i, end):
            row = x_rows[k]
            total = 0.0
            for at in range(x_indptr[row], x_indptr[row + 1]):
                total += np.float64(x_data[at]) * dense[x_indices[at]]
            out[k] = total
        for at in range(q_indptr[q], q_indptr[q + 1]):
            dense[q_indices[at]] = 0.0
        start = end
    return out


def _rank_grouped(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int,
                  k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~recommender.search.topk.rank_entries` of entries grouped by row (rows
    ascending, as a CSR product gives them): each row's entries ordered by value
    descending, ties by the lower column (two stable sorts, as ``np.lexsort`` orders),
    the best ``k`` kept, values clipped to [0, 1]. A row at a time instead of one
    lexsort of every entry of a block (1.5 of 4.5 s of a 20k build's neighbour stage)."""
    out_idx = np.full((n_rows, k), -1, dtype=np.int32)
    out_val = np.zeros((n_rows, k), dtype=np.float32)
    start = 0
    while start < len(rows):
        row = rows[start]
        end = start + 1
        while end < len(rows) and rows[end] == row:
            end += 1
        by_col = np.argsort(cols[start:end], kind="mergesort")
        best = by_col[np.argsort(-vals[start:end][by_col], kind="mergesort")]
        for slot in range(min(k, end - start)):
            at = start + best[slot]
            out_idx[row, slot] = cols[at]
            out_val[row, slot] = min(max(vals[at], 0.0), 1.0)
        start = end
    return out_idx, out_val


def _row_products(q_indices: np.ndarray, q_data: np.ndarray, p_indptr: np.ndarray,
                  p_indices: np.ndarray, p_data: np.ndarray, acc: np.ndarray,
                  touched: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-empty entries of one query row times a postings matrix (``q @ P`` for a
    CSR ``P``): (columns, values), in first-touched order. Summed as scipy's sparse
    product sums them (query entries in order, each term's postings in order, in
    ``acc``'s dtype, the product's). ``acc``: a zeroed buffer of P's width, left zeroed;
    ``touched``: an int64 buffer as long."""
    n = 0
    for i in range(len(q_indices)):
        term, weight = q_indices[i], q_data[i]
        for at in range(p_indptr[term], p_indptr[term + 1]):
            col = p_indices[at]
            if acc[col] == 0:
                touched[n] = col
                n += 1
            acc[col] += weight * p_data[at]
    cols = touched[:n].copy()
    vals = np.empty(n, dtype=acc.dtype)
    for i in range(n):
        vals[i] = acc[cols[i]]
        acc[cols[i]] = 0
    return cols, vals


run_dots = compiled(_run_dots)
row_products = compiled(_row_products)
rank_grouped = compiled(_rank_grouped)
