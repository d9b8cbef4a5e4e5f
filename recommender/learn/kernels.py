"""Compiled loops (numba, :mod:`recommender.compiled`) for scoring one tuned draft's pool.

A tuned ``similar()`` scores every candidate of a draft's pool (about 260 on se_en:
the searched 100 and the section's most-linked articles): the shared-term features read
every entry of every candidate's row (about 40,000), and the trees walk 100 trees per
candidate. In numpy each of those is a dozen passes over temporary arrays (0.76 ms and
0.56 ms a draft, 1.3 of the 1.7 ms the learned ranking added to a 1.3 ms answer); here
each is one pass. Without numba (:data:`AVAILABLE` False) the callers keep their numpy
code, which is also the reference the tests compare these loops with.
"""

from __future__ import annotations

import numpy as np

from recommender.compiled import AVAILABLE, compiled

__all__ = ["AVAILABLE", "CANDIDATE_COLUMNS", "ENTRY_COLUMNS", "candidate_columns",
           "complete_tree_raw", "entry_features", "linked_through", "list_features",
           "shared_counts", "tree_raw"]


#: columns of :func:`entry_features`' result
ENTRY_COLUMNS = ("text", "title", "tags", "shared_terms", "shared_idf", "max_shared_idf",
                 "candidate_title_terms", "candidate_title_in_source",
                 "source_title_in_candidate")


def _entry_features(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                    candidates: np.ndarray, columns: np.ndarray, values: np.ndarray,
                    idf: np.ndarray, n_text: int, dense: np.ndarray,
                    codes: np.ndarray) -> np.ndarray:
    """Per candidate row of a CSR matrix (``indptr``, ``indices``, ``data``), against
    one query row (sorted ``columns``, ``values``), in :data:`ENTRY_COLUMNS` order: the
    products summed per block (text, title, tags: ``n_text`` columns each for the first
    two), the count, idf sum and idf maximum of shared text terms, the candidate's title
    terms, those the query has as text terms, and the candidate's text terms that the
    query has as title terms. ``dense``/``codes``: zeroed buffers of the matrix's width,
    left zeroed. Sums run in entry order, as ``np.bincount`` sums them."""
    for i in range(len(columns)):
        c = columns[i]
        dense[c] = values[i]
        codes[c] |= 1
        if c < n_text:
            codes[c + n_text] |= 2  # the query has, as text, this title column's term
        elif c < 2 * n_text:
            codes[c - n_text] |= 4  # the query has, as title, this text column's term
    out = np.zeros((len(candidates), len(ENTRY_COLUMNS)), dtype=np.float64)
    for r in range(len(candidates)):
        row = candidates[r]
        for at in range(indptr[row], indptr[row + 1]):
            c = indices[at]
            code = codes[c]
            block = 0 if c < n_text else (1 if c < 2 * n_text else 2)
            if block == 1:
                out[r, 6] += 1.0
            if code == 0:
                continue
            product = np.float64(data[at]) * dense[c] + 0.0
            out[r, block] += product
            if block == 0:
                if product != 0.0:
                    weight = np.float64(idf[c])
                    out[r, 3] += 1.0
                    out[r, 4] += weight
                    if weight > out[r, 5]:
                        out[r, 5] = weight
                if code & 4:
                    out[r, 8] += 1.0
            elif block == 1 and code & 2:
                out[r, 7] += 1.0
    for i in range(len(columns)):
        c = columns[i]
        dense[c] = 0.0
        codes[c] = 0
        if c < n_text:
            codes[c + n_text] = 0
        elif c < 2 * n_text:
            codes[c - n_text] = 0
    return out


def _tree_raw(x_t: np.ndarray, roots: np.ndarray, feature: np.ndarray, threshold: np.ndarray,
              missing_left: np.ndarray, children: np.ndarray, value: np.ndarray,
              baseline: float, depth: int) -> np.ndarray:
    """Sum of each input's leaf values over every tree, plus the baseline; ``x_t``: the
    inputs' features, one row per feature (a tree's first tests read a row). Each tree is
    walked ``depth`` steps without a branch: ``children[2 * node + went_left]`` is the
    next node, a leaf its own child (a missing value goes where the fit sent missing
    values; ``v <= threshold`` is False for NaN)."""
    n = x_t.shape[1]
    out = np.full(n, baseline)
    node = np.empty(n, dtype=np.int64)
    for root in roots:  # a tree at a time, every input a step at a time: independent
        node[:] = root  # lookups the processor overlaps (a walk is a chain of loads)
        for _ in range(depth):
            for i in range(n):
                at = node[i]
                v = x_t[feature[at], i]
                went_left = (v <= threshold[at]) | (np.isnan(v) & missing_left[at])
                node[i] = children[2 * at + went_left]
        for i in range(n):
            out[i] += value[node[i]]
    return out


def _complete_tree_raw(x_t: np.ndarray, feature: np.ndarray, threshold: np.ndarray,
                       missing_left: np.ndarray, value: np.ndarray, baseline: float,
                       depth: int) -> np.ndarray:
    """:func:`_tree_raw` for trees made complete to ``depth`` (a shallower leaf's value
    copied to every leaf below it, the tests above them then deciding nothing): tests in
    heap order, ``(trees, 2 ** depth - 1)``, values ``(trees, 2 ** depth)``. Every test
    of every tree is computed first, row by row of ``x_t`` (what a processor does in
    wide steps); a walk is then ``depth`` lookups among them and arithmetic, no chain of
    node loads."""
    n = x_t.shape[1]
    trees, tests = feature.shape
    went_left = np.empty((tests, n), dtype=np.uint8)
    out = np.full(n, baseline)
    k = np.empty(n, dtype=np.int64)
    for t in range(trees):
        for j in range(tests):
            row, limit, tests_j = x_t[feature[t, j]], threshold[t, j], went_left[j]
            if missing_left[t, j]:  # NaN goes left: "not above" is True for NaN
                for i in range(n):
                    tests_j[i] = not row[i] > limit
            else:  # NaN goes right: "at most" is False for NaN
                for i in range(n):
                    tests_j[i] = row[i] <= limit
        k[:] = 0
        for _ in range(depth):  # every input a level at a time: independent lookups
            for i in range(n):
                k[i] = 2 * k[i] + 2 - went_left[k[i], i]
        for i in range(n):
            out[i] += value[t, k[i] - tests]
    return out


def _list_features(features: np.ndarray) -> np.ndarray:
    """:func:`~recommender.learn.features.with_list_features` of one list: each column,
    then per column its value over the list's largest (0 where that is not positive)
    and its value minus the list's mean (summed in row order, as numpy sums a column).
    Returned transposed (the caller's ``.T`` is the (pairs, columns) matrix), so the
    trees read each feature's values contiguously without a copy."""
    n, m = features.shape
    out = np.empty((3 * m, n), dtype=np.float64)
    for j in range(m):
        largest, total = -np.inf, 0.0
        for i in range(n):
            v = features[i, j]
            total += v
            if v > largest:
                largest = v
        mean = total / n if n else 0.0
        for i in range(n):
            v = features[i, j]
            out[j, i] = v
            out[m + 2 * j, i] = v / largest if largest > 0 else 0.0
            out[m + 2 * j + 1, i] = v - mean
    return out


def _shared_counts(indptr: np.ndarray, codes: np.ndarray, rows: np.ndarray,
                   wanted: np.ndarray) -> np.ndarray:
    """Per row of a CSR structure (``indptr``, ``codes``): how many of its codes are
    among the few ``wanted`` (a draft's tags)."""
    out = np.zeros(len(rows), dtype=np.float64)
    for r in range(len(rows)):
        row = rows[r]
        for at in range(indptr[row], indptr[row + 1]):
            for w in wanted:
                if codes[at] == w:
                    out[r] += 1.0
                    break
    return out


def _linked_through(candidates: np.ndarray, nearest: np.ndarray, weights: np.ndarray,
                    indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Per candidate: the summed ``weights`` and the count of the ``nearest`` candidates
    (positions among ``candidates``, each with its weight) whose editor links (the CSR
    ``indptr``/``indices`` of a link graph) reach it, in link order (as ``np.bincount``
    sums them). Candidates are distinct."""
    out = np.zeros((len(candidates), 2), dtype=np.float64)
    order = np.argsort(candidates)
    in_order = candidates[order]
    for j in range(len(nearest)):
        row = candidates[nearest[j]]
        for at in range(indptr[row], indptr[row + 1]):
            where = np.searchsorted(in_order, indices[at])
            if where < len(in_order) and in_order[where] == indices[at]:
                slot = order[where]
                out[slot, 0] += weights[j]
                out[slot, 1] += 1.0
    return out


#: columns of :func:`candidate_columns`' result
CANDIDATE_COLUMNS = ("hub_candidate", "log_days_apart", "dated", "candidate_newer",
                     "same_section", "candidate_links_in", "log_terms_candidate",
                     "stored_in_degree")


def _candidate_columns(candidates: np.ndarray, hubs: np.ndarray, days: np.ndarray,
                       day: np.int64, sections: np.ndarray, section: int,
                       links_in: np.ndarray, indptr: np.ndarray,
                       in_degree: np.ndarray) -> np.ndarray:
    """What a draft's features read of each candidate's own row, in
    :data:`CANDIDATE_COLUMNS` order, as the numpy code computes them: ``days`` the
    publication dates as int64 days (NaT: the smallest int64), ``day`` the draft's;
    ``section`` its folded section code (-1: none)."""
    unknown = np.iinfo(np.int64).min
    out = np.zeros((len(candidates), len(CANDIDATE_COLUMNS)), dtype=np.float64)
    for r in range(len(candidates)):
        c = candidates[r]
        out[r, 0] = hubs[c]
        if day != unknown and days[c] != unknown:
            gap = np.float64(days[c] - day)
            out[r, 1] = np.log1p(abs(gap))
            out[r, 2] = 1.0
            out[r, 3] = 1.0 if gap > 0 else 0.0
        out[r, 4] = 1.0 if section >= 0 and sections[c] == section else 0.0
        out[r, 5] = np.log1p(links_in[c])
        out[r, 6] = np.log1p(np.float64(indptr[c + 1] - indptr[c]))
        out[r, 7] = np.log1p(in_degree[c])
    return out


entry_features = compiled(_entry_features)
tree_raw = compiled(_tree_raw)
complete_tree_raw = compiled(_complete_tree_raw)
list_features = compiled(_list_features)
shared_counts = compiled(_shared_counts)
linked_through = compiled(_linked_through)
candidate_columns = compiled(_candidate_columns)
