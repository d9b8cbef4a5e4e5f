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

__all__ = ["AVAILABLE", "run_dots"]


def _run_dots(q_indptr: np.ndarray, q_indices: np.ndarray, q_data: np.ndarray,
              q_rows: np.ndarray, x_indptr: np.ndarray, x_indices: np.ndarray,
              x_data: np.ndarray, x_rows: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """``Q[q_rows[i]] . X[x_rows[i]]`` for each pair, as float32; the query row is
    scattered once per run of equal ``q_rows`` (a build block's 4 K candidates of a row,
    a draft's pool). ``dense``: a zeroed float64 buffer of X's width, left zeroed."""
    out = np.zeros(len(q_rows), dtype=np.float32)
    start = 0
    while start < len(q_rows):
        q = q_rows[start]
        end = start + 1
        while end < len(q_rows) and q_rows[end] == q:
            end += 1
        for at in range(q_indptr[q], q_indptr[q + 1]):
            dense[q_indices[at]] = q_data[at]
        for i in range(start, end):
            row = x_rows[i]
            total = 0.0
            for at in range(x_indptr[row], x_indptr[row + 1]):
                total += np.float64(x_data[at]) * dense[x_indices[at]]
            out[i] = total
        for at in range(q_indptr[q], q_indptr[q + 1]):
            dense[q_indices[at]] = 0.0
        start = end
    return out


run_dots = compiled(_run_dots)
