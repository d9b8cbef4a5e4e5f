"""One box: the source's editor links, then similar articles, then flagged fallback fills,
under one query's rules (:class:`~recommender.query.config.QueryConfig`).

Similar items come from the stored neighbour row when it holds enough that pass the
rules, else from an exact search of the vectors (a draft always searches). Then, in
order: the score floor, recency decay, same-story dedupe and diversity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from recommender.config.build import BuildConfig
from recommender.index.articles import ArticleTable
from recommender.index.catalogue import days_between
from recommender.index.explain import explanations
from recommender.index.parts import IndexParts
from recommender.index.ranking import Ranking
from recommender.query.config import QueryConfig
from recommender.query.filters import Source, Test, acceptance, section_matches
from recommender.records import Related, related_records
from recommender.search.searcher import members, row_dots
from recommender.search.topk import Candidates

if TYPE_CHECKING:
    from recommender.learn.tuned import Draft

#: rows of the newest-first order a fallback tests at a time: a few first (a box short of
#: one or two items finds them among the newest hundred), then more and more
_FALLBACK_CHUNKS = (64, 512, 4096)


@dataclass
class Pool:
    """Candidates of the similar items, best first: positions, scores, similarities."""

    positions: np.ndarray
    scores: np.ndarray
    sims: np.ndarray

    def kept(self, keep: np.ndarray) -> Pool:
        return Pool(self.positions[keep], self.scores[keep], self.sims[keep])

    def head(self, n: int) -> Pool:
        return Pool(self.positions[:n], self.scores[:n], self.sims[:n])


def box(parts: IndexParts, config: BuildConfig, ranking: Ranking, query: QueryConfig,
        source: Source, k: int, vector: Callable[[], sp.csr_matrix]) -> list[Related]:
    """The ``k`` items of one box. ``vector()`` gives the source's row (computed only when
    a search, a fallback or an explanation needs it)."""
    table = parts.table
    test = acceptance(table, query, source)
    curated = _curated(table, query, source, test, k)
    need = k - len(curated)
    chosen = Pool(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32))
    if need > 0:
        chosen = _similar(parts, config, ranking, query, source, test, curated, need, vector)
    shown = np.concatenate([curated, chosen.positions])
    fills = np.zeros(0, np.int64)
    if len(shown) < k and query.fallback:
        fills = _fallback(parts, query, source, test, shown, k - len(shown))
    items = _records(parts, curated, chosen, fills, source.row, vector)
    if query.explain and items:
        notes = explanations(parts, ranking, query, source, vector(),
                             np.concatenate([curated, chosen.positions, fills]),
                             len(curated), len(chosen.positions))
        items = [Related(r.id, r.score, r.title, r.similarity, r.reason, note)
                 for r, note in zip(items, notes, strict=True)]
    return items


# -- curated ---------------------------------------------------------------------------------
def _curated(table: ArticleTable, query: QueryConfig, source: Source, test: Test | None,
             k: int) -> np.ndarray:
    """Positions of the source's editor links that pass the rules, in the editor's order."""
    if not query.curated_first or not source.curated:
        return np.zeros(0, np.int64)
    found = [table.positions.get(i) for i in dict.fromkeys(source.curated)]
    positions = np.array([p for p in found if p is not None], dtype=np.int64)
    if test is not None and len(positions):
        positions = positions[test(positions)]
    return positions[:k]


# -- similar ---------------------------------------------------------------------------------
def _similar(parts: IndexParts, config: BuildConfig, ranking: Ranking, query: QueryConfig,
             source: Source, test: Test | None, curated: np.ndarray, need: int,
             vector: Callable[[], sp.csr_matrix]) -> Pool:
    graph = parts.graph
    if source.row >= 0:
        positions, scores, sims = graph.row(source.row)
        pool = Pool(positions.astype(np.int64, copy=False), scores, sims)
        full = len(positions) == graph.n_neighbors  # else nothing else shares a term
        if test is not None and len(pool.positions):
            pool = pool.kept(test(pool.positions))
        chosen = _choose(parts, query, source, pool, curated, need)
        # search further only when the filters (and the editor links) leave too few of
        # the stored row: items the floor or dedupe drop are the least similar already,
        # and past the row nothing is more similar (a search there costs ~2 ms at 1M)
        if len(chosen.positions) == need or not full:
            return chosen
        if len(pool.positions) - np.count_nonzero(members(pool.positions, curated)) >= need:
            return chosen
    size = max(graph.n_neighbors, 3 * (need + len(curated)))
    return _choose(parts, query, source,
                   _searched(parts, config, ranking, source, test, vector(), size),
                   curated, need)


def _searched(parts: IndexParts, config: BuildConfig, ranking: Ranking, source: Source,
              test: Test | None, x: sp.csr_matrix, size: int) -> Pool:
    """The ``size`` most similar candidates that pass ``test``, searched exactly as the
    build searched its rows, in ranking order."""
    table = parts.table
    same_section = config.same_section and source.row >= 0
    candidates: Candidates | None = Candidates(
        sections=table.folded_sections if same_section else None, accept=test)
    if candidates is not None and candidates.is_empty:
        candidates = None
    query_sections = table.folded_sections[[source.row]] if same_section else None
    found, sims = parts.space.searcher.search(x, size, own=np.array([source.row]),
                                               candidates=candidates,
                                               query_sections=query_sections)
    cand, scores, sims = ranking.order(found, sims, np.array([source.date]), table.published,
                                       parts.graph.hubs)
    n = int(np.count_nonzero(cand[0] >= 0))  # empty slots come last
    pool = Pool(cand[0, :n].astype(np.int64), scores[0, :n], sims[0, :n])
    if parts.learned is None:
        return pool
    return Pool(*parts.learned.rerank_pool(parts, source.row, pool.positions, pool.sims,
                                           _draft(parts, ranking, source, x, pool.sims),
                                           test))


def _draft(parts: IndexParts, ranking: Ranking, source: Source, x: sp.csr_matrix,
           sims: np.ndarray) -> Draft | None:
    """What a learned ranking needs of a draft (None for an indexed article)."""
    if source.row >= 0:
        return None
    best = np.sort(np.asarray(sims, dtype=np.float64))[::-1][None, :]
    hub = float(ranking.hubs(best)[0]) if best.size else 0.0
    from recommender.learn.tuned import Draft  # here: learn reads the index package

    return Draft(x=x, date=source.date, section=source.section,
                 tag_codes=parts.table.tags.codes_of(source.tags),
                 hub=max(hub, parts.graph.hub_floor))


def _choose(parts: IndexParts, query: QueryConfig, source: Source, pool: Pool,
            curated: np.ndarray, need: int) -> Pool:
    """The best ``need`` of a pool: not curated, above the floor, no copy of the source,
    decayed, deduplicated, diversified."""
    keep = pool.sims >= np.asarray(query.min_score, dtype=pool.sims.dtype)
    if parts.learned is None:  # a learned score is a probability: not on this scale
        keep &= pool.scores >= np.asarray(query.min_score, dtype=pool.scores.dtype)
    if query.dedupe is not None:  # the story itself, under another id
        keep &= pool.sims < np.asarray(query.dedupe, dtype=pool.sims.dtype)
    if len(curated):
        keep &= ~members(pool.positions, curated)
    if not keep.all():
        pool = pool.kept(keep)
    if query.decays and len(pool.positions):
        pool = _decayed(parts.table, query, source, pool)
    if query.diversity > 0 and len(pool.positions):
        return _diversified(parts, query, pool, curated, need)
    if query.dedupe is not None and len(pool.positions) > 0:
        return _deduplicated(parts, query.dedupe, pool, curated, need)
    return pool.head(need)


def decay_factors(table: ArticleTable, query: QueryConfig, source_date: np.datetime64,
                  positions: np.ndarray) -> np.ndarray:
    """``0.5 ** (days apart / half-life)`` per position (1 where a date is unknown); the
    half-life is the item's section's when ``section_half_life_days`` names it."""
    halves = np.full(len(positions), np.inf if query.half_life_days is None
                     else query.half_life_days)
    if query.section_half_life_days:
        codes = table.section_codes[positions]
        for section, half_life in query.section_half_life_days:
            halves[np.isin(codes, section_matches(section, table.section_names))] = half_life
    apart, _ = days_between(source_date, table.published[positions])
    return np.power(0.5, np.abs(apart) / halves)


def _decayed(table: ArticleTable, query: QueryConfig, source: Source, pool: Pool) -> Pool:
    scores = pool.scores * decay_factors(table, query, source.date, pool.positions)
    order = np.lexsort((pool.positions, -pool.sims, -scores))
    return Pool(pool.positions[order], scores[order].astype(np.float32), pool.sims[order])


def _deduplicated(parts: IndexParts, threshold: float, pool: Pool, curated: np.ndarray,
                  need: int) -> Pool:
    """Items in order, each dropped when it is a copy (similarity >= ``threshold``) of a
    curated or better item. Copies are read from the stored neighbour rows of the items
    (a copy is among an article's K most similar unless K others are copies too)."""
    graph = parts.graph
    head = np.concatenate([curated, pool.positions[:need]])
    similarity = graph.similarity[head]
    if not (similarity >= np.asarray(threshold, dtype=similarity.dtype)).any():
        return pool.head(need)  # no item above has a copy anywhere: the common case
    copies = _CopyCheck(parts, threshold, curated)
    chosen: list[int] = []
    for i, p in enumerate(pool.positions.tolist()):
        if not copies.is_copy(p):
            chosen.append(i)
            if len(chosen) == need:
                break
    return pool.kept(np.array(chosen, dtype=np.int64))


def _diversified(parts: IndexParts, query: QueryConfig, pool: Pool, curated: np.ndarray,
                 need: int) -> Pool:
    """Maximal marginal relevance: each next item maximises ``(1 - diversity) * score -
    diversity * (its greatest similarity to the items above)``, curated ones included;
    an item at or above the dedupe threshold of one above is skipped."""
    X = parts.space.X
    head = pool.positions[: max(3 * need, parts.graph.n_neighbors)]
    both = np.concatenate([curated, head])
    pair = (X[both] @ X[both].T).toarray()
    lam = query.diversity
    relevance = pool.scores[: len(head)].astype(np.float64)
    nearest = pair[: len(curated), len(curated):].max(axis=0) if len(curated) else \
        np.zeros(len(head))
    left = np.ones(len(head), dtype=bool)
    if query.dedupe is not None:
        left &= nearest < query.dedupe
    chosen: list[int] = []
    while len(chosen) < need and left.any():
        value = np.where(left, (1 - lam) * relevance - lam * nearest, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        left[best] = False
        nearest = np.maximum(nearest, pair[len(curated) + best, len(curated):])
        if query.dedupe is not None:
            left &= nearest < query.dedupe
    return pool.kept(np.array(chosen, dtype=np.int64))


# -- fallback --------------------------------------------------------------------------------
def _fallback(parts: IndexParts, query: QueryConfig, source: Source, test: Test | None,
              shown: np.ndarray, need: int) -> np.ndarray:
    """The newest articles that pass the rules (and are no copy of an item above), by each
    fallback strategy in turn."""
    table = parts.table
    fills: list[int] = []
    taken = set(shown.tolist())
    seen = np.append(shown, source.row) if source.row >= 0 else shown
    copies = _CopyCheck(parts, query.dedupe, seen)
    for strategy in query.fallback:
        order = table.newest_first
        if strategy == "section_latest":
            if source.section < 0:
                continue
            order = table.newest_in_section(source.section)
        for start, end in _chunks(len(order)):
            rows = order[start:end]
            rows = rows[test(rows)] if test is not None else rows[rows != source.row]
            for p in rows.tolist():
                if p not in taken and not copies.is_copy(p):
                    taken.add(p)
                    fills.append(p)
                    if len(fills) == need:
                        return np.array(fills, dtype=np.int64)
    return np.array(fills, dtype=np.int64)


def _chunks(n: int) -> list[tuple[int, int]]:
    """``(start, end)`` ranges covering ``range(n)`` in order, sized by
    :data:`_FALLBACK_CHUNKS` (the last size repeated): the rules are tested on a few of
    the newest rows first, not on thousands when one item is missing."""
    out, start, i = [], 0, 0
    while start < n:
        end = min(start + _FALLBACK_CHUNKS[min(i, len(_FALLBACK_CHUNKS) - 1)], n)
        out.append((start, end))
        start, i = end, i + 1
    return out


class _CopyCheck:
    """Whether an article is a copy (stored similarity >= ``threshold``) of one kept so
    far, either way round; articles join the kept ones as they are accepted."""

    def __init__(self, parts: IndexParts, threshold: float | None, kept: np.ndarray) -> None:
        self.graph = parts.graph
        self.threshold = threshold
        self.kept: set[int] = set(kept.tolist())
        self.copies_of_kept: set[int] = set()
        if threshold is not None and len(kept):  # every kept row's copies in one read
            rows = kept.astype(np.int64, copy=False)
            similarity = self.graph.similarity[rows]
            close = similarity >= np.asarray(threshold, dtype=similarity.dtype)
            self.copies_of_kept.update(self.graph.neighbors[rows][close].tolist())

    def _close(self, p: int) -> list[int]:
        similarity = self.graph.similarity[p]
        close = similarity >= np.asarray(self.threshold, dtype=similarity.dtype)
        return self.graph.neighbors[p][close].tolist()

    def _keep(self, p: int, close: list[int]) -> None:
        self.kept.add(p)
        self.copies_of_kept.update(close)

    def is_copy(self, p: int) -> bool:
        """True when ``p`` copies a kept article; else ``p`` is kept."""
        if self.threshold is None:
            return False
        if p in self.copies_of_kept:
            return True
        close = self._close(p)
        if not self.kept.isdisjoint(close):
            return True
        self._keep(p, close)
        return False


# -- records ---------------------------------------------------------------------------------
def _records(parts: IndexParts, curated: np.ndarray, chosen: Pool, fills: np.ndarray,
             source_row: int, vector: Callable[[], sp.csr_matrix]) -> list[Related]:
    table = parts.table
    similar = records(table, chosen.positions, chosen.scores, chosen.sims)
    if not len(curated) and not len(fills):
        return similar
    extra = np.concatenate([curated, fills])
    X = parts.space.X
    if source_row >= 0:  # the source's own row, read in place
        start, end = X.indptr[source_row], X.indptr[source_row + 1]
        columns, values = X.indices[start:end], X.data[start:end]
    else:
        x = vector()
        x = x if x.has_sorted_indices else x.sorted_indices()
        columns, values = x.indices, x.data
    dots = row_dots(X, extra, columns, values).astype(np.float64)
    dots = np.minimum(np.maximum(dots, 0.0), 1.0)
    out = [Related(table.ids[p], float(d), table.titles[p], float(d), "curated")
           for p, d in zip(curated.tolist(), dots[: len(curated)].tolist(), strict=True)]
    out += similar
    out += [Related(table.ids[p], 0.0, table.titles[p], float(d), "fallback")
            for p, d in zip(fills.tolist(), dots[len(curated):].tolist(), strict=True)]
    return out


def records(
    table: ArticleTable, positions: np.ndarray, values: np.ndarray, sims: np.ndarray
) -> list[Related]:
    """Records of stored or searched slots (no empty ones), scores clipped to [0, 1]."""
    at = positions.tolist()
    scores = np.maximum(values, 0.0)  # fresh arrays, clipped in place
    similarities = np.maximum(sims.astype(np.float16, copy=False), 0.0)
    return related_records(map(table.ids.__getitem__, at),
                           np.minimum(scores, 1.0, out=scores).tolist(),
                           map(table.titles.__getitem__, at),
                           np.minimum(similarities, 1.0, out=similarities).tolist())
