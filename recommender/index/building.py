"""A build: articles streamed once into the three parts of an index."""

from __future__ import annotations

import logging
import operator
from collections.abc import Iterable

from recommender.config.build import BuildConfig
from recommender.errors import RecommenderError
from recommender.index.articles import ArticleTable
from recommender.index.catalogue import Catalogue
from recommender.index.graph import NeighbourGraph
from recommender.index.parts import IndexParts
from recommender.index.ranking import Ranking
from recommender.index.space import VectorSpace
from recommender.progress import Progress
from recommender.records import Article
from recommender.search.parallel import neighbour_graph
from recommender.search.searcher import SearchSettings
from recommender.search.topk import Candidates
from recommender.vectorize.vectorizer import ArticleVectorizer

logger = logging.getLogger(__name__)


def build_parts(
    articles: Iterable[Article], config: BuildConfig, *, n_jobs: int | None = None,
    progress: Progress | None = None,
) -> IndexParts:
    """Vectorize ``articles`` (read once), search every row's K most similar articles
    and rank them (see :meth:`RelatedIndex.build <recommender.RelatedIndex.build>`)."""
    catalogue = Catalogue(articles)
    if progress is not None:
        progress("vectorize", 0, operator.length_hint(catalogue, 0))
    vectorizer = ArticleVectorizer.from_config(config, n_jobs=n_jobs)
    try:
        X, details = vectorizer.fit_transform_details(catalogue, progress=progress)
    except ValueError as exc:
        if catalogue.count == 0 and not isinstance(exc, RecommenderError):
            raise RecommenderError("cannot build an index from 0 articles") from None
        raise
    vectorizer.set_params(n_jobs=None)  # a loaded index must not inherit this machine's
    n = catalogue.count
    if progress is not None:
        progress("vectorize", n, n)
    tags = vectorizer.tag_vocabulary_
    table = ArticleTable.from_catalogue(catalogue, details, sorted(tags, key=tags.__getitem__))
    del details
    config = config.for_archive(n)  # "auto" search: exact or pruned by the archive's size
    space = VectorSpace(vectorizer, X, SearchSettings.from_config(config), XT=X.T.tocsr())
    candidates = Candidates(sections=table.folded_sections if config.same_section else None)
    k = min(config.n_neighbors, max(n - 1, 1))
    neighbors, similarity = neighbour_graph(
        space.searcher, k, candidates=candidates, n_jobs=n_jobs,
        budget_bytes=config.block_mib << 20, progress=progress,
    )
    graph = NeighbourGraph.ranked(neighbors, similarity, table.published,
                                  Ranking.from_config(config))
    logger.info("built index of %d articles, %d features, %s search", n, X.shape[1],
                config.search_mode)
    return IndexParts(table, graph, space)
