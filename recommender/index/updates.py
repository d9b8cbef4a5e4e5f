"""Updating an index without a rebuild: add, update and remove articles.

A mixin of :class:`recommender.index.RelatedIndex`, kept apart so each module has one job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from recommender.errors import CorpusError, RecommenderError
from recommender.index.catalogue import publication_days
from recommender.records import Article
from recommender.search.topk import Candidates, merge_into_rows, topk_rows

if TYPE_CHECKING:
    from recommender.config.build import BuildConfig
    from recommender.index.ranking import Ranking
    from recommender.vectorize.vectorizer import ArticleVectorizer


class UpdatesMixin:
    """add / update / remove over the arrays of a built index."""

    config: BuildConfig
    vectorizer: ArticleVectorizer
    _ranking: Ranking
    _X: sp.csr_matrix
    _XT: sp.csr_matrix
    _neighbors: np.ndarray
    _scores: np.ndarray
    _similarity: np.ndarray
    _hubs: np.ndarray
    _ids: list[str]
    _titles: list[str]
    _section_codes: np.ndarray
    _section_names: list[str]
    _published: np.ndarray
    _alive: np.ndarray
    _positions: dict[str, int]

    @property
    def n_neighbors(self) -> int:
        """K: neighbours stored per article."""
        return int(self._neighbors.shape[1])

    def position(self, article_id: str) -> int:  # pragma: no cover - defined by the index
        raise NotImplementedError

    def add(self, articles: Iterable[Article], *, replace: bool = False) -> None:
        """Index new articles without a rebuild.

        Their neighbours are computed exactly, and each existing article's stored list
        takes them in where they rank. The vocabulary and IDF stay those of the build:
        words first seen in new articles are ignored until the next rebuild. With
        ``replace=True`` articles whose id is already indexed are replaced (an update).
        """
        arts = list(articles)
        if not arts:
            return
        batch: set[str] = set()
        for a in arts:
            if a.id in batch:
                raise CorpusError(f"duplicate article id {a.id!r} in the added articles")
            batch.add(a.id)
        present = [a.id for a in arts if a.id in self._positions]
        if present and not replace:
            raise RecommenderError(
                f"{len(present)} article(s) already indexed, e.g. {present[0]!r}: "
                "use update() (or add(..., replace=True)) to replace them"
            )
        self.remove(present)
        first = len(self._ids)
        Xn = self.vectorizer.transform(arts).astype(self._X.dtype)
        self._X = sp.vstack([self._X, Xn], format="csr")
        self._XT = self._X.T.tocsr()
        for a in arts:
            if a.section is not None and a.section not in self._section_names:
                self._section_names.append(a.section)
        codes = [self._section_names.index(a.section) if a.section is not None else -1
                 for a in arts]
        self._section_codes = np.concatenate(
            [self._section_codes, np.array(codes, dtype=np.int32)])
        self._published = np.concatenate(
            [self._published, publication_days(a.published for a in arts)])
        self._alive = np.concatenate([self._alive, np.ones(len(arts), dtype=bool)])
        for offset, a in enumerate(arts):
            self._ids.append(a.id)
            self._titles.append(a.title)
            self._positions[a.id] = first + offset
        k = self.n_neighbors
        product = (Xn @ self._XT).tocsr()
        new_rows = np.arange(first, first + len(arts))
        sections = self._section_codes if self.config.same_section else None
        candidates = Candidates(alive=self._alive, sections=sections)
        idx, sim = topk_rows(product, k, row_ids=new_rows, candidates=candidates,
                             query_sections=None if sections is None else sections[new_rows])
        self._neighbors = np.concatenate([np.asarray(self._neighbors), idx])
        self._similarity = np.concatenate([np.asarray(self._similarity), sim])
        self._scores = np.concatenate([np.asarray(self._scores), np.zeros_like(sim)])
        self._hubs = np.concatenate([np.asarray(self._hubs), self._ranking.hubs(sim)])
        # the same product, read by column, offers each new article to the old rows
        coo = product.tocoo()
        old = (coo.col < first) & (coo.data > 0) & self._alive[coo.col]
        if sections is not None:
            old &= sections[coo.col] == sections[first + coo.row]
        touched = merge_into_rows(self._neighbors, self._similarity,
                                  coo.col[old].astype(np.int64),
                                  (first + coo.row[old]).astype(np.int64), coo.data[old])
        self._rerank_rows(np.concatenate([touched, new_rows]))

    def _rerank_rows(self, rows: np.ndarray) -> None:
        """Re-order stored rows by the final score (after their candidates changed)."""
        if len(rows) == 0:
            return
        cand, scores, sims = self._ranking.order(
            self._neighbors[rows], self._similarity[rows], self._published[rows],
            self._published, self._hubs,
        )
        self._neighbors[rows], self._scores[rows], self._similarity[rows] = cand, scores, sims

    def update(self, articles: Iterable[Article]) -> None:
        """Replace indexed articles by new versions (new ids are added)."""
        self.add(articles, replace=True)

    def remove(self, article_ids: Iterable[str]) -> None:
        """Take articles out of the index; they stop appearing in any list at once."""
        ids = list(article_ids)
        rows = [self.position(i) for i in ids]
        if not rows:
            return
        self._alive = np.array(self._alive, dtype=bool)
        self._alive[rows] = False
        for i in ids:
            self._positions.pop(i, None)

