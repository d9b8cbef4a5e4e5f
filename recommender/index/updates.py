"""Changing an index without a rebuild: new parts from old parts and added articles.

Nothing here writes to the parts it is given: :func:`with_added` returns new ones, which
the index swaps in with one assignment, so a failure half-way leaves the index whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from recommender.errors import CorpusError, RecommenderError
from recommender.index.graph import NeighbourGraph
from recommender.index.parts import IndexParts
from recommender.records import Article
from recommender.search.topk import Candidates, merge_into_rows, topk_rows

if TYPE_CHECKING:
    from recommender.config.build import BuildConfig
    from recommender.index.ranking import Ranking


def _check_batch(parts: IndexParts, articles: list[Article], replace: bool) -> list[str]:
    """Ids of ``articles`` already indexed; errors for repeats and unwanted replaces."""
    batch: set[str] = set()
    for a in articles:
        if a.id in batch:
            raise CorpusError(f"duplicate article id {a.id!r} in the added articles")
        batch.add(a.id)
    present = [a.id for a in articles if a.id in parts.table.positions]
    if present and not replace:
        raise RecommenderError(
            f"{len(present)} article(s) already indexed, e.g. {present[0]!r}: "
            "use update() (or add(..., replace=True)) to replace them"
        )
    return present


def with_added(
    parts: IndexParts, articles: list[Article], config: BuildConfig, ranking: Ranking, *,
    replace: bool = False,
) -> IndexParts:
    """The parts of the index once ``articles`` are added (replacing indexed ones of the
    same id when ``replace``).

    New rows get their K nearest neighbours exactly; every existing row is offered the new
    articles and keeps its best K; rows that changed are put back in ranking order.
    """
    present = _check_batch(parts, articles, replace)
    languages = parts.space.vectorizer.languages_of(articles)
    table = (parts.table.without(present) if present else parts.table).appended(articles,
                                                                                 languages)
    vectors = parts.space.vectorize(articles)
    space = parts.space.appended(vectors)
    first = parts.table.n_rows
    new_rows = np.arange(first, first + len(articles))
    k = parts.graph.n_neighbors
    product = (vectors @ space.searcher.XT).tocsr()
    sections = table.folded_sections if config.same_section else None
    candidates = Candidates(alive=table.alive, sections=sections)
    idx, sim = topk_rows(product, k, row_ids=new_rows, candidates=candidates,
                         query_sections=None if sections is None else sections[new_rows])
    old = parts.graph
    neighbors = np.concatenate([np.asarray(old.neighbors), idx])
    similarity = np.concatenate([np.asarray(old.similarity, dtype=np.float32), sim])
    hubs = np.concatenate([np.asarray(old.hubs),
                           np.maximum(ranking.hubs(sim), np.float32(old.hub_floor))])
    # the same product, read by column, offers each new article to the old rows
    coo = product.tocoo()
    offered = (coo.col < first) & (coo.data > 0) & table.alive[coo.col]
    if sections is not None:
        offered &= sections[coo.col] == sections[first + coo.row]
    touched = merge_into_rows(neighbors, similarity, coo.col[offered].astype(np.int64),
                              (first + coo.row[offered]).astype(np.int64), coo.data[offered])
    rows = np.concatenate([touched, new_rows])
    scores = np.concatenate([np.asarray(old.scores), np.zeros_like(sim)])
    neighbors[rows], scores[rows], similarity[rows] = ranking.order(
        neighbors[rows], similarity[rows], table.published[rows], table.published, hubs)
    graph = NeighbourGraph(neighbors=neighbors, scores=scores, similarity=similarity, hubs=hubs,
                           hub_floor=old.hub_floor)
    if parts.learned is None:
        return IndexParts(table, graph, space)
    learned = parts.learned.extended(table.n_rows)
    grown = IndexParts(table, graph, space, learned)
    neighbors[rows], scores[rows], similarity[rows] = learned.rerank_rows(
        grown, rows, neighbors[rows], similarity[rows])
    return grown
