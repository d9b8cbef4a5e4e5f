"""Pure ranking, coverage, diversity and latency metrics for the evaluation harness.

Every function takes plain Python values and returns floats, so the harness, the
benchmarks and a site's own scripts compute the same numbers the same way.

Conventions shared by the ranking metrics
-----------------------------------------
* ``ranked`` lists recommended ids, best first; only its first ``k`` positions count.
* ``relevant`` is a collection of ids (binary relevance) or a mapping ``id -> grade`` with
  every grade a finite float > 0 (graded relevance). Only :func:`ndcg_at_k` uses the grades;
  the other metrics treat every key of the mapping as relevant.
* A duplicate id in ``ranked`` counts once: its first occurrence may score, later ones keep
  their position but are scored as non-relevant (as ``ml_metrics.apk`` does). A list
  padded with repeats therefore gains nothing from them.
* ``relevant`` must not be empty: recall, AP and nDCG have no defined value for a query with
  no known related items, so the caller skips such queries instead of averaging in zeros or
  NaNs. All ranking metrics raise the same ``ValueError`` so the rule is uniform.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from numbers import Integral

import numpy as np

from recommender.validation import check_k

__all__ = [
    "Relevance",
    "average_precision_at_k",
    "catalogue_coverage",
    "hit_at_k",
    "intra_list_diversity",
    "latency_percentiles",
    "mean_metrics",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "reciprocal_rank",
]

Relevance = Collection[str] | Mapping[str, float]
"""A set of relevant ids, or a mapping id -> grade (> 0) for graded relevance."""


def _check_ranked(ranked: Sequence[str]) -> Sequence[str]:
    """Reject a bare string, which would otherwise be read as a list of characters."""
    if isinstance(ranked, str | bytes):
        raise TypeError(f"expected a sequence of ids for ranked, got the string {ranked!r}")
    return ranked


def _grades(relevant: Relevance) -> dict[str, float]:
    """Normalise ``relevant`` to ``id -> grade``; a plain collection gives grade 1.0."""
    if isinstance(relevant, str | bytes):
        raise TypeError(f"expected a collection of ids for relevant, got the string {relevant!r}")
    if isinstance(relevant, Mapping):
        grades = {item: float(grade) for item, grade in relevant.items()}
        for item, grade in grades.items():
            if not (math.isfinite(grade) and grade > 0):
                raise ValueError(
                    f"expected relevance grades > 0 and finite, got grade={grade!r} for {item!r}"
                )
    else:
        grades = dict.fromkeys(relevant, 1.0)
    if not grades:
        raise ValueError(
            "relevant is empty: ranking metrics are undefined for a query without known "
            "related items; skip such queries before scoring"
        )
    return grades


def _gains(ranked: Sequence[str], grades: Mapping[str, float], k: int | None) -> list[float]:
    """Grade of each position in ``ranked[:k]``; repeats of an id and unknown ids get 0."""
    seen: set[str] = set()
    gains: list[float] = []
    for item in _check_ranked(ranked)[:k]:
        if item in seen:
            gains.append(0.0)
        else:
            seen.add(item)
            gains.append(grades.get(item, 0.0))
    return gains


def _hits(ranked: Sequence[str], relevant: Relevance, k: int) -> tuple[int, int]:
    """Number of distinct relevant ids in ``ranked[:k]`` and the number of relevant ids."""
    grades = _grades(relevant)
    return sum(1 for g in _gains(ranked, grades, check_k(k)) if g > 0), len(grades)


def precision_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """Share of the ``k`` slots filled by a relevant id.

    The denominator is ``k`` (the usual IR definition), not ``len(ranked)``: a list shorter
    than ``k`` is penalised for the slots it left empty, and an empty list scores 0.0.

    Examples
    --------
    >>> precision_at_k(["a", "b", "c", "d", "e"], {"a", "c", "f"}, k=5)
    0.4
    """
    hits, _ = _hits(ranked, relevant, k)
    return hits / k


def recall_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """Share of the relevant ids found in the first ``k`` positions (denominator |relevant|).

    Raises ``ValueError`` when ``relevant`` is empty (see the module docstring).

    Examples
    --------
    >>> round(recall_at_k(["a", "b", "c", "d", "e"], {"a", "c", "f"}, k=5), 4)
    0.6667
    """
    hits, n_relevant = _hits(ranked, relevant, k)
    return hits / n_relevant


def average_precision_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """AP@k: mean of precision@i over the ranks i <= k that hold a relevant id.

    The sum is divided by ``min(|relevant|, k)``, the "MAP@k" definition of ``ml_metrics.apk``
    and Kaggle: a ranking that fills all ``k`` slots with relevant ids scores 1.0 even when
    more than ``k`` ids are relevant. Averaging it over queries gives MAP@k.

    Examples
    --------
    >>> round(average_precision_at_k(["a", "b", "c", "d", "e"], {"a", "c", "f"}, k=5), 4)
    0.5556
    """
    grades = _grades(relevant)
    k = check_k(k)
    total = 0.0
    hits = 0
    for rank, gain in enumerate(_gains(ranked, grades, k), start=1):
        if gain > 0:
            hits += 1
            total += hits / rank
    return total / min(len(grades), k)


def reciprocal_rank(ranked: Sequence[str], relevant: Relevance, k: int | None = None) -> float:
    """1 / rank of the first relevant id in ``ranked[:k]`` (whole list when k is None), else 0.

    Examples
    --------
    >>> reciprocal_rank(["x", "y", "a"], {"a"})
    0.3333333333333333
    >>> reciprocal_rank(["x", "y", "a"], {"a"}, k=2)
    0.0
    """
    grades = _grades(relevant)
    cutoff = None if k is None else check_k(k)
    for rank, gain in enumerate(_gains(ranked, grades, cutoff), start=1):
        if gain > 0:
            return 1.0 / rank
    return 0.0


def hit_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """1.0 when at least one relevant id is in the first ``k`` positions, else 0.0."""
    hits, _ = _hits(ranked, relevant, k)
    return 1.0 if hits else 0.0


def _dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain with linear gain: sum of gain_i / log2(i + 1), i from 1."""
    return math.fsum(g / math.log2(i + 1) for i, g in enumerate(gains, start=1))


def ndcg_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """Normalised DCG@k with linear gain (``grade / log2(rank + 1)``).

    This is the formula of ``sklearn.metrics.ndcg_score``. The ideal DCG sorts *all* the
    relevance grades, including relevant ids the ranking never retrieved, so missing an
    item costs score. With a plain collection every relevant id has grade 1 (binary nDCG).

    Examples
    --------
    >>> ndcg_at_k(["a", "b"], {"a": 3.0, "b": 1.0}, k=2)
    1.0
    >>> round(ndcg_at_k(["b", "a"], {"a": 3.0, "b": 1.0}, k=2), 4)
    0.7967
    """
    grades = _grades(relevant)
    k = check_k(k)
    ideal = _dcg(sorted(grades.values(), reverse=True)[:k])
    # min() guards the last ulp of rounding; DCG <= ideal DCG holds mathematically.
    return min(1.0, _dcg(_gains(ranked, grades, k)) / ideal)


def catalogue_coverage(recommendation_lists: Iterable[Sequence[str]], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one recommendation list.

    Low coverage means the engine keeps recommending the same few articles. Ids are
    counted once however many lists contain them.

    Examples
    --------
    >>> catalogue_coverage([["a", "b"], ["b", "c"]], catalogue_size=6)
    0.5
    """
    if isinstance(catalogue_size, bool) or not isinstance(catalogue_size, Integral):
        raise TypeError(f"expected an integer catalogue_size, got {catalogue_size!r}")
    if catalogue_size < 1:
        raise ValueError(f"expected catalogue_size >= 1, got catalogue_size={catalogue_size}")
    seen: set[str] = set()
    for ranked in recommendation_lists:
        seen.update(_check_ranked(ranked))
    if len(seen) > catalogue_size:
        raise ValueError(
            f"found {len(seen)} distinct recommended ids, more than "
            f"catalogue_size={catalogue_size}; pass the size of the whole catalogue"
        )
    return len(seen) / catalogue_size


def intra_list_diversity(ranked: Sequence[str], similarity: Callable[[str, str], float]) -> float:
    """Mean of ``1 - similarity(a, b)`` over the unordered pairs of distinct ids in ``ranked``.

    Repeated ids count once. A list with fewer than two distinct ids has no pairs and scores
    0.0 (nothing to be diverse about). ``similarity`` is assumed symmetric and is called once
    per pair, earlier id first; the result is in [0, 1] when similarities are.

    Examples
    --------
    >>> sims = {("a", "b"): 0.5, ("a", "c"): 0.0, ("b", "c"): 1.0}
    >>> intra_list_diversity(["a", "b", "c"], lambda x, y: sims[x, y])
    0.5
    """
    items = list(dict.fromkeys(_check_ranked(ranked)))
    n = len(items)
    if n < 2:
        return 0.0
    total = math.fsum(
        1.0 - float(similarity(items[i], items[j])) for i in range(n) for j in range(i + 1, n)
    )
    return total / (n * (n - 1) // 2)


def latency_percentiles(
    seconds: Sequence[float], percentiles: Sequence[float] = (50, 90, 99)
) -> dict[str, float]:
    """Summarise query latencies (given in seconds) in milliseconds.

    Keys are ``"mean_ms"``, one ``"p<q>_ms"`` per requested percentile (``p50_ms``,
    ``p99.9_ms``) and ``"max_ms"``. Percentiles use ``numpy.percentile`` with its default
    linear interpolation between the two nearest samples.

    Examples
    --------
    >>> latency_percentiles([0.001, 0.002, 0.003, 0.004], percentiles=(50,))
    {'mean_ms': 2.5, 'p50_ms': 2.5, 'max_ms': 4.0}
    """
    values = np.asarray(seconds, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"expected a non-empty 1-D sequence of seconds, got shape {values.shape}")
    bad = values[~np.isfinite(values) | (values < 0)]
    if bad.size:
        raise ValueError(f"expected finite latencies >= 0 seconds, got {bad[0]!r}")
    ms = values * 1000.0
    out = {"mean_ms": float(ms.mean())}
    for q in percentiles:
        if not 0 <= q <= 100:
            raise ValueError(f"expected percentiles in [0, 100], got {q!r}")
        out[f"p{q:g}_ms"] = float(np.percentile(ms, q))
    out["max_ms"] = float(ms.max())
    return out


def mean_metrics(per_query: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Average per-query metric dicts, key by key, over the keys present in every dict.

    Keys missing from some query are dropped rather than averaged over a subset, so every
    reported number covers the same queries. Keys keep the order of the first dict.
    Raises ``ValueError`` when there is nothing to average.

    Examples
    --------
    >>> mean_metrics([{"P@5": 0.5, "MRR": 1.0}, {"P@5": 0.25, "MRR": 0.5, "extra": 1.0}])
    {'P@5': 0.375, 'MRR': 0.75}
    """
    rows = list(per_query)
    if not rows:
        raise ValueError(
            "no per-query metrics to average: got 0 queries (were all of them skipped?)"
        )
    common = [key for key in rows[0] if all(key in row for row in rows[1:])]
    return {key: math.fsum(float(row[key]) for row in rows) / len(rows) for key in common}


def ranking_metrics(
    ranked: Sequence[str], relevant: Relevance, ks: Sequence[int] = (5, 10)
) -> dict[str, float]:
    """All ranking metrics of one query: ``P@k R@k MAP@k nDCG@k Hit@k`` per k, then ``MRR``.

    ``MAP@k`` holds this query's AP@k (its mean over queries, via :func:`mean_metrics`,
    is MAP@k). ``MRR`` is the reciprocal rank cut at ``max(ks)``: the harness asks for
    ``max(ks)`` results, so a relevant id further down was never shown anyway.

    Examples
    --------
    >>> m = ranking_metrics(["a", "b", "c", "d", "e"], {"a", "c", "f"}, ks=(5,))
    >>> list(m)
    ['P@5', 'R@5', 'MAP@5', 'nDCG@5', 'Hit@5', 'MRR']
    """
    if isinstance(ks, Integral):
        raise TypeError(f"expected a sequence of cutoffs for ks, got ks={ks!r}; use ks=({ks},)")
    checked = [check_k(k) for k in ks]
    if not checked:
        raise ValueError(f"expected at least one cutoff in ks, got ks={ks!r}")
    out: dict[str, float] = {}
    for k in checked:
        out[f"P@{k}"] = precision_at_k(ranked, relevant, k)
        out[f"R@{k}"] = recall_at_k(ranked, relevant, k)
        out[f"MAP@{k}"] = average_precision_at_k(ranked, relevant, k)
        out[f"nDCG@{k}"] = ndcg_at_k(ranked, relevant, k)
        out[f"Hit@{k}"] = hit_at_k(ranked, relevant, k)
    out["MRR"] = reciprocal_rank(ranked, relevant, max(checked))
    return out
