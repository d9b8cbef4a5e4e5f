"""Learned rankers exported as arrays score exactly as the estimators they came from."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.learn.cv import MODELS
from recommender.learn.export import LearnedRanker


def data(seed: int, n: int = 400, d: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(scale=0.3, size=n)) > 0
    return x, y


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000), kind=st.sampled_from(["linear", "trees", "blend"]))
def test_exported_scores_equal_the_estimators(seed, kind):
    x, y = data(seed)
    model = MODELS[kind]().fit(x, y)
    ranker = LearnedRanker.from_estimator(model)
    fresh = data(seed + 1)[0]
    fresh[::7, 1] = np.nan if kind == "trees" else fresh[::7, 1]  # missing values go a way
    if kind == "blend":
        assert ranker.kind == "blend" and sorted(ranker.arrays)[0].startswith("linear_")
    np.testing.assert_allclose(ranker.scores(fresh), model.predict_proba(fresh)[:, 1],
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["trees", "blend"])
def test_arrays_round_trip_without_pickle(tmp_path, kind):
    x, y = data(3)
    ranker = LearnedRanker.from_estimator(MODELS[kind]().fit(x, y))
    np.savez(tmp_path / "model.npz", **ranker.to_arrays())
    with np.load(tmp_path / "model.npz", allow_pickle=False) as stored:
        again = LearnedRanker.from_arrays(kind, dict(stored))
    np.testing.assert_array_equal(again.scores(x), ranker.scores(x))


def test_what_cannot_be_exported_is_named():
    from sklearn.tree import DecisionTreeClassifier

    x, y = data(0)
    with pytest.raises(TypeError, match="DecisionTreeClassifier"):
        LearnedRanker.from_estimator(DecisionTreeClassifier().fit(x, y))
    with pytest.raises(ValueError, match="unknown learned ranker"):
        LearnedRanker.from_arrays("forest", {})


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 1000))
def test_trees_walked_without_missing_values_score_as_the_estimator(seed):
    x, y = data(seed, n=600)
    model = MODELS["trees"]().fit(x, y)
    fresh = data(seed + 1)[0]  # no missing value: the fixed-depth walk
    ranker = LearnedRanker.from_estimator(model)
    np.testing.assert_allclose(ranker.scores(fresh), model.predict_proba(fresh)[:, 1],
                               rtol=1e-9, atol=1e-12)
