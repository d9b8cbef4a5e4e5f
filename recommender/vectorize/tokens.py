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
from recommender.analysis.tokenizer import token_text
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


class Numbering(dict[str | bytes, int]):
    """One analyzer's raw token -> number; a new token is numbered and left to resolve.

    Keys are :meth:`Analyzer.token_keys`: a token met as ``bytes`` and as ``str`` gets two
    numbers, both resolved to the same terms.
    """

    def __init__(self, owner: RawTokens, analyze: Analyzer) -> None:
        super().__init__()
        self._owner = owner
        self.analyze = analyze
        #: tokens numbered but not resolved yet, and their numbers, in the order met
        self.waiting: list[str | bytes] = []
        self.numbers: list[int] = []

    def __missing__(self, token: str | bytes) -> int:
        owner = self._owner
        self[token] = number = len(owner._first) + owner.pending
        owner.pending += 1
        self.waiting.append(token)
        self.numbers.append(number)
        return number


#: fewest waiting tokens :meth:`RawTokens.resolve` gives ids with numpy; fewer (a bigram
#: fit resolves every text on its own) go token by token, cheaper than numpy's set-up
_BATCH = 64


class RawTokens:
    """Raw tokens of every analyzer, numbered in first-seen order, and each number's
    term ids (:attr:`ids`) once :meth:`resolve` has given them.

    A fit keeps one for its whole pass (a worker one per fit), so each raw token is
    analysed once however often it occurs.
    """

    def __init__(self) -> None:
        self._numberings: dict[Analyzer, Numbering] = {}
        self.pending = 0  # tokens numbered but not resolved yet
        self._first = array.array("i")  # number -> its first term id, -1 for none
        self._more: dict[int, tuple[int, ...]] = {}  # number -> its ids, when 2 or more
        self._widest = 0  # most terms a raw token gave

    @property
    def ids(self) -> list[tuple[int, ...]]:
        """Number -> the ids of its terms (often one, or none), for every resolved number."""
        return [self._more.get(n, (f,) if f >= 0 else ()) for n, f in enumerate(self._first)]

    def term_ids(self, numbers: list[int]) -> list[int]:
        """The term ids of resolved raw token ``numbers``, in order (a text's unigrams)."""
        if self._widest <= 1:
            return [f for f in map(self._first.__getitem__, numbers) if f >= 0]
        more, first = self._more, self._first
        return [i for n in numbers
                for i in more.get(n, (first[n],) if first[n] >= 0 else ())]

    def numbering(self, analyze: Analyzer) -> Numbering:
        """Raw token -> number for the tokens ``analyze`` gives."""
        numbering = self._numberings.get(analyze)
        if numbering is None:
            numbering = self._numberings[analyze] = Numbering(self, analyze)
        return numbering

    def resolve(self, vocabulary: dict[str, int], grow: bool) -> None:
        """Give the waiting tokens their term ids, in the order they were met (so a
        growing vocabulary numbers its new terms as a token-by-token pass does).

        Each analyzer analyses its waiting tokens in one batch; the tokens, their terms
        (joined by spaces) and their numbering are then put back in the order met.
        """
        if not self.pending:
            return
        waiting = [numbering for numbering in self._numberings.values() if numbering.waiting]
        n = self.pending
        if len(waiting) == 1:  # one analyzer: its tokens are in the order met
            owners: list[Numbering] = [waiting[0]] * n
            tokens: list[str] = list(map(token_text, waiting[0].waiting))
            joined: list[str] = waiting[0].analyze.index_values_of(tokens)
        else:
            scattered = np.empty((2, n), dtype=object)
            which = np.empty(n, dtype=np.int64)
            base = len(self._first)
            for k, numbering in enumerate(waiting):
                at = np.asarray(numbering.numbers, dtype=np.int64) - base
                which[at] = k
                texts = list(map(token_text, numbering.waiting))
                scattered[0, at] = texts
                scattered[1, at] = numbering.analyze.index_values_of(texts)
            owners = list(map(waiting.__getitem__, which.tolist()))
            tokens, joined = scattered.tolist()
        for numbering in waiting:
            numbering.waiting, numbering.numbers = [], []
        self.pending = 0
        if n >= _BATCH and " " not in "\n".join(joined):
            self._resolve_words(joined, owners, tokens, vocabulary, grow)
            return
        for owner, token, value in zip(owners, tokens, joined, strict=True):
            ids = token_ids(owner.analyze, token, value.split(), vocabulary, grow)
            if len(ids) > 1:
                self._more[len(self._first)] = ids
            self._first.append(ids[0] if ids else -1)
            self._widest = max(self._widest, len(ids))

    def _resolve_words(self, values: list[str], owners: list[Numbering], tokens: list[str],
                       vocabulary: dict[str, int], grow: bool) -> None:
        """:meth:`resolve` when each waiting token gives one term or none (the usual
        case): the lookups run in C (``map``) and only new terms are gone over in Python,
        for their forms. The same ids and forms as :func:`token_ids` token by token
        (``tests/test_vectorize.py``); what it buys: ``benchmarks/README.md``."""
        has = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) > 0
        words = list(filter(None, values))
        known = len(vocabulary)
        if grow:
            ids = np.fromiter(map(vocabulary.__getitem__, words), dtype=np.int32,
                              count=len(words))
        else:
            ids = np.fromiter(map(vocabulary.get, words, itertools.repeat(-1)),
                              dtype=np.int32, count=len(words))
        first = np.full(len(values), -1, dtype=np.int32)
        first[has] = ids
        if grow and isinstance(vocabulary, GrowingVocabulary) and len(vocabulary) > known:
            # the token that met each new term first (ids are given in order of meeting)
            is_new = ids >= known
            new, at = np.unique(ids[is_new], return_index=True)
            where = np.flatnonzero(has)[np.flatnonzero(is_new)[at]]
            order = vocabulary.order
            for term_id, p in zip(new.tolist(), where.tolist(), strict=True):
                form = owners[p].analyze.surface(tokens[p])
                if form != order[term_id]:
                    vocabulary.forms[term_id] = form
        self._first.frombytes(first.tobytes())
        if (first >= 0).any():
            self._widest = max(self._widest, 1)

    def expand(self, numbers: np.ndarray, indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of rows of resolved numbers (cut by ``indptr``), and their indptr."""
        if self._widest <= 1:  # the usual case: one term or none per raw token
            first = np.frombuffer(self._first, dtype=np.int32)[numbers]
            lengths = (first >= 0).astype(np.int64)
            flat = first[first >= 0]
        else:
            everything = self.ids
            lengths = np.fromiter(map(len, everything), dtype=np.int64, count=len(everything))
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            all_ids = np.fromiter(itertools.chain.from_iterable(everything), dtype=np.int32,
                                  count=int(lengths.sum()))
            lengths = lengths[numbers]
            # each output term: its token's start plus its rank among that token's terms
            ends = np.cumsum(lengths)
            rank = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - lengths,
                                                                             lengths)
            flat = all_ids[np.repeat(starts[numbers], lengths) + rank]
        ends = np.concatenate([[0], np.cumsum(lengths)])
        return flat.astype(np.int32, copy=False), ends[np.asarray(indptr, dtype=np.int64)]
