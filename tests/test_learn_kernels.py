"""The compiled loops a tuned draft is scored with equal the numpy code they replace."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier

from recommender.learn import kernels
from recommender.learn.export import LearnedRanker, _tree_raw
from recommender.learn.features import ALL_FEATURES, FEATURES, with_list_features
from recommender.learn.tuned import shared_tags, term_features, term_features_numpy

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")


def random_rows(seed: int, n_rows: int, n_text: int, n_tags: int, density: float
                ) -> sp.csr_matrix:
    """Rows laid out as an index's: text, title (as many columns), then tags."""
    rng = np.random.default_rng(seed)
    m = sp.random(n_rows, 2 * n_text + n_tags, density=density, random_state=rng,
                  format="csr", dtype=np.float32)
    m.sum_duplicates()
    m.sort_indices()
    return m


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_text=st.integers(1, 30), n_tags=st.integers(0, 5),
       density=st.floats(0.0, 0.6), picked=st.integers(0, 40))
def test_term_features_compiled_equal_numpy(seed, n_text, n_tags, density, picked):
    X = random_rows(seed, 40, n_text, n_tags, density)
    x = random_rows(seed + 1, 1, n_text, n_tags, density)
    idf = np.random.default_rng(seed).uniform(1, 5, n_text).astype(np.float32)
    candidates = np.random.default_rng(seed + 2).permutation(40)[:picked].astype(np.int64)
    compiled = term_features(X, idf, n_text, x, candidates)
    np.testing.assert_allclose(compiled, term_features_numpy(X, idf, n_text, x, candidates),
                               rtol=1e-12, atol=1e-12)
    # the buffers are left zeroed: the next draft reads nothing of this one
    nothing = term_features(X, idf, n_text, sp.csr_matrix(x.shape, dtype=np.float32),
                            candidates)
    title_terms = kernels.ENTRY_COLUMNS.index("candidate_title_terms")
    assert not np.delete(nothing, title_terms, axis=1).any()


def test_term_features_count_what_each_side_has_in_the_others_title():
    # 2 terms; the draft has term 0 as text and term 1 in its title
    n_text = 2
    x = sp.csr_matrix(([0.5, 0.5], ([0, 0], [0, n_text + 1])), shape=(1, 2 * n_text))
    # candidate 0: term 1 as text, term 0 in its title; candidate 1: term 0 as text only
    X = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 0, 1], [1, n_text + 0, 0])), shape=(2, 4))
    out = term_features(X, np.array([2.0, 3.0]), n_text, x, np.array([0, 1]))
    columns = dict(zip(kernels.ENTRY_COLUMNS, out.T, strict=True))
    assert columns["candidate_title_terms"].tolist() == [1, 0]
    assert columns["candidate_title_in_source"].tolist() == [1, 0]  # its title term 0
    assert columns["source_title_in_candidate"].tolist() == [1, 0]  # the draft's title 1
    assert columns["shared_terms"].tolist() == [0, 1]
    assert columns["shared_idf"].tolist() == [0.0, 2.0]
    assert columns["text"].tolist() == [0.0, 0.5]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 30))
def test_list_features_compiled_equal_numpy(seed, n):
    rng = np.random.default_rng(seed)
    m = len(FEATURES)
    features = rng.normal(size=(n, m)) * rng.integers(0, 2, size=(n, m))
    compiled = with_list_features(features)  # one list: compiled
    reference = with_list_features(features, np.zeros(n, dtype=np.int64))  # numpy path
    assert compiled.shape == reference.shape == (n, len(ALL_FEATURES))
    np.testing.assert_allclose(compiled, reference, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), wanted=st.lists(st.integers(0, 8), max_size=4))
def test_shared_tags_compiled_equal_numpy(seed, wanted):
    from recommender.search.searcher import gathered_positions, members

    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 4, size=20)

    class Tags:
        indptr = np.r_[0, np.cumsum(sizes)].astype(np.int64)
        codes = rng.integers(0, 9, size=int(sizes.sum())).astype(np.int32)

    rows = rng.permutation(20)[:12].astype(np.int64)
    wanted_codes = np.unique(np.asarray(wanted, dtype=np.int32))
    indptr, at = gathered_positions(Tags.indptr, rows)
    expected = np.bincount(np.repeat(np.arange(len(rows)), np.diff(indptr)),
                           weights=members(Tags.codes[at], wanted_codes), minlength=len(rows))
    np.testing.assert_array_equal(shared_tags(Tags, rows, wanted_codes), expected)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 6), missing=st.booleans())
def test_compiled_tree_walks_equal_the_numpy_walk(seed, depth, missing):
    """Both compiled walks (complete trees up to depth 4, node by node deeper) give the
    numpy walk's sums, missing values included."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 5))
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(scale=0.5, size=300)) > 0
    if missing:
        x[::5, 3] = np.nan
    model = HistGradientBoostingClassifier(max_iter=20, max_depth=depth,
                                           random_state=0).fit(x, y)
    ranker = LearnedRanker.from_estimator(model)
    fresh = rng.normal(size=(50, 5))
    fresh[::4, 3] = np.nan if missing else fresh[::4, 3]
    fresh[::7, 0] = np.nan if missing else fresh[::7, 0]
    walk = ranker._walk
    assert (walk.complete is not None) == (walk.depth <= 4)
    expected = _tree_raw(ranker.arrays, fresh)
    x_t = np.ascontiguousarray(fresh.T)
    node_by_node = kernels.tree_raw(x_t, walk.roots, walk.node_feature, walk.node_threshold,
                                    walk.missing_left, walk.children, walk.value,
                                    walk.baseline, walk.depth)
    np.testing.assert_allclose(node_by_node, expected, rtol=1e-12, atol=1e-12)
    if walk.complete is not None:
        c = walk.complete
        complete = kernels.complete_tree_raw(x_t, c.feature, c.threshold, c.missing_left,
                                             c.value, walk.baseline, walk.depth)
        np.testing.assert_allclose(complete, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ranker.scores(fresh), model.predict_proba(fresh)[:, 1],
                               rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 40), links=st.integers(0, 120))
def test_a_drafts_neighbour_links_compiled_equal_numpy(seed, n, links):
    from recommender.learn import tuned

    rng = np.random.default_rng(seed)
    n_rows = 60
    pairs = rng.integers(0, n_rows, size=(links, 2))
    adjacency = sp.csr_matrix((np.ones(links, np.float32), (pairs[:, 0], pairs[:, 1])),
                              shape=(n_rows, n_rows))
    adjacency.sum_duplicates()
    adjacency.sort_indices()
    candidates = rng.permutation(n_rows)[:n].astype(np.int64)
    sims = rng.uniform(-0.1, 1.0, size=max(n - 3, 0))
    compiled = tuned._draft_neighbour_links(candidates, sims, adjacency)
    kernels.AVAILABLE = False
    try:
        reference = tuned._draft_neighbour_links(candidates, sims, adjacency)
    finally:
        kernels.AVAILABLE = True
    np.testing.assert_allclose(compiled, reference, rtol=1e-12, atol=1e-12)
