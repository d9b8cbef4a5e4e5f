"""ArticleVectorizer: articles -> one sparse row each, so that a dot product is the similarity.

Row layout: ``hstack([sqrt(w_text) * T, sqrt(w_title) * H, sqrt(w_tags) * G])`` where ``T``
is the L2-normalised TF-IDF of title and body, ``H`` the L2-normalised TF-IDF of the title
alone and ``G`` the L2-normalised IDF-weighted tag indicator, hence

    x . y = w_text * cos_text + w_title * cos_title + w_tags * cos_tags

exactly, with ``w_tags = tag_weight``, ``w_title = title_match_weight`` and
``w_text = 1 - w_tags - w_title``. Every score therefore lies in [0, 1].
"""

from __future__ import annotations

import array
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from recommender.analysis import detect_language, get_analyzer, normalize_tags
from recommender.config import BuildConfig
from recommender.records import Article

#: defaults live in BuildConfig only
_DEFAULTS = BuildConfig()
TAG_PREFIX = "tag:"
#: articles per chunk when fitting on several workers
_CHUNK = 2000
TITLE_PREFIX = "title:"


class ArticleVectorizer(TransformerMixin, BaseEstimator):
    """TF-IDF of title + body and IDF-weighted tags, joined with square-root weights.

    Parameters mirror :class:`recommender.BuildConfig`; see there for their meaning.

    Examples
    --------
    >>> from recommender.records import Article
    >>> docs = [Article(id="a", title="Rabat", tags=("Maroc",)),
    ...         Article(id="b", title="Rabat", tags=("Maroc",))]
    >>> X = ArticleVectorizer(language="fr", max_df=1.0).fit_transform(docs)
    >>> round(float((X[0] @ X[1].T).toarray()[0, 0]), 6)
    1.0
    """

    def __init__(
        self,
        *,
        language: str | None = _DEFAULTS.language,
        title_weight: float = _DEFAULTS.title_weight,
        tag_weight: float = _DEFAULTS.tag_weight,
        title_match_weight: float = _DEFAULTS.title_match_weight,
        sublinear_tf: bool = _DEFAULTS.sublinear_tf,
        min_df: int | float = _DEFAULTS.min_df,
        max_df: int | float = _DEFAULTS.max_df,
        max_features: int | None = _DEFAULTS.max_features,
        bigrams: bool = _DEFAULTS.bigrams,
        stem: bool = _DEFAULTS.stem,
        stop_words: bool = _DEFAULTS.stop_words,
        dtype: type = np.float32,
        n_jobs: int | None = None,
    ) -> None:
        self.language = language
        self.title_weight = title_weight
        self.tag_weight = tag_weight
        self.title_match_weight = title_match_weight
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.bigrams = bigrams
        self.stem = stem
        self.stop_words = stop_words
        self.dtype = dtype
        self.n_jobs = n_jobs

    # -- analysis -------------------------------------------------------------------------
    def article_language(self, article: Article) -> str:
        """The analyzer language of one article: its field, the default, else detection."""
        if article.language:
            return article.language
        if self.language:
            return self.language
        return detect_language(f"{article.title}\n{article.body[:2000]}")

    def _terms(self, text: str, analyze: Callable[[str], list[str]]) -> list[str]:
        tokens = analyze(text)
        if self.bigrams and len(tokens) > 1:
            tokens = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
        return tokens

    def _analyze(self, articles: Iterable[Article]) -> Iterable[tuple[list[str], list[str]]]:
        for article in articles:
            analyze = get_analyzer(
                self.article_language(article), stem=self.stem, stop_words=self.stop_words
            )
            yield self._terms(article.title, analyze), self._terms(article.body, analyze)

    # -- counting -------------------------------------------------------------------------
    def _count(
        self, articles: Sequence[Article], vocabulary: dict[str, int], grow: bool,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Title and body count matrices over one vocabulary (grown during fit).

        Token ids are looked up with ``map`` over each field, a C-level loop; only words
        new to the vocabulary pass through Python one by one.
        """
        columns: list[array.array] = [array.array("i"), array.array("i")]
        indptr: list[list[int]] = [[0], [0]]
        lookup = vocabulary.get
        for done, fields in enumerate(self._analyze(articles), 1):
            if progress is not None and done % _CHUNK == 0:
                progress("vectorize", done, len(articles))
            for f, tokens in enumerate(fields):
                if grow:
                    for token in set(tokens).difference(vocabulary):
                        vocabulary[token] = len(vocabulary)
                    columns[f].extend(map(vocabulary.__getitem__, tokens))
                else:
                    columns[f].extend(j for j in map(lookup, tokens) if j is not None)
                indptr[f].append(len(columns[f]))
        mats = []
        for f in range(2):
            idx = np.frombuffer(columns[f], dtype=np.int32)
            m = sp.csr_matrix(
                (np.ones(len(idx), dtype=np.float64), idx, np.asarray(indptr[f], dtype=np.int64)),
                shape=(len(articles), len(vocabulary)),
            )
            m.sum_duplicates()
            mats.append(m)
        return mats[0], mats[1]

    def _count_chunk(self, articles: Sequence[Article]) -> tuple[list[str], sp.csr_matrix,
                                                                 sp.csr_matrix]:
        """Counts of one chunk over its own vocabulary (run in a joblib worker)."""
        vocabulary: dict[str, int] = {}
        title, body = self._count(articles, vocabulary, grow=True)
        return list(vocabulary), title, body

    def _count_parallel(
        self, articles: Sequence[Article], n_jobs: int | None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> tuple[dict[str, int], sp.csr_matrix, sp.csr_matrix]:
        """Fit-time counting over chunks of articles, on ``n_jobs`` joblib workers.

        Each chunk is analysed with a vocabulary of its own; the chunks' terms are then
        given global ids in chunk order, which is the order a single pass would give.
        Chunks also pace the progress reports.
        """
        vocabulary: dict[str, int] = {}
        chunks = [articles[i:i + _CHUNK] for i in range(0, len(articles), _CHUNK)]
        if effective_n_jobs(n_jobs) == 1 or len(chunks) < 2:
            title, body = self._count(articles, vocabulary, grow=True, progress=progress)
            return vocabulary, title, body
        parts = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(self._count_chunk)(c) for c in chunks)
        remapped: list[tuple[np.ndarray, sp.csr_matrix, sp.csr_matrix]] = []
        done = 0
        for terms, title, body in parts:
            done += title.shape[0]
            if progress is not None:
                progress("vectorize", done, len(articles))
            ids = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms),
                              dtype=np.int32, count=len(terms))
            remapped.append((ids, title, body))
        shape = (0, len(vocabulary))  # chunks' rows, merged vocabulary's columns

        def merged(f: int) -> sp.csr_matrix:
            return sp.vstack(
                [sp.csr_matrix((m.data, ids[m.indices], m.indptr), shape=(m.shape[0], shape[1]))
                 for ids, *fields in remapped for m in (fields[f],)],
                format="csr",
            )

        return vocabulary, merged(0), merged(1)

    def _term_frequencies(self, title: sp.csr_matrix, body: sp.csr_matrix) -> sp.csr_matrix:
        tf = (title * float(self.title_weight) + body).tocsr()
        tf.eliminate_zeros()
        if self.sublinear_tf:
            np.log(tf.data, out=tf.data)
            tf.data += 1.0
        return tf

    def _limits(self, n_docs: int) -> tuple[float, float]:
        def as_count(v: int | float) -> float:
            return v * n_docs if isinstance(v, float) else float(v)

        low, high = as_count(self.min_df), as_count(self.max_df)
        # A tiny corpus must not lose every term to max_df: keep terms found in 1 document.
        return low, max(high, 1.0)

    # -- tags -----------------------------------------------------------------------------
    def _tag_matrix(self, articles: Sequence[Article]) -> sp.csr_matrix:
        cols: list[int] = []
        indptr = [0]
        for article in articles:
            for tag in normalize_tags(article.tags):
                j = self.tag_vocabulary_.get(tag)
                if j is not None:
                    cols.append(j)
            indptr.append(len(cols))
        return sp.csr_matrix(
            (np.ones(len(cols)), np.asarray(cols, dtype=np.int32), np.asarray(indptr)),
            shape=(len(articles), len(self.tag_vocabulary_)),
        )

    # -- estimator API --------------------------------------------------------------------
    def fit(self, X: Sequence[Article], y: object = None) -> ArticleVectorizer:
        """Learn the vocabulary, IDF of terms and IDF of tags."""
        self.fit_transform(X)
        return self

    def fit_transform(
        self, X: Sequence[Article], y: object = None, *,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> sp.csr_matrix:
        """Fit and return the rows of ``X`` in one pass over the text.

        ``progress(stage, done, total)`` is called as chunks of articles are analysed.
        """
        articles = list(X)
        n = len(articles)
        if n == 0:
            raise ValueError("expected at least 1 article to fit, got 0")
        vocabulary, title, body = self._count_parallel(articles, self.n_jobs, progress)
        title.sort_indices()
        body.sort_indices()
        tf = self._term_frequencies(title, body)
        df = np.bincount(tf.indices, minlength=len(vocabulary))
        low, high = self._limits(n)
        keep = (df >= low) & (df <= high)
        if self.max_features is not None and keep.sum() > self.max_features:
            order = np.lexsort((np.arange(len(df)), -df))  # most frequent first, then first seen
            order = order[keep[order]][: self.max_features]
            keep = np.zeros_like(keep)
            keep[order] = True
        terms = np.array(list(vocabulary), dtype=object)
        kept_terms = terms[keep]
        order = np.argsort(kept_terms.astype(str), kind="stable")  # sorted vocabulary
        old_index = np.flatnonzero(keep)[order]
        self.vocabulary_ = {str(t): i for i, t in enumerate(kept_terms[order])}
        self.idf_ = (np.log((1.0 + n) / (1.0 + df[old_index])) + 1.0).astype(np.float64)
        tf = tf[:, old_index]

        tag_df: dict[str, int] = {}
        for article in articles:
            for tag in normalize_tags(article.tags):
                tag_df[tag] = tag_df.get(tag, 0) + 1
        names = sorted(tag_df)
        self.tag_vocabulary_ = {t: i for i, t in enumerate(names)}
        counts = np.array([tag_df[t] for t in names], dtype=np.float64)
        self.tag_idf_ = np.log((1.0 + n) / (1.0 + counts)) + 1.0
        self.n_documents_ = n
        return self._assemble(tf, self._title_frequencies(title[:, old_index]),
                              self._tag_matrix(articles))

    def transform(self, X: Sequence[Article]) -> sp.csr_matrix:
        """Rows of unseen articles; words and tags outside the fitted vocabulary are ignored."""
        check_is_fitted(self, "vocabulary_")
        articles = list(X)
        title, body = self._count(articles, self.vocabulary_, grow=False)
        return self._assemble(self._term_frequencies(title, body),
                              self._title_frequencies(title), self._tag_matrix(articles))

    def transform_one(self, article: Article) -> sp.csr_matrix:
        """The row of one article, as :meth:`transform` gives it, without its matrix overhead.

        A draft query is one article: building it from small numpy arrays instead of
        scipy products keeps ``similar()`` fast.
        """
        check_is_fitted(self, "vocabulary_")
        (title_tokens, body_tokens), = self._analyze([article])
        lookup = self.vocabulary_.get
        title_ids = np.fromiter((j for j in map(lookup, title_tokens) if j is not None),
                                dtype=np.int64)
        body_ids = np.fromiter((j for j in map(lookup, body_tokens) if j is not None),
                               dtype=np.int64)
        tag_ids = np.fromiter(
            (j for j in map(self.tag_vocabulary_.get, normalize_tags(article.tags))
             if j is not None), dtype=np.int64)
        weights = self.block_weights()
        v = len(self.vocabulary_)
        text_cols, title_counts = np.unique(title_ids, return_counts=True)
        body_cols, body_counts = np.unique(body_ids, return_counts=True)
        cols = np.union1d(text_cols, body_cols)
        tf = np.zeros(len(cols))
        tf[np.searchsorted(cols, text_cols)] += float(self.title_weight) * title_counts
        tf[np.searchsorted(cols, body_cols)] += body_counts
        cols, tf = cols[tf > 0], tf[tf > 0]
        title_tf = title_counts.astype(np.float64)
        if self.sublinear_tf:
            tf = 1.0 + np.log(tf)
            title_tf = 1.0 + np.log(title_tf)
        blocks = [
            (cols, _unit(tf * self.idf_[cols]) * np.sqrt(weights["text"])),
            (text_cols + v, _unit(title_tf * self.idf_[text_cols]) * np.sqrt(weights["title"])),
            (np.unique(tag_ids) + 2 * v,
             _unit(self.tag_idf_[np.unique(tag_ids)]) * np.sqrt(weights["tags"])),
        ]
        indices = np.concatenate([b[0] for b in blocks]).astype(np.int32)
        data: np.ndarray = np.concatenate([b[1] for b in blocks]).astype(self.dtype)
        nonzero = data != 0
        indices, data = indices[nonzero], data[nonzero]
        n_features = 2 * v + len(self.tag_vocabulary_)
        return sp.csr_matrix((data, indices, np.array([0, len(data)])), shape=(1, n_features))

    def _title_frequencies(self, title: sp.csr_matrix) -> sp.csr_matrix:
        tf = sp.csr_matrix(title, copy=True)
        if self.sublinear_tf:
            np.log(tf.data, out=tf.data)
            tf.data += 1.0
        return tf

    def block_weights(self) -> dict[str, float]:
        """Share of the score given to each block: text, title and tags (they sum to 1)."""
        w_tags, w_title = float(self.tag_weight), float(self.title_match_weight)
        if w_tags < 0 or w_title < 0 or w_tags + w_title > 1.0 + 1e-9:
            raise ValueError(
                "expected tag_weight >= 0, title_match_weight >= 0 and their sum <= 1, got "
                f"tag_weight={w_tags}, title_match_weight={w_title}"
            )
        return {"text": max(1.0 - w_tags - w_title, 0.0), "title": w_title, "tags": w_tags}

    def _assemble(
        self, tf: sp.csr_matrix, title_tf: sp.csr_matrix, tags: sp.csr_matrix
    ) -> sp.csr_matrix:
        idf = sp.diags(self.idf_)
        weights = self.block_weights()
        blocks = [
            _l2_rows(tf @ idf) * np.sqrt(weights["text"]),
            _l2_rows(title_tf @ idf) * np.sqrt(weights["title"]),
            _l2_rows(tags @ sp.diags(self.tag_idf_)) * np.sqrt(weights["tags"]),
        ]
        X = sp.hstack(blocks, format="csr", dtype=self.dtype)
        X.eliminate_zeros()
        X.sort_indices()
        return X

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Terms, then title terms prefixed ``title:``, then tags prefixed ``tag:``."""
        check_is_fitted(self, "vocabulary_")
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        tags = sorted(self.tag_vocabulary_, key=self.tag_vocabulary_.__getitem__)
        return np.array(terms + [TITLE_PREFIX + t for t in terms] + [TAG_PREFIX + t for t in tags],
                        dtype=object)

    @property
    def n_text_features_(self) -> int:
        """Number of text columns (the title block has as many, then the tag columns)."""
        check_is_fitted(self, "vocabulary_")
        return len(self.vocabulary_)

    def feature_blocks(self) -> dict[str, slice]:
        """Column range of each block: ``text``, ``title`` and ``tags``."""
        v, g = self.n_text_features_, len(self.tag_vocabulary_)
        return {"text": slice(0, v), "title": slice(v, 2 * v), "tags": slice(2 * v, 2 * v + g)}


def _unit(values: np.ndarray) -> np.ndarray:
    """A vector scaled to unit length (a zero vector stays zero)."""
    norm = float(np.sqrt(np.dot(values, values)))
    return values / norm if norm > 0 else values


def _l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length (empty rows, and matrices without columns, stay as they are)."""
    m = sp.csr_matrix(m)
    return normalize(m, norm="l2", copy=False) if m.shape[1] else m
