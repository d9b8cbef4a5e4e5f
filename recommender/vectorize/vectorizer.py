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
import itertools
import operator
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from recommender.analysis import Analyzer, detect_language, get_analyzer, normalize_tags
from recommender.config.build import BuildConfig
from recommender.records import Article

#: defaults live in BuildConfig only
_DEFAULTS = BuildConfig()
TAG_PREFIX = "tag:"
#: articles per chunk when fitting on several workers
_CHUNK = 2000
TITLE_PREFIX = "title:"
#: joins a pickled vocabulary's terms (terms never hold it: analysis splits on it)
_TERM_SEPARATOR = "\x1f"
_PACKED = "recommender.packed-terms/1"


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
        """The analyzer language of one article: its field, the default, else detection.

        ``"auto"`` counts as no value, like None, in the field and in the default. An
        unknown code in the field is a CorpusError naming the article and the code.
        """
        language = article.language
        if language and language != "auto":  # recommender.analysis.languages.AUTO
            try:  # the shared analyzer is a cached lookup that checks the code
                get_analyzer(language, stem=self.stem, stop_words=self.stop_words)
            except ValueError as exc:  # UnknownLanguageError
                from recommender.errors import CorpusError

                raise CorpusError(f"article {article.id!r}: language field: {exc}; or leave "
                                  "the field empty to have it detected") from None
            return language
        if self.language and self.language != "auto":
            return self.language
        return detect_language(f"{article.title}\n{article.body[:2000]}")

    def _analyzer_for(self, article: Article) -> Analyzer:
        """The shared analyzer of the article's language and this vectorizer's settings."""
        return get_analyzer(self.article_language(article), stem=self.stem,
                            stop_words=self.stop_words)

    def _terms(self, text: str, analyze: Callable[[str], list[str]]) -> list[str]:
        tokens = analyze(text)
        if self.bigrams and len(tokens) > 1:
            tokens = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
        return tokens

    # -- pickling -------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """Vocabularies travel as one joined string each: joblib unpickles in Python, one
        opcode per object, so 130k separate terms cost a 1M-article load 0.3 s."""
        state = dict(super().__getstate__())
        for name in ("vocabulary_", "tag_vocabulary_"):
            vocabulary = state.get(name)
            if isinstance(vocabulary, dict):
                terms = sorted(vocabulary, key=vocabulary.__getitem__)
                if not any(_TERM_SEPARATOR in t for t in terms):
                    state[name] = (_PACKED, _TERM_SEPARATOR.join(terms), len(terms))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        for name in ("vocabulary_", "tag_vocabulary_"):
            packed = state.get(name)
            if isinstance(packed, tuple) and packed[:1] == (_PACKED,):
                terms = packed[1].split(_TERM_SEPARATOR) if packed[2] else []
                state[name] = dict(zip(terms, range(len(terms)), strict=True))
        super().__setstate__(state)

    # -- counting -------------------------------------------------------------------------
    def _count(
        self, articles: Iterable[Article], vocabulary: dict[str, int],
        tag_vocabulary: dict[str, int], grow: bool,
        term_ids: dict[Analyzer, _TermIds] | None = None,
    ) -> _Counts:
        """Title, body and tag count matrices of ``articles`` over the given vocabularies.

        With ``grow`` the vocabularies are :class:`_Vocabulary` objects and learn new terms
        on lookup; otherwise unknown terms are dropped. Ids are looked up with ``map``, a
        C-level loop, so only a term new to the vocabulary costs a Python call.
        """
        columns = [array.array("i"), array.array("i"), array.array("i")]
        indptr: list[list[int]] = [[0], [0], [0]]
        if term_ids is None:  # raw token -> ids, per language; lives as long as vocabulary
            term_ids = {}
        for article in articles:
            analyze = self._analyzer_for(article)
            if self.bigrams:  # bigrams need the terms themselves
                for f, text in enumerate((article.title, article.body)):
                    tokens = self._terms(text, analyze)
                    _extend_ids(columns[f], tokens, vocabulary, grow)
                    indptr[f].append(len(columns[f]))
            else:
                ids = term_ids.get(analyze)
                if ids is None:
                    ids = term_ids[analyze] = _TermIds(analyze, vocabulary, grow)
                for f, text in enumerate((article.title, article.body)):
                    columns[f].extend(
                        itertools.chain.from_iterable(map(ids.__getitem__, analyze.tokenize(text))))
                    indptr[f].append(len(columns[f]))
            _extend_ids(columns[2], normalize_tags(article.tags), tag_vocabulary, grow)
            indptr[2].append(len(columns[2]))
        widths = (len(vocabulary), len(vocabulary), len(tag_vocabulary))
        mats = []
        for f in range(3):
            idx = np.frombuffer(columns[f], dtype=np.int32)
            m = sp.csr_matrix(
                (np.ones(len(idx), dtype=np.float32), idx, np.asarray(indptr[f], dtype=np.int64)),
                shape=(len(indptr[f]) - 1, widths[f]),
            )
            m.sum_duplicates()  # also sorts each row's columns
            mats.append(m)
        return _Counts(*mats)

    def _count_chunk(
        self, articles: Sequence[Article], fit_id: str
    ) -> tuple[tuple[str, int, int], list[str], list[str], _Counts]:
        """Counts of one chunk, run in a joblib worker, over that worker's vocabularies.

        A worker keeps its vocabularies (and resolved raw tokens) from chunk to chunk of
        one fit, so it analyses each raw token once; it returns the terms and tags it met
        for the first time, which the parent maps to global ids.
        """
        worker = (fit_id, os.getpid(), threading.get_ident())
        state = _WORKER_STATE.get(worker)
        if state is None:
            for key in [k for k in _WORKER_STATE if k[1:] == worker[1:]]:
                del _WORKER_STATE[key]  # this thread's state from an earlier fit
            state = _WORKER_STATE[worker] = _WorkerState()
        counts = self._count(articles, state.vocabulary, state.tags, grow=True,
                             term_ids=state.term_ids)
        new_terms = state.vocabulary.order[state.reported_terms:]
        new_tags = state.tags.order[state.reported_tags:]
        state.reported_terms, state.reported_tags = len(state.vocabulary), len(state.tags)
        return worker, new_terms, new_tags, counts

    def _count_stream(
        self, articles: Iterable[Article], progress: Callable[[str, int, int], None] | None,
        expected: int,
    ) -> tuple[list[str], list[str], _Counts]:
        """Fit-time counting in one pass over ``articles``, a chunk at a time.

        Only the counts are kept, never the articles, so a corpus can stream from disk.
        On ``n_jobs`` workers each worker grows vocabularies of its own, whose new terms
        are given global ids in chunk order: the order a single pass gives. Returns the terms
        and tags in first-seen order, and the counts over them.
        """
        vocabulary, tag_vocabulary = _Vocabulary(), _Vocabulary()
        term_ids: dict[Analyzer, _TermIds] = {}
        chunks = _chunks(articles, _CHUNK)
        parts: list[_Counts] = []
        done = 0
        if effective_n_jobs(self.n_jobs) == 1:
            for chunk in chunks:
                parts.append(self._count(chunk, vocabulary, tag_vocabulary, grow=True,
                                         term_ids=term_ids))
                done += len(chunk)
                if progress is not None:
                    progress("vectorize", done, max(expected, done))
        else:
            fit_id = uuid.uuid4().hex
            results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(self._count_chunk)(c, fit_id) for c in chunks)
            # each worker's own term and tag ids -> global ids, extended as it reports
            term_maps: dict[tuple[str, int, int], np.ndarray] = {}
            tag_maps: dict[tuple[str, int, int], np.ndarray] = {}
            empty = np.zeros(0, dtype=np.int32)
            for worker, terms, tags, counts in results:
                ids = np.fromiter(map(vocabulary.__getitem__, terms), np.int32, len(terms))
                tag_ids = np.fromiter(map(tag_vocabulary.__getitem__, tags), np.int32, len(tags))
                term_maps[worker] = np.concatenate([term_maps.get(worker, empty), ids])
                tag_maps[worker] = np.concatenate([tag_maps.get(worker, empty), tag_ids])
                parts.append(counts.renumbered(term_maps[worker], tag_maps[worker]))
                done += counts.title.shape[0]
                if progress is not None:
                    progress("vectorize", done, max(expected, done))
        widths = (len(vocabulary), len(tag_vocabulary))
        return list(vocabulary), list(tag_vocabulary), _Counts.stack(parts, widths)

    def _limits(self, n_docs: int) -> tuple[float, float]:
        def as_count(v: int | float) -> float:
            return v * n_docs if isinstance(v, float) else float(v)

        low, high = as_count(self.min_df), as_count(self.max_df)
        # A tiny corpus must not lose every term to max_df: keep terms found in 1 document.
        return low, max(high, 1.0)

    # -- estimator API --------------------------------------------------------------------
    def fit(self, X: Iterable[Article], y: object = None) -> ArticleVectorizer:
        """Learn the vocabulary, IDF of terms and IDF of tags."""
        self.fit_transform(X)
        return self

    def fit_transform(
        self, X: Iterable[Article], y: object = None, *,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> sp.csr_matrix:
        """Fit and return the rows of ``X`` in one pass over the text.

        ``X`` may be any iterable, read once (a generator streaming a corpus file keeps
        memory to the counts). ``progress(stage, done, total)`` is called as chunks of
        articles are analysed; ``total`` comes from ``len(X)`` or ``X.__length_hint__``.
        """
        expected = operator.length_hint(X, 0)
        terms, tags, counts = self._count_stream(X, progress, expected)
        n = counts.title.shape[0]
        if n == 0:
            raise ValueError("expected at least 1 article to fit, got 0")
        df = self._document_frequencies(counts.title, counts.body, len(terms))
        low, high = self._limits(n)
        keep = (df >= low) & (df <= high)
        if self.max_features is not None and keep.sum() > self.max_features:
            order = np.lexsort((np.arange(len(df)), -df))  # most frequent first, then first seen
            order = order[keep[order]][: self.max_features]
            keep = np.zeros_like(keep)
            keep[order] = True
        kept_terms = np.array(terms, dtype=object)[keep]
        order = np.argsort(kept_terms.astype(str), kind="stable")  # sorted vocabulary
        old_index = np.flatnonzero(keep)[order]
        self.vocabulary_ = {str(t): i for i, t in enumerate(kept_terms[order])}
        self.idf_ = (np.log((1.0 + n) / (1.0 + df[old_index])) + 1.0).astype(np.float64)

        tag_df = np.bincount(counts.tags.indices, minlength=len(tags))
        tag_order = np.argsort(np.array(tags, dtype=object).astype(str), kind="stable")
        self.tag_vocabulary_ = {tags[j]: i for i, j in enumerate(tag_order)}
        self.tag_idf_ = np.log((1.0 + n) / (1.0 + tag_df[tag_order])) + 1.0
        self.n_documents_ = n
        title = _select_columns(counts.title, old_index)
        counts.body = _select_columns(counts.body, old_index)  # the old arrays go at once
        tag_matrix = _select_columns(counts.tags, tag_order)
        return self._assemble(title, counts.body, tag_matrix)

    def _document_frequencies(
        self, title: sp.csr_matrix, body: sp.csr_matrix, n_terms: int
    ) -> np.ndarray:
        """Articles whose weighted text (title and body) holds each term.

        Counted as body + title - both, so the long body matrix is never copied.
        """
        df = np.bincount(body.indices, minlength=n_terms)
        if self.title_weight > 0 and title.nnz:
            both = title.multiply(body).tocsr()
            both.eliminate_zeros()
            df += np.bincount(title.indices, minlength=n_terms)
            df -= np.bincount(both.indices, minlength=n_terms)
        return df

    def transform(self, X: Iterable[Article]) -> sp.csr_matrix:
        """Rows of unseen articles; words and tags outside the fitted vocabulary are ignored."""
        check_is_fitted(self, "vocabulary_")
        counts = self._count(X, self.vocabulary_, self.tag_vocabulary_, grow=False)
        return self._assemble(counts.title, counts.body, counts.tags)

    def transform_one(self, article: Article) -> sp.csr_matrix:
        """The row of one article, as :meth:`transform` gives it, without its matrix overhead.

        A draft query is one article: building it from small numpy arrays instead of
        scipy products keeps ``similar()`` fast.
        """
        check_is_fitted(self, "vocabulary_")
        analyze = self._analyzer_for(article)
        title_tokens = self._terms(article.title, analyze)
        body_tokens = self._terms(article.body, analyze)
        title_ids = _known_ids(self.vocabulary_, title_tokens)
        body_ids = _known_ids(self.vocabulary_, body_tokens)
        tag_ids = _known_ids(self.tag_vocabulary_, normalize_tags(article.tags))
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
        self, title: sp.csr_matrix, body: sp.csr_matrix, tags: sp.csr_matrix
    ) -> sp.csr_matrix:
        """The three blocks from raw counts: weighted, L2-normalised, scaled, side by side.

        Term frequency is ``title_weight * title + body`` (then ``1 + log`` if sublinear);
        each block is weighted in float64 a slice of rows at a time, as
        :meth:`transform_one` computes a draft's row, without a float64 copy of the matrix.
        """
        weights = self.block_weights()
        tf = (title * np.float32(self.title_weight) + body).tocsr()
        tf.eliminate_zeros()
        log = bool(self.sublinear_tf)
        blocks = [
            _weighted_unit_rows(tf, self.idf_, weights["text"], log, self.dtype),
            _weighted_unit_rows(title, self.idf_, weights["title"], log, self.dtype),
            _weighted_unit_rows(tags, self.tag_idf_, weights["tags"], False, self.dtype),
        ]
        del tf
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


def _weighted_unit_rows(
    counts: sp.csr_matrix, column_weights: np.ndarray, share: float, log: bool, dtype: type,
    rows_per_slice: int = 65_536,
) -> sp.csr_matrix:
    """``(1 + log) counts`` times the column weights, rows scaled to length ``sqrt(share)``.

    Computed in float64 a slice of rows at a time and stored as ``dtype``; empty rows
    stay empty.
    """
    n_rows = counts.shape[0]
    indptr = np.asarray(counts.indptr, dtype=np.int64)
    data = np.empty(counts.nnz, dtype=dtype)
    scale = np.sqrt(share)
    for a in range(0, n_rows, rows_per_slice):
        b = min(a + rows_per_slice, n_rows)
        lo, hi = indptr[a], indptr[b]
        if lo == hi:
            continue
        values = counts.data[lo:hi].astype(np.float64)
        if log:
            np.log(values, out=values)
            values += 1.0
        values *= column_weights[counts.indices[lo:hi]]
        starts = indptr[a:b] - lo
        filled = np.flatnonzero(np.diff(indptr[a:b + 1]))
        norms = np.zeros(b - a)
        norms[filled] = np.sqrt(np.add.reduceat(values * values, starts[filled]))
        row_of = np.repeat(np.arange(b - a), np.diff(indptr[a:b + 1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            values *= np.where(norms > 0, scale / norms, 0.0)[row_of]
        data[lo:hi] = values
    return sp.csr_matrix((data, counts.indices, indptr), shape=counts.shape)


def _select_columns(m: sp.csr_matrix, columns: np.ndarray) -> sp.csr_matrix:
    """``m[:, columns]`` through a lookup table: one pass, no CSC copy of the matrix."""
    new = np.full(m.shape[1], -1, dtype=np.int32)
    new[columns] = np.arange(len(columns), dtype=np.int32)
    mapped = new[m.indices]
    kept = mapped >= 0
    per_row = np.zeros(m.shape[0], dtype=np.int64)
    filled = np.flatnonzero(np.diff(m.indptr))
    if len(filled):
        per_row[filled] = np.add.reduceat(kept, m.indptr[filled], dtype=np.int64)
    out = sp.csr_matrix(
        (m.data[kept], mapped[kept], np.concatenate([[0], np.cumsum(per_row)])),
        shape=(m.shape[0], len(columns)),
    )
    out.sort_indices()
    return out


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _known_ids(vocabulary: dict[str, int], terms: Sequence[str]) -> np.ndarray:
    """Ids of the terms found in ``vocabulary``, in order (lookups and filter in C)."""
    ids = np.fromiter(map(vocabulary.get, terms, itertools.repeat(-1)), dtype=np.int64,
                      count=len(terms))
    return ids[ids >= 0]


def _extend_ids(column: array.array, terms: Iterable[str], vocabulary: dict[str, int],
                grow: bool) -> None:
    """Append the ids of ``terms``: new ones join a growing vocabulary, else are skipped."""
    if grow:
        column.extend(map(vocabulary.__getitem__, terms))
    else:
        column.extend(j for j in map(vocabulary.get, terms) if j is not None)


class _TermIds(dict[str, tuple[int, ...]]):
    """Raw token -> ids of its index terms, filled on first sight of each raw token.

    Articles repeat a small set of raw tokens, so after the first few documents a token
    costs one C-level lookup instead of analysis, joining, splitting and a second lookup.
    """

    def __init__(self, analyze: Analyzer, vocabulary: dict[str, int], grow: bool) -> None:
        super().__init__()
        self._analyze = analyze
        self._vocabulary = vocabulary
        self._grow = grow

    def __missing__(self, token: str) -> tuple[int, ...]:
        terms = self._analyze.index_terms(token)
        if self._grow:
            ids = tuple(map(self._vocabulary.__getitem__, terms))
        else:
            ids = tuple(j for j in map(self._vocabulary.get, terms) if j is not None)
        self[token] = ids
        return ids


class _Vocabulary(dict[str, int]):
    """Term -> id; a term not yet seen gets the next id when it is looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []  # the terms by id, to slice off the newest cheaply

    def __missing__(self, term: str) -> int:
        self[term] = index = len(self)
        self.order.append(term)
        return index


@dataclass
class _WorkerState:
    """A joblib worker's vocabularies during one fit, and how much it has reported."""

    vocabulary: _Vocabulary = field(default_factory=_Vocabulary)
    tags: _Vocabulary = field(default_factory=_Vocabulary)
    term_ids: dict[Analyzer, _TermIds] = field(default_factory=dict)
    reported_terms: int = 0
    reported_tags: int = 0


#: per (fit, process, thread): the worker state of :meth:`ArticleVectorizer._count_chunk`
_WORKER_STATE: dict[tuple[str, int, int], _WorkerState] = {}


@dataclass
class _Counts:
    """Count matrices of a run of articles: title terms, body terms, tags."""

    title: sp.csr_matrix
    body: sp.csr_matrix
    tags: sp.csr_matrix

    def renumbered(self, term_ids: np.ndarray, tag_ids: np.ndarray) -> _Counts:
        """The same counts with local column numbers mapped to global ones."""
        def remap(m: sp.csr_matrix, ids: np.ndarray) -> sp.csr_matrix:
            return sp.csr_matrix((m.data, ids[m.indices], m.indptr), shape=m.shape)

        return _Counts(remap(self.title, term_ids), remap(self.body, term_ids),
                       remap(self.tags, tag_ids))

    @staticmethod
    def stack(parts: list[_Counts], widths: tuple[int, int]) -> _Counts:
        """Chunks one above the other, over the final vocabularies (``widths``)."""
        def stacked(name: str, width: int) -> sp.csr_matrix:
            mats = [getattr(p, name) for p in parts]
            if not mats:
                return sp.csr_matrix((0, width), dtype=np.float32)
            m = sp.vstack([sp.csr_matrix((a.data, a.indices, a.indptr), shape=(a.shape[0], width))
                           for a in mats], format="csr")
            m.sort_indices()
            return m

        return _Counts(stacked("title", widths[0]), stacked("body", widths[0]),
                       stacked("tags", widths[1]))
