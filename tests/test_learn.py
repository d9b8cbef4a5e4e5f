"""Learning the ranking from links: folds that never leak a link, and a learnable rule."""

from __future__ import annotations

import numpy as np
from helpers import date_rule_index, make_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender import RelatedIndex
from recommender.learn.cv import cross_validate
from recommender.learn.features import (
    FEATURES,
    NEIGHBOUR_LINK_DEPTH,
    candidate_pairs,
    link_adjacency,
    pair_features,
)
from recommender.learn.folds import query_folds, training_links, training_mask


@settings(max_examples=60, deadline=None)
@given(n=st.integers(6, 40), n_folds=st.integers(2, 6), seed=st.integers(0, 5),
       data=st.data())
def test_no_fold_trains_on_a_tested_link_in_either_direction(n, n_folds, seed, data):
    ids = [f"a{i}" for i in range(n)]
    links = {s: data.draw(st.lists(st.sampled_from(ids), max_size=4, unique=True))
             for s in ids}
    links = {s: [t for t in ts if t != s] for s, ts in links.items() if ts}
    queries = [q for q in links if links[q]]
    if len(queries) < n_folds:
        return
    folds = query_folds(queries, n_folds, seed)
    assert sorted(q for f in folds for q in f) == sorted(queries)
    row = {a: i for i, a in enumerate(ids)}
    sources = np.array([row[s] for s in ids for _ in ids])
    candidates = np.array([row[c] for _ in ids for c in ids])
    for fold in folds:
        test_rows = np.array([row[q] for q in fold])
        train = training_mask(sources, candidates, test_rows)
        trained = set(zip(sources[train].tolist(), candidates[train].tolist(), strict=True))
        for q in fold:
            for t in links[q]:
                assert (row[q], row[t]) not in trained and (row[t], row[q]) not in trained
        kept = training_links(links, set(fold))
        assert not set(fold) & set(kept)
        assert not {t for ts in kept.values() for t in ts} & set(fold)


def test_features_are_what_they_say(tmp_path):
    arts = make_corpus(per_cluster=6)
    index = RelatedIndex.build(arts)
    parts = index._parts
    sources, candidates = candidate_pairs(parts, np.arange(5))
    f = pair_features(parts, sources, candidates)
    assert f.shape == (len(sources), len(FEATURES))
    col = {name: i for i, name in enumerate(FEATURES)}
    X = index.vectors()
    true = np.asarray(X[sources].multiply(X[candidates]).sum(axis=1)).ravel()
    np.testing.assert_allclose(f[:, col["similarity"]], true, atol=1e-5)
    np.testing.assert_allclose(f[:, col["text"]] + f[:, col["title"]] + f[:, col["tags"]],
                               f[:, col["similarity"]], atol=1e-9)
    assert ((f[:, col["rank"]] >= 0) & (f[:, col["rank"]] < 1)).all()  # stored: ranked


def test_neighbour_links_count_what_the_nearest_neighbours_link_to_never_the_own_links():
    index = RelatedIndex.build(make_corpus(per_cluster=8))
    parts = index._parts
    table, graph = parts.table, parts.graph
    source = 0
    order = np.argsort(-np.asarray(graph.similarity[source], dtype=np.float64), kind="stable")
    nearest = np.asarray(graph.neighbors[source])[order]
    sims = np.asarray(graph.similarity[source], dtype=np.float64)[order]
    first, second, far = int(nearest[0]), int(nearest[1]), int(nearest[-1])
    assert NEIGHBOUR_LINK_DEPTH < len(nearest)  # the last stored one is past the depth
    target, own = int(nearest[3]), int(nearest[4])
    ids = table.ids
    links = {ids[first]: [ids[target]], ids[second]: [ids[target]], ids[far]: [ids[own]],
             ids[source]: [ids[own]]}
    adjacency = link_adjacency(table.n_rows, table.positions, links)
    f = pair_features(parts, np.array([source, source]), np.array([target, own]),
                      adjacency=adjacency)
    weighted, count = FEATURES.index("neighbour_links"), FEATURES.index("neighbour_links_count")
    np.testing.assert_allclose(f[0, [weighted, count]], [np.log1p(sims[0] + sims[1]),
                                                          np.log1p(2)], rtol=1e-5)
    # ``own`` is linked by the source itself and by a neighbour past the depth: 0
    assert f[1, weighted] == f[1, count] == 0.0
    without = pair_features(parts, np.array([source]), np.array([target]))
    assert without[0, weighted] == without[0, count] == 0.0  # no links given


def test_a_rule_the_formula_cannot_see_is_learned():
    """Editors here link the stories published 1-20 days after the source: a rule of dates
    only, which the similarity formula cannot see and the models must recover."""
    index, linked = date_rule_index(seed=3, days=20)
    cv = cross_validate(index, linked, n_folds=4)
    summary = cv.summary()
    assert cv.recall_at_k == 1.0  # every link is among the stored candidates
    assert summary["formula"]["mean"] < 0.4  # 0.15 when written
    assert summary["trees"]["mean"] > 0.9 and summary["linear"]["mean"] > 0.8  # 1.0, 0.99


def test_one_model_per_section_scores_each_section_with_its_own_rule(monkeypatch):
    """Two sites whose editors follow opposite date rules: one model for both cannot fit
    both, one per section can."""
    index, linked = date_rule_index(seed=4, days=30, sites=True)
    import recommender.learn.cv as cv_module

    one = cross_validate(index, linked, n_folds=4, models=("linear",)).summary()
    monkeypatch.setattr(cv_module, "MIN_SECTION_POSITIVES", 20)  # a small test corpus
    each = cross_validate(index, linked, n_folds=4, models=("linear",),
                          per_section=True).summary()
    # 0.57 with one model for both rules, 0.98 with one per site, when written
    assert each["linear"]["mean"] > one["linear"]["mean"] + 0.2
