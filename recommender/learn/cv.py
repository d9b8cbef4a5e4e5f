"""Cross-validated re-ranking of each article's stored candidates from editor links.

For every fold of :func:`~recommender.learn.folds.query_folds`, a model is trained on
the candidate pairs that touch none of the fold's queries (label: the editor linked the
pair; :func:`~recommender.learn.folds.training_mask`) and
ranks the held-out queries' candidates; MAP@10 is computed against all of each held-out
query's links, the ones outside its K candidates included (recall@K is the ceiling).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
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
    list_keys,
    most_linked,
    nearest_weights,
    not_listed,
    pair_features,
    with_list_features,
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
    # at half the cost of scoring a similar() pool; depth 6 at most scored 0.4785 against
    # 0.4744 unbounded (whose deepest leaf, at depth 12, set the steps of every walk)
    # and 0.4746 at depth 4
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1,
                                          max_leaf_nodes=15, max_depth=6,
                                          l2_regularization=1.0, random_state=0)


def _blend() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from recommender.learn.blend import BlendClassifier

    # depth 3: the trees only correct the linear score (se_en: 0.3406 against 0.3390
    # with depth 6 and 0.3395 for the linear model alone)
    return BlendClassifier(_linear(), HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, max_leaf_nodes=15, max_depth=3,
        l2_regularization=1.0, random_state=0), weight=0.3)


#: the learned models compared, by name: scikit-learn estimators made fresh per fold
MODELS: dict[str, Callable[[], Any]] = {"linear": _linear, "trees": _trees, "blend": _blend}


def one_thread() -> AbstractContextManager[Any]:
    """Fit and score on one OpenMP thread. The trees' OpenMP threads spin while they wait:
    on a shared 2-core machine, with other work running, tuning se_en took 250 s with two
    threads and 5.7 s with one (5.0 s with two on a quiet machine)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


#: the most-linked articles (per section when the index keeps sections apart) added to
#: every candidate list when widening (models named ``NAME+linked``)
LINKED_CANDIDATES = 200
#: stored candidates holding fewer of the links than this share are widened: se_en's
#: K=100 rows hold 0.665 of its links (its editors cite a few FAQ and policy posts that
#: share little text with the question), vdd_fr's K=50 rows 0.844
WIDEN_BELOW_RECALL = 0.8
#: the suffix of a model that ranks widened candidate lists
LINKED = "+linked"


@dataclass
class LinkedPairs:
    """Every linked article's candidates: (source, candidate) rows, whether the editor
    linked each pair, their features (:data:`FEATURES`) and whether each candidate is
    stored in the source's row (False: added when widening)."""

    sources: np.ndarray
    candidates: np.ndarray
    labels: np.ndarray
    features: np.ndarray
    stored: np.ndarray

    def part(self, keep: np.ndarray) -> LinkedPairs:
        return LinkedPairs(self.sources[keep], self.candidates[keep], self.labels[keep],
                           self.features[keep], self.stored[keep])


def linked_pairs(parts: Any, links: Mapping[str, Sequence[str]],
                 added: Mapping[int, np.ndarray] | None = None,
                 by_section: bool = False) -> LinkedPairs:
    """The candidate pairs of the articles that have ``links``, labelled: the stored
    candidates, then ``added[key]`` (key: the source's section code when ``by_section``,
    else -1) where not stored already."""
    table = parts.table
    rows = np.array([table.positions[q] for q in links], dtype=np.int64)
    sources, candidates = candidate_pairs(parts, rows)
    stored = np.ones(len(sources), dtype=bool)
    if added:
        extra_s, extra_c = widened_pairs(parts, rows, added, by_section)
        sources, candidates = np.r_[sources, extra_s], np.r_[candidates, extra_c]
        stored = np.r_[stored, np.zeros(len(extra_s), dtype=bool)]
    linked = {(table.positions[s], table.positions[t]) for s, ts in links.items() for t in ts}
    labels = np.fromiter(((s, c) in linked for s, c in zip(sources.tolist(),
                                                             candidates.tolist(), strict=True)),
                         dtype=bool, count=len(sources))
    return LinkedPairs(sources, candidates, labels, pair_features(parts, sources, candidates),
                       stored)


def widened_pairs(parts: Any, rows: np.ndarray, added: Mapping[int, np.ndarray],
                  by_section: bool) -> tuple[np.ndarray, np.ndarray]:
    """(source, candidate) pairs of ``added`` candidates not already in the source's
    stored row (nor the source itself)."""
    neighbors = np.asarray(parts.graph.neighbors)
    keys = list_keys(parts.table.folded_sections, rows, by_section)
    sources, candidates = [], []
    for row, key in zip(rows.tolist(), keys.tolist(), strict=True):
        extra = added.get(int(key))
        if extra is None or not len(extra):
            continue
        extra = not_listed(extra, row, neighbors[row])
        sources.append(np.full(len(extra), row, dtype=np.int64))
        candidates.append(extra.astype(np.int64))
    if not sources:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(sources), np.concatenate(candidates)


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
    #: most-linked articles added to each candidate list (0: not widened), per section?
    widened: int = 0
    by_section: bool = False
    #: share of the links among the widened lists (all links counted)
    recall_widened: float | None = None

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


def stored_recall(parts: Any, links: Mapping[str, Sequence[str]]) -> float:
    """Share of the links whose target is stored in its source's row."""
    neighbors = np.asarray(parts.graph.neighbors)
    positions = parts.table.positions
    total = sum(len(t) for t in links.values())
    found = sum(int(np.isin([positions[t] for t in targets], neighbors[positions[s]]).sum())
                for s, targets in links.items() if targets)
    return found / max(total, 1)


def cross_validate(index: RelatedIndex, articles_or_links: Sequence[Article] | Sequence[Link],
                   *, n_folds: int = 5, seed: int = 0, k: int = 10,
                   models: Sequence[str] = tuple(MODELS),
                   per_section: bool = False, widen: int | None = None) -> CrossValidation:
    """MAP@k of the formula and of each model over query folds. ``per_section``: one
    model per section (a site of a network), fitted on that section's pairs, where it
    has enough positive pairs (else the model of all sections). ``widen``: also score
    each model (as ``NAME+linked``) on candidate lists widened by the ``widen`` articles
    the fold's training links point to most; None: :data:`LINKED_CANDIDATES` when the
    stored rows hold less than :data:`WIDEN_BELOW_RECALL` of the links, else 0."""
    started = time.perf_counter()
    parts = index._parts  # the learning reads every part of the index
    links = known_links(index, articles_or_links)
    queries = list(links)
    if len(queries) < n_folds:
        raise ValueError(f"{len(queries)} articles with links: too few for {n_folds} folds")
    recall = stored_recall(parts, links)
    if widen is None:
        widen = LINKED_CANDIDATES if recall < WIDEN_BELOW_RECALL else 0
    folds = query_folds(queries, n_folds, seed)
    by_section = bool(index.config.same_section)
    added: dict[int, np.ndarray] = {}
    if widen > 0:  # every fold's most linked (from its training links only), and all links'
        table = parts.table
        sections = table.folded_sections if by_section else None
        every: list[Mapping[str, Sequence[str]]] = [links]
        for learnable in every + [training_links(links, set(f)) for f in folds]:
            counts = links_in_counts(table.n_rows, table.positions, learnable)
            for key, rows in most_linked(counts, sections, table.alive, widen).items():
                added[key] = np.union1d(added.get(key, rows[:0]), rows)
    pairs = linked_pairs(parts, links, added, by_section)
    total_links = sum(len(t) for t in links.values())
    result = CrossValidation(queries=len(queries), links=total_links, recall_at_k=recall, k=k,
                             folds=folds, pairs=pairs, widened=widen, by_section=by_section)
    names = [*models, *(f"{m}{LINKED}" for m in models if widen > 0)]
    result.map_per_fold = {name: [] for name in ("formula", *names)}
    stored_rank = _stored_positions(parts, pairs.sources[pairs.stored],
                                    pairs.candidates[pairs.stored])
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
    in_column = FEATURES.index("candidate_links_in")
    through = FEATURES.index("neighbour_links")
    # the sources' nearest neighbours are the same in every fold; only the links change
    unique, where = np.unique(sources, return_inverse=True)
    nearest = nearest_weights(parts, unique)
    sections = table.folded_sections if result.by_section else None
    keys = list_keys(table.folded_sections, sources, result.by_section)
    recalled = 0
    for fold in result.folds:
        test_rows = np.array([table.positions[q] for q in fold], dtype=np.int64)
        held = np.isin(sources, test_rows)
        train = training_mask(sources, candidates, test_rows)
        learnable = training_links(links, set(fold))
        counts = links_in_counts(table.n_rows, table.positions, learnable)
        # a training pair's own link is not evidence about it: leave it out of the count
        features[:, in_column] = np.log1p(np.where(train, counts[candidates] - labels,
                                                   counts[candidates]))
        features[:, through:through + 2] = linked_through(
            nearest, where, candidates,
            link_adjacency(table.n_rows, table.positions, learnable))
        lists = {"": pairs.stored}
        if result.widened > 0:
            lists[LINKED] = pairs.stored | among_lists(
                keys, candidates, most_linked(counts, sections, table.alive, result.widened))
            recalled += int(labels[held & lists[LINKED]].sum())
        stored_held = held[pairs.stored]
        result.map_per_fold["formula"].append(_fold_map(
            fold, links, table.ids, table.positions, sources[pairs.stored][stored_held],
            candidates[pairs.stored][stored_held], -stored_rank[stored_held].astype(float),
            features[pairs.stored][stored_held, 0], k))
        for suffix, in_list in lists.items():
            part = pairs.part(in_list)
            X = with_list_features(part.features, part.sources)
            fit, scored = train[in_list], held[in_list]
            for name in models:
                scores = np.zeros(len(part.sources))
                model = MODELS[name]()
                model.fit(X[fit], part.labels[fit])
                scores[scored] = model.predict_proba(X[scored])[:, 1]
                if per_section:
                    _per_section(name, table.folded_sections[part.sources], X, part.labels,
                                 fit, scored, scores)
                result.map_per_fold[name + suffix].append(_fold_map(
                    fold, links, table.ids, table.positions, part.sources[scored],
                    part.candidates[scored], scores[scored], part.features[scored, 0], k))
    if result.widened > 0:
        result.recall_widened = recalled / max(result.links, 1)


def among_lists(keys: np.ndarray, candidates: np.ndarray,
                lists: Mapping[int, np.ndarray]) -> np.ndarray:
    """Whether each candidate is in the list of its pair's key."""
    out = np.zeros(len(candidates), dtype=bool)
    for key, rows in lists.items():
        mine = keys == key
        out[mine] = np.isin(candidates[mine], rows)
    return out


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
