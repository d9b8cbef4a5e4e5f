"""The JSON documents the server answers with, built from the library's records.

Items are :meth:`Related.to_dict`, the shape ``recommender related --json`` prints, so a
site moving from the command line to the server reads the same fields.
"""

from __future__ import annotations

import weakref
from typing import Any

from recommender.analysis._unicode import fold_accents
from recommender.index.related_index import RelatedIndex
from recommender.records import Related

__all__ = ["box", "search_titles", "source"]

_FOLDED: weakref.WeakKeyDictionary[RelatedIndex, list[str]] = weakref.WeakKeyDictionary()


def box(query_id: str, title: str, results: list[Related]) -> dict[str, Any]:
    """One box: the query's id and title, and its items in order."""
    return {"id": query_id, "title": title, "items": [r.to_dict() for r in results]}


def source(index: RelatedIndex, article_id: str) -> dict[str, Any]:
    """What the index knows of an article, for the preview page: its section, date, tags
    and its editor's own links (with their titles when indexed)."""
    table = index.table
    row = table.position(article_id)
    code = int(table.section_codes[row])
    day = table.published[row]
    links = [{"id": i, "title": table.titles[table.positions[i]] if i in table.positions
              else None} for i in table.curated[row]]
    return {"id": article_id, "title": table.titles[row],
            "section": table.section_names[code] if code >= 0 else None,
            "published": None if day != day else str(day),  # NaT != NaT
            "tags": list(table.tags.spelled[row]), "links": links}


def _fold(text: str) -> str:
    return fold_accents(text.casefold())


def search_titles(index: RelatedIndex, text: str, limit: int) -> list[dict[str, str]]:
    """Articles whose title holds every word of ``text`` (case and accents ignored), the
    newest first. The folded titles are computed once per loaded index (about 0.3 s per
    100k articles) and dropped with it."""
    folded = _FOLDED.get(index)
    if folded is None:
        folded = _FOLDED.setdefault(index, [_fold(t) for t in index.table.titles])
    words = _fold(text).split()
    if not words:
        return []
    table = index.table
    found = []
    for row in table.newest_first.tolist():
        title = folded[row]
        if all(w in title for w in words) and table.alive[row]:
            found.append({"id": table.ids[row], "title": table.titles[row]})
            if len(found) == limit:
                break
    return found
