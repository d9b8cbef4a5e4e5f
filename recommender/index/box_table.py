"""Every article's box under the index's default rules, computed at once (``warm``).

``related()`` applies a box's rules to the stored neighbour row on every call (the
filters, the floor, the editor links, the dedupe, the fallback fills, then the records):
130 us a box at 100k articles, where reading the row and its ids takes 4 us. Under the
index's default rules (:attr:`RelatedIndex.query <recommender.RelatedIndex.query>`) a box
is the same on every call, so :meth:`~recommender.RelatedIndex.warm` computes the boxes
of all articles in array passes over the neighbour table, up to :data:`BOX_SIZE` items
each, and ``related()`` then reads a row of this table and builds its records.

What the table leaves to the general path (:mod:`~recommender.index.answers`), which
gives the same answers the slow way: a box whose filters leave too few of the stored row
(an exact search fills it), a box whose head or fills meet an article with a copy
(similarity at or above ``dedupe``: the dedupe then looks further), fills under date
rules relative to the source (``only_older``, ``max_age_days``), rules outside these
passes (recency decay, diversity, explanations), and any call with other rules.
``tests/test_box_table.py`` compares both paths on every article.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recommender.index.articles import ArticleTable
from recommender.index.parts import IndexParts
from recommender.query.config import QueryConfig
from recommender.query.filters import (
    UNKNOWN_LANGUAGE,
    Source,
    acceptance,
    same_language_applies,
)
from recommender.records import REASONS, Related, box_records
from recommender.search.searcher import grouped_pair_dots

__all__ = ["BOX_SIZE", "BoxTable", "covers"]

#: items per box the table holds: ``related(id, k)`` reads it for ``k`` up to this
BOX_SIZE = 10

#: rows computed together (bounds the passes' memory: ~40 MB at K=50), and rows filled
#: together (a window of 64 candidates against 10 items shown)
_CHUNK_ROWS = 1 << 16
_FILL_ROWS = 1 << 16

_CURATED, _SIMILAR, _FALLBACK = range(3)


def covers(query: QueryConfig) -> bool:
    """Whether the table's passes apply ``query``'s rules (else every box is left to the
    general path)."""
    return not (query.decays or query.diversity > 0 or query.explain)


@dataclass(frozen=True, eq=False)
class BoxTable:
    """Boxes of up to ``size`` items per article: editor links, similar items, fills.

    ``lengths[row]``: the items held; ``counts[row]``: the largest ``k`` the table
    answers for that row (``related`` with a larger ``k`` takes the general path; a box
    may be shorter than ``k`` when nothing else passes the rules). ``reasons`` codes each
    item (0 curated, 1 similar, 2 fallback). ``parts`` and ``query`` are those the boxes
    were computed from: a change of either makes the table stale, and it is not read.
    """

    parts: IndexParts
    query: QueryConfig
    counts: np.ndarray
    lengths: np.ndarray
    positions: np.ndarray
    scores: np.ndarray
    similarities: np.ndarray
    reasons: np.ndarray
    _counts: list[int] = field(init=False, repr=False)
    _lengths: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # plain lists: indexed in 30 ns, against 150 for a numpy scalar and its compare
        object.__setattr__(self, "_counts", self.counts.tolist())
        object.__setattr__(self, "_lengths", self.lengths.tolist())

    def held(self, article_id: str, k: int) -> list[Related] | None:
        """The first ``k`` items of the article's box, or None when the table does not
        answer (an unknown id, ``k`` out of its range)."""
        row = self.parts.table.positions.get(article_id)
        if row is None or not 0 < k <= self._counts[row]:
            return None
        return self.records(row, k)

    @classmethod
    def compute(cls, parts: IndexParts, query: QueryConfig, size: int = BOX_SIZE
                ) -> BoxTable | None:
        """The boxes of every article under ``query`` (None when its rules are not
        covered: :func:`covers`)."""
        if not covers(query):
            return None
        box = _Boxes(parts, query, size)
        for start in range(0, box.n, _CHUNK_ROWS):
            box.similar(np.arange(start, min(start + _CHUNK_ROWS, box.n)))
        box.settle()
        if query.fallback:
            box.fill()
        return cls(parts, query, box.counts, box.lengths, box.positions, box.scores,
                   box.similarities, box.reasons)

    def records(self, row: int, k: int) -> list[Related]:
        """The first ``k`` items of the row's box (``k`` at most ``counts[row]``)."""
        table = self.parts.table
        n = min(k, self._lengths[row])
        at = self.positions[row, :n].tolist()
        return box_records(map(table.ids.__getitem__, at), self.scores[row, :n].tolist(),
                           map(table.titles.__getitem__, at),
                           self.similarities[row, :n].tolist(),
                           map(REASONS.__getitem__, self.reasons[row, :n].tolist()))


def _static_mask(table: ArticleTable, query: QueryConfig) -> np.ndarray:
    """Per article, whether the rules that do not depend on the source let it be shown
    (alive, language, sections, fixed dates, tags, exclusions): ``acceptance`` for a
    source with no row, group, language or date, which applies just those."""
    neutral = Source(row=-1, date=np.datetime64("NaT", "D"), language=UNKNOWN_LANGUAGE,
                     section=-1, group=-1, curated=(), tags=())
    test = acceptance(table, query, neutral)
    everyone = np.arange(table.n_rows, dtype=np.int64)
    return np.ones(table.n_rows, dtype=bool) if test is None else test(everyone)


def _relative_mask(table: ArticleTable, query: QueryConfig, rows: np.ndarray,
                   candidates: np.ndarray) -> np.ndarray:
    """The rules relative to the source (never itself, nor a translation of it; its
    language; dates before it or within ``max_age_days`` of it), for each candidate of
    its row: ``rows`` broadcasts against ``candidates``."""
    keep = candidates != rows
    if table.translations.keys:
        codes = table.translations.codes
        group = codes[rows]
        keep &= (group < 0) | (codes[candidates] != group)
    if query.same_language:
        languages = table.languages
        source = languages[rows]
        keep &= ~same_language_applies(table, query, source) | (
            languages[candidates] == source)
    if query.only_older or query.max_age_days is not None:
        published = table.published
        source_date, dates = published[rows], published[candidates]
        within = np.ones_like(keep)
        if query.only_older:
            within &= dates <= source_date  # False for an unknown date
        if query.max_age_days is not None:
            within &= dates >= source_date - np.timedelta64(int(query.max_age_days), "D")
        keep &= np.isnat(source_date) | within
    return keep


class _Boxes:
    """The table being computed: editor links, then similar items, then fills."""

    def __init__(self, parts: IndexParts, query: QueryConfig, size: int) -> None:
        self.parts, self.query, self.size = parts, query, size
        table, graph = parts.table, parts.graph
        self.n = n = table.n_rows
        self.static = _static_mask(table, query)
        self.has_copy: np.ndarray | None = None
        if query.dedupe is not None:  # articles with a copy among their stored neighbours
            similarity = np.asarray(graph.similarity)
            self.has_copy = np.asarray(
                (similarity >= np.asarray(query.dedupe, similarity.dtype)).any(axis=1))
        self._links()
        self.positions = np.full((n, size), -1, dtype=np.int32)
        self.scores = np.zeros((n, size), dtype=np.float32)
        self.similarities = np.zeros((n, size), dtype=np.float32)
        self.reasons = np.zeros((n, size), dtype=np.int8)
        self.n_similar = np.zeros(n, dtype=np.int64)
        #: the largest k answered from the stored row (a larger one searches or looks
        #: further for copies); then the table's counts and lengths
        self.row_limit = np.full(n, size, dtype=np.int64)
        self.counts = np.zeros(n, dtype=np.int16)
        self.lengths = np.zeros(n, dtype=np.int16)

    # -- editor links ---------------------------------------------------------------------
    def _links(self) -> None:
        """Each article's editor links that pass its rules, in the editor's order, as
        (row, position) pairs grouped by row, and their similarities."""
        table, query = self.parts.table, self.query
        rows: list[int] = []
        found: list[int] = []
        if query.curated_first:
            offsets = np.asarray(table.curated.offsets)
            get = table.positions.get
            for row in np.flatnonzero(offsets[1:] > offsets[:-1]).tolist():
                for link in dict.fromkeys(table.curated[row]):
                    p = get(link)
                    if p is not None:
                        rows.append(row)
                        found.append(p)
        link_rows, links = np.array(rows, dtype=np.int64), np.array(found, dtype=np.int64)
        keep = self.static[links] & _relative_mask(table, query, link_rows, links)
        self.link_rows, self.links = link_rows[keep], links[keep]
        self.link_counts = np.bincount(self.link_rows, minlength=self.n)
        self.link_keys = np.sort(self.link_rows * self.n + self.links)

    # -- similar items --------------------------------------------------------------------
    def similar(self, rows: np.ndarray) -> None:
        """The similar items of ``rows``' boxes, from slot 0 (the editor links are put in
        front by :meth:`settle`), and up to which ``k`` the stored row answers."""
        table, graph, query, size = self.parts.table, self.parts.graph, self.query, self.size
        window = slice(int(rows[0]), int(rows[-1]) + 1)
        stored = np.asarray(graph.neighbors[window], dtype=np.int64)
        sims = np.asarray(graph.similarity[window])
        values = np.asarray(graph.scores[window])
        filled = stored >= 0
        candidates = np.where(filled, stored, 0)
        passing = filled & self.static[candidates] & _relative_mask(
            table, query, rows[:, None], candidates)
        linked = np.zeros_like(passing)
        if len(self.link_keys):
            keys = self.link_keys
            wanted = rows[:, None] * self.n + candidates
            linked = keys[np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)] == wanted
        # _choose: the floor (on the similarity; on the score too unless it is learned),
        # no copy of the source, no editor link of the source
        keep = passing & ~linked & (sims >= np.asarray(query.min_score, dtype=sims.dtype))
        if self.parts.learned is None:
            keep &= values >= np.asarray(query.min_score, dtype=values.dtype)
        if query.dedupe is not None:
            keep &= sims < np.asarray(query.dedupe, dtype=sims.dtype)
        width = stored.shape[1]
        n_kept = keep.sum(axis=1)
        cut = np.full(len(rows), width)
        if self.has_copy is not None:  # the dedupe reads further from an item with a copy
            copy = keep & self.has_copy[candidates]
            cut = np.where(copy.any(axis=1), copy.argmax(axis=1), width)
            keep &= np.arange(width)[None, :] < cut[:, None]
        rank = np.cumsum(keep, axis=1) - 1
        take = keep & (rank < size)
        r, slot = np.nonzero(take)
        at = rows[r], rank[r, slot]
        self.positions[at] = stored[r, slot]
        self.scores[at] = np.minimum(np.maximum(values[r, slot], 0.0), 1.0)
        self.similarities[at] = np.minimum(
            np.maximum(sims[r, slot].astype(np.float16), 0.0), 1.0)
        self.reasons[at] = _SIMILAR
        kept = take.sum(axis=1)
        self.n_similar[rows] = kept
        # past the kept items: a search when the filters leave too few of a full row (the
        # pool, editor links aside, holds fewer than the box needs), the greedy dedupe
        # when an item with a copy was cut
        links = self.link_counts[rows]
        pool = passing.sum(axis=1) - (passing & linked).sum(axis=1)
        limit = np.where(filled.all(axis=1), links + pool, size)
        limit = np.where(n_kept > keep.sum(axis=1), links + kept, limit)  # a copy was cut
        self.row_limit[rows] = np.maximum(np.minimum(limit, size), links + kept)

    def settle(self) -> None:
        """Editor links in front (the similar items move behind them), then the lengths
        and the ``k`` answered before any fill."""
        size = self.size
        n_links = np.minimum(self.link_counts, size)
        for c in np.unique(n_links[n_links > 0]).tolist():
            rows = np.flatnonzero(n_links == c)
            for array in (self.positions, self.scores, self.similarities, self.reasons):
                array[rows, c:] = array[rows, : size - c]
        rank = np.arange(len(self.link_rows)) - np.repeat(
            np.cumsum(self.link_counts) - self.link_counts, self.link_counts)
        head = rank < size
        r, slot = self.link_rows[head], rank[head]
        X = self.parts.space.X
        dots = grouped_pair_dots(X, r, X, self.links[head]).astype(np.float64)
        similarity = np.minimum(np.maximum(dots, 0.0), 1.0).astype(np.float32)
        self.positions[r, slot] = self.links[head]
        self.scores[r, slot] = similarity
        self.similarities[r, slot] = similarity
        self.reasons[r, slot] = _CURATED
        self.n_similar = np.minimum(self.n_similar, size - n_links)
        lengths = n_links + self.n_similar
        limit = np.maximum(np.minimum(self.row_limit, size), lengths)
        if self.has_copy is not None:  # a link with a copy: the dedupe reads further
            linked_copy = np.bincount(self.link_rows[self.has_copy[self.links]],
                                      minlength=self.n) > 0
            limit[linked_copy] = n_links[linked_copy]
            lengths[linked_copy] = n_links[linked_copy]
        self.lengths[:] = lengths
        # with no fallback, a short box is the answer to any larger k up to the limit
        self.counts[:] = limit if not self.query.fallback else lengths
        self.row_limit = limit

    # -- fallback fills -------------------------------------------------------------------
    def fill(self) -> None:
        """Fallback items for the boxes the stored rows leave short (where no copy and no
        date rule relative to the source is in the way): the newest articles that pass
        the rules, by each strategy in turn, from a window of each ordering."""
        query, table, size = self.query, self.parts.table, self.size
        short = (self.lengths < size) & (self.row_limit > self.lengths)
        if query.only_older or query.max_age_days is not None:
            return  # each source's own window of dates: left to the general path
        if self.has_copy is not None:
            short &= ~self.has_copy  # a source with a copy: its fills skip copies of it
        rows = np.flatnonzero(short)
        if not len(rows):
            return
        codes = table.languages[rows]
        languages = np.where(same_language_applies(table, query, codes), codes, -2)
        sections = table.folded_sections[rows] if "section_latest" in query.fallback else \
            np.full(len(rows), -1)
        keys = np.stack([sections, languages], axis=1)
        groups, group_of = np.unique(keys, axis=0, return_inverse=True)
        for g, (section, language) in enumerate(groups.tolist()):
            members = rows[group_of.ravel() == g]
            for start in range(0, len(members), _FILL_ROWS):  # ~50 MB of masks at most
                self._fill_group(members[start:start + _FILL_ROWS], int(section),
                                 int(language))

    def _orderings(self, section: int, language: int) -> tuple[np.ndarray, bool]:
        """The fill candidates of a group of sources, in order (each once), cut to a
        window, and whether the window holds every candidate there is."""
        table, query, size = self.parts.table, self.query, self.size
        window = 3 * size + 2
        parts, complete = [], True
        for strategy in query.fallback:
            if strategy == "section_latest":
                if section < 0:
                    continue
                order = table.newest_in_section(section)  # a canonical section code
            else:
                order = table.newest_first
            ok = self.static[order]
            if language != -2:
                ok &= table.languages[order] == language
            passing = order[ok]
            parts.append(passing[:window])
            if len(passing) > window:
                complete = False
                break  # the next strategy starts where this one's window may not reach
        ordered = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        _, first = np.unique(ordered, return_index=True)
        return ordered[np.sort(first)], complete

    def _fill_group(self, rows: np.ndarray, section: int, language: int) -> None:
        table = self.parts.table
        candidates, complete = self._orderings(section, language)
        if not len(candidates):  # nothing passes: the boxes stay as short as they are
            if complete:
                self.counts[rows] = self.row_limit[rows]
            return
        need = self.row_limit[rows] - self.lengths[rows]
        ok = _relative_mask(table, self.query, rows[:, None], candidates[None, :])
        shown = self.positions[rows]
        ok &= ~(candidates[None, :, None] == shown[:, None, :]).any(axis=2)
        barrier = np.full(len(rows), len(candidates))
        if self.has_copy is not None:  # a candidate with a copy: CopyCheck decides there
            copy = ok & self.has_copy[candidates][None, :]
            barrier = np.where(copy.any(axis=1), copy.argmax(axis=1), len(candidates))
            ok &= np.arange(len(candidates))[None, :] < barrier[:, None]
        rank = np.cumsum(ok, axis=1) - 1
        take = ok & (rank < need[:, None])
        r, slot = np.nonzero(take)
        source, item = rows[r], candidates[slot]
        at = source, self.lengths[source] + rank[r, slot]
        X = self.parts.space.X
        dots = grouped_pair_dots(X, source, X, item).astype(np.float64)
        self.positions[at] = item
        self.scores[at] = 0.0
        self.similarities[at] = np.minimum(np.maximum(dots, 0.0), 1.0)
        self.reasons[at] = _FALLBACK
        found = take.sum(axis=1)
        lengths = self.lengths[rows] + found
        # all found: the box is answered up to the limit; else only as far as it is
        # known that nothing else passes (the whole ordering seen, no copy in the way)
        exhausted = complete & (barrier == len(candidates))
        self.lengths[rows] = lengths
        self.counts[rows] = np.where((found == need) | exhausted, self.row_limit[rows],
                                     lengths)
