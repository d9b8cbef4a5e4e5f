"""The compiled loops of the search equal the numpy code they replace."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.search import loops
from recommender.search import topk as topk_module
from recommender.search.searcher import pair_dots, row_dots

pytestmark = pytest.mark.skipif(not loops.AVAILABLE, reason="numba is not installed")


def numpy_only(function, *args):
    """``function(*args)`` on the numpy paths (the reference)."""
    loops.AVAILABLE = False
    try:
        return function(*args)
    finally:
        loops.AVAILABLE = True


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_rows=st.integers(1, 12), k=st.integers(1, 6),
       levels=st.integers(1, 4))
def test_ranking_grouped_entries_keeps_the_tie_rule(seed, n_rows, k, levels):
    """Few distinct values: many ties, cut by the lower column in both paths."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 9, size=n_rows)
    rows = np.repeat(np.arange(n_rows), sizes).astype(np.int64)
    cols = np.concatenate([rng.permutation(40)[:s] for s in sizes]).astype(np.int64)
    vals = (rng.integers(-1, levels, size=len(rows)) / levels).astype(np.float32)
    compiled = topk_module.rank_entries(rows, cols, vals, n_rows, k)
    reference = numpy_only(topk_module.rank_entries, rows, cols, vals, n_rows, k)
    for got, expected in zip(compiled, reference, strict=True):
        np.testing.assert_array_equal(got, expected)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), density=st.floats(0.0, 0.5), pairs=st.integers(0, 60))
def test_pair_and_row_dots_equal_numpy(seed, density, pairs):
    rng = np.random.default_rng(seed)
    X = sp.random(30, 50, density=density, random_state=rng, format="csr", dtype=np.float32)
    Q = sp.random(5, 50, density=density, random_state=rng, format="csr", dtype=np.float32)
    q_rows = np.sort(rng.integers(0, 5, size=pairs)).astype(np.int64)
    x_rows = rng.integers(0, 30, size=pairs).astype(np.int64)
    np.testing.assert_array_equal(pair_dots(Q, q_rows, X, x_rows),
                                  numpy_only(pair_dots, Q, q_rows, X, x_rows))
    np.testing.assert_allclose(pair_dots(Q, q_rows, X, x_rows),
                               np.asarray(Q[q_rows].multiply(X[x_rows]).sum(axis=1)).ravel(),
                               rtol=1e-6, atol=1e-7)
    q = Q[int(seed % 5)]
    q.sort_indices()
    np.testing.assert_array_equal(row_dots(X, x_rows, q.indices, q.data),
                                  numpy_only(row_dots, X, x_rows, q.indices, q.data))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), pruned=st.booleans(), k=st.integers(1, 8),
       levels=st.integers(1, 3), sectioned=st.booleans())
def test_a_drafts_search_equals_the_scipy_path(seed, pruned, k, levels, sectioned):
    """One query row (a draft), exact or pruned, with many tied scores: the compiled
    product finds the same neighbours, in the same order, as scipy's."""
    from recommender.search.searcher import Searcher, SearchSettings
    from recommender.search.topk import Candidates

    rng = np.random.default_rng(seed)
    X = sp.random(40, 30, density=0.3, random_state=rng, format="csr", dtype=np.float32)
    X.data = (np.ceil(X.data * levels) / levels).astype(np.float32)  # ties
    q = sp.random(1, 30, density=0.4, random_state=rng, format="csr", dtype=np.float32)
    q.data = (np.ceil(q.data * levels) / levels).astype(np.float32)
    q.sort_indices()
    settings_ = SearchSettings(query_terms=3) if pruned else SearchSettings()
    sections = rng.integers(0, 3, size=40).astype(np.int32)
    candidates = Candidates(sections=sections) if sectioned else None
    query_sections = np.array([1], dtype=np.int32) if sectioned else None

    def search():
        return Searcher(X, settings_).search(q, k, own=np.array([-1]), candidates=candidates,
                                             query_sections=query_sections)

    compiled = search()
    reference = numpy_only(search)
    for got, expected in zip(compiled, reference, strict=True):
        np.testing.assert_array_equal(got, expected)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(0, 12), levels=st.integers(1, 4),
       shuffled=st.booleans())
def test_strongest_of_a_row_equals_prune_rows(seed, m, levels, shuffled):
    from recommender.search.pruning import prune_rows, strongest_of_row

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 20))
    indices = np.sort(rng.choice(40, size=n, replace=False)).astype(np.int32)
    data = (rng.integers(1, levels + 1, size=n) / levels).astype(np.float32)  # ties
    row = sp.csr_matrix((data, indices, np.array([0, n])), shape=(1, 40))
    expected = prune_rows(row, m)
    if shuffled:
        order = rng.permutation(n)
        indices, data = indices[order], data[order]
    got_indices, got_data = strongest_of_row(indices, data, m)
    if n <= m:  # kept as given
        assert sorted(got_indices.tolist()) == expected.indices.tolist()
        return
    np.testing.assert_array_equal(got_indices, expected.indices)
    np.testing.assert_array_equal(got_data, expected.data)
