"""The article table: what the index keeps of each article besides its vector.

Row ``p`` of every index array is article ``ids[p]``. Removed articles keep their row
(marked not ``alive``) until the next rebuild, so rows never move.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from recommender.analysis.tags import normalize_tag
from recommender.errors import UnknownArticleError
from recommender.index.catalogue import Catalogue, publication_days
from recommender.index.tags import TagSets
from recommender.index.translations import TranslationGroups
from recommender.records import Article
from recommender.store.strings import StringColumn, pack_strings, unpack_strings

if TYPE_CHECKING:
    from recommender.vectorize.vectorizer import FitDetails


@dataclass(frozen=True, eq=False)
class ArticleTable:
    """Ids, titles, sections, dates and the removal mark, one row per indexed article.

    Never changed in place: :meth:`appended` and :meth:`without` return new tables.
    """

    ids: list[str]
    titles: list[str]
    section_codes: np.ndarray
    section_names: list[str]
    published: np.ndarray
    alive: np.ndarray
    translations: TranslationGroups
    #: each row's language as a code into ``language_names``
    languages: np.ndarray
    language_names: list[str]
    tags: TagSets
    #: each row's editor links (its ``related`` ids), in the editor's order
    curated: StringColumn
    #: live id -> row; derived from ``ids`` and ``alive`` when not given
    positions: dict[str, int] = field(default=None, repr=False)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.positions is not None:  # a change passes its copy of the old dict
            return
        # built in C (zip) rather than a comprehension: a 1M-article load spends 0.3 s less
        pairs: Iterable[tuple[str, int]] = zip(self.ids, range(len(self.ids)), strict=True)
        if not np.all(self.alive):
            pairs = itertools.compress(pairs, self.alive.tolist())
        object.__setattr__(self, "positions", dict(pairs))

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue, details: FitDetails,
                       tag_keys: list[str]) -> ArticleTable:
        """The table of a build: the catalogue's fields and what the fit learned of each
        article (its language, its folded tags over ``tag_keys``)."""
        codes, names = catalogue.section_codes()
        language_names = sorted(set(details.languages))
        lookup = {name: i for i, name in enumerate(language_names)}
        languages = np.fromiter(map(lookup.__getitem__, details.languages), dtype=np.int16,
                                count=len(details.languages))
        return cls(ids=catalogue.ids, titles=catalogue.titles, section_codes=codes,
                   section_names=names, published=catalogue.published(),
                   alive=np.ones(catalogue.count, dtype=bool),
                   translations=TranslationGroups.of(catalogue.ids, catalogue.translations),
                   languages=languages, language_names=language_names,
                   tags=TagSets.of(tag_keys, details.tags, catalogue.spelled_tags.column()),
                   curated=catalogue.curated.column())

    def __len__(self) -> int:
        """Live articles (removed ones do not count)."""
        return len(self.positions)

    @property
    def n_rows(self) -> int:
        """Rows, removed articles included."""
        return len(self.ids)

    @property
    def all_alive(self) -> bool:
        """No row removed (a length test: a query asks it, and a 1M-row scan costs 40 us)."""
        return len(self.positions) == len(self.ids)

    def position(self, article_id: str) -> int:
        try:
            return self.positions[article_id]
        except KeyError:
            raise UnknownArticleError(
                f"unknown article id {article_id!r}: it is not in this index of {len(self)} "
                "articles (add it with index.add or query a draft with index.similar)"
            ) from None

    def live_ids(self) -> list[str]:
        return [i for i, live in zip(self.ids, self.alive.tolist(), strict=True) if live]

    @cached_property
    def canonical_sections(self) -> np.ndarray:
        """For each section code, the code of the first section name with the same folded
        spelling ("Economie" and "Économie" are one section); one more entry, -1, at the
        end, so that -1 (no section) maps to itself."""
        first: dict[str, int] = {}
        return np.array([first.setdefault(normalize_tag(name), code)
                         for code, name in enumerate(self.section_names)] + [-1],
                        dtype=np.int32)

    @cached_property
    def folded_sections(self) -> np.ndarray:
        """Each row's section as its canonical code (-1: none), for ``same_section``."""
        return self.canonical_sections[self.section_codes]

    def newest_in_section(self, section: int) -> np.ndarray:
        """:attr:`newest_first` restricted to the section ``section`` (folded), computed
        once per section: a fallback asks it on every short box."""
        cache: dict[int, np.ndarray] = self.__dict__.setdefault("_newest_by_section", {})
        canonical = int(self.canonical_sections[section])
        found = cache.get(canonical)
        if found is None:
            order = self.newest_first
            found = cache[canonical] = order[self.folded_sections[order] == canonical]
        return found

    def warm(self) -> None:
        """Compute now the orderings a fallback computes on first use: the newest-first
        order and its restriction to each section (each an O(n) pass, about 1-4 ms at
        100k articles, which the first short box of each section otherwise paid)."""
        for code in range(len(self.section_names)):
            self.newest_in_section(code)

    @cached_property
    def newest_first(self) -> np.ndarray:
        """Rows from the newest publication day to the oldest (undated rows last, then
        by row), for the "latest" fallbacks; computed on first use."""
        days = self.published.astype(np.int64)
        undated = np.isnat(self.published)
        return np.lexsort((np.arange(len(days)), np.where(undated, 0, -days), undated))

    @cached_property
    def main_language(self) -> str | None:
        """The language most articles are in (None for an empty table)."""
        if not len(self.language_names):
            return None
        counts = np.bincount(self.languages, minlength=len(self.language_names))
        return self.language_names[int(np.argmax(counts))]

    def section_codes_of(self, section: str | None) -> int:
        """Code of the section ``section`` names (case- and accent-folded), -1 for none."""
        if section is None:
            return -1
        from recommender.query.filters import section_matches

        codes = section_matches(section, self.section_names)
        return codes[0] if codes else -1

    def language_code(self, language: str) -> int:
        """Code of ``language`` in this table, -1 when no article is in it."""
        try:
            return self.language_names.index(language)
        except ValueError:
            return -1

    def appended(self, articles: Sequence[Article], languages: Sequence[str]) -> ArticleTable:
        """A new table with ``articles`` as new rows at the end (``languages``: the one each
        was analysed in)."""
        language_names = list(self.language_names)
        for language in languages:
            if language not in language_names:
                language_names.append(language)
        language_codes = np.array([language_names.index(x) for x in languages], dtype=np.int16)
        names = list(self.section_names)
        for a in articles:
            if a.section is not None and a.section not in names:
                names.append(a.section)
        codes = [names.index(a.section) if a.section is not None else -1 for a in articles]
        ids = self.ids + [a.id for a in articles]
        first = self.n_rows
        translations = self.translations.with_rows(
            [(first + i, a.translation_of) for i, a in enumerate(articles)
             if a.translation_of is not None], ids)
        return ArticleTable(
            ids=ids,
            titles=self.titles + [a.title for a in articles],
            section_codes=np.concatenate([self.section_codes, np.array(codes, dtype=np.int32)]),
            section_names=names,
            published=np.concatenate([self.published,
                                      publication_days(a.published for a in articles)]),
            alive=np.concatenate([self.alive, np.ones(len(articles), dtype=bool)]),
            translations=translations,
            languages=np.concatenate([self.languages, language_codes]),
            language_names=language_names,
            tags=self.tags.appended([a.tags for a in articles]),
            curated=self.curated.appended([a.related for a in articles]),
            positions={**self.positions, **{a.id: first + i for i, a in enumerate(articles)}},
        )

    def without(self, article_ids: Iterable[str]) -> ArticleTable:
        """A new table where these articles are marked removed."""
        ids = list(article_ids)
        rows = [self.position(i) for i in ids]
        alive = np.array(self.alive, dtype=bool)
        alive[rows] = False
        positions = dict(self.positions)  # a copy in C: 10x faster than deriving it again
        for article_id in ids:
            del positions[article_id]
        return ArticleTable(ids=self.ids, titles=self.titles, section_codes=self.section_codes,
                            section_names=self.section_names, published=self.published,
                            alive=alive, translations=self.translations,
                            languages=self.languages, language_names=self.language_names,
                            tags=self.tags, curated=self.curated, positions=positions)

    def to_arrays(self) -> dict[str, np.ndarray]:
        id_blob, id_offsets = pack_strings(self.ids)
        title_blob, title_offsets = pack_strings(self.titles)
        section_blob, section_offsets = pack_strings(self.section_names)
        language_blob, language_offsets = pack_strings(self.language_names)
        return {
            "ids_blob": id_blob, "ids_offsets": id_offsets,
            "titles_blob": title_blob, "titles_offsets": title_offsets,
            "sections_blob": section_blob, "sections_offsets": section_offsets,
            "section_codes": self.section_codes, "published": self.published,
            "alive": self.alive,
            **self.translations.to_arrays(),
            "languages": self.languages,
            "language_names_blob": language_blob, "language_names_offsets": language_offsets,
            **self.tags.to_arrays(),
            "curated_blob": self.curated.blob, "curated_offsets": self.curated.offsets,
        }

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> ArticleTable:
        return cls(ids=unpack_strings(a["ids_blob"], a["ids_offsets"]),
                   titles=unpack_strings(a["titles_blob"], a["titles_offsets"]),
                   section_codes=a["section_codes"],
                   section_names=unpack_strings(a["sections_blob"], a["sections_offsets"]),
                   published=a["published"], alive=np.array(a["alive"], dtype=bool),
                   translations=TranslationGroups.from_arrays(a),
                   languages=a["languages"],
                   language_names=unpack_strings(a["language_names_blob"],
                                                 a["language_names_offsets"]),
                   tags=TagSets.from_arrays(a),
                   curated=StringColumn(a["curated_blob"], a["curated_offsets"]))
