"""Which articles one box may show: a query's rules compiled into one test of positions.

The neighbour graph is computed once; a box's rules (:class:`QueryConfig`) apply when a
list is read: to its stored candidates, to an exact search's candidates when the stored
ones run out, and to fallback items. The test works on arrays of positions, so it costs
the same few microseconds for ten stored candidates as for a whole archive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from recommender.analysis.tags import normalize_tag
from recommender.query.config import QueryConfig
from recommender.search.searcher import members

if TYPE_CHECKING:
    from recommender.index.articles import ArticleTable

Test = Callable[[np.ndarray], np.ndarray]

#: the source language of a draft too short to tell: ``same_language`` does not apply
UNKNOWN_LANGUAGE = -2


@dataclass(frozen=True)
class Source:
    """What the rules need of the article a box is for (indexed or a draft).

    ``row``: its row, -1 for a draft; ``date``: its publication day (NaT: unknown);
    ``language``: its language code in the table (-1: none of the table's;
    :data:`UNKNOWN_LANGUAGE`: not known);
    ``section``: its section code (-1: none); ``group``: its translation group (-1: none);
    ``curated``: its editor links; ``tags``: its tags as spelled.
    """

    row: int
    date: np.datetime64
    language: int
    section: int
    group: int
    curated: tuple[str, ...]
    tags: tuple[str, ...]


def section_matches(section: str, section_names: list[str]) -> list[int]:
    """Codes of the section names that ``section`` names, case- and accent-folded as tags
    are (``"economie"`` finds ``"Économie"``)."""
    wanted = normalize_tag(section)
    return [code for code, name in enumerate(section_names) if normalize_tag(name) == wanted]


def acceptance(table: ArticleTable, query: QueryConfig, source: Source) -> Test | None:
    """The test of candidate positions a box applies (None: every live article passes).

    Never the source itself, a removed article or one of the source's translations; then
    the query's language, section, date, tag and exclusion rules.
    """
    tests: list[Test] = []
    if not table.all_alive:
        tests.append(lambda p: table.alive[p])
    if source.row >= 0:
        tests.append(lambda p: p != source.row)
    if source.group >= 0:
        codes = table.translations.codes
        tests.append(lambda p: codes[p] != source.group)
    _language_tests(tests, table, query, source)
    if query.sections:
        wanted = np.array(sorted({c for s in query.sections
                                  for c in section_matches(s, table.section_names)}),
                          dtype=np.int32)
        tests.append(lambda p: members(table.section_codes[p], wanted))
    _date_tests(tests, table, query, source)
    _tag_tests(tests, table, query)
    if query.exclude:
        excluded = np.array([table.positions[i] for i in query.exclude if i in table.positions],
                            dtype=np.int64)
        if len(excluded):
            tests.append(lambda p: ~members(p, excluded))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]

    def every(positions: np.ndarray) -> np.ndarray:
        keep = tests[0](positions)
        for test in tests[1:]:
            keep &= test(positions)
        return keep

    return every


def _language_tests(tests: list[Test], table: ArticleTable, query: QueryConfig,
                    source: Source) -> None:
    languages = table.languages
    if query.language is not None:
        code = table.language_code(query.language)
        tests.append(lambda p: languages[p] == code)
    if source.language == UNKNOWN_LANGUAGE:
        return
    if same_language_applies(table, query, np.asarray(source.language)):
        tests.append(lambda p: languages[p] == source.language)


def same_language_applies(table: ArticleTable, query: QueryConfig,
                          languages: np.ndarray) -> np.ndarray:
    """Per source language code, whether ``same_language`` filters its box: always with
    several languages in the table, else only for a source of no language (-1)."""
    if not query.same_language:
        return np.zeros(languages.shape, dtype=bool)
    if len(table.language_names) > 1:
        return np.ones(languages.shape, dtype=bool)
    return languages < 0


def _date_tests(tests: list[Test], table: ArticleTable, query: QueryConfig,
                source: Source) -> None:
    """Date windows; rules relative to the source are skipped when its date is unknown."""
    after, before = query.published_after, query.published_before
    latest: np.datetime64 | None = None  # inclusive bounds
    earliest: np.datetime64 | None = None
    if after is not None:
        earliest = np.datetime64(after, "D")
    if before is not None:
        latest = np.datetime64(before, "D") - np.timedelta64(1, "D")
    known = not np.isnat(source.date)
    if query.only_older and known:
        latest = source.date if latest is None else min(latest, source.date)
    if query.max_age_days is not None and known:
        oldest = source.date - np.timedelta64(int(query.max_age_days), "D")
        earliest = oldest if earliest is None else max(earliest, oldest)
    if earliest is None and latest is None:
        return
    published = table.published

    def in_window(positions: np.ndarray) -> np.ndarray:
        dates = published[positions]
        keep = ~np.isnat(dates)
        if earliest is not None:
            keep &= dates >= earliest
        if latest is not None:
            keep &= dates <= latest
        return keep

    tests.append(in_window)


def _tag_tests(tests: list[Test], table: ArticleTable, query: QueryConfig) -> None:
    tags = table.tags
    if query.tags_any:
        wanted = tags.codes_of(query.tags_any)
        tests.append(lambda p: tags.matches(p, wanted) > 0)
    if query.tags_all:
        wanted_all = tags.codes_of(query.tags_all)
        need = len(np.unique(wanted_all))
        if np.any(wanted_all < 0):  # a tag no article carries: nothing has them all
            tests.append(lambda p: np.zeros(len(p), dtype=bool))
        else:
            tests.append(lambda p: tags.matches(p, np.unique(wanted_all)) >= need)
    if query.tags_none:
        unwanted = tags.codes_of(query.tags_none)
        tests.append(lambda p: tags.matches(p, unwanted) == 0)
