"""RelatedIndex: oracle against brute force, properties, filters and updates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import make_corpus, plain_build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender import BuildConfig, UnknownArticleError
from recommender.records import Article
from recommender.vectorize.vectorizer import ArticleVectorizer

#: the plain similarity graph, without the hub penalty and time bonus of the default ranking
RAW = {"hub_penalty": 0.0, "time_weight": 0.0}


def brute_force(articles, config: BuildConfig, k: int, same_section=False):
    """Reference: dense cosine matrix, argsort, ties by lower position."""
    vec = ArticleVectorizer(tag_weight=config.tag_weight, title_weight=config.title_weight,
                            max_df=config.max_df)
    X = vec.fit_transform(articles).toarray().astype(np.float64)
    S = X @ X.T
    out = []
    for i in range(len(articles)):
        cand = [j for j in range(len(articles)) if j != i and S[i, j] > 1e-9
                and (not same_section or articles[j].section == articles[i].section)]
        cand.sort(key=lambda j: (-S[i, j], j))
        out.append([(articles[j].id, S[i, j]) for j in cand[:k]])
    return out


@pytest.fixture(scope="module")
def index(corpus):
    return plain_build(corpus, BuildConfig(n_neighbors=10))


@pytest.mark.parametrize("kernel", [True, False])
@pytest.mark.parametrize("block_mib", [1, 256])
def test_blockwise_topk_equals_brute_force(corpus, block_mib, kernel, monkeypatch):
    import recommender.search.kernel as topk

    if not kernel:  # the scipy path, with its budget-sized blocks
        monkeypatch.setattr(topk, "_sp_matmul_topn", None)
    config = BuildConfig(n_neighbors=7, block_mib=block_mib, **RAW)
    index = plain_build(corpus, config)
    expected = brute_force(corpus, config, 7)
    for art, exp in zip(corpus, expected, strict=True):
        got = index.related(art.id, k=7)
        assert [r.id for r in got] == [e[0] for e in exp]
        np.testing.assert_allclose([r.score for r in got], [e[1] for e in exp], atol=1e-5)


def test_small_blocks_are_really_used(corpus):
    from recommender.search.topk import plan_blocks

    X = ArticleVectorizer().fit_transform(corpus)
    assert len(plan_blocks(X, X.T.tocsr(), 2_000)) > 5
    assert len(plan_blocks(X, X.T.tocsr(), 1 << 30)) == 1


def test_parallel_build_equals_serial(corpus):
    serial = plain_build(corpus, BuildConfig(n_neighbors=5, block_mib=1))
    parallel = plain_build(corpus, BuildConfig(n_neighbors=5, block_mib=1), n_jobs=2)
    np.testing.assert_array_equal(serial.graph.neighbors, parallel.graph.neighbors)
    np.testing.assert_array_equal(serial.graph.scores, parallel.graph.scores)


def test_related_finds_own_cluster(index, corpus):
    for art in corpus:
        top = index.related(art.id, k=3)
        assert all(r.id.split("-")[0] == art.id.split("-")[0] for r in top), (art.id, top)


def test_k_larger_than_stored_is_exact(corpus):
    index = plain_build(corpus, BuildConfig(n_neighbors=3, **RAW))
    expected = brute_force(corpus, BuildConfig(), 25)
    got = index.related(corpus[0].id, k=25)
    assert [r.id for r in got] == [e[0] for e in expected[0]]


def test_unknown_id_is_a_key_error(index):
    with pytest.raises(UnknownArticleError, match="'nope'"):
        index.related("nope")
    with pytest.raises(KeyError):
        index.related("nope")


@pytest.mark.parametrize("k", [0, -1])
def test_bad_k(index, k):
    with pytest.raises(ValueError, match=f"k={k}"):
        index.related("eau-0", k=k)


def test_similar_draft_ranks_its_cluster_first(index):
    draft = Article(id="draft", title="Le barrage et la sécheresse",
                    body="La pluie manque, la nappe baisse, les agriculteurs et l'irrigation.",
                    tags=("Sécheresse",), language="fr")
    top = index.similar(draft, k=5)
    assert [r.id.split("-")[0] for r in top] == ["eau"] * 5


def test_similar_of_indexed_article_matches_related(index, corpus):
    art = corpus[3]
    assert [r.id for r in index.similar(art, k=5)] == [r.id for r in index.related(art.id, k=5)]


def test_same_section_restricts_candidates(corpus):
    mixed = [Article(id=a.id, title=a.title, body=a.body, tags=a.tags, language=a.language,
                     section="even" if i % 2 else "odd") for i, a in enumerate(corpus)]
    index = plain_build(mixed, BuildConfig(same_section=True, n_neighbors=5, **RAW))
    sections = {a.id: a.section for a in mixed}
    for a in mixed:
        assert all(sections[r.id] == a.section for r in index.related(a.id, k=10))
    exp = brute_force(mixed, BuildConfig(), 10, same_section=True)
    assert [r.id for r in index.related(mixed[0].id, k=10)] == [e[0] for e in exp[0]]


def test_filters(index, corpus):
    by_id = {a.id: a for a in corpus}
    got = index.related("eau-0", k=5, section="foot")
    assert got and all(by_id[r.id].section == "foot" for r in got)
    got = index.related("eau-3", k=5, published_before="2024-01-20")
    assert got and all(by_id[r.id].published < dt.date(2024, 1, 20) for r in got)
    got = index.related("eau-3", k=5, published_after=dt.date(2024, 2, 1))
    assert got and all(by_id[r.id].published >= dt.date(2024, 2, 1) for r in got)
    first = index.related("eau-0", k=1)[0].id
    assert first not in [r.id for r in index.related("eau-0", k=5, exclude=[first])]
    assert index.related("eau-0", k=5, section="no-such-section") == []


def test_add_matches_full_rebuild_neighbours(corpus):
    base, extra = corpus[:-6], corpus[-6:]
    config = BuildConfig(n_neighbors=6, **RAW)
    index = plain_build(base, config)
    index.add(extra)
    assert len(index) == len(corpus)
    # new articles: exact against everything, with the build's vocabulary
    for art in extra:
        x = index.vectorizer.transform([art])
        scores = (x @ index.vectors().T).toarray().ravel()
        ids = index.ids
        order = sorted((j for j in range(len(ids)) if ids[j] != art.id and scores[j] > 0),
                       key=lambda j: (-scores[j], j))[:6]
        assert [r.id for r in index.related(art.id, k=6)] == [ids[j] for j in order]
    # old articles see the new ones where they rank
    old = base[-1]
    x = index.vectorizer.transform([old])
    scores = (x @ index.vectors().T).toarray().ravel()
    ids = index.ids
    order = sorted((j for j in range(len(ids)) if ids[j] != old.id and scores[j] > 0),
                   key=lambda j: (-scores[j], j))[:6]
    assert [r.id for r in index.related(old.id, k=6)] == [ids[j] for j in order]


def test_add_existing_id_needs_update(index, corpus):
    with pytest.raises(Exception, match="update"):
        index.add([corpus[0]])


def test_remove_and_update(corpus):
    index = plain_build(corpus, BuildConfig(n_neighbors=4))
    gone = index.related("eau-0", k=1)[0].id
    index.remove([gone])
    assert gone not in index
    assert all(gone not in [r.id for r in index.related(a.id, k=8)] for a in corpus
               if a.id != gone)
    assert len(index.related("eau-0", k=4)) == 4
    moved = Article(id="eau-0", title="Football stade supporters victoire", language="fr",
                    tags=("Football",))
    index.update([moved])
    assert index.related("eau-0", k=1)[0].id.startswith("foot")


def test_duplicate_ids_rejected():
    arts = [Article(id="a", title="x"), Article(id="a", title="y")]
    with pytest.raises(ValueError, match="duplicate"):
        plain_build(arts)


doc = st.tuples(
    st.lists(st.sampled_from(["eau", "barrage", "pluie", "gare", "train", "stade", "but"]),
             min_size=0, max_size=6),
    st.lists(st.sampled_from(["Eau", "Sport", "Rail"]), min_size=0, max_size=2),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(doc, min_size=2, max_size=12), st.integers(1, 15), st.integers(1, 6))
def test_properties(docs, k, stored):
    arts = [Article(id=f"d{i}", title=" ".join(w) or "vide", tags=tuple(t), language="fr")
            for i, (w, t) in enumerate(docs)]
    index = plain_build(arts, BuildConfig(n_neighbors=stored, max_df=1.0))
    for a in arts:
        got = index.related(a.id, k=k)
        assert a.id not in [r.id for r in got]
        assert len(got) <= min(k, len(arts) - 1)
        assert len({r.id for r in got}) == len(got)
        scores = [r.score for r in got]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)


@settings(max_examples=15, deadline=None)
@given(st.lists(doc, min_size=3, max_size=10))
def test_tag_weight_zero_is_text_only(docs):
    arts = [Article(id=f"d{i}", title=" ".join(w) or "vide", tags=tuple(t), language="fr")
            for i, (w, t) in enumerate(docs)]
    notags = [Article(id=a.id, title=a.title, language="fr") for a in arts]
    with_tags = plain_build(arts, BuildConfig(tag_weight=0.0, max_df=1.0))
    without = plain_build(notags, BuildConfig(tag_weight=0.0, max_df=1.0))
    for a in arts:
        assert with_tags.related(a.id, k=5) == without.related(a.id, k=5)


def test_bigger_corpus_every_row_full():
    arts = make_corpus(per_cluster=30, seed=3)
    index = plain_build(arts, BuildConfig(n_neighbors=10))
    assert (index.graph.neighbors >= 0).all()


def test_pruned_build_scores_exactly_and_keeps_most_neighbours():
    arts = make_corpus(per_cluster=30, seed=5)
    exact = plain_build(arts, BuildConfig(n_neighbors=10))
    pruned = plain_build(arts, BuildConfig(n_neighbors=10, query_terms=5))
    overlaps = []
    for a in arts:
        got = pruned.related(a.id, k=10)
        want = exact.related(a.id, k=10)
        overlaps.append(len({r.id for r in got} & {r.id for r in want}) / len(want))
        # every score a pruned build stores is the exact similarity of that pair
        x = exact.vectors([a.id])
        for r in got:
            true = float((x @ exact.vectors([r.id]).T).toarray()[0, 0])
            assert abs(r.similarity - true) < 1e-3  # similarity is kept in half precision
    assert np.mean(overlaps) >= 0.8


def test_prune_rows_keeps_the_largest_weights():
    import scipy.sparse as sp

    from recommender.search.pruning import prune_rows

    X = sp.csr_matrix(np.array([[0.1, 0.5, 0.0, 0.3], [0.0, 0.2, 0.0, 0.0]]))
    pruned = prune_rows(X, 2).toarray()
    np.testing.assert_allclose(pruned, [[0.0, 0.5, 0.0, 0.3], [0.0, 0.2, 0.0, 0.0]])


@settings(max_examples=60, deadline=None)
@given(
    dense=st.lists(st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.2, 0.5]), min_size=6, max_size=6),
                   min_size=1, max_size=8),
    limit=st.integers(0, 7),
)
def test_limit_postings_keeps_each_terms_strongest_postings(dense, limit):
    """Brute force per row: the ``limit`` largest entries, ties to the lower column."""
    import scipy.sparse as sp

    from recommender.search.pruning import limit_postings

    XT = sp.csr_matrix(np.array(dense, dtype=np.float32))
    got = limit_postings(XT, limit).toarray()
    want = np.zeros_like(got)
    for r, row in enumerate(XT.toarray()):
        cols = [c for c in sorted(range(len(row)), key=lambda c: (-row[c], c)) if row[c] > 0]
        kept = cols if limit == 0 else cols[:limit]
        want[r, kept] = row[kept]
    np.testing.assert_array_equal(got, want)


def test_strongest_terms_by_slices_equals_prune_rows():
    import scipy.sparse as sp

    from recommender.search.pruning import prune_rows, strongest_terms

    X = sp.random(50, 30, density=0.4, format="csr", random_state=3, dtype=np.float32)
    whole = prune_rows(X, 4)
    sliced = strongest_terms(X, 4, rows_per_slice=7)
    assert (whole != sliced).nnz == 0
    assert strongest_terms(X, 0) is X


def test_index_terms_lists_each_article_under_its_strongest_terms():
    import scipy.sparse as sp

    from recommender.search.pruning import prune_rows, search_index

    X = sp.random(40, 25, density=0.5, format="csr", random_state=5, dtype=np.float32)
    _, postings = search_index(X, X.T.tocsr(), 1.0, index_terms=3, posting_limit=0)
    assert (postings != prune_rows(X, 3).T.tocsr()).nnz == 0
    assert (search_index(X, X.T.tocsr(), 1.0, 0, 0)[1] != X.T.tocsr()).nnz == 0


def test_posting_limit_bounds_the_search_and_keeps_scores_exact():
    """A tight limit still scores every neighbour exactly; no limit is the unlimited build."""
    arts = make_corpus(per_cluster=30, seed=5)
    exact = plain_build(arts, BuildConfig(n_neighbors=10))
    unlimited = plain_build(arts, BuildConfig(n_neighbors=10, query_terms=5,
                                                     posting_limit=0))
    huge = plain_build(arts, BuildConfig(n_neighbors=10, query_terms=5,
                                                posting_limit=10 * len(arts)))
    tight = plain_build(arts, BuildConfig(n_neighbors=10, query_terms=5,
                                                 posting_limit=4))
    np.testing.assert_array_equal(unlimited.graph.neighbors, huge.graph.neighbors)
    overlaps = []
    for a in arts:
        got = tight.related(a.id, k=10)
        want = {r.id for r in exact.related(a.id, k=10)}
        overlaps.append(len({r.id for r in got} & want) / len(want))
        x = exact.vectors([a.id])
        for r in got[:3]:
            true = float((x @ exact.vectors([r.id]).T).toarray()[0, 0])
            assert abs(r.similarity - true) < 1e-3
    assert 0.5 <= np.mean(overlaps) < 1.0  # the limit bites here, and recall holds up


def reference_ranking(articles, config: BuildConfig, k: int):
    """Reference for the default ranking: the K most similar (brute force), then
    s * (1 + time_weight * exp(-days / scale)) - hub_penalty * hub_j, hub_j the mean of
    j's hub_neighbors best similarities, raised to their hub_floor_quantile quantile."""
    raw = brute_force(articles, config, config.n_neighbors)
    pos = {a.id: i for i, a in enumerate(articles)}
    m = min(config.hub_neighbors, config.n_neighbors)  # only K similarities are stored
    hub = {a.id: sum(s for _, s in raw[i][:m]) / m for i, a in enumerate(articles)}
    floor = float(np.quantile(list(hub.values()), config.hub_floor_quantile))
    hub = {j: max(h, floor) for j, h in hub.items()}
    out = []
    for i, a in enumerate(articles):
        def final(entry, a=a):
            j, s = entry
            days = abs((articles[pos[j]].published - a.published).days)
            return (s * (1 + config.time_weight * np.exp(-days / config.time_scale_days))
                    - config.hub_penalty * hub[j])
        ranked = sorted(raw[i], key=lambda e: (-final(e), -e[1], pos[e[0]]))
        out.append([(j, final((j, s))) for j, s in ranked[:k]])
    return out


@pytest.mark.parametrize("settings", [{}, {"hub_penalty": 0.5, "time_weight": 0.5,
                                            "time_scale_days": 30.0, "hub_neighbors": 3},
                                      {"hub_floor_quantile": 0.0}, {"hub_floor_quantile": 0.9}])
def test_default_ranking_matches_its_formula(corpus, settings):
    config = BuildConfig(n_neighbors=8, **settings)
    index = plain_build(corpus, config)
    expected = reference_ranking(corpus, config, 5)
    for art, exp in zip(corpus, expected, strict=True):
        got = index.related(art.id, k=5)
        assert [r.id for r in got] == [e[0] for e in exp]
        np.testing.assert_allclose([r.score for r in got],
                                   [min(max(e[1], 0.0), 1.0) for e in exp], atol=1e-5)


def test_ranking_changes_order_not_candidates(corpus):
    plain = plain_build(corpus, BuildConfig(n_neighbors=6, **RAW))
    ranked = plain_build(corpus, BuildConfig(n_neighbors=6, hub_penalty=1.0,
                                                    time_weight=0.3))
    changed = 0
    for a in corpus:
        p = plain.related(a.id, k=6)
        r = ranked.related(a.id, k=6)
        assert {x.id for x in p} == {x.id for x in r}
        assert sorted(x.similarity for x in r) == pytest.approx(sorted(x.score for x in p),
                                                                abs=1e-3)  # half precision
        changed += [x.id for x in p] != [x.id for x in r]
    assert changed > 0


def test_exact_fallback_uses_the_same_ranking(corpus):
    index = plain_build(corpus, BuildConfig(n_neighbors=6))
    for a in corpus[:10]:
        assert index.related(a.id, k=6) == index.similar(a, k=6)


def test_pruned_search_without_the_compiled_kernel(monkeypatch):
    """The scipy fallback finds the same neighbours as sparse_dot_topn's kernel."""
    import recommender.search.kernel as topk

    pytest.importorskip("sparse_dot_topn")
    arts = make_corpus(per_cluster=30, seed=7)
    config = BuildConfig(n_neighbors=8, query_terms=6, **RAW)
    fast = plain_build(arts, config)
    monkeypatch.setattr(topk, "_sp_matmul_topn", None)
    slow = plain_build(arts, config)
    same = [
        {r.id for r in fast.related(a.id, k=8)} == {r.id for r in slow.related(a.id, k=8)}
        for a in arts
    ]
    assert np.mean(same) >= 0.95


def test_exact_kernel_keeps_the_tie_rule(monkeypatch):
    """Identical articles tie: the compiled kernel path must cut ties like the scipy path."""
    import recommender.search.kernel as topk

    pytest.importorskip("sparse_dot_topn")
    arts = [Article(id=f"same-{i}", title="barrage sécheresse pluie", language="fr")
            for i in range(9)]
    arts += make_corpus(per_cluster=4, seed=2)
    config = BuildConfig(n_neighbors=3, max_df=1.0, **RAW)
    fast = plain_build(arts, config)
    monkeypatch.setattr(topk, "_sp_matmul_topn", None)
    slow = plain_build(arts, config)
    np.testing.assert_array_equal(fast.graph.neighbors, slow.graph.neighbors)
    np.testing.assert_array_equal(fast.graph.scores, slow.graph.scores)
    assert [r.id for r in fast.related("same-4", k=3)] == ["same-0", "same-1", "same-2"]


def test_kernel_blocks_cover_every_row_once():
    from recommender.search.kernel import plan_kernel_blocks

    blocks = plan_kernel_blocks(1000, 10, 1 << 10)
    assert blocks[0] == (0, 256) and blocks[-1][1] == 1000
    assert all(a == b for (_, a), (b, _) in zip(blocks, blocks[1:], strict=False))
    assert plan_kernel_blocks(50_000, 10, 256 << 20) == [(0, 20_000), (20_000, 40_000),
                                                         (40_000, 50_000)]


def test_kernel_build_over_several_blocks_equals_scipy(monkeypatch):
    import recommender.search.kernel as topk

    pytest.importorskip("sparse_dot_topn")
    arts = make_corpus(per_cluster=120, seed=11)  # 600 articles: two kernel blocks at 1 MiB
    from recommender.search.kernel import plan_kernel_blocks

    assert len(plan_kernel_blocks(len(arts), 6, 1 << 20)) == 2
    config = BuildConfig(n_neighbors=6, block_mib=1, **RAW)
    fast = plain_build(arts, config)
    monkeypatch.setattr(topk, "_sp_matmul_topn", None)
    slow = plain_build(arts, config)
    np.testing.assert_array_equal(fast.graph.neighbors, slow.graph.neighbors)
    np.testing.assert_allclose(fast.graph.scores, slow.graph.scores, atol=1e-6)


@pytest.mark.parametrize("settings", [{"query_terms": 5}, {"query_terms": 5, "query_max_df": 0.2},
                                      {"query_terms": 5, "index_terms": 4, "posting_limit": 8,
                                       "query_max_df": 0.3}])
def test_pruned_similar_agrees_with_pruned_graph(settings):
    arts = make_corpus(per_cluster=30, seed=4)
    index = plain_build(arts, BuildConfig(n_neighbors=8, **settings))
    same = [[r.id for r in index.similar(a, k=5)] == [r.id for r in index.related(a.id, k=5)]
            for a in arts]
    assert np.mean(same) >= 0.9


def test_parallel_build_over_memmapped_blocks_equals_serial():
    """joblib hands workers memory-mapped arrays; the kernel path must accept them."""
    from joblib import parallel_config

    arts = make_corpus(per_cluster=120, seed=12)
    config = BuildConfig(n_neighbors=5, block_mib=1)
    serial = plain_build(arts, config)
    with parallel_config(max_nbytes=1):  # memmap every array argument
        parallel = plain_build(arts, config, n_jobs=2)
    np.testing.assert_array_equal(serial.graph.neighbors, parallel.graph.neighbors)


def test_build_streams_a_generator_with_progress_totals():
    arts = make_corpus(per_cluster=10, seed=2)
    calls = []
    streamed = plain_build((a for a in arts), BuildConfig(n_neighbors=5))
    listed = plain_build(arts, BuildConfig(n_neighbors=5),
                                progress=lambda s, d, t: calls.append((s, d, t)))
    np.testing.assert_array_equal(streamed.graph.neighbors, listed.graph.neighbors)
    assert streamed.ids == listed.ids == [a.id for a in arts]
    assert ("vectorize", 0, len(arts)) in calls and ("vectorize", len(arts), len(arts)) in calls


def test_build_rejects_a_repeated_id_while_streaming():
    from recommender import CorpusError

    arts = make_corpus(per_cluster=5, seed=2)
    with pytest.raises(CorpusError, match=f"duplicate article id '{arts[3].id}'"):
        plain_build(iter(arts + [arts[3]]))


@pytest.mark.parametrize("stage", ["vectorize", "merge", "rank"])
def test_a_failing_add_leaves_the_index_as_it_was(corpus, monkeypatch, stage):
    """add() builds new parts and swaps them in one assignment: a failure at any stage
    leaves every part, and every answer, as it was."""
    import recommender.index.space as space_module
    import recommender.index.updates as updates

    index = plain_build(corpus, BuildConfig(n_neighbors=5))
    before = {"ids": index.ids, "len": len(index), "parts": index._parts,
              "graph": {k: np.array(v) for k, v in index.graph.to_arrays().items()},
              "rows": index.space.X.shape[0],
              "answers": {a.id: index.related(a.id, k=5) for a in corpus}}

    def boom(*args, **kwargs):
        raise RuntimeError(f"{stage} failed")

    if stage == "vectorize":
        monkeypatch.setattr(space_module.VectorSpace, "vectorize", boom)
    elif stage == "merge":
        monkeypatch.setattr(updates, "merge_into_rows", boom)
    else:
        monkeypatch.setattr(type(index.ranking), "order", boom)
    new = [Article(id="new-1", title="Sécheresse et barrage", body="pluie nappe barrage",
                   language="fr"),
           Article(id=corpus[0].id, title="Une autre version", language="fr")]
    with pytest.raises(RuntimeError, match=f"{stage} failed"):
        index.add(new, replace=True)
    monkeypatch.undo()
    assert index._parts is before["parts"]
    assert index.ids == before["ids"] and len(index) == before["len"]
    assert "new-1" not in index and corpus[0].id in index
    assert index.space.X.shape[0] == before["rows"]
    for name, array in index.graph.to_arrays().items():
        np.testing.assert_array_equal(array, before["graph"][name])
    assert {a.id: index.related(a.id, k=5) for a in corpus} == before["answers"]
    index.add(new, replace=True)  # and the same add succeeds once nothing fails
    assert "new-1" in index and index.title(corpus[0].id) == "Une autre version"


def test_section_filter_folds_case_and_accents():
    """``--section economie`` finds the articles of "Économie" (and "ÉCONOMIE")."""
    import dataclasses

    arts = make_corpus(per_cluster=6, seed=3)
    arts = [dataclasses.replace(a, section="Économie" if a.section == "rates" else a.section)
            for a in arts]
    index = plain_build(arts, BuildConfig(n_neighbors=5))
    for spelled in ("economie", "ÉCONOMIE", " Économie "):
        got = index.related("mars-0", k=3, section=spelled)
        assert len(got) == 3 and all(r.id.startswith("rates-") for r in got), spelled
        draft = Article(id="draft", title="inflation rates", language="en")
        found = index.similar(draft, k=3, section=spelled)
        assert len(found) == 3 and all(r.id.startswith("rates-") for r in found), spelled
    assert index.related("mars-0", k=3, section="économies") == []
