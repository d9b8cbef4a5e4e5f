"""Translation groups: an original and its translations are never each other's related
stories, whatever the languages asked for.

An article's group is named by the original's id: its own ``translation_of``, or its own
id when other articles translate it. ``codes[p]`` is row p's group (-1: none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from recommender.records import Article
from recommender.store.strings import pack_strings, unpack_strings


@dataclass(frozen=True, eq=False)
class TranslationGroups:
    """A group code per row and each group's key (the original's id)."""

    codes: np.ndarray
    keys: list[str]
    #: key -> group code (derived from ``keys``)
    lookup: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lookup", {key: code for code, key in enumerate(self.keys)})

    @classmethod
    def of(cls, ids: Sequence[str], translations: Iterable[tuple[int, str]]) -> TranslationGroups:
        """Groups of a build: ``translations`` holds (row, translated id) pairs."""
        return cls(np.full(len(ids), -1, dtype=np.int32), []).with_rows(translations, ids)

    def with_rows(self, translations: Iterable[tuple[int, str]],
                  ids: Sequence[str]) -> TranslationGroups:
        """Groups once the rows past the known ones (``ids`` holds every row's id) are in,
        given their (row, translated id) pairs; an earlier row joins a group when a new
        row names it as its original."""
        codes = np.full(len(ids), -1, dtype=np.int32)
        codes[: len(self.codes)] = self.codes
        keys = list(self.keys)
        lookup = dict(self.lookup)

        def code_of(key: str) -> int:
            if key not in lookup:
                lookup[key] = len(keys)
                keys.append(key)
            return lookup[key]

        for row, original in translations:
            codes[row] = code_of(original)
        if lookup:  # originals, old or new, named by a translation
            for row, article_id in enumerate(ids):
                if codes[row] < 0 and article_id in lookup:
                    codes[row] = lookup[article_id]
        return TranslationGroups(codes, keys)

    def group_of(self, article: Article, positions: Mapping[str, int]) -> int:
        """The group of an article, indexed or a draft (-1: none)."""
        row = positions.get(article.id)
        if row is not None and self.codes[row] >= 0:
            return int(self.codes[row])
        for key in (article.translation_of, article.id):
            if key is not None and key in self.lookup:
                return self.lookup[key]
        return -1

    def outside(self, positions: np.ndarray, group: int) -> np.ndarray:
        """Which of ``positions`` are not in ``group``."""
        return self.codes[positions] != group

    def to_arrays(self) -> dict[str, np.ndarray]:
        blob, offsets = pack_strings(self.keys)
        return {"translation_groups": self.codes, "translation_keys_blob": blob,
                "translation_keys_offsets": offsets}

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray]) -> TranslationGroups:
        return cls(a["translation_groups"],
                   unpack_strings(a["translation_keys_blob"], a["translation_keys_offsets"]))
