"""Vocabularies: which terms a fit keeps, their ids and IDF, and the lookups of counting.

Both dict subclasses fill themselves on a miss (``__missing__``), so the counting loop
is ``map(lookup.__getitem__, tokens)``, a C-level loop, and only a token or term never
seen before costs a Python call. What it buys, with the per-worker state of
:mod:`~recommender.vectorize.counting`: 200k articles read and vectorized in 26.7 s
instead of 35.5 s on one job (6f2dd53).
``tests/test_vectorize.py`` checks both against the plain analysis + dict version.
"""

from __future__ import annotations

import array
import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from recommender.analysis import Analyzer


def document_frequencies(
    title: sp.csr_matrix, body: sp.csr_matrix, n_terms: int, title_weight: float
) -> np.ndarray:
    """Articles whose weighted text (title and body) holds each term.

    Counted as body + title - both, so the long body matrix is never copied.
    """
    df = np.bincount(body.indices, minlength=n_terms)
    if title_weight > 0 and title.nnz:
        both = title.multiply(body).tocsr()
        both.eliminate_zeros()
        df += np.bincount(title.indices, minlength=n_terms)
        df -= np.bincount(both.indices, minlength=n_terms)
    return df


#: a term found in at most this many documents is never dropped as too common by a share
#: ``max_df``: half of a two-story corpus would drop every word the two stories share
MIN_COMMON_DF = 10


def kept_terms(df: np.ndarray, n_docs: int, min_df: int | float, max_df: int | float,
               max_features: int | None) -> np.ndarray:
    """Mask of the terms a fit keeps: ``min_df <= df <= max_df`` (a share when float, a
    count when int; a share never below :data:`MIN_COMMON_DF` documents), then the
    ``max_features`` most frequent (first seen on ties)."""
    def as_count(v: int | float) -> float:
        return v * n_docs if isinstance(v, float) else float(v)

    # a share never drops a word of fewer than MIN_COMMON_DF documents; a count is the user's
    most = max(as_count(max_df), MIN_COMMON_DF if isinstance(max_df, float) else 1.0)
    keep = (df >= as_count(min_df)) & (df <= most)
    if max_features is not None and keep.sum() > max_features:
        order = np.lexsort((np.arange(len(df)), -df))
        order = order[keep[order]][:max_features]
        keep = np.zeros_like(keep)
        keep[order] = True
    return keep


def sorted_vocabulary(
    terms: Sequence[str], keep: np.ndarray
) -> tuple[dict[str, int], np.ndarray, list[str]]:
    """The kept terms, sorted, as term -> id, each new id's old position in ``terms``, and
    the kept terms by new id."""
    kept = np.array(terms, dtype=object)[keep]
    order = np.argsort(kept.astype(str), kind="stable")
    by_id: list[str] = kept[order].tolist()
    return {t: i for i, t in enumerate(by_id)}, np.flatnonzero(keep)[order], by_id


def smooth_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """``log((1 + n) / (1 + df)) + 1``, scikit-learn's smoothed IDF, as float64."""
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float64)


def known_ids(vocabulary: dict[str, int], terms: Sequence[str]) -> np.ndarray:
    """Ids of the terms found in ``vocabulary``, in order (lookups and filter in C)."""
    ids = np.fromiter(map(vocabulary.get, terms, itertools.repeat(-1)), dtype=np.int64,
                      count=len(terms))
    return ids[ids >= 0]


def extend_ids(column: array.array, terms: Iterable[str], vocabulary: dict[str, int],
                grow: bool) -> None:
    """Append the ids of ``terms``: new ones join a growing vocabulary, else are skipped."""
    if grow:
        column.extend(map(vocabulary.__getitem__, terms))
    else:
        column.extend(j for j in map(vocabulary.get, terms) if j is not None)


def surface_forms(terms: list[str], forms: dict[int, str], positions: np.ndarray,
                  n_seen: int) -> list[str]:
    """How the kept terms read: ``terms`` (by new id) with the ``forms`` recorded at their
    first-seen ``positions`` put in place, in that same list.

    Only words have forms (where they differ from the term), so the millions of terms of
    a bigram fit are not gone over again: a pass over all 11.8M took 2.8 s of a 50 s fit.
    """
    new_id = np.full(n_seen, -1, dtype=np.int32)
    new_id[positions] = np.arange(len(positions), dtype=np.int32)
    olds = np.fromiter(forms, dtype=np.int64, count=len(forms))
    for i, form in zip(new_id[olds].tolist(), forms.values(), strict=True):
        if i >= 0:
            terms[i] = form
    return terms


class TokenIds(dict[str, tuple[int, ...]]):
    """Raw token -> ids of its index terms, filled on first sight of each raw token.

    Articles repeat a small set of raw tokens, so after the first few documents a token
    costs one C-level lookup instead of analysis, joining, splitting and a second lookup.
    A growing vocabulary also learns, on that first sight, how a new term reads
    (:meth:`Analyzer.surface`), so explanations can show words, not stems: nothing per
    repeated token, 0.08 s of a 9.9 s fit of 20k synthetic articles.
    """

    def __init__(self, analyze: Analyzer, vocabulary: dict[str, int], grow: bool) -> None:
        super().__init__()
        self._analyze = analyze
        self._vocabulary = vocabulary
        self._grow = grow
        self._forms = vocabulary.forms if isinstance(vocabulary, GrowingVocabulary) else None

    def __missing__(self, token: str) -> tuple[int, ...]:
        terms = self._analyze.index_terms(token)
        if self._grow:
            new = len(self._vocabulary)
            ids = tuple(map(self._vocabulary.__getitem__, terms))
            if self._forms is not None and ids == (new,):  # one term, met for the first time
                form = self._analyze.surface(token)
                if form != terms[0]:
                    self._forms[new] = form
        else:
            ids = tuple(j for j in map(self._vocabulary.get, terms) if j is not None)
        self[token] = ids
        return ids


class GrowingVocabulary(dict[str, int]):
    """Term -> id; a term not yet seen gets the next id when it is looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []  # the terms by id, to slice off the newest cheaply
        # id -> how the term read when first met, where that differs from the term (set
        # by TokenIds for words; a bigram has none)
        self.forms: dict[int, str] = {}

    def __missing__(self, term: str) -> int:
        self[term] = index = len(self)
        self.order.append(term)
        return index
