"""ArticleVectorizer: articles -> one sparse row each, so that a dot product is the similarity.

Row layout: ``hstack([sqrt(w_text) * T, sqrt(w_title) * H, sqrt(w_tags) * G])`` where ``T``
is the L2-normalised TF-IDF of title and body, ``H`` the L2-normalised TF-IDF of the title
alone and ``G`` the L2-normalised IDF-weighted tag indicator, hence

    x . y = w_text * cos_text + w_title * cos_title + w_tags * cos_tags

exactly, with ``w_tags = tag_weight``, ``w_title = title_match_weight`` and
``w_text = 1 - w_tags - w_title``. Every score therefore lies in [0, 1].
"""

from __future__ import annotations

import collections
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from recommender.analysis import Analyzer, detect_language, get_analyzer, normalize_tags
from recommender.analysis.languages import AUTO
from recommender.config.build import BuildConfig
from recommender.errors import CorpusError, UnknownLanguageError
from recommender.progress import Progress
from recommender.records import Article
from recommender.vectorize.counting import TermCounter, with_bigrams
from recommender.vectorize.draft_terms import DraftTerms, merged_counts
from recommender.vectorize.vocabulary import (
    document_frequencies,
    kept_terms,
    known_ids,
    smooth_idf,
    sorted_vocabulary,
    surface_forms,
)
from recommender.vectorize.weighting import select_columns, weight_rows, weighted_unit_rows


def split_by_block(row_of: np.ndarray, columns: np.ndarray, values: np.ndarray, n_rows: int,
                   n_text_features: int) -> np.ndarray:
    """Sums of ``values`` per row and per block of the row layout (text, title, tags): an
    (n_rows, 3) array whose rows sum to the row totals. ``row_of[i]`` and ``columns[i]``
    place ``values[i]``; the text and title blocks have ``n_text_features`` columns."""
    block = np.searchsorted(np.array([n_text_features, 2 * n_text_features]), columns,
                            side="right")
    return np.bincount(row_of * 3 + block, weights=values,
                       minlength=3 * n_rows).reshape(-1, 3)


@dataclass(frozen=True)
class FitDetails:
    """Per article, what a fit learned besides its row: the language it was analysed in,
    and its tags (folded) as a 0/1 matrix over ``tag_vocabulary_`` ids."""

    languages: list[str]
    tags: sp.csr_matrix


#: defaults live in BuildConfig only
_DEFAULTS = BuildConfig()
TAG_PREFIX = "tag:"
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

    @classmethod
    def from_config(cls, config: BuildConfig, **params: Any) -> ArticleVectorizer:
        """The (unfitted) vectorizer a build config describes; ``params`` set the rest
        (``n_jobs``, ``dtype``)."""
        names = cls().get_params(deep=False).keys() & config.to_dict().keys()
        return cls(**{name: getattr(config, name) for name in names}, **params)

    # -- analysis -------------------------------------------------------------------------
    def article_language(self, article: Article, default: str | None = None) -> str:
        """The analyzer language of one article: its field, the vectorizer's language,
        else the one its text clearly shows, else ``default`` (the fitted corpus's main
        language when None, English before a fit).

        ``"auto"`` counts as no value, like None, in the field and in the setting.
        """
        stated = self.stated_language(article)
        if stated is not None:
            return stated
        return self.detected_language(
            article, default or getattr(self, "main_language_", None) or "en")

    def languages_of(self, articles: Sequence[Article]) -> list[str]:
        """The analyzer language of each article of a batch. A text too short to tell
        (a title alone) takes the batch's main language, or the fitted corpus's when the
        batch has none: a French headline among French stories stays French."""
        stated = [self.stated_language(a) for a in articles]
        found = [s if s is not None else self.detected_language(a, "")
                 for a, s in zip(articles, stated, strict=True)]
        if all(found):
            return found
        clear = collections.Counter(f for f in found if f)
        default = (clear.most_common(1)[0][0] if clear else None) or \
            getattr(self, "main_language_", None) or "en"
        return [f or default for f in found]

    def stated_language(self, article: Article) -> str | None:
        """The article's own language field, else this vectorizer's language setting;
        None when both leave it to detection."""
        if article.language and article.language != AUTO:
            return article.language
        if self.language and self.language != AUTO:
            return self.language
        return None

    @staticmethod
    def detected_language(article: Article, default: str) -> str:
        """The language the article's title and head of body clearly show, else
        ``default``."""
        return detect_language(f"{article.title}\n{article.body[:2000]}", default=default)

    def _analyzers_for(self, articles: Sequence[Article]) -> list[Analyzer]:
        """The shared analyzer of each article (:meth:`languages_of`), with this
        vectorizer's settings. An unknown code in an article's own field is a CorpusError
        naming the article."""
        out = []
        for article, language in zip(articles, self.languages_of(articles), strict=True):
            try:
                out.append(get_analyzer(language, stem=self.stem, stop_words=self.stop_words))
            except UnknownLanguageError as exc:
                if language != article.language:
                    raise
                raise CorpusError(f"article {article.id!r}: language field: {exc}; or leave "
                                  "the field empty to have it detected") from None
        return out

    def warm_analyzers(self, languages: Iterable[str]) -> int:
        """Give the shared analyzer of each of ``languages`` this vocabulary's words as
        they read (``term_forms_``, the most common first), analysed once now rather than
        by the first drafts (:meth:`Analyzer.remember`); returns how many were added."""
        check_is_fitted(self, "vocabulary_")
        forms: list[str] | None = getattr(self, "term_forms_", None)
        if not forms:
            return 0
        by_frequency = np.argsort(np.asarray(self.idf_), kind="stable").tolist()
        words = [forms[i] for i in by_frequency if " " not in forms[i]]
        added = 0
        for language in languages:
            try:
                analyzer = get_analyzer(language, stem=self.stem, stop_words=self.stop_words)
            except UnknownLanguageError:
                continue
            added += analyzer.remember(words)
            if not self.bigrams:
                self._draft_terms_of().remember(analyzer, words)
        return added

    def _analyzer_for(self, article: Article) -> Analyzer:
        """The analyzer of one article on its own (a draft): :meth:`article_language`."""
        language = self.article_language(article)
        try:
            return get_analyzer(language, stem=self.stem, stop_words=self.stop_words)
        except UnknownLanguageError as exc:
            if language != article.language:
                raise
            raise CorpusError(f"article {article.id!r}: language field: {exc}; or leave the "
                              "field empty to have it detected") from None

    def _counter(self) -> TermCounter:
        """Counts terms and tags as this vectorizer analyses them."""
        return TermCounter(self._analyzers_for, bool(self.bigrams), self.n_jobs)

    # -- estimator API --------------------------------------------------------------------
    def fit(self, X: Iterable[Article], y: object = None) -> ArticleVectorizer:
        """Learn the vocabulary, IDF of terms and IDF of tags, and how each term reads
        (``term_forms_``)."""
        self.fit_transform(X)
        return self

    def fit_transform(
        self, X: Iterable[Article], y: object = None, *,
        progress: Progress | None = None,
    ) -> sp.csr_matrix:
        """Fit and return the rows of ``X`` in one pass over the text.

        ``X`` may be any iterable, read once (a generator streaming a corpus file keeps
        memory to the counts). ``progress(stage, done, total)`` is called as chunks of
        articles are analysed; ``total`` comes from ``len(X)`` or ``X.__length_hint__``.

        ``term_forms_[i]`` is how the term of id ``i`` read where it was first met
        (:meth:`Analyzer.surface`: ``"sécheresse"`` for ``secheress``): the first form met,
        not the most frequent, as counting forms would slow the counting loop and the first
        is a real word all the same. A bigram's is the term; see :meth:`term_form`.
        """
        return self.fit_transform_details(X, progress=progress)[0]

    def fit_transform_details(
        self, X: Iterable[Article], *, progress: Progress | None = None,
    ) -> tuple[sp.csr_matrix, FitDetails]:
        """:meth:`fit_transform`, plus what the counting learned of each article on the
        way (its language, its folded tags), which an index stores for its filters."""
        expected = operator.length_hint(X, 0)
        terms, tags, counts = self._counter().count_stream(X, progress, expected)
        n = counts.title.shape[0]
        if n == 0:
            raise ValueError("expected at least 1 article to fit, got 0")
        df = document_frequencies(counts.title, counts.body, len(terms), self.title_weight)
        keep = kept_terms(df, n, self.min_df, self.max_df, self.max_features)
        self.vocabulary_, old_index, kept = sorted_vocabulary(terms.order, keep)
        self.term_forms_ = surface_forms(kept, terms.forms, old_index, len(terms))
        self.idf_ = smooth_idf(df[old_index], n)
        tag_df = np.bincount(counts.tags.indices, minlength=len(tags))
        self.tag_vocabulary_, tag_order, _ = sorted_vocabulary(tags, np.ones(len(tags), dtype=bool))
        self.tag_idf_ = smooth_idf(tag_df[tag_order], n)
        self.n_documents_ = n
        self.main_language_ = collections.Counter(counts.languages).most_common(1)[0][0]
        title = select_columns(counts.title, old_index)
        counts.body = select_columns(counts.body, old_index)  # the old arrays go at once
        tag_matrix = select_columns(counts.tags, tag_order)
        details = FitDetails(languages=counts.languages, tags=tag_matrix)
        return self._assemble(title, counts.body, tag_matrix), details

    def transform(self, X: Iterable[Article]) -> sp.csr_matrix:
        """Rows of unseen articles; words and tags outside the fitted vocabulary are ignored."""
        check_is_fitted(self, "vocabulary_")
        counts = self._counter().count(X, self.vocabulary_, self.tag_vocabulary_, grow=False)
        return self._assemble(counts.title, counts.body, counts.tags)

    def transform_one(self, article: Article) -> sp.csr_matrix:
        """The row of one article, as :meth:`transform` gives it, without its matrix overhead.

        A draft query is one article: its counts come from small numpy arrays instead of
        scipy matrices, and each block is weighted by the same :func:`weight_rows` as
        :meth:`transform`, which keeps ``similar()`` fast.
        """
        if "vocabulary_" not in self.__dict__:  # check_is_fitted costs ~20 us a draft
            check_is_fitted(self, "vocabulary_")
        analyze = self._analyzer_for(article)
        title_ids, body_ids = self._term_ids(analyze, article.title), \
            self._term_ids(analyze, article.body)
        tag_cols = np.unique(known_ids(self.tag_vocabulary_, normalize_tags(article.tags)))
        # title_weight * title + body, in float32 as the matrices of transform() hold it
        cols, tf, title_cols, title_counts = merged_counts(title_ids, body_ids,
                                                           np.float32(self.title_weight))
        weights, log, v = self.block_weights(), bool(self.sublinear_tf), len(self.vocabulary_)
        blocks = [
            (cols, weight_rows(tf, cols, self.idf_, weights["text"], log)),
            (title_cols + v, weight_rows(title_counts.astype(np.float32), title_cols, self.idf_,
                                         weights["title"], log)),
            (tag_cols + 2 * v, weight_rows(np.ones(len(tag_cols), dtype=np.float32), tag_cols,
                                           self.tag_idf_, weights["tags"], False)),
        ]
        indices = np.concatenate([b[0] for b in blocks]).astype(np.int32)
        data: np.ndarray = np.concatenate([b[1] for b in blocks]).astype(self.dtype)
        nonzero = data != 0
        indices, data = indices[nonzero], data[nonzero]
        n_features = 2 * v + len(self.tag_vocabulary_)
        indptr = np.array([0, len(data)], dtype=np.int32)  # int32 as indices: 8 us less
        return sp.csr_matrix((data, indices, indptr), shape=(1, n_features))

    def _term_ids(self, analyze: Analyzer, text: str) -> np.ndarray:
        """Vocabulary ids of the known terms of ``text`` (bigrams after the words), by
        raw token (:class:`DraftTerms`) unless bigrams need the terms themselves."""
        if not self.bigrams:
            ids = self._draft_terms_of().ids(analyze, text)
            if ids is not None:
                return ids
        return known_ids(self.vocabulary_, with_bigrams(analyze(text), self.bigrams))

    def _draft_terms_of(self) -> DraftTerms:
        """The raw token -> id tables of drafts, for the current vocabulary."""
        terms: DraftTerms | None = self.__dict__.get("_draft_terms")
        if terms is None or terms.vocabulary is not self.vocabulary_:
            terms = self._draft_terms = DraftTerms(self.vocabulary_)
        return terms

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: the draft terms stay with this one
        state.pop("_draft_terms", None)
        return state

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
        each block is weighted in float64 a slice of rows at a time by :func:`weight_rows`
        (as :meth:`transform_one` weights a draft's row), without a float64 copy of the
        matrix.
        """
        weights = self.block_weights()
        tf = (title * np.float32(self.title_weight) + body).tocsr()
        tf.eliminate_zeros()
        log = bool(self.sublinear_tf)
        blocks = [
            weighted_unit_rows(tf, self.idf_, weights["text"], log, self.dtype),
            weighted_unit_rows(title, self.idf_, weights["title"], log, self.dtype),
            weighted_unit_rows(tags, self.tag_idf_, weights["tags"], False, self.dtype),
        ]
        del tf
        X = sp.hstack(blocks, format="csr", dtype=self.dtype)
        X.eliminate_zeros()
        X.sort_indices()
        return X

    def term_form(self, term_id: int) -> str:
        """How the term of id ``term_id`` reads in the articles (``"barrages"`` for
        ``barrag``), to show it to a person.

        A bigram reads as its two words' forms (``"sécheresse barrages"``), a word of it
        that ``max_df`` dropped from the vocabulary as its term; so does every term of a
        vectorizer fitted before forms were recorded.

        Examples
        --------
        >>> vec = ArticleVectorizer(language="fr", max_df=1.0).fit(
        ...     [Article(id="a", title="L'eau des barrages")])
        >>> vec.term_form(vec.vocabulary_["barrag"]), vec.term_form(vec.vocabulary_["eau"])
        ('barrages', 'eau')
        """
        check_is_fitted(self, "vocabulary_")
        forms: list[str] | None = getattr(self, "term_forms_", None)
        if forms is None:
            return next(term for term, i in self.vocabulary_.items() if i == term_id)
        form = forms[term_id]
        if " " not in form:  # a word's form has no space: only a bigram's does
            return form
        words = form.split(" ")
        return " ".join(forms[i] if i is not None else word
                        for word, i in zip(words, map(self.vocabulary_.get, words), strict=True))

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


