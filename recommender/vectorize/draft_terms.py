"""Vocabulary ids of a draft's words, remembered per raw token.

A draft (``similar()``) is analysed on its own. Through the analyzer, each raw token is
looked up in the analyzer's cache (raw token -> its term), the terms are joined and split
again, and each term is looked up in the vocabulary: 190 of the 460 us a 100k index spent
on a 200-word draft. Each raw token gives at most one term, so the id it stands for can
be remembered: a draft then costs the tokenizer and one dictionary lookup per token.
Tokens are the byte tokenizer's keys (:func:`~recommender.analysis.tokenizer.token_keys`:
Latin-1 ``bytes`` where the text allows, else ``str``), which a long draft needs: the
regular expression took 0.78 ms of a 21,000-character text's 2.1 ms.

The tokens remembered at :meth:`~recommender.RelatedIndex.warm` (the index's own words and
the stop words) are also packed into flat arrays (:class:`PackedTokens`) that one compiled
pass looks a draft's byte tokens up in, exactly (bytes compared): a dictionary lookup per
token costs ~100-360 ns at 100k, most of it cache misses on the entry, the key and the
value object. Tokens learned later, and ``str`` tokens, stay in the dictionary.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable

import numpy as np

from recommender.analysis import Analyzer
from recommender.analysis.tokenizer import latin_key, token_text
from recommender.compiled import AVAILABLE, compiled

__all__ = ["DraftTerms", "PackedTokens", "merged_counts", "merged_counts_numpy"]

#: ids that are no vocabulary id: a token not looked up yet, a token that gives no known
#: term (a stop word, a word the index never saw), a token that gives several terms
_UNSEEN, _NONE, _SEVERAL = -3, -1, -2


class DraftTerms:
    """Raw token -> vocabulary id, per language, for one fitted vocabulary.

    Each table keeps at most :attr:`MAX_TOKENS` raw tokens and is started afresh when a
    draft would pass that (drafts of a site repeat its words; a stream of new ones must
    not grow memory without end).
    """

    #: raw tokens remembered per language (~25 MB at most)
    MAX_TOKENS = 200_000

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self.vocabulary = vocabulary
        self._tables: dict[str, dict[str | bytes, int]] = {}
        self._packed: dict[str, PackedTokens] = {}  # the tokens remembered at warm()
        self._lock = threading.Lock()

    def remember(self, analyzer: Analyzer, tokens: Iterable[str]) -> int:
        """Look ``tokens`` up now, while the table is at most half full (a loaded index's
        own words, at :meth:`~recommender.RelatedIndex.warm`: drafts mostly use them, and
        the first drafts need not learn them); returns how many were added."""
        table = self._table(analyzer)
        room = self.MAX_TOKENS // 2 - len(table)
        if room <= 0:
            return 0
        stop_words = sorted(analyzer.dropped_stop_words)  # every draft has them
        keys = (latin_key(t) or t for t in itertools.chain(stop_words, tokens))  # as keys
        new = list(itertools.islice((k for k in dict.fromkeys(keys) if k not in table), room))
        if new:
            self._store(analyzer, table, new)
            if AVAILABLE:
                with self._lock:
                    self._packed[analyzer.language] = PackedTokens.of(table)
        return len(new)

    def ids(self, analyzer: Analyzer, text: str) -> np.ndarray | None:
        """Ids of the known terms of ``text``, in text order, as ``known_ids(vocabulary,
        analyzer(text))`` gives them; None when a token gives several terms (the caller
        then analyses the text whole)."""
        table = self._table(analyzer)
        packed = self._packed.get(analyzer.language)
        data = analyzer.token_data(text) if packed is not None and packed.table is table \
            else None
        keys: list[str] | list[bytes]
        if packed is not None and data is not None:  # no Python object per token
            ids, starts, ends = packed.lookup_data(data)
            later = np.flatnonzero(ids == _UNSEEN)  # learned since warm(), or new
            keys = [data[s:e] for s, e in zip(starts[later].tolist(), ends[later].tolist(),
                                              strict=True)]
            if keys:
                ids[later] = self._lookup(table, keys)
        else:
            keys = analyzer.token_keys(text)
            ids = self._lookup(table, keys)
            later = np.arange(len(keys))
        if len(ids) and ids.min() == _UNSEEN:
            unseen = np.flatnonzero(ids[later] == _UNSEEN)  # positions in keys
            new = [keys[i] for i in unseen.tolist()]
            table = self._learn(analyzer, table, new)
            ids[later[unseen]] = [table[k] for k in new]
        if len(ids) and ids.min() == _SEVERAL:
            return None
        return ids[ids >= 0]

    def _table(self, analyzer: Analyzer) -> dict[str | bytes, int]:
        table = self._tables.get(analyzer.language)
        if table is None:
            table = self._tables.setdefault(analyzer.language, {})
        return table

    @staticmethod
    def _lookup(table: dict[str | bytes, int], tokens: list[str] | list[bytes]) -> np.ndarray:
        return np.fromiter(map(table.get, tokens, itertools.repeat(_UNSEEN)), dtype=np.int64,
                           count=len(tokens))

    def _learn(self, analyzer: Analyzer, table: dict[str | bytes, int],
               unseen: list[str | bytes]) -> dict[str | bytes, int]:
        """Analyse the ``unseen`` tokens of a text and remember what each stands for;
        returns the table that holds them (a fresh one when this one is full)."""
        unseen = list(dict.fromkeys(unseen))
        with self._lock:
            if len(table) + len(unseen) > self.MAX_TOKENS:
                table = {}
                self._tables[analyzer.language] = table
                self._packed.pop(analyzer.language, None)
            self._store(analyzer, table, unseen)
        return table

    def _store(self, analyzer: Analyzer, table: dict[str | bytes, int],
               keys: list[str | bytes]) -> None:
        """What each of ``keys`` (not in ``table``) stands for, into ``table``."""
        vocabulary = self.vocabulary
        values = analyzer.index_values_of([token_text(k) for k in keys])
        for key, value in zip(keys, values, strict=True):
            if " " in value:
                table[key] = _SEVERAL
            else:
                table[key] = vocabulary.get(value, _NONE) if value else _NONE


class PackedTokens:
    """A snapshot of a token table's ``bytes`` keys and their ids in flat arrays, for
    :meth:`lookup` in one compiled pass: an open-addressing table at most half full
    whose slot holds all a match needs (the key's FNV-1a hash, length, first 8 bytes,
    id, and where the rest of it starts in ``blob``, the keys end to end), so a lookup
    reads one slot and, for a key over 8 bytes, its tail. Keys are compared byte for
    byte: a lookup gives exactly what the dictionary gives, or :data:`_UNSEEN`."""

    def __init__(self, table: dict[str | bytes, int], blob: np.ndarray, offsets: np.ndarray,
                 values: np.ndarray) -> None:
        self.table = table  # the dictionary this is a snapshot of
        self.blob = blob
        size = 1 << max(4, (2 * len(values)).bit_length())
        self.slots: np.ndarray = _pack(blob, offsets, values, size)

    @classmethod
    def of(cls, table: dict[str | bytes, int]) -> PackedTokens:
        """The ``bytes`` keys of ``table`` (tokens without whitespace) and their ids."""
        keys = [k for k in table if isinstance(k, bytes)]
        blob = np.frombuffer(b"".join(keys), dtype=np.uint8)
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)),
                  out=offsets[1:])
        values = np.fromiter(map(table.__getitem__, keys), dtype=np.int64, count=len(keys))
        return cls(table, blob, offsets, values)

    def lookup(self, tokens: list[bytes]) -> np.ndarray:
        """The id of each of ``tokens`` (``bytes`` without whitespace, as the byte
        tokenizer splits them), :data:`_UNSEEN` where the snapshot lacks it."""
        return self.lookup_data(b" ".join(tokens))[0]

    def lookup_data(self, data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The id of each token of ``data`` (its runs of bytes between ASCII whitespace,
        as ``data.split()`` gives them: :func:`~recommender.analysis.tokenizer.token_data`),
        :data:`_UNSEEN` where the snapshot lacks it, and where each token starts and
        ends in ``data``."""
        return _probe(np.frombuffer(data, dtype=np.uint8), self.blob, self.slots)


#: 64-bit FNV-1a, written out in both loops (a compiled loop cannot call the wrapper
#: :func:`~recommender.compiled.compiled` returns); wraps as unsigned integers
_FNV_OFFSET, _FNV_PRIME = 14695981039346656037, 1099511628211

#: a slot's fields (columns of ``PackedTokens.slots``, int64; length -1: a free slot)
_HASH, _LENGTH, _PREFIX, _START, _VALUE = range(5)


def _pack_loop(blob: np.ndarray, offsets: np.ndarray, values: np.ndarray, size: int
               ) -> np.ndarray:  # fmt: skip
    """Each key into the first free slot from ``hash % size`` on (``size`` a power of
    two, over twice the keys)."""
    slots = np.zeros((size, 5), dtype=np.int64)
    slots[:, _LENGTH] = -1
    mask = np.int64(size - 1)
    for k in range(len(offsets) - 1):
        start, end = offsets[k], offsets[k + 1]
        h = np.uint64(_FNV_OFFSET)
        prefix = np.uint64(0)
        for i in range(start, end):
            h = (h ^ np.uint64(blob[i])) * np.uint64(_FNV_PRIME)
            if i - start < 8:
                prefix |= np.uint64(blob[i]) << np.uint64(8 * (i - start))
        j = np.int64(h & np.uint64(mask))
        while slots[j, _LENGTH] >= 0:
            j = (j + 1) & mask
        slots[j, _HASH] = np.int64(h)  # the same 64 bits, signed
        slots[j, _LENGTH] = end - start
        slots[j, _PREFIX] = np.int64(prefix)
        slots[j, _START] = start
        slots[j, _VALUE] = values[k]
    return slots


def _probe_loop(text: np.ndarray, blob: np.ndarray, slots: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """:meth:`PackedTokens.lookup_data`: first every token's place, hash and first 8
    bytes, then the slots, so that the reads of the table (cache misses, mostly) follow
    each other closely enough to wait together."""
    most = len(text) // 2 + 1
    starts = np.empty(most, dtype=np.int64)
    ends = np.empty(most, dtype=np.int64)
    hashes = np.empty(most, dtype=np.uint64)
    prefixes = np.empty(most, dtype=np.uint64)
    n, pos, size = 0, 0, len(text)
    while True:
        while pos < size and (text[pos] == 32 or 9 <= text[pos] <= 13):  # bytes.split()
            pos += 1
        if pos == size:
            break
        start = pos
        h = np.uint64(_FNV_OFFSET)
        prefix = np.uint64(0)
        while pos < size and not (text[pos] == 32 or 9 <= text[pos] <= 13):
            h = (h ^ np.uint64(text[pos])) * np.uint64(_FNV_PRIME)
            if pos - start < 8:
                prefix |= np.uint64(text[pos]) << np.uint64(8 * (pos - start))
            pos += 1
        starts[n], ends[n], hashes[n], prefixes[n] = start, pos, h, prefix
        n += 1
    out = np.full(n, _UNSEEN, dtype=np.int64)
    mask = np.int64(len(slots) - 1)
    for t in range(n):
        start, length = starts[t], ends[t] - starts[t]
        signed, signed_prefix = np.int64(hashes[t]), np.int64(prefixes[t])
        j = np.int64(hashes[t] & np.uint64(mask))
        while slots[j, _LENGTH] >= 0:
            if (slots[j, _HASH] == signed and slots[j, _LENGTH] == length
                    and slots[j, _PREFIX] == signed_prefix):
                same = True
                at = slots[j, _START]
                for q in range(8, length):
                    if blob[at + q] != text[start + q]:
                        same = False
                        break
                if same:
                    out[t] = slots[j, _VALUE]
                    break
            j = (j + 1) & mask
    return out, starts[:n], ends[:n]


_pack = compiled(_pack_loop) if AVAILABLE else _pack_loop
_probe = compiled(_probe_loop) if AVAILABLE else _probe_loop


def _merged_counts(title_ids: np.ndarray, body_ids: np.ndarray, title_weight: np.float32
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A draft's term counts: (columns, ``title_weight * title + body`` as float32,
    title columns, title counts), columns ascending, only frequencies above 0 kept. The sums
    are numpy's: the title count times the float32 weight in float64, rounded to float32,
    then the body count added in float64 and rounded again."""
    title = np.sort(title_ids)
    body = np.sort(body_ids)
    n_title = 0
    title_cols = np.empty(len(title), dtype=np.int64)
    title_counts = np.empty(len(title), dtype=np.int64)
    for i in range(len(title)):
        if n_title and title_cols[n_title - 1] == title[i]:
            title_counts[n_title - 1] += 1
        else:
            title_cols[n_title] = title[i]
            title_counts[n_title] = 1
            n_title += 1
    cols = np.empty(n_title + len(body), dtype=np.int64)
    tf = np.empty(n_title + len(body), dtype=np.float32)
    n, a, b = 0, 0, 0
    while a < n_title or b < len(body):
        if b == len(body) or (a < n_title and title_cols[a] <= body[b]):
            col = title_cols[a]
            value = np.float32(np.float64(title_weight) * np.float64(title_counts[a]))
            a += 1
        else:
            col = body[b]
            value = np.float32(0.0)
        count = 0
        while b < len(body) and body[b] == col:
            count += 1
            b += 1
        if count:
            value = np.float32(np.float64(value) + np.float64(count))
        if value > 0:
            cols[n] = col
            tf[n] = value
            n += 1
    return cols[:n], tf[:n], title_cols[:n_title], title_counts[:n_title]


def merged_counts_numpy(title_ids: np.ndarray, body_ids: np.ndarray, title_weight: np.float32
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`merged_counts` in numpy: the path without numba, and the tests' reference."""
    title_cols, title_counts = np.unique(title_ids, return_counts=True)
    body_cols, body_counts = np.unique(body_ids, return_counts=True)
    cols = np.union1d(title_cols, body_cols)
    tf = np.zeros(len(cols), dtype=np.float32)
    tf[np.searchsorted(cols, title_cols)] += title_weight * title_counts
    tf[np.searchsorted(cols, body_cols)] += body_counts
    kept = tf > 0
    return cols[kept], tf[kept], title_cols, title_counts


merged_counts = compiled(_merged_counts) if AVAILABLE else merged_counts_numpy
