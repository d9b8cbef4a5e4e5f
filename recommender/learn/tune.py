"""``tune``: learn an index's ranking from the site's editor links, when it helps.

Cross-validation (:func:`~recommender.learn.cv.cross_validate`) compares the formula with
each model; the best model, when it beats the formula, is fitted on every linked
article's candidates and re-orders every stored row. With too few links, or when no
model beats the formula, the index keeps the formula and the report says why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.evaluation.links import Link
from recommender.index.graph import NeighbourGraph
from recommender.index.parts import IndexParts
from recommender.index.related_index import RelatedIndex
from recommender.learn.cv import (
    MODELS,
    CrossValidation,
    LinkedPairs,
    cross_validate,
    known_links,
    linked_pairs,
    one_thread,
)
from recommender.learn.export import LearnedRanker
from recommender.learn.features import (
    FEATURES,
    link_adjacency,
    links_in_counts,
    neighbour_links,
    stored_in_degree,
)
from recommender.learn.tuned import TunedRanking, tuning_info
from recommender.records import Article

#: articles with links below which no model is trusted
MIN_QUERIES = 50


@dataclass
class TuneReport:
    """What tuning measured and chose. ``chosen`` is ``"formula"`` when it kept it, with
    ``reason`` saying why."""

    chosen: str
    reason: str
    cv: CrossValidation | None
    queries: int
    links: int


def tune(index: RelatedIndex, articles_or_links: Sequence[Article] | Sequence[Link], *,
         n_folds: int = 5, seed: int = 0, min_queries: int = MIN_QUERIES,
         models: Sequence[str] = tuple(MODELS)) -> tuple[RelatedIndex, TuneReport]:
    """The index with a learned ranking (a new object; ``index`` is unchanged), and the
    report. The links are the articles' ``related`` fields, or :class:`Link` records."""
    links = known_links(index, articles_or_links)
    n_links = sum(len(t) for t in links.values())
    if len(links) < min_queries:
        return index, TuneReport("formula", f"{len(links)} articles with links in the index; "
                                 f"at least {min_queries} are needed to trust a model",
                                 None, len(links), n_links)
    cv = cross_validate(index, articles_or_links, n_folds=n_folds, seed=seed, models=models)
    best = cv.best
    if best == "formula":
        return index, TuneReport("formula", "no model beat the formula in cross-validation",
                                 cv, len(links), n_links)
    pairs = cv.pairs
    assert pairs is not None  # noqa: S101 - cross_validate always keeps its pairs
    tuned = fit_ranking(index, links, best, pairs,
                        lambda: tuning_info(best, cv, len(links), n_links,
                                            index._parts.graph.n_neighbors))
    summary = cv.summary()
    return tuned, TuneReport(best, f"cross-validated MAP@10 {summary[best]['mean']:.4f} "
                             f"against the formula's {summary['formula']['mean']:.4f}",
                             cv, len(links), n_links)


def fit_ranking(index: RelatedIndex, links: Mapping[str, Sequence[str]], model: str,
                pairs: LinkedPairs | None = None,
                info: Callable[[], dict[str, Any]] | None = None,
                held_out: Collection[str] = ()) -> RelatedIndex:
    """``index`` with a ``model`` (a :data:`MODELS` name) fitted on the candidates of the
    articles that have ``links`` (``pairs``: those candidates, already built), every
    stored row re-ordered by it. Only ``links`` are read, so a model fitted on some links
    can be judged on the others (:mod:`recommender.learn.held_out`): pass those articles
    as ``held_out``, and no pair with one of them as candidate is learned from (its link,
    left out of ``links``, would read as a negative)."""
    parts = index._parts  # tuning rebuilds the graph part
    table = parts.table
    if pairs is None:
        pairs = linked_pairs(parts, {s: tuple(t) for s, t in links.items() if t})
    labels, features = pairs.labels, pairs.features
    links_in = links_in_counts(table.n_rows, table.positions, links)
    column = FEATURES.index("candidate_links_in")
    # every link counts now; a pair's own link is left out, as in cross-validation
    features[:, column] = np.log1p(links_in[pairs.candidates] - labels)
    adjacency = link_adjacency(table.n_rows, table.positions, links)
    through = FEATURES.index("neighbour_links")
    features[:, through:through + 2] = neighbour_links(parts, pairs.sources, pairs.candidates,
                                                       adjacency)
    fit = ~np.isin(pairs.candidates, [table.positions[i] for i in held_out
                                      if i in table.positions])
    with one_thread():
        fitted = MODELS[model]().fit(features[fit], labels[fit])
    learned = TunedRanking(LearnedRanker.from_estimator(fitted), links_in,
                           stored_in_degree(parts), adjacency,
                           info() if info is not None else {"model": model,
                                                            "features": list(FEATURES)})
    graph = parts.graph
    neighbors, scores, similarity = learned.rerank_rows(
        parts, np.arange(table.n_rows), np.asarray(graph.neighbors),
        np.asarray(graph.similarity, dtype=np.float32))
    tuned_graph = NeighbourGraph(neighbors=neighbors, scores=scores, similarity=similarity,
                                 hubs=graph.hubs, hub_floor=graph.hub_floor)
    return RelatedIndex(index.config, IndexParts(table, tuned_graph, parts.space, learned),
                        index.query)
