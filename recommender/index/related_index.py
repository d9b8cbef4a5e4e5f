"""RelatedIndex: build the neighbour graph once, answer related-story queries from it."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import operator
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.config.build import BuildConfig
from recommender.errors import (
    IndexFormatError,
    RecommenderError,
    UnknownArticleError,
)
from recommender.index.catalogue import Catalogue, publication_day
from recommender.index.ranking import Ranking
from recommender.index.updates import UpdatesMixin
from recommender.query.filters import Filter
from recommender.records import Article, Related
from recommender.search.parallel import Progress, neighbour_graph
from recommender.search.topk import (
    Candidates,
    prune_rows,
    search_index,
    search_terms,
)
from recommender.store import directory as persistence
from recommender.vectorize.vectorizer import ArticleVectorizer

logger = logging.getLogger(__name__)


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"expected k >= 1, got k={k!r}")


def _row_dots(X: sp.csr_matrix, rows: np.ndarray, x: sp.csr_matrix) -> np.ndarray:
    """``X[rows] @ x.T`` for one sparse row ``x`` (sorted indices), as float32.

    Matches each gathered entry to ``x`` by binary search: no transpose of ``x``, whose
    conversion costs O(features) per call (0.1 ms at 100k articles).
    """
    sub = X[rows]
    sub.sort_indices()
    if not x.has_sorted_indices:
        x = x.sorted_indices()
    if x.nnz == 0 or sub.nnz == 0:
        return np.zeros(len(rows), dtype=np.float32)
    where = np.minimum(np.searchsorted(x.indices, sub.indices), x.nnz - 1)
    hit = x.indices[where] == sub.indices
    products = np.where(hit, sub.data * x.data[where], 0).astype(np.float64)
    row_of = np.repeat(np.arange(len(rows)), np.diff(sub.indptr))
    return np.bincount(row_of, weights=products, minlength=len(rows)).astype(np.float32)


def _unit_interval(values: np.ndarray) -> np.ndarray:
    """``values`` clipped to [0, 1] (two ufunc calls: np.clip costs more on short rows)."""
    return np.minimum(np.maximum(values, 0.0), 1.0)


def vectorizer_for(config: BuildConfig) -> ArticleVectorizer:
    """The vectorizer a config describes (unfitted)."""
    return ArticleVectorizer(
        language=config.language,
        title_weight=config.title_weight,
        tag_weight=config.tag_weight,
        title_match_weight=config.title_match_weight,
        sublinear_tf=config.sublinear_tf,
        min_df=config.min_df,
        max_df=config.max_df,
        max_features=config.max_features,
        bigrams=config.bigrams,
        stem=config.stem,
        stop_words=config.stop_words,
    )


class RelatedIndex(UpdatesMixin):
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

    def __init__(
        self,
        *,
        config: BuildConfig,
        vectorizer: ArticleVectorizer,
        matrix: sp.csr_matrix,
        neighbors: np.ndarray,
        scores: np.ndarray,
        ids: list[str],
        titles: list[str],
        section_codes: np.ndarray,
        section_names: list[str],
        published: np.ndarray,
        alive: np.ndarray | None = None,
        similarity: np.ndarray | None = None,
        hubs: np.ndarray | None = None,
    ) -> None:
        self.config = config
        self._ranking = Ranking.from_config(config)
        self.vectorizer = vectorizer
        self._X = matrix
        self._XT_cache: sp.csr_matrix | None = None  # X.T, built on first need (not by load)
        self._search_terms_cache: np.ndarray | None = None
        self._search_postings_cache: sp.csr_matrix | None = None
        self._neighbors = neighbors
        self._scores = scores
        self._ids = ids
        self._titles = titles
        self._section_codes = section_codes
        self._section_names = section_names
        self._published = published
        self._alive = np.ones(len(ids), dtype=bool) if alive is None else alive
        # built in C (zip) rather than a comprehension: a 1M-article load spends 0.3 s less
        if bool(np.all(self._alive)):
            self._positions = dict(zip(ids, range(len(ids)), strict=True))
        else:
            self._positions = dict(itertools.compress(zip(ids, range(len(ids)), strict=True),
                                                      self._alive.tolist()))
        # raw similarities aligned with the stored rows, and each article's hub score
        self._similarity = scores if similarity is None else similarity
        if hubs is None:
            hubs = self._ranking.hubs(-np.sort(-np.asarray(self._similarity), axis=1))
        self._hubs = hubs

    @property
    def _XT(self) -> sp.csr_matrix:
        """X transposed (a term's postings), for drafts, exact answers and updates.

        Built on first use: ``related()`` reads stored rows only, so a loaded index answers
        its first query without transposing the whole matrix.
        """
        if self._XT_cache is None:
            self._XT_cache = self._X.T.tocsr()
        return self._XT_cache

    @_XT.setter
    def _XT(self, value: sp.csr_matrix) -> None:
        self._XT_cache = value
        self._search_terms_cache = None
        self._search_postings_cache = None

    @property
    def _search_terms(self) -> np.ndarray:
        """Columns a pruned query may search on (``query_max_df``), computed once per X.T."""
        if self._search_terms_cache is None:
            self._search_terms_cache = search_terms(self._XT, self._X.shape[0],
                                                    self.config.query_max_df)
        return self._search_terms_cache

    @property
    def _search_postings(self) -> sp.csr_matrix:
        """The postings a pruned query searches (``index_terms``, ``posting_limit``), as the
        build searched them."""
        if self._search_postings_cache is None:
            config = self.config
            _, self._search_postings_cache = search_index(
                self._X, self._XT, config.query_max_df, config.index_terms, config.posting_limit)
        return self._search_postings_cache

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
        catalogue = Catalogue(articles)
        if progress is not None:
            progress("vectorize", 0, operator.length_hint(catalogue, 0))
        vectorizer = vectorizer_for(config).set_params(n_jobs=n_jobs)
        try:
            X = vectorizer.fit_transform(catalogue, progress=progress)
        except ValueError as exc:
            if catalogue.count == 0 and not isinstance(exc, RecommenderError):
                raise RecommenderError("cannot build an index from 0 articles") from None
            raise
        vectorizer.set_params(n_jobs=None)  # a loaded index must not inherit this machine's
        n = catalogue.count
        if progress is not None:
            progress("vectorize", n, n)
        codes, names = catalogue.section_codes()
        published = catalogue.published()
        XT = X.T.tocsr()
        candidates = Candidates(sections=codes if config.same_section else None)
        k = min(config.n_neighbors, max(n - 1, 1))
        neighbors, similarity = neighbour_graph(
            X, k, candidates=candidates, n_jobs=n_jobs,
            budget_bytes=config.block_mib << 20, progress=progress, XT=XT,
            query_terms=config.query_terms, query_max_df=config.query_max_df,
            posting_limit=config.posting_limit, index_terms=config.index_terms,
        )
        ranking = Ranking.from_config(config)
        hubs = ranking.hubs(similarity)
        neighbors, scores, similarity = ranking.order(
            neighbors, similarity, published, published, hubs
        )
        logger.info("built index of %d articles, %d features", n, X.shape[1])
        return cls(
            config=config, vectorizer=vectorizer, matrix=X, neighbors=neighbors,
            scores=scores, ids=catalogue.ids, titles=catalogue.titles,
            section_codes=codes, section_names=names, published=published,
            similarity=similarity, hubs=hubs,
        )

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._positions)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._positions

    @property
    def ids(self) -> list[str]:
        """Ids of the articles in the index, in build order."""
        return [i for p, i in enumerate(self._ids) if self._alive[p]]

    def position(self, article_id: str) -> int:
        try:
            return self._positions[article_id]
        except KeyError:
            raise UnknownArticleError(
                f"unknown article id {article_id!r}: it is not in this index of {len(self)} "
                "articles (add it with index.add or query a draft with index.similar)"
            ) from None

    def title(self, article_id: str) -> str:
        return self._titles[self.position(article_id)]

    def vectors(self, article_ids: Sequence[str] | None = None) -> sp.csr_matrix:
        """Rows of the similarity matrix (all live articles when ``article_ids`` is None)."""
        if article_ids is None:
            return self._X[np.flatnonzero(self._alive)]
        return self._X[[self.position(i) for i in article_ids]]

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
        _check_k(k)
        row = self.position(article_id)
        filt = Filter.of(section=section, published_after=published_after,
                         published_before=published_before, exclude=exclude)
        stored = self._neighbors[row]
        positions = stored[stored >= 0]
        full = len(positions) == len(stored)
        n = len(positions)
        values, sims = self._scores[row][:n], self._similarity[row][:n]
        if len(self._positions) < len(self._ids):  # some articles were removed
            live = self._alive[positions]
            positions, values, sims = positions[live], values[live], sims[live]
        if not filt.is_empty:
            keep = self._filter_mask(positions, filt)
            positions, values, sims = positions[keep], values[keep], sims[keep]
        if len(positions) < k and full:
            return self._exact(self._X[row], k, filt, own=row, date=self._published[row])
        return self._records(positions[:k], values[:k], sims[:k])

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

        If the draft's id is in the index, that article is left out of the answer.
        """
        _check_k(k)
        filt = Filter.of(section=section, published_after=published_after,
                         published_before=published_before, exclude=exclude)
        x = self.vectorizer.transform_one(article)
        own = self._positions.get(article.id, -1)
        if self.config.same_section and section is None and article.section is not None:
            filt = Filter.of(section=article.section, published_after=filt.published_after,
                             published_before=filt.published_before, exclude=filt.exclude)
        return self._exact(x, k, filt, own=own, date=publication_day(article.published))

    def _filter_mask(self, positions: np.ndarray, filt: Filter) -> np.ndarray:
        excluded = np.array([self._positions[i] for i in filt.exclude if i in self._positions],
                            dtype=np.int64)
        return filt.mask(positions, section_codes=self._section_codes,
                         section_names=self._section_names, published=self._published,
                         excluded_positions=excluded)

    def _exact(
        self, x: sp.csr_matrix, k: int, filt: Filter, *, own: int, date: np.datetime64
    ) -> list[Related]:
        """Best ``k`` by one sparse product against every indexed article.

        As in the stored graph: the ``max(k, K)`` most similar candidates, ordered by the
        ranking's final score. With ``query_terms`` set, candidates come from the query's
        strongest terms (a pool of ``4 max(k, K)``) and are then scored exactly, as the
        build found them.
        """
        pool = max(k, self.n_neighbors)
        terms = self.config.query_terms
        pruned = terms is not None
        query = x
        if terms is not None:
            if self.config.query_max_df < 1.0:  # the build's candidate matrix drops these
                query = x.multiply(self._search_terms).tocsr()
            query = prune_rows(query, terms)
        product = (query @ (self._search_postings if pruned else self._XT)).tocsr()
        positions = product.indices.astype(np.int64)
        values = product.data
        keep = (values > 0) & (positions != own) & self._alive[positions]
        if self.config.same_section and own >= 0:
            keep &= self._section_codes[positions] == self._section_codes[own]
        positions, values = positions[keep], values[keep]
        if not filt.is_empty:
            keep = self._filter_mask(positions, filt)
            positions, values = positions[keep], values[keep]
        if pruned:
            if len(positions) > 4 * pool:
                best = np.argpartition(-values, 4 * pool - 1)[: 4 * pool]
                positions = np.sort(positions[best])
            values = _row_dots(self._X, positions, x)
        if len(positions) > pool:
            # exact cut: everything at or above the pool-th score, then a stable full order
            kth = np.partition(-values, pool - 1)[pool - 1]
            top = -values <= kth
            positions, values = positions[top], values[top]
        order = np.lexsort((positions, -values))[:pool]
        cand, scores, sims = self._ranking.order(
            positions[order][None, :], values[order][None, :], np.array([date]),
            self._published, self._hubs,
        )
        return self._records(cand[0, :k], scores[0, :k], sims[0, :k])

    def _records(
        self, positions: np.ndarray, values: np.ndarray, sims: np.ndarray
    ) -> list[Related]:
        # the hot path of related(): clip as arrays, build records positionally with map
        at = positions.tolist()
        return list(map(Related, map(self._ids.__getitem__, at),
                        _unit_interval(values).tolist(),
                        map(self._titles.__getitem__, at),
                        _unit_interval(sims.astype(np.float16)).tolist()))

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, model_card: str | None = None) -> Path:
        """Write the index directory atomically (see :mod:`recommender.store.directory`).

        ``model_card`` (Markdown) is stored beside the arrays as ``MODEL_CARD.md``.
        """
        X = self._X
        id_blob, id_offsets = persistence.pack_strings(self._ids)
        title_blob, title_offsets = persistence.pack_strings(self._titles)
        section_blob, section_offsets = persistence.pack_strings(self._section_names)
        arrays = {
            "neighbors": np.asarray(self._neighbors), "scores": np.asarray(self._scores),
            # half precision: the plain similarity is shown, never used to order a list
            "similarity": np.asarray(self._similarity, dtype=np.float16),
            "hubs": np.asarray(self._hubs),
            "matrix_data": X.data, "matrix_indices": X.indices, "matrix_indptr": X.indptr,
            "ids_blob": id_blob, "ids_offsets": id_offsets,
            "titles_blob": title_blob, "titles_offsets": title_offsets,
            "sections_blob": section_blob, "sections_offsets": section_offsets,
            "section_codes": self._section_codes, "published": self._published,
            "alive": self._alive,
        }
        info = {
            "config": self.config.to_dict(),
            "counts": {
                "articles": len(self), "stored_rows": len(self._ids),
                "features": int(X.shape[1]),
                "text_features": self.vectorizer.n_text_features_,
                "tags": len(self.vectorizer.tag_vocabulary_),
                "sections": len(self._section_names), "n_neighbors": self.n_neighbors,
                "matrix_nnz": int(X.nnz),
            },
        }
        texts = {"MODEL_CARD.md": model_card} if model_card is not None else None
        return persistence.write_index(path, arrays, {"vectorizer": self.vectorizer}, info, texts)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, mmap: bool = True, verify: bool = True
    ) -> RelatedIndex:
        """Open an index directory after checking its format version and file digests.

        Only load indexes you built: the vectorizer is stored with joblib, which runs
        code when unpickling (the digests guard against corruption, not against malice).
        """
        stored = persistence.read_index(path, mmap=mmap, verify=verify)
        # plain ndarray views of the mapped files: same memory, without np.memmap's
        # per-slice overhead (and accepted by compiled kernels that reject memmaps)
        a = {name: np.asarray(array) for name, array in stored.arrays.items()}
        manifest = stored.manifest
        try:
            n_rows = len(a["alive"])
            matrix = sp.csr_matrix(
                (a["matrix_data"], a["matrix_indices"], a["matrix_indptr"]),
                shape=(n_rows, int(manifest["counts"]["features"])),
            )
            # indexes from before these settings existed were built without them
            stored_config = {"posting_limit": 0, "index_terms": 0, **manifest["config"]}
            return cls(
                config=BuildConfig.from_dict(stored_config, source=f"{path}/manifest.json"),
                vectorizer=stored.objects["vectorizer"], matrix=matrix,
                neighbors=a["neighbors"], scores=a["scores"],
                ids=persistence.unpack_strings(a["ids_blob"], a["ids_offsets"]),
                titles=persistence.unpack_strings(a["titles_blob"], a["titles_offsets"]),
                section_codes=a["section_codes"],
                section_names=persistence.unpack_strings(a["sections_blob"],
                                                         a["sections_offsets"]),
                published=a["published"], alive=np.array(a["alive"], dtype=bool),
                similarity=a["similarity"], hubs=a["hubs"],
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise IndexFormatError(f"{path}: index files are inconsistent ({exc!r}); "
                                   "rebuild the index") from None

    def info(self) -> dict[str, Any]:
        """Counts and config, as stored in the manifest."""
        return {
            "articles": len(self), "n_neighbors": self.n_neighbors,
            "features": int(self._X.shape[1]),
            "tags": len(self.vectorizer.tag_vocabulary_),
            "sections": list(self._section_names), "config": self.config.to_dict(),
        }
