"""One contract for every search variant: exact or pruned, compiled kernel or scipy,
all candidates or some (same section, removed articles).

The build's blocks and a query's row go through the same Searcher; these tests hold
every variant to the same assertions, so the variants cannot drift apart.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import make_corpus
from hypothesis import given
from hypothesis import strategies as st

from recommender.errors import ConfigError
from recommender.search import kernel
from recommender.search.parallel import neighbour_graph
from recommender.search.searcher import Searcher, SearchSettings, pair_dots
from recommender.search.topk import Candidates
from recommender.vectorize.vectorizer import ArticleVectorizer

K = 6
MODES = {"exact": SearchSettings(),
         "pruned": SearchSettings(query_terms=8, query_max_df=0.5, index_terms=12,
                                  posting_limit=60)}


@pytest.fixture(scope="module")
def X() -> sp.csr_matrix:
    # 200 articles: blocks of >= kernel.MIN_ROWS rows, so the kernel path really runs
    articles = make_corpus(per_cluster=40, seed=5)
    return ArticleVectorizer(max_df=0.8).fit_transform(articles)


def _candidates(restriction: str, n: int) -> Candidates | None:
    rng = np.random.default_rng(3)
    if restriction == "same-section":
        return Candidates(sections=rng.integers(0, 3, n).astype(np.int32))
    if restriction == "removed":
        return Candidates(alive=rng.random(n) > 0.2)
    return None


def _allowed(candidates: Candidates | None, n: int) -> np.ndarray:
    """(n, n) mask of who may be whose neighbour under ``candidates``."""
    allowed = ~np.eye(n, dtype=bool)
    if candidates is not None and candidates.alive is not None:
        allowed &= candidates.alive[None, :]
    if candidates is not None and candidates.sections is not None:
        allowed &= candidates.sections[None, :] == candidates.sections[:, None]
    return allowed


@pytest.fixture(params=[True, False], ids=["kernel", "scipy"])
def use_kernel(request, monkeypatch):
    if request.param and not kernel.available():
        pytest.skip("sparse_dot_topn is not installed")
    if not request.param:
        monkeypatch.setattr(kernel, "_sp_matmul_topn", None)
    return request.param


@pytest.mark.parametrize("restriction", ["none", "same-section", "removed"])
@pytest.mark.parametrize("mode", ["exact", "pruned"])
def test_every_search_variant_keeps_the_contract(X, mode, restriction, use_kernel):
    n = X.shape[0]
    searcher = Searcher(X, MODES[mode])
    candidates = _candidates(restriction, n)
    idx, sims = neighbour_graph(searcher, K, candidates=candidates, budget_bytes=1 << 16)
    exact = (X @ X.T).toarray()
    allowed = _allowed(candidates, n)
    overlaps = []
    for row in range(n):
        found = idx[row][idx[row] >= 0]
        values = sims[row][: len(found)]
        # only allowed candidates, never itself, each once, empty slots last
        assert allowed[row, found].all() and len(set(found.tolist())) == len(found)
        assert (idx[row][len(found):] == -1).all()
        # never mis-scored: the stored similarity is the exact dot product
        np.testing.assert_allclose(values, exact[row, found], atol=1e-6)
        # best first, ties to the lower row (the one tie rule)
        pairs = list(zip((-values).tolist(), found.tolist(), strict=True))
        assert pairs == sorted(pairs)
        scores = np.where(allowed[row] & (exact[row] > 0), exact[row], 0.0)
        best = np.lexsort((np.arange(n), -scores))[:K]
        best = best[scores[best] > 0]
        if mode == "exact":
            assert found.tolist() == best.tolist()
        else:
            overlaps.append(len(set(found.tolist()) & set(best.tolist())) / max(len(best), 1))
        # the query path (one row, as similar() searches) answers what the build stored
        alone, alone_sims = searcher.search(
            X[row], K, own=np.array([row]), candidates=candidates,
            query_sections=None if candidates is None or candidates.sections is None
            else candidates.sections[[row]])
        if mode == "exact" or not use_kernel:
            assert alone[0].tolist() == idx[row].tolist()
            np.testing.assert_allclose(alone_sims[0], sims[row], atol=1e-6)
        else:  # the kernel cuts the candidate pool's ties in its own order
            assert len(set(alone[0].tolist()) & set(idx[row].tolist())) >= K - 1
    if mode == "pruned":
        assert np.mean(overlaps) >= 0.9


def test_an_editor_filter_is_one_more_candidate_test(X):
    """A read-time filter (``accept``) restricts a query like removed articles do."""
    searcher = Searcher(X, SearchSettings())
    odd = Candidates(accept=lambda cols: cols % 2 == 1)
    found, _ = searcher.search(X[0], K, own=np.array([0]), candidates=odd)
    assert len(found[0][found[0] >= 0]) == K and (found[0] % 2 == 1).all()
    as_removed = Candidates(alive=np.arange(X.shape[0]) % 2 == 1)
    assert searcher.search(X[0], K, own=np.array([0]), candidates=as_removed)[0].tolist() \
        == found.tolist()


def test_a_draft_is_searched_like_an_indexed_row(X):
    """A query that is not indexed (own=-1) finds the row itself first."""
    for mode in MODES.values():
        found, sims = Searcher(X, mode).search(X[7], K, own=np.array([-1]))
        assert found[0, 0] == 7 and sims[0, 0] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("n_queries", [1, 5])
def test_pair_dots_equals_the_plain_product(X, n_queries):
    """Both strategies (binary search for one row, pairwise products for a block)."""
    rng = np.random.default_rng(0)
    Q = X[rng.choice(X.shape[0], n_queries, replace=False)]
    q_rows = rng.integers(0, n_queries, 300)
    x_rows = rng.integers(0, X.shape[0], 300)
    expected = (Q @ X.T).toarray()[q_rows, x_rows]
    np.testing.assert_allclose(pair_dots(Q, q_rows, X, x_rows), expected, atol=1e-6)


def test_settings_come_from_the_build_config():
    from recommender import BuildConfig

    config = BuildConfig(query_terms=9, query_max_df=0.4, index_terms=7, posting_limit=11)
    settings = SearchSettings.from_config(config)
    assert dataclasses.asdict(settings) == {"query_terms": 9, "query_max_df": 0.4,
                                            "index_terms": 7, "posting_limit": 11}
    assert settings.pruned and not SearchSettings.from_config(BuildConfig(query_terms=None)).pruned
    # "auto" is decided by the archive's size before a search is set up
    with pytest.raises(ConfigError, match="for_archive"):
        SearchSettings.from_config(BuildConfig())
    assert not SearchSettings.from_config(BuildConfig().for_archive(10)).pruned


@given(st.integers(2, 8), st.integers(2, 300), st.integers(1, 6), st.integers(0, 10_000),
       st.sampled_from([0.5, 0.98]))
def test_one_row_top_k_equals_the_block_path(n_rows, n_cols, k, seed, zeros):
    """A query's row (no column sort) ranks as the same row inside a block (dense or
    padded path), ties included."""
    from recommender.search.topk import topk_rows

    rng = np.random.default_rng(seed)
    values = rng.choice([0.25, 0.5, 0.75], size=(n_rows, n_cols))
    dense = np.where(rng.random((n_rows, n_cols)) < zeros, 0.0, values).astype(np.float32)
    M = sp.csr_matrix(dense)
    own = rng.integers(-1, n_cols, n_rows)
    alive = Candidates(alive=rng.random(n_cols) > 0.2)
    block_idx, block_val = topk_rows(M, k, row_ids=own, candidates=alive)
    for r in range(n_rows):
        idx, val = topk_rows(M[r], k, row_ids=own[r:r + 1], candidates=alive)
        assert idx[0].tolist() == block_idx[r].tolist()
        np.testing.assert_array_equal(val[0], block_val[r])
