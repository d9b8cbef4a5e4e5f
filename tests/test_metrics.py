"""Tests of recommender.evaluation.metrics: hand-computed cases, properties, sklearn oracle."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import ndcg_score

from recommender.evaluation import metrics
from recommender.evaluation.metrics import (
    average_precision_at_k,
    catalogue_coverage,
    hit_at_k,
    intra_list_diversity,
    latency_percentiles,
    mean_metrics,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    reciprocal_rank,
)

LOG2_3 = math.log2(3)
RANKED = ["a", "b", "c", "d", "e"]
RELEVANT = {"a", "c", "f"}

K_METRICS = [precision_at_k, recall_at_k, average_precision_at_k, hit_at_k, ndcg_at_k]
ALL_RANKING = [*K_METRICS, reciprocal_rank]


# --------------------------------------------------------------------------- hand cases


def test_precision_counts_hits_over_k() -> None:
    # hits in top 5: a, c -> 2 / 5
    assert precision_at_k(RANKED, RELEVANT, 5) == pytest.approx(2 / 5)
    # hits in top 2: a -> 1 / 2
    assert precision_at_k(RANKED, RELEVANT, 2) == pytest.approx(1 / 2)


def test_precision_denominator_is_k_even_for_short_lists() -> None:
    # one hit, four empty slots: 1 / 5, not 1 / 1
    assert precision_at_k(["a"], {"a"}, 5) == pytest.approx(1 / 5)
    assert precision_at_k([], {"a"}, 5) == 0.0


def test_recall_divides_by_number_relevant() -> None:
    # 2 of {a, c, f} found in top 5 -> 2 / 3; top 2 holds only a -> 1 / 3
    assert recall_at_k(RANKED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, RELEVANT, 2) == pytest.approx(1 / 3)


def test_average_precision_hand_cases() -> None:
    # hits at ranks 1 and 3: (1/1 + 2/3) / min(3, 5) = (5/3) / 3 = 5/9
    assert average_precision_at_k(RANKED, RELEVANT, 5) == pytest.approx(5 / 9)
    # k=2: hit at rank 1 only: (1/1) / min(3, 2) = 1/2
    assert average_precision_at_k(RANKED, RELEVANT, 2) == pytest.approx(1 / 2)
    # hits at ranks 2 and 4: (1/2 + 2/4) / min(2, 4) = 1/2
    assert average_precision_at_k(["x", "a", "y", "b"], {"a", "b"}, 4) == pytest.approx(0.5)


def test_average_precision_denominator_is_min_relevant_k() -> None:
    # 4 relevant, k=2, both slots relevant: (1/1 + 2/2) / min(4, 2) = 1
    assert average_precision_at_k(["a", "b"], {"a", "b", "c", "d"}, 2) == pytest.approx(1.0)
    # 1 relevant retrieved at rank 1, k=5: 1 / min(1, 5) = 1 (short list not penalised)
    assert average_precision_at_k(["a"], {"a"}, 5) == pytest.approx(1.0)


def test_reciprocal_rank_hand_cases() -> None:
    assert reciprocal_rank(RANKED, RELEVANT) == 1.0  # a at rank 1
    assert reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "y", "a"], {"a"}, k=3) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "y", "a"], {"a"}, k=2) == 0.0  # beyond the cutoff
    assert reciprocal_rank(["x", "y"], {"a"}) == 0.0


def test_hit_at_k_hand_cases() -> None:
    assert hit_at_k(RANKED, RELEVANT, 1) == 1.0
    assert hit_at_k(["x", "y", "a"], {"a"}, 2) == 0.0
    assert hit_at_k(["x", "y", "a"], {"a"}, 3) == 1.0


def test_ndcg_binary_hand_case() -> None:
    # DCG = 1/log2(2) + 1/log2(4) = 1.5 (a at rank 1, c at rank 3)
    # ideal: three relevant ids (f never retrieved still counts): 1 + 1/log2(3) + 1/2
    expected = 1.5 / (1 + 1 / LOG2_3 + 0.5)
    assert ndcg_at_k(RANKED, RELEVANT, 5) == pytest.approx(expected)
    assert expected == pytest.approx(0.70392, abs=1e-5)
    # k=2: DCG = 1; ideal = 1 + 1/log2(3)
    assert ndcg_at_k(RANKED, RELEVANT, 2) == pytest.approx(1 / (1 + 1 / LOG2_3))


def test_ndcg_graded_hand_case() -> None:
    grades = {"a": 3.0, "c": 2.0, "f": 1.0}
    # DCG = 0/1 + 3/log2(3) + 2/log2(4); ideal = 3/1 + 2/log2(3) + 1/log2(4)
    expected = (3 / LOG2_3 + 1.0) / (3 + 2 / LOG2_3 + 0.5)
    assert ndcg_at_k(["b", "a", "c"], grades, 3) == pytest.approx(expected)
    # ideal order scores 1; swapping the two best loses score
    assert ndcg_at_k(["a", "c", "f"], grades, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["c", "a", "f"], grades, 3) < 1.0


def test_graded_mapping_is_binary_for_other_metrics() -> None:
    grades = {"a": 5.0, "c": 0.5, "f": 2.0}
    for metric in K_METRICS[:-1]:  # all but nDCG
        assert metric(RANKED, grades, 5) == metric(RANKED, RELEVANT, 5)
    assert reciprocal_rank(RANKED, grades) == reciprocal_rank(RANKED, RELEVANT)


def test_empty_ranking_scores_zero() -> None:
    for metric in K_METRICS:
        assert metric([], {"a"}, 3) == 0.0
    assert reciprocal_rank([], {"a"}) == 0.0


# --------------------------------------------------------------------------- duplicates


def test_duplicates_count_once_and_keep_their_position() -> None:
    ranked = ["x", "a", "a"]
    relevant = {"a", "b"}
    # only the first "a" scores: 1 hit in 3 slots
    assert precision_at_k(ranked, relevant, 3) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, relevant, 3) == pytest.approx(1 / 2)
    # hit at rank 2 only: (1/2) / min(2, 3) = 1/4 (counting the repeat would give 7/12)
    assert average_precision_at_k(ranked, relevant, 3) == pytest.approx(1 / 4)
    # DCG = 1/log2(3) (the repeat at rank 3 adds nothing); ideal = 1 + 1/log2(3)
    assert ndcg_at_k(ranked, relevant, 3) == pytest.approx((1 / LOG2_3) / (1 + 1 / LOG2_3))
    # a repeated miss still occupies rank 2, so the first hit is at rank 3
    assert reciprocal_rank(["x", "x", "a"], relevant) == pytest.approx(1 / 3)
    # padding with a repeated hit cannot beat precision 1/2
    assert precision_at_k(["a", "a"], relevant, 2) == pytest.approx(1 / 2)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("metric", K_METRICS)
@pytest.mark.parametrize("k", [0, -3])
def test_k_below_one_is_rejected(metric, k: int) -> None:
    with pytest.raises(ValueError, match=rf"expected k >= 1, got k={k}"):
        metric(RANKED, RELEVANT, k)


def test_reciprocal_rank_checks_k_when_given() -> None:
    with pytest.raises(ValueError, match="k=0"):
        reciprocal_rank(RANKED, RELEVANT, k=0)


@pytest.mark.parametrize("metric", K_METRICS)
@pytest.mark.parametrize("k", [1.5, True, "3"])
def test_k_must_be_an_integer(metric, k: object) -> None:
    with pytest.raises(TypeError, match="k="):
        metric(RANKED, RELEVANT, k)


def test_numpy_integer_k_is_accepted() -> None:
    assert precision_at_k(RANKED, RELEVANT, np.int64(5)) == pytest.approx(2 / 5)


@pytest.mark.parametrize("metric", ALL_RANKING)
@pytest.mark.parametrize("relevant", [set(), {}, []])
def test_empty_relevant_is_rejected(metric, relevant) -> None:
    with pytest.raises(ValueError, match="relevant is empty"):
        metric(RANKED, relevant, 5)


@pytest.mark.parametrize("grade", [0.0, -1.0, math.nan, math.inf])
def test_bad_grades_are_rejected(grade: float) -> None:
    with pytest.raises(ValueError, match=r"grade=.*for 'c'"):
        ndcg_at_k(RANKED, {"a": 1.0, "c": grade}, 5)


def test_strings_are_not_taken_for_id_lists() -> None:
    with pytest.raises(TypeError, match="ranked"):
        precision_at_k("abc", {"a"}, 2)
    with pytest.raises(TypeError, match="relevant"):
        precision_at_k(["a"], "a", 2)


# --------------------------------------------------------------------------- properties

IDS = [f"i{n}" for n in range(12)]
ids = st.sampled_from(IDS)
rankings = st.lists(ids, max_size=15)
relevant_sets = st.sets(ids, min_size=1)
relevant_grades = st.dictionaries(
    ids, st.floats(min_value=0.01, max_value=10.0, allow_nan=False), min_size=1
)
relevances = st.one_of(relevant_sets, relevant_grades)
ks = st.integers(min_value=1, max_value=20)


def _distinct_hits(ranked: list[str], relevant, k: int) -> int:
    return len(set(ranked[:k]) & set(relevant))


@given(rankings, relevances, ks)
def test_all_metrics_lie_in_unit_interval(ranked, relevant, k) -> None:
    values = ranking_metrics(ranked, relevant, ks=(k,))
    assert all(0.0 <= v <= 1.0 for v in values.values()), values


@given(rankings, relevances, ks)
def test_precision_times_k_counts_hits(ranked, relevant, k) -> None:
    hits = _distinct_hits(ranked, relevant, k)
    assert precision_at_k(ranked, relevant, k) * k == pytest.approx(hits)
    assert recall_at_k(ranked, relevant, k) * len(relevant) == pytest.approx(hits)
    assert hit_at_k(ranked, relevant, k) == (1.0 if hits else 0.0)
    # every metric is zero exactly when nothing relevant was retrieved
    assert (average_precision_at_k(ranked, relevant, k) > 0) == (hits > 0)
    assert (ndcg_at_k(ranked, relevant, k) > 0) == (hits > 0)
    assert (reciprocal_rank(ranked, relevant, k) > 0) == (hits > 0)


@given(rankings, relevances, ks, rankings)
def test_items_beyond_k_do_not_matter(ranked, relevant, k, tail) -> None:
    # pad with non-relevant ids so the tail really lies beyond rank k
    head = (ranked + [f"pad{n}" for n in range(k)])[:k]
    assert ranking_metrics(head + tail, relevant, ks=(k,)) == ranking_metrics(
        head, relevant, ks=(k,)
    )


@given(relevant_grades, ks, st.lists(ids, max_size=5))
def test_perfect_ranking_scores_one(relevant, k, tail) -> None:
    # relevant ids by decreasing grade, then anything
    ranked = sorted(relevant, key=lambda item: -relevant[item]) + tail
    assert average_precision_at_k(ranked, relevant, k) == pytest.approx(1.0)
    assert ndcg_at_k(ranked, relevant, k) == pytest.approx(1.0)
    assert reciprocal_rank(ranked, relevant) == 1.0
    assert hit_at_k(ranked, relevant, k) == 1.0


@given(rankings, relevant_sets, ks)
def test_binary_ndcg_equals_graded_with_unit_grades(ranked, relevant, k) -> None:
    unit = dict.fromkeys(relevant, 1.0)
    assert ndcg_at_k(ranked, relevant, k) == pytest.approx(ndcg_at_k(ranked, unit, k))


@st.composite
def ndcg_cases(draw):
    """A duplicate-free ranking at least k long, graded relevance, and k."""
    k = draw(st.integers(min_value=1, max_value=8))
    ranked = draw(st.lists(ids, min_size=max(k, 2), max_size=12, unique=True))
    grades = draw(relevant_grades)
    return ranked, grades, k


@settings(max_examples=150)
@given(ndcg_cases())
def test_ndcg_matches_sklearn(case) -> None:
    ranked, grades, k = case
    # sklearn ranks every document of y_true, so give the ranked ids strictly decreasing
    # scores above every unranked id; with len(ranked) >= k its top k is ranked[:k].
    universe = ranked + sorted(set(grades) - set(ranked))
    y_true = np.array([[grades.get(item, 0.0) for item in universe]])
    y_score = np.array([[float(len(universe) - i) for i in range(len(universe))]])
    expected = ndcg_score(y_true, y_score, k=k)
    assert ndcg_at_k(ranked, grades, k) == pytest.approx(expected, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------- ranking_metrics


def test_ranking_metrics_keys_and_values() -> None:
    result = ranking_metrics(RANKED, RELEVANT)
    assert list(result) == [
        "P@5", "R@5", "MAP@5", "nDCG@5", "Hit@5",
        "P@10", "R@10", "MAP@10", "nDCG@10", "Hit@10",
        "MRR",
    ]  # fmt: skip
    assert result["P@5"] == pytest.approx(2 / 5)
    assert result["P@10"] == pytest.approx(2 / 10)
    assert result["R@5"] == pytest.approx(2 / 3)
    assert result["MAP@5"] == pytest.approx(5 / 9)
    assert result["nDCG@10"] == pytest.approx(ndcg_at_k(RANKED, RELEVANT, 10))
    assert result["Hit@5"] == 1.0
    assert result["MRR"] == 1.0


def test_ranking_metrics_mrr_is_cut_at_largest_k() -> None:
    misses = [f"x{n}" for n in range(10)]
    # first hit at rank 7: inside max(ks)=10
    assert ranking_metrics(misses[:6] + ["a"], {"a"}, ks=(5, 10))["MRR"] == pytest.approx(1 / 7)
    # first hit at rank 11: beyond the cutoff
    assert ranking_metrics(misses + ["a"], {"a"}, ks=(5, 10))["MRR"] == 0.0


def test_ranking_metrics_validates_ks() -> None:
    with pytest.raises(ValueError, match="k=0"):
        ranking_metrics(RANKED, RELEVANT, ks=(5, 0))
    with pytest.raises(ValueError, match="at least one cutoff"):
        ranking_metrics(RANKED, RELEVANT, ks=())
    with pytest.raises(TypeError, match="ks=5"):
        ranking_metrics(RANKED, RELEVANT, ks=5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- coverage


def test_catalogue_coverage_counts_distinct_items() -> None:
    # distinct {a, b, c} out of 6
    assert catalogue_coverage([["a", "b"], ["b", "c"]], 6) == pytest.approx(0.5)
    assert catalogue_coverage(iter([["a", "a"], []]), 4) == pytest.approx(0.25)
    assert catalogue_coverage([], 3) == 0.0
    assert catalogue_coverage([["a", "b", "c"]], 3) == 1.0


def test_catalogue_coverage_validates_size() -> None:
    with pytest.raises(ValueError, match="catalogue_size=0"):
        catalogue_coverage([["a"]], 0)
    with pytest.raises(ValueError, match="3 distinct recommended ids.*catalogue_size=2"):
        catalogue_coverage([["a", "b", "c"]], 2)


# --------------------------------------------------------------------------- diversity


def _table_similarity(table: dict[tuple[str, str], float]):
    def similarity(x: str, y: str) -> float:
        return 1.0 if x == y else table.get((x, y), table.get((y, x), 0.0))

    return similarity


def test_intra_list_diversity_hand_case() -> None:
    sim = _table_similarity({("a", "b"): 0.5, ("a", "c"): 0.0, ("b", "c"): 1.0})
    # pairs: 1-0.5, 1-0.0, 1-1.0 -> (0.5 + 1 + 0) / 3
    assert intra_list_diversity(["a", "b", "c"], sim) == pytest.approx(0.5)


def test_intra_list_diversity_short_lists_and_duplicates() -> None:
    sim = _table_similarity({("a", "b"): 0.2})
    assert intra_list_diversity([], sim) == 0.0
    assert intra_list_diversity(["a"], sim) == 0.0
    assert intra_list_diversity(["a", "a"], sim) == 0.0
    # duplicates dropped: only the pair (a, b) -> 1 - 0.2 (keeping them would give 1.6/3)
    assert intra_list_diversity(["a", "a", "b"], sim) == pytest.approx(0.8)


def test_intra_list_diversity_calls_similarity_once_per_pair() -> None:
    calls: list[tuple[str, str]] = []

    def sim(x: str, y: str) -> float:
        calls.append((x, y))
        return 0.0

    assert intra_list_diversity(["a", "b", "c", "d"], sim) == 1.0
    assert calls == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]


# --------------------------------------------------------------------------- latency


def test_latency_percentiles_hand_case() -> None:
    # in ms: [1, 2, 3, 4, 10]; mean 4; numpy linear interpolation on positions 0..4:
    # p50 -> position 2 -> 3; p90 -> 3.6 -> 4 + 0.6*6 = 7.6; p99 -> 3.96 -> 4 + 0.96*6 = 9.76
    result = latency_percentiles([0.001, 0.002, 0.003, 0.004, 0.010])
    assert list(result) == ["mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms"]
    expected = {"mean_ms": 4.0, "p50_ms": 3.0, "p90_ms": 7.6, "p99_ms": 9.76, "max_ms": 10.0}
    assert result == pytest.approx(expected)
    assert all(type(v) is float for v in result.values())


def test_latency_percentile_keys_for_fractional_percentiles() -> None:
    result = latency_percentiles([0.5], percentiles=(99.9, 0))
    assert result == {"mean_ms": 500.0, "p99.9_ms": 500.0, "p0_ms": 500.0, "max_ms": 500.0}


@pytest.mark.parametrize(
    ("seconds", "percentiles", "match"),
    [
        ([], (50,), "non-empty"),
        ([0.1, -0.2], (50,), "-0.2"),
        ([0.1, math.nan], (50,), "nan"),
        ([0.1], (101,), "101"),
    ],
)
def test_latency_percentiles_validation(seconds, percentiles, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        latency_percentiles(seconds, percentiles)


# --------------------------------------------------------------------------- mean_metrics


def test_mean_metrics_averages_common_keys() -> None:
    rows = [{"P@5": 0.5, "MRR": 1.0, "only_first": 1.0}, {"MRR": 0.0, "P@5": 0.25}]
    # P@5: (0.5 + 0.25) / 2; MRR: (1 + 0) / 2; only_first dropped
    assert mean_metrics(iter(rows)) == {"P@5": 0.375, "MRR": 0.5}


def test_mean_metrics_of_ranking_metrics() -> None:
    per_query = [
        ranking_metrics(RANKED, RELEVANT, ks=(5,)),
        ranking_metrics(["x", "y", "z", "w", "v"], {"a"}, ks=(5,)),
    ]
    # MAP@5 = (5/9 + 0) / 2
    assert mean_metrics(per_query)["MAP@5"] == pytest.approx(5 / 18)


def test_mean_metrics_rejects_empty_input() -> None:
    with pytest.raises(ValueError, match="0 queries"):
        mean_metrics([])


# --------------------------------------------------------------------------- docs


def test_docstring_examples_run() -> None:
    result = doctest.testmod(metrics, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
