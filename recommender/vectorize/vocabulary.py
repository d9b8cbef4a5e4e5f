"""Vocabularies: which terms a fit keeps, their ids and IDF, and the lookups of counting.

:class:`GrowingVocabulary` fills itself on a miss (``__missing__``), like the raw token
numbering of :mod:`~recommender.vectorize.tokens`, so a lookup is ``map(d.__getitem__,
terms)``, a C-level loop, and only a term never seen before costs a Python call.
``tests/test_vectorize.py`` checks the lookups against the plain analysis + dict version.
"""

from __future__ import annotations

import array
import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp


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


class GrowingVocabulary(dict[str, int]):
    """Term -> id; a term not yet seen gets the next id when it is looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []  # the terms by id, to slice off the newest cheaply
        # id -> how the term read when first met, where that differs from the term (set
        # by tokens.token_ids for words; a bigram has none)
        self.forms: dict[int, str] = {}

    def __missing__(self, term: str) -> int:
        self[term] = index = len(self)
        self.order.append(term)
        return index
