"""Each article's tags, folded for matching and as the articles spell them for display.

Folded tags are codes into ``keys`` (one CSR row per article, the way the vectorizer's
tag block counts them), so a filter tests the stored candidates of a query, or every
article of an exact search, with array operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from recommender.analysis import normalize_tags
from recommender.store.strings import StringColumn, pack_strings, unpack_strings

#: below this many positions a filter reads their rows one by one, above it every row
_ROW_BY_ROW = 512


class TagSets:
    """Folded tag codes per row (``indptr``/``codes``) over ``keys``, and the spelled tags."""

    def __init__(self, keys: list[str], indptr: np.ndarray, codes: np.ndarray,
                 spelled: StringColumn) -> None:
        self.keys = keys
        self.indptr = indptr
        self.codes = codes
        self.spelled = spelled

    @classmethod
    def of(cls, keys: list[str], matrix: sp.csr_matrix, spelled: StringColumn) -> TagSets:
        """From a build: the vectorizer's tag matrix (rows x ``keys``)."""
        return cls(keys, np.asarray(matrix.indptr, dtype=np.int64),
                   np.asarray(matrix.indices, dtype=np.int32), spelled)

    @cached_property
    def lookup(self) -> dict[str, int]:
        return {key: code for code, key in enumerate(self.keys)}

    def codes_of(self, tags: Iterable[str]) -> np.ndarray:
        """Codes of the tags (folded), -1 for a tag no article carries."""
        lookup = self.lookup
        return np.array([lookup.get(t, -1) for t in normalize_tags(tuple(tags))],
                        dtype=np.int32)

    def row(self, position: int) -> np.ndarray:
        return self.codes[self.indptr[position]:self.indptr[position + 1]]

    def matches(self, positions: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """How many of the ``wanted`` codes each of ``positions`` carries."""
        wanted = wanted[wanted >= 0]
        if len(wanted) == 0 or len(positions) == 0:
            return np.zeros(len(positions), dtype=np.int64)
        if len(positions) <= _ROW_BY_ROW:
            starts, ends = self.indptr[positions], self.indptr[positions + 1]
            return np.array([np.count_nonzero(np.isin(self.codes[s:e], wanted))
                             for s, e in zip(starts.tolist(), ends.tolist(), strict=True)],
                            dtype=np.int64)
        hits = np.isin(self.codes, wanted)
        per_row = np.add.reduceat(hits.astype(np.int64), self.indptr[:-1]) if len(hits) else \
            np.zeros(len(self.indptr) - 1, dtype=np.int64)
        per_row[np.diff(self.indptr) == 0] = 0  # reduceat repeats the next value there
        return per_row[positions]

    def appended(self, tags: Sequence[tuple[str, ...]]) -> TagSets:
        """New rows for added articles (their new tags join ``keys``)."""
        keys = list(self.keys)
        lookup = dict(self.lookup)
        codes: list[int] = []
        ends: list[int] = []
        for row_tags in tags:
            for key in dict.fromkeys(normalize_tags(row_tags)):
                if key not in lookup:
                    lookup[key] = len(keys)
                    keys.append(key)
                codes.append(lookup[key])
            ends.append(len(codes))
        indptr = np.concatenate([self.indptr, self.indptr[-1] + np.array(ends, dtype=np.int64)])
        return TagSets(keys, indptr, np.concatenate([self.codes,
                                                     np.array(codes, dtype=np.int32)]),
                       self.spelled.appended(list(tags)))

    def to_arrays(self) -> dict[str, np.ndarray]:
        blob, offsets = pack_strings(self.keys)
        return {"tag_keys_blob": blob, "tag_keys_offsets": offsets,
                "tag_indptr": self.indptr, "tag_codes": self.codes,
                "tags_spelled_blob": self.spelled.blob,
                "tags_spelled_offsets": self.spelled.offsets}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> TagSets:
        return cls(unpack_strings(a["tag_keys_blob"], a["tag_keys_offsets"]),
                   a["tag_indptr"], a["tag_codes"],
                   StringColumn(a["tags_spelled_blob"], a["tags_spelled_offsets"]))
