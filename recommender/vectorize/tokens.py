"""Raw tokens numbered as they are met; their index terms resolved a batch at a time.

The counting loop turns a text's raw tokens into numbers with one C-level dict lookup
each (``map`` into an ``array``); a token never met before gets the next number and waits.
:meth:`RawTokens.resolve` then analyses the waiting ones together (one stemmer call per
language and batch) and gives them term ids in the order they were met, which is the
order a token-by-token pass gives; :meth:`RawTokens.expand` maps numbers to term ids
with numpy. What it buys over a lookup of each token's tuple of term ids chained in
Python: see ``benchmarks/README.md`` (Vectorizing against scikit-learn).
``tests/test_vectorize.py`` checks it against plain analysis with a dict.
"""

from __future__ import annotations

import array
import itertools
from collections.abc import Sequence

import numpy as np

from recommender.analysis import Analyzer
from recommender.vectorize.vocabulary import GrowingVocabulary


def token_ids(analyze: Analyzer, token: str, terms: Sequence[str], vocabulary: dict[str, int],
              grow: bool) -> tuple[int, ...]:
    """The ids of a raw token's index ``terms`` (from ``analyze``).

    A growing vocabulary learns new terms, and how a new word reads
    (:meth:`Analyzer.surface`), so explanations can show words, not stems; a fixed one
    drops the terms it does not hold.
    """
    if not grow:
        return tuple(j for j in map(vocabulary.get, terms) if j is not None)
    new = len(vocabulary)
    ids = tuple(map(vocabulary.__getitem__, terms))
    if ids == (new,) and isinstance(vocabulary, GrowingVocabulary):  # a term met first here
        form = analyze.surface(token)
        if form != terms[0]:
            vocabulary.forms[new] = form
    return ids


class Numbering(dict[str, int]):
    """One analyzer's raw token -> number; a new token is numbered and left to resolve."""

    def __init__(self, owner: RawTokens, analyze: Analyzer) -> None:
        super().__init__()
        self._owner = owner
        self._analyze = analyze

    def __missing__(self, token: str) -> int:
        owner = self._owner
        self[token] = number = len(owner.ids) + len(owner.waiting)
        owner.waiting.append((self._analyze, token))
        return number


class RawTokens:
    """Raw tokens of every analyzer, numbered in first-seen order, and each number's
    term ids (``ids``) once :meth:`resolve` has given them.

    A fit keeps one for its whole pass (a worker one per fit), so each raw token is
    analysed once however often it occurs.
    """

    def __init__(self) -> None:
        self._numberings: dict[Analyzer, Numbering] = {}
        #: tokens numbered but not resolved yet, in the order they were met
        self.waiting: list[tuple[Analyzer, str]] = []
        #: number -> the ids of its terms (often one, or none)
        self.ids: list[tuple[int, ...]] = []
        self._first = array.array("i")  # number -> its first term id, -1 for none
        self._widest = 0  # most terms a raw token gave

    def numbering(self, analyze: Analyzer) -> Numbering:
        """Raw token -> number for the tokens ``analyze`` gives."""
        numbering = self._numberings.get(analyze)
        if numbering is None:
            numbering = self._numberings[analyze] = Numbering(self, analyze)
        return numbering

    def resolve(self, vocabulary: dict[str, int], grow: bool) -> None:
        """Give the waiting tokens their term ids, in the order they were met (so a
        growing vocabulary numbers its new terms as a token-by-token pass does)."""
        waiting = self.waiting
        if not waiting:
            return
        terms: list[list[str]] = [[]] * len(waiting)
        by_analyzer: dict[Analyzer, list[int]] = {}
        for position, (analyze, _) in enumerate(waiting):
            by_analyzer.setdefault(analyze, []).append(position)
        for analyze, positions in by_analyzer.items():
            found = analyze.index_terms_of([waiting[p][1] for p in positions])
            for p, these in zip(positions, found, strict=True):
                terms[p] = these
        for (analyze, token), these in zip(waiting, terms, strict=True):
            ids = token_ids(analyze, token, these, vocabulary, grow)
            self.ids.append(ids)
            self._first.append(ids[0] if ids else -1)
            self._widest = max(self._widest, len(ids))
        self.waiting = []

    def expand(self, numbers: np.ndarray, indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of rows of resolved numbers (cut by ``indptr``), and their indptr."""
        if self._widest <= 1:  # the usual case: one term or none per raw token
            first = np.frombuffer(self._first, dtype=np.int32)[numbers]
            lengths = (first >= 0).astype(np.int64)
            flat = first[first >= 0]
        else:
            lengths = np.fromiter(map(len, self.ids), dtype=np.int64, count=len(self.ids))
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            all_ids = np.fromiter(itertools.chain.from_iterable(self.ids), dtype=np.int32,
                                  count=int(lengths.sum()))
            lengths = lengths[numbers]
            # each output term: its token's start plus its rank among that token's terms
            ends = np.cumsum(lengths)
            rank = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - lengths,
                                                                             lengths)
            flat = all_ids[np.repeat(starts[numbers], lengths) + rank]
        ends = np.concatenate([[0], np.cumsum(lengths)])
        return flat.astype(np.int32, copy=False), ends[np.asarray(indptr, dtype=np.int64)]
