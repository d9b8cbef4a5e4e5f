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
    LINKED,
    LINKED_CANDIDATES,
    MODELS,
    CrossValidation,
    LinkedPairs,
    among_lists,
    cross_validate,
    known_links,
    linked_pairs,
    one_thread,
)
from recommender.learn.export import LearnedRanker
from recommender.learn.features import (
    ALL_FEATURES,
    FEATURES,
    link_adjacency,
    links_in_counts,
    list_keys,
    most_linked,
    neighbour_links,
    stored_in_degree,
    with_list_features,
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
         models: Sequence[str] = tuple(MODELS),
         widen: int | None = None) -> tuple[RelatedIndex, TuneReport]:
    """The index with a learned ranking (a new object; ``index`` is unchanged), and the
    report. The links are the articles' ``related`` fields, or :class:`Link` records.
    ``widen``: the most-linked articles added to each candidate list for the ``+linked``
    models (None: :data:`~recommender.learn.cv.LINKED_CANDIDATES` when the stored rows
    hold too few of the links, :func:`~recommender.learn.cv.cross_validate`)."""
    links = known_links(index, articles_or_links)
    n_links = sum(len(t) for t in links.values())
    if len(links) < min_queries:
        return index, TuneReport("formula", f"{len(links)} articles with links in the index; "
                                 f"at least {min_queries} are needed to trust a model",
                                 None, len(links), n_links)
    cv = cross_validate(index, articles_or_links, n_folds=n_folds, seed=seed, models=models,
                        widen=widen)
    best = cv.best
    if best == "formula":
        return index, TuneReport("formula", "no model beat the formula in cross-validation",
                                 cv, len(links), n_links)
    pairs = cv.pairs
    assert pairs is not None  # noqa: S101 - cross_validate always keeps its pairs
    tuned = fit_ranking(index, links, best, pairs,
                        lambda: tuning_info(best, cv, len(links), n_links,
                                            index._parts.graph.n_neighbors),
                        widen=cv.widened)
    summary = cv.summary()
    return tuned, TuneReport(best, f"cross-validated MAP@10 {summary[best]['mean']:.4f} "
                             f"against the formula's {summary['formula']['mean']:.4f}",
                             cv, len(links), n_links)


def split_ranking(name: str, widen: int = LINKED_CANDIDATES) -> tuple[str, int]:
    """A ranking's name as (model, articles added to each candidate list): ``trees`` is
    ("trees", 0), ``linear+linked`` ("linear", ``widen``)."""
    model = name.removesuffix(LINKED)
    if model not in MODELS:
        choices = ", ".join(f"{m}, {m}{LINKED}" for m in MODELS)
        raise ValueError(f"unknown model {name!r}; choose one of {choices}")
    return model, widen if name.endswith(LINKED) else 0


def fit_ranking(index: RelatedIndex, links: Mapping[str, Sequence[str]], model: str,
                pairs: LinkedPairs | None = None,
                info: Callable[[], dict[str, Any]] | None = None,
                held_out: Collection[str] = (), widen: int = LINKED_CANDIDATES
                ) -> RelatedIndex:
    """``index`` with a ``model`` (a :data:`MODELS` name, ``+linked`` to widen each
    candidate list by the ``widen`` articles the links point to most) fitted on the
    candidates of the articles that have ``links`` (``pairs``: those candidates, already
    built), every stored row re-ordered by it. Only ``links`` are read, so a model fitted
    on some links can be judged on the others (:mod:`recommender.learn.held_out`): pass
    those articles as ``held_out``, and no pair with one of them as candidate is learned
    from (its link, left out of ``links``, would read as a negative)."""
    kind, widen = split_ranking(model, widen)
    parts = index._parts  # tuning rebuilds the graph part
    table = parts.table
    by_section = bool(index.config.same_section)
    links_in = links_in_counts(table.n_rows, table.positions, links)
    added = most_linked(links_in, table.folded_sections if by_section else None,
                        table.alive, widen) if widen else {}
    if pairs is None:
        pairs = linked_pairs(parts, {s: tuple(t) for s, t in links.items() if t}, added,
                             by_section)
    keys = list_keys(table.folded_sections, pairs.sources, by_section)
    pairs = pairs.part(pairs.stored | among_lists(keys, pairs.candidates, added))
    labels, features = pairs.labels, pairs.features
    column = FEATURES.index("candidate_links_in")
    # every link counts now; a pair's own link is left out, as in cross-validation
    features[:, column] = np.log1p(links_in[pairs.candidates] - labels)
    adjacency = link_adjacency(table.n_rows, table.positions, links)
    through = FEATURES.index("neighbour_links")
    features[:, through:through + 2] = neighbour_links(parts, pairs.sources, pairs.candidates,
                                                       adjacency)
    features = with_list_features(features, pairs.sources)
    fit = ~np.isin(pairs.candidates, [table.positions[i] for i in held_out
                                      if i in table.positions])
    with one_thread():
        fitted = MODELS[kind]().fit(features[fit], labels[fit])
    described: dict[str, Any] = (info() if info is not None
                                 else {"model": kind, "features": list(ALL_FEATURES)})
    described.update(model=kind, ranking=model, linked_candidates=widen,
                     linked_by_section=by_section)
    learned = TunedRanking(LearnedRanker.from_estimator(fitted), links_in,
                           stored_in_degree(parts), adjacency, described)
    graph = parts.graph
    neighbors, scores, similarity = learned.rerank_rows(
        parts, np.arange(table.n_rows), np.asarray(graph.neighbors),
        np.asarray(graph.similarity, dtype=np.float32))
    tuned_graph = NeighbourGraph(neighbors=neighbors, scores=scores, similarity=similarity,
                                 hubs=graph.hubs, hub_floor=graph.hub_floor)
    return RelatedIndex(index.config, IndexParts(table, tuned_graph, parts.space, learned),
                        index.query)
