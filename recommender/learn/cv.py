"""Cross-validated re-ranking of each article's stored candidates from editor links.

For every fold of :func:`~recommender.learn.folds.query_folds`, a model is trained on
the candidate pairs that touch none of the fold's queries (label: the editor linked the
pair; :func:`~recommender.learn.folds.training_mask`) and
ranks the held-out queries' candidates; MAP@10 is computed against all of each held-out
query's links, the ones outside its K candidates included (recall@K is the ceiling).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recommender.evaluation.harness import relevant_links
from recommender.evaluation.links import Link, links_from_articles
from recommender.evaluation.metrics import mean_metrics, ranking_metrics
from recommender.index.related_index import RelatedIndex
from recommender.learn.features import (
    FEATURES,
    candidate_pairs,
    link_adjacency,
    linked_through,
    links_in_counts,
    nearest_weights,
    pair_features,
)
from recommender.learn.folds import query_folds, training_links, training_mask
from recommender.records import Article


def _linear() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))


def _trees() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    # 100 trees at rate 0.1 scored as 200 at 0.05 on vdd_fr (CV MAP@10 0.4737 / 0.4735)
    # at half the cost of scoring a similar() pool
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1,
                                          max_leaf_nodes=15, l2_regularization=1.0,
                                          random_state=0)


#: the learned models compared, by name: scikit-learn estimators made fresh per fold
MODELS: dict[str, Callable[[], Any]] = {"linear": _linear, "trees": _trees}


def one_thread() -> AbstractContextManager[Any]:
    """Fit and score on one OpenMP thread. The trees' OpenMP threads spin while they wait:
    on a shared 2-core machine, with other work running, tuning se_en took 250 s with two
    threads and 5.7 s with one (5.0 s with two on a quiet machine)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


@dataclass
class LinkedPairs:
    """Every linked article's stored candidates: (source, candidate) rows, whether the
    editor linked each pair, and their features (:data:`FEATURES`)."""

    sources: np.ndarray
    candidates: np.ndarray
    labels: np.ndarray
    features: np.ndarray


def linked_pairs(parts: Any, links: dict[str, tuple[str, ...]]) -> LinkedPairs:
    """The candidate pairs of the articles that have ``links``, labelled."""
    table = parts.table
    rows = np.array([table.positions[q] for q in links], dtype=np.int64)
    sources, candidates = candidate_pairs(parts, rows)
    linked = {(table.positions[s], table.positions[t]) for s, ts in links.items() for t in ts}
    labels = np.fromiter(((s, c) in linked for s, c in zip(sources.tolist(),
                                                             candidates.tolist(), strict=True)),
                         dtype=bool, count=len(sources))
    return LinkedPairs(sources, candidates, labels, pair_features(parts, sources, candidates))


@dataclass
class CrossValidation:
    """Per-fold MAP@10 of the formula (the stored order) and of each model."""

    queries: int
    links: int
    recall_at_k: float
    k: int
    folds: list[list[str]]
    map_per_fold: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    #: the pairs it learned and scored (``tune`` fits its final model on them)
    pairs: LinkedPairs | None = field(default=None, repr=False)

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean and standard deviation of MAP@k over the folds, per ranking."""
        return {name: {"mean": float(np.mean(v)), "std": float(np.std(v))}
                for name, v in self.map_per_fold.items()}

    @property
    def best(self) -> str:
        summary = self.summary()
        return max(summary, key=lambda name: summary[name]["mean"])


def known_links(index: RelatedIndex, given: Sequence[Article] | Sequence[Link]
                ) -> dict[str, tuple[str, ...]]:
    """source -> targets, both indexed, no self-links, first-seen order (the links the
    evaluation harness grades, :func:`~recommender.evaluation.harness.relevant_links`)."""
    items = list(given)
    links = ([item for item in items if isinstance(item, Link)]
             if items and isinstance(items[0], Link)
             else links_from_articles([a for a in items if isinstance(a, Article)]))
    return {source: tuple(targets) for source, targets in relevant_links(index, links).items()}


def cross_validate(index: RelatedIndex, articles_or_links: Sequence[Article] | Sequence[Link],
                   *, n_folds: int = 5, seed: int = 0, k: int = 10,
                   models: Sequence[str] = tuple(MODELS),
                   per_section: bool = False) -> CrossValidation:
    """MAP@k of the formula and of each model over query folds. ``per_section``: one
    model per section (a site of a network), fitted on that section's pairs, where it
    has enough positive pairs (else the model of all sections)."""
    started = time.perf_counter()
    parts = index._parts  # the learning reads every part of the index
    links = known_links(index, articles_or_links)
    queries = list(links)
    if len(queries) < n_folds:
        raise ValueError(f"{len(queries)} articles with links: too few for {n_folds} folds")
    pairs = linked_pairs(parts, links)
    total_links = sum(len(t) for t in links.values())
    result = CrossValidation(queries=len(queries), links=total_links,
                             recall_at_k=float(pairs.labels.sum()) / max(total_links, 1), k=k,
                             folds=query_folds(queries, n_folds, seed), pairs=pairs)
    result.map_per_fold = {name: [] for name in ("formula", *models)}
    stored_rank = _stored_positions(parts, pairs.sources, pairs.candidates)
    with one_thread():
        _score_folds(result, parts, links, pairs, stored_rank, models, per_section, k)
    result.seconds = time.perf_counter() - started
    return result


def _score_folds(result: CrossValidation, parts: Any, links: dict[str, tuple[str, ...]],
                 pairs: LinkedPairs, stored_rank: np.ndarray, models: Sequence[str],
                 per_section: bool, k: int) -> None:
    """Each fold's MAP@k of the formula and of each model, into ``result``."""
    table = parts.table
    sources, candidates, labels, features = (pairs.sources, pairs.candidates, pairs.labels,
                                             pairs.features)
    ids = table.ids
    in_column = FEATURES.index("candidate_links_in")
    through = FEATURES.index("neighbour_links")
    # the sources' nearest neighbours are the same in every fold; only the links change
    unique, where = np.unique(sources, return_inverse=True)
    nearest = nearest_weights(parts, unique)
    for fold in result.folds:
        test_rows = np.array([table.positions[q] for q in fold], dtype=np.int64)
        held = np.isin(sources, test_rows)
        train = training_mask(sources, candidates, test_rows)
        learnable = training_links(links, set(fold))
        counts = links_in_counts(table.n_rows, table.positions, learnable)[candidates]
        # a training pair's own link is not evidence about it: leave it out of the count
        features[:, in_column] = np.log1p(np.where(train, counts - labels, counts))
        features[:, through:through + 2] = linked_through(
            nearest, where, candidates,
            link_adjacency(table.n_rows, table.positions, learnable))
        score_of = {"formula": -stored_rank.astype(np.float64)}
        for name in models:
            model = MODELS[name]()
            model.fit(features[train], labels[train])
            score_of[name] = np.zeros(len(sources))
            score_of[name][held] = model.predict_proba(features[held])[:, 1]
            if per_section:
                _per_section(name, table.folded_sections[sources], features, labels, train,
                             held, score_of[name])
        for name, scores in score_of.items():
            result.map_per_fold[name].append(_fold_map(
                fold, links, ids, table.positions, sources[held], candidates[held],
                scores[held], features[held, 0], k))


#: positive training pairs a section needs for a model of its own
MIN_SECTION_POSITIVES = 200


def _per_section(name: str, sections: np.ndarray, features: np.ndarray, labels: np.ndarray,
                 train: np.ndarray, held: np.ndarray, scores: np.ndarray) -> None:
    """Scores of held-out pairs from their section's own model, where it has one."""
    for section in np.unique(sections[held]):
        mine = sections == section
        fit = train & mine
        if labels[fit].sum() < MIN_SECTION_POSITIVES:
            continue
        model = MODELS[name]()
        model.fit(features[fit], labels[fit])
        scores[held & mine] = model.predict_proba(features[held & mine])[:, 1]


def _stored_positions(parts: Any, sources: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Each pair's slot in its source's stored row (the formula's order)."""
    neighbors = np.asarray(parts.graph.neighbors)[sources]
    return (neighbors == candidates[:, None]).argmax(axis=1)


def _fold_map(fold: list[str], links: dict[str, tuple[str, ...]], ids: list[str],
              positions: dict[str, int], sources: np.ndarray, candidates: np.ndarray,
              scores: np.ndarray, similarity: np.ndarray, k: int) -> float:
    """MAP@k of the held-out queries, each ranked by ``scores`` (ties: similarity)."""
    order = np.lexsort((-similarity, -scores, sources))
    sources, candidates = sources[order], candidates[order]
    starts = np.flatnonzero(np.r_[True, sources[1:] != sources[:-1]])
    ranked_of = {int(sources[a]): candidates[a:b] for a, b in
                 zip(starts, np.r_[starts[1:], len(sources)], strict=True)}
    rows = []
    for q in fold:
        ranked = [ids[c] for c in ranked_of.get(positions[q], np.zeros(0, np.int64))[:k]]
        rows.append(ranking_metrics(ranked, set(links[q]), (k,)))
    return mean_metrics(rows)[f"MAP@{k}"]
