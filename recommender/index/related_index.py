"""RelatedIndex: build the neighbour graph once, answer related-story queries from it.

A thin facade over three parts that own their arrays (see ``docs/architecture.md``):
the :class:`ArticleTable`, the :class:`NeighbourGraph` and the :class:`VectorSpace`.
A change (``add``, ``update``, ``remove``) builds new parts and swaps them in one
assignment, so a failure half-way leaves the index as it was.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.config.build import BuildConfig
from recommender.index import answers, building, storage, updates
from recommender.index.articles import ArticleTable
from recommender.index.catalogue import publication_day
from recommender.index.graph import NeighbourGraph
from recommender.index.parts import IndexParts
from recommender.index.ranking import Ranking
from recommender.index.space import VectorSpace
from recommender.progress import Progress
from recommender.query.filters import Filter
from recommender.records import Article, Related
from recommender.validation import check_k
from recommender.vectorize.vectorizer import ArticleVectorizer


class RelatedIndex:
    """Articles, their vectors and their top-K neighbours; answers ``related``/``similar``.

    Build with :meth:`build`, persist with :meth:`save` / :meth:`load`.

    Examples
    --------
    >>> from recommender.records import Article
    >>> arts = [Article(id="a", title="Sécheresse au Maroc", tags=("Eau",)),
    ...         Article(id="b", title="Barrages et sécheresse", tags=("Eau",)),
    ...         Article(id="c", title="Football : la CAN", tags=("Sport",))]
    >>> index = RelatedIndex.build(arts)
    >>> [r.id for r in index.related("a", k=2)]
    ['b']
    """

    def __init__(self, config: BuildConfig, parts: IndexParts) -> None:
        self.config = config
        self.ranking = Ranking.from_config(config)
        self._parts = parts

    # -- the parts ------------------------------------------------------------------------
    @property
    def table(self) -> ArticleTable:
        """Ids, titles, sections, dates and removal marks."""
        return self._parts.table

    @property
    def graph(self) -> NeighbourGraph:
        """The stored neighbours of every article, in ranking order."""
        return self._parts.graph

    @property
    def space(self) -> VectorSpace:
        """The vectorizer, the article vectors and their searcher."""
        return self._parts.space

    @property
    def vectorizer(self) -> ArticleVectorizer:
        return self._parts.space.vectorizer

    @property
    def n_neighbors(self) -> int:
        """K: neighbours stored per article."""
        return self._parts.graph.n_neighbors

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        articles: Iterable[Article],
        config: BuildConfig | None = None,
        *,
        n_jobs: int | None = None,
        progress: Progress | None = None,
    ) -> RelatedIndex:
        """Vectorize ``articles`` and compute each one's top-K neighbours.

        ``articles`` is read once and may be a generator (e.g.
        :func:`~recommender.corpus.iter_articles`): only term counts and the stored fields
        are kept, so the corpus streams from disk.

        ``n_jobs`` is joblib's: None follows ``joblib.parallel_config`` (this process by
        default, every worker under a Dask backend), 1 runs in this process, -1 uses every
        core; the backend (local processes, Dask, Ray) is whatever the caller configured.
        """
        config = config or BuildConfig()
        return cls(config, building.build_parts(articles, config, n_jobs=n_jobs,
                                                progress=progress))

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._parts.table)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._parts.table.positions

    @property
    def ids(self) -> list[str]:
        """Ids of the articles in the index, in build order."""
        return self._parts.table.live_ids()

    def position(self, article_id: str) -> int:
        """Row of an indexed article (:class:`UnknownArticleError` for any other id)."""
        return self._parts.table.position(article_id)

    def title(self, article_id: str) -> str:
        table = self._parts.table
        return table.titles[table.position(article_id)]

    def vectors(self, article_ids: Sequence[str] | None = None) -> sp.csr_matrix:
        """Rows of the similarity matrix (all live articles when ``article_ids`` is None)."""
        table, X = self._parts.table, self._parts.space.X
        if article_ids is None:
            return X[np.flatnonzero(table.alive)]
        return X[[table.position(i) for i in article_ids]]

    def related(
        self,
        article_id: str,
        k: int = 5,
        *,
        section: str | None = None,
        published_after: dt.date | str | None = None,
        published_before: dt.date | str | None = None,
        exclude: Iterable[str] = (),
    ) -> list[Related]:
        """The ``k`` indexed articles most similar to ``article_id``, best first.

        Reads the stored neighbour row; when filters or a large ``k`` need more than the
        row holds, the answer is computed exactly from the vectors instead.
        """
        check_k(k)
        parts = self._parts
        table, graph = parts.table, parts.graph
        row = table.positions.get(article_id)
        if row is None:
            row = table.position(article_id)  # raises UnknownArticleError
        filt = Filter.of(section=section, published_after=published_after,
                         published_before=published_before, exclude=exclude)
        positions, values, sims = graph.row(row)
        full = len(positions) == graph.n_neighbors  # else no other article shares a term
        if len(table.positions) < table.n_rows:  # some articles were removed
            live = table.alive[positions]
            positions, values, sims = positions[live], values[live], sims[live]
        group = int(table.translations.codes[row]) if table.translations.keys else -1
        if group >= 0:  # never its own translations
            keep = table.translations.outside(positions, group)
            positions, values, sims = positions[keep], values[keep], sims[keep]
        if not filt.is_empty:
            keep = table.filter_mask(positions, filt)
            positions, values, sims = positions[keep], values[keep], sims[keep]
        if len(positions) < k and full:
            return answers.searched(parts, self.config, self.ranking, parts.space.X[row], k, filt,
                                    own=row, date=table.published[row], group=group)
        return answers.records(table, positions[:k], values[:k], sims[:k])

    def similar(
        self,
        article: Article,
        k: int = 5,
        *,
        section: str | None = None,
        published_after: dt.date | str | None = None,
        published_before: dt.date | str | None = None,
        exclude: Iterable[str] = (),
    ) -> list[Related]:
        """The ``k`` indexed articles most similar to a new article (a draft).

        If the draft's id is in the index, that article is left out of the answer, and so
        are the draft's translation group (its ``translation_of`` and that one's other
        translations).
        """
        check_k(k)
        if self.config.same_section and section is None and article.section is not None:
            section = article.section
        filt = Filter.of(section=section, published_after=published_after,
                         published_before=published_before, exclude=exclude)
        parts = self._parts
        x = parts.space.vectorize_one(article)
        table = parts.table
        own = table.positions.get(article.id, -1)
        return answers.searched(parts, self.config, self.ranking, x, k, filt, own=own,
                                date=publication_day(article.published),
                                group=table.translations.group_of(article, table.positions))

    # -- changing -------------------------------------------------------------------------
    def add(self, articles: Iterable[Article], *, replace: bool = False) -> None:
        """Index new articles without a rebuild.

        Their neighbours are computed exactly, and each existing article's stored list
        takes them in where they rank. The vocabulary and IDF stay those of the build:
        words first seen in new articles are ignored until the next rebuild. With
        ``replace=True`` articles whose id is already indexed are replaced (an update).
        If anything fails, the index is left exactly as it was.
        """
        arts = list(articles)
        if arts:
            self._parts = updates.with_added(self._parts, arts, self.config, self.ranking,
                                             replace=replace)

    def update(self, articles: Iterable[Article]) -> None:
        """Replace indexed articles by new versions (new ids are added)."""
        self.add(articles, replace=True)

    def remove(self, article_ids: Iterable[str]) -> None:
        """Take articles out of the index; they stop appearing in any list at once."""
        ids = list(article_ids)
        if ids:
            parts = self._parts
            self._parts = IndexParts(parts.table.without(ids), parts.graph, parts.space)

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, model_card: str | None = None) -> Path:
        """Write the index directory atomically (see :mod:`recommender.store.directory`).

        ``model_card`` (Markdown) is stored beside the arrays as ``MODEL_CARD.md``.
        """
        return storage.save(self.config, self._parts, path, model_card=model_card)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, mmap: bool = True, verify: bool = True
    ) -> RelatedIndex:
        """Open an index directory after checking its format version and file digests.

        Only load indexes you built: the vectorizer is stored with joblib, which runs
        code when unpickling (the digests guard against corruption, not against malice).
        """
        return cls(*storage.load(path, mmap=mmap, verify=verify))

    def info(self) -> dict[str, Any]:
        """Counts and config, as stored in the manifest."""
        table, space = self._parts.table, self._parts.space
        return {
            "articles": len(self), "n_neighbors": self.n_neighbors,
            "features": space.n_features,
            "tags": space.n_tags,
            "sections": list(table.section_names), "config": self.config.to_dict(),
        }
