"""Term -> id lookups for counting, and the two speed tricks of the counting loop.

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

from recommender.analysis import Analyzer


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


class TokenIds(dict[str, tuple[int, ...]]):
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


class GrowingVocabulary(dict[str, int]):
    """Term -> id; a term not yet seen gets the next id when it is looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []  # the terms by id, to slice off the newest cheaply

    def __missing__(self, term: str) -> int:
        self[term] = index = len(self)
        self.order.append(term)
        return index
