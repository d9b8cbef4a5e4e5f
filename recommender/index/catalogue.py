"""What an index keeps of each article while the text streams past to the vectorizer.

A build reads its articles once: the vectorizer keeps only term counts, and this keeps
the few fields the index stores (id, title, section, date, tags as spelled, editor
links), so a million articles never
sit in memory as objects.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Iterator

import numpy as np

from recommender.errors import CorpusError
from recommender.records import Article
from recommender.store.strings import StringColumnBuilder


class Catalogue(Iterator[Article]):
    """Passes ``articles`` through, once, noting each one's stored fields.

    Raises :class:`CorpusError` on the first repeated id. Keeps the source's length
    hint, so progress bars know the total when the source does.
    """

    def __init__(self, articles: Iterable[Article]) -> None:
        self._hint = operator.length_hint(articles, 0)
        self._source = iter(articles)
        self._seen: set[str] = set()
        self.ids: list[str] = []
        self.titles: list[str] = []
        self.sections: list[str | None] = []
        self._dates: list[dt.date | None] = []
        #: (row, translated id) of the articles that translate another
        self.translations: list[tuple[int, str]] = []
        #: tags as spelled, and editor links, packed as they pass (no object per article)
        self.spelled_tags = StringColumnBuilder()
        self.curated = StringColumnBuilder()

    def __next__(self) -> Article:
        article = next(self._source)
        if article.id in self._seen:
            raise CorpusError(f"duplicate article id {article.id!r}; ids must be unique")
        self._seen.add(article.id)
        self.ids.append(article.id)
        self.titles.append(article.title)
        self.sections.append(article.section)
        self._dates.append(article.published)
        if article.translation_of is not None:
            self.translations.append((len(self.ids) - 1, article.translation_of))
        self.spelled_tags.append(article.tags)
        self.curated.append(article.related)
        return article

    def __length_hint__(self) -> int:
        return max(self._hint, self.count)

    @property
    def count(self) -> int:
        """Articles passed through so far (not ``__len__``: that would hide the hint)."""
        return len(self.ids)

    def section_codes(self) -> tuple[np.ndarray, list[str]]:
        """Each article's section as a code into the sorted section names (-1: none)."""
        names = sorted({s for s in self.sections if s is not None})
        lookup = {name: i for i, name in enumerate(names)}
        codes = np.array([-1 if s is None else lookup[s] for s in self.sections], dtype=np.int32)
        return codes, names

    def published(self) -> np.ndarray:
        """Publication days (NaT where unknown)."""
        return publication_days(self._dates)


def publication_day(date: dt.date | None) -> np.datetime64:
    """A date as ``datetime64[D]``, NaT when it is unknown."""
    return np.datetime64(date, "D") if date else np.datetime64("NaT", "D")


def publication_days(dates: Iterable[dt.date | None]) -> np.ndarray:
    """Dates as a ``datetime64[D]`` array, NaT where a date is unknown."""
    return np.array([publication_day(d) for d in dates], dtype="datetime64[D]")


def days_between(start: np.ndarray | np.datetime64,
                 end: np.ndarray | np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """``end - start`` in days (``datetime64[D]`` arrays, broadcast), 0 where either date
    is unknown; and where both are known."""
    known = ~np.isnat(start) & ~np.isnat(end)
    days = np.where(known, (end - start).astype("timedelta64[D]").astype(np.float64), 0.0)
    return days, known
