"""RelatedIndex: build the neighbour graph once, answer related-story queries from it.

A thin facade over three parts that own their arrays (see ``docs/architecture.md``):
the :class:`ArticleTable`, the :class:`NeighbourGraph` and the :class:`VectorSpace`.
A change (``add``, ``update``, ``remove``) builds new parts and swaps them in one
assignment, so a failure half-way leaves the index as it was.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.config.build import BuildConfig
from recommender.index import answers, building, storage, updates
from recommender.index.articles import ArticleTable
from recommender.index.box_table import BoxTable
from recommender.index.catalogue import publication_day
from recommender.index.graph import NeighbourGraph
from recommender.index.parts import IndexParts
from recommender.index.ranking import Ranking
from recommender.index.space import VectorSpace
from recommender.progress import Progress
from recommender.query.config import QueryConfig
from recommender.query.filters import UNKNOWN_LANGUAGE, Source
from recommender.records import Article, Related
from recommender.validation import check_k
from recommender.vectorize.vectorizer import ArticleVectorizer

_QUERY_FIELDS = frozenset(f.name for f in dataclasses.fields(QueryConfig))


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
    >>> [(r.id, r.reason) for r in index.related("a", k=2)]
    [('b', 'similar'), ('c', 'fallback')]
    >>> [r.id for r in index.related("a", k=2, fallback=())]
    ['b']
    """

    def __init__(self, config: BuildConfig, parts: IndexParts,
                 query: QueryConfig | None = None) -> None:
        self.config = config
        self.ranking = Ranking.from_config(config)
        self._parts = parts
        self._query = query or QueryConfig()
        self._boxes: BoxTable | None = None  # the default boxes, computed by warm()
        self._warmed = False

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
        query: QueryConfig | None = None,
        n_jobs: int | None = None,
        progress: Progress | None = None,
    ) -> RelatedIndex:
        """Vectorize ``articles`` and compute each one's top-K neighbours.

        ``articles`` is read once and may be a generator (e.g.
        :func:`~recommender.corpus.iter_articles`): only term counts and the stored fields
        are kept, so the corpus streams from disk.

        ``query`` is the default of its boxes (:attr:`query`), stored with it.

        ``query_terms="auto"`` (the default) is decided here by the number of articles
        (:meth:`BuildConfig.for_archive`); :attr:`config` holds the decision.

        ``n_jobs`` is joblib's: None follows ``joblib.parallel_config`` (this process by
        default, every worker under a Dask backend), 1 runs in this process, -1 uses every
        core; the backend (local processes, Dask, Ray) is whatever the caller configured.
        """
        config = config or BuildConfig()
        parts = building.build_parts(articles, config, n_jobs=n_jobs, progress=progress)
        # the index keeps the search its build decided ("auto" query_terms), saved with it
        return cls(config.for_archive(len(parts.table)), parts, query)

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

    def related(self, article_id: str, k: int = 5, *, query: QueryConfig | None = None,
                **options: Any) -> list[Related]:
        """The box of an indexed article: its editor links, then the ``k`` most similar
        articles, then flagged fallback fills, under the index's default rules
        (:attr:`query`), ``query`` instead, and ``options`` (any :class:`QueryConfig`
        field, e.g. ``min_score=0.05, only_older=True``) on top.

        Reads the stored neighbour row; when the rules leave fewer than ``k`` of it, the
        answer is searched exactly from the vectors instead. After :meth:`warm`, a box
        under the default rules of up to 10 items is read from a table of every
        article's box (:mod:`~recommender.index.box_table`), with the same answer.
        """
        boxes = self._boxes
        if (boxes is not None and query is None and not options and type(k) is int
                and boxes.parts is self._parts and boxes.query is self._query):
            held = boxes.held(article_id, k)  # the default box, read from the table
            if held is not None:
                return held
        check_k(k)
        parts = self._parts
        table = parts.table
        row = table.positions.get(article_id)
        if row is None:
            row = table.position(article_id)  # raises UnknownArticleError
        rules = self._rules(query, options, "related")
        source = Source(row=row, date=table.published[row], language=int(table.languages[row]),
                        section=int(table.section_codes[row]),
                        group=int(table.translations.codes[row]) if table.translations.keys
                        else -1,
                        curated=table.curated[row] if rules.curated_first else (),
                        tags=table.tags.spelled[row] if rules.explain else ())
        X = parts.space.X
        return answers.box(parts, self.config, self.ranking, rules, source, k,
                           lambda: X[row])

    def similar(self, article: Article, k: int = 5, *, query: QueryConfig | None = None,
                **options: Any) -> list[Related]:
        """The box of a new article (a draft), under the same rules as :meth:`related`.

        If the draft's id is in the index, that article is left out of the answer, and so
        are the draft's translation group (its ``translation_of`` and that one's other
        translations). A draft without a language is analysed in the one its text clearly
        shows, else in the index's main language (a three-word French title stays French).
        """
        check_k(k)
        rules = self._rules(query, options, "similar")
        if self.config.same_section and not rules.sections and article.section is not None:
            rules = rules.replace(sections=(article.section,))
        parts = self._parts
        table = parts.table
        article, language = self._with_language(article)
        x = parts.space.vectorize_one(article)
        source = Source(row=table.positions.get(article.id, -1),
                        date=publication_day(article.published),
                        language=language,
                        section=table.section_codes_of(article.section),
                        group=table.translations.group_of(article, table.positions),
                        curated=article.related if rules.curated_first else (),
                        tags=article.tags)
        return answers.box(parts, self.config, self.ranking, rules, source, k, lambda: x)

    @property
    def query(self) -> QueryConfig:
        """The default rules of this index's boxes (stored with it; set to change them)."""
        return self._query

    @query.setter
    def query(self, value: QueryConfig) -> None:
        if not isinstance(value, QueryConfig):
            raise TypeError(f"expected a QueryConfig, got {type(value).__name__}")
        self._query = value
        self._refresh_boxes()

    def _refresh_boxes(self) -> None:
        """Compute the default boxes again after a change, when :meth:`warm` had."""
        if self._warmed:
            self._boxes = BoxTable.compute(self._parts, self._query)

    def _rules(self, query: QueryConfig | None, options: dict[str, Any], method: str
               ) -> QueryConfig:
        """The query's rules: ``query`` (else the default) with ``options`` on top."""
        rules = self._query if query is None else query
        if not options:
            return rules
        if "section" in options:  # the one-section shortcut of earlier versions
            section = options.pop("section")
            if section is not None:
                options["sections"] = (section,)
        unknown = sorted(set(options) - _QUERY_FIELDS)
        if unknown:
            raise TypeError(f"{method}() got unknown option(s) {', '.join(unknown)}; valid "
                            "options are the QueryConfig fields: "
                            f"{', '.join(sorted(_QUERY_FIELDS))}")
        return rules.replace(**options)

    def _with_language(self, article: Article) -> tuple[Article, int]:
        """The draft with the language it is analysed in filled in, and that language's
        code for the ``same_language`` rule (:data:`UNKNOWN_LANGUAGE` when its text is too
        short to tell: a guess must not hide every article of another language)."""
        table, vectorizer = self._parts.table, self._parts.space.vectorizer
        language = vectorizer.stated_language(article) or \
            vectorizer.detected_language(article, "")
        if language:
            return dataclasses.replace(article, language=language), table.language_code(language)
        guess = table.main_language or "en"
        return dataclasses.replace(article, language=guess), UNKNOWN_LANGUAGE

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
            self._refresh_boxes()

    def update(self, articles: Iterable[Article]) -> None:
        """Replace indexed articles by new versions (new ids are added)."""
        self.add(articles, replace=True)

    def remove(self, article_ids: Iterable[str]) -> None:
        """Take articles out of the index; they stop appearing in any list at once."""
        ids = list(article_ids)
        if ids:
            parts = self._parts
            self._parts = IndexParts(parts.table.without(ids), parts.graph, parts.space,
                                     parts.learned)
            self._refresh_boxes()

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, model_card: str | None = None) -> Path:
        """Write the index and publish it at ``path`` atomically: ``path`` becomes a
        symlink to a new version directory, swapped in one rename, so a crash at any point
        leaves the previous index or the new one there (:mod:`recommender.store.publish`).
        Saves into one path wait for each other; with ``RECOMMENDER_INDEX_KEY`` set the
        manifest is signed.

        ``model_card`` (Markdown) is stored beside the arrays as ``MODEL_CARD.md``.
        """
        return storage.save(self.config, self._parts, path, model_card=model_card,
                            query=self._query)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, mmap: bool = True, verify: bool = True,
        warm: bool = False,
    ) -> RelatedIndex:
        """Open an index after checking, before anything is unpickled, its format
        version, its manifest's digest (and signature, when ``RECOMMENDER_INDEX_KEY`` is
        set) and its files' digests; the vectorizer's joblib file is read as plain data
        only (:mod:`recommender.store.directory`).

        Without a key, a digest shows corruption, not malice: whoever can rewrite the
        files can rewrite their digests. Set the key to refuse indexes built elsewhere.

        ``warm``: run :meth:`warm` before returning, so the first query does not pay for
        what is built on first use.
        """
        index = cls(*storage.load(path, mmap=mmap, verify=verify))
        return index.warm() if warm else index

    def warm(self) -> RelatedIndex:
        """Build now what queries build on first use: the searcher's transposed matrix
        (and pruned postings), the fallback's newest-first orders (per section), the
        analyzers' cache of the index's own words (up to 100,000), every article's box
        under the default rules (:mod:`~recommender.index.box_table`; computed again
        after each change), then run one ``related`` and one ``similar`` query for the
        rest (tens of seconds at a million articles when paid by the first draft).
        Returns the index itself."""
        self._parts.space.searcher.warm()
        table = self._parts.table
        table.warm()
        self._warmed = True
        self._boxes = BoxTable.compute(self._parts, self._query)
        if len(table):
            # the index's own words, analysed once now instead of by the first drafts
            self._parts.space.vectorizer.warm_analyzers(table.language_names)
            first = table.ids[0]
            self.related(first, k=1)
            self.similar(Article(id="__warm__", title=self.title(first) or first), k=1)
        return self

    def info(self) -> dict[str, Any]:
        """Counts and config, as stored in the manifest."""
        table, space = self._parts.table, self._parts.space
        return {
            "articles": len(self), "n_neighbors": self.n_neighbors,
            "features": space.n_features,
            "tags": space.n_tags,
            "sections": list(table.section_names),
            "languages": list(table.language_names), "config": self.config.to_dict(),
            "query": self._query.to_dict(),
            "learned": self._parts.learned.info if self._parts.learned is not None else None,
        }
