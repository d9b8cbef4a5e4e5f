"""Features of (source, candidate) pairs, read from an index, for a learned ranking.

Everything comes from what the index stores: the three similarity blocks, the stored
neighbour rows (rank both ways), hub scores, dates, sections, tags and row lengths; and,
from the training links only, how often editors link to the candidate and how often
the source's nearest neighbours link to it (the site's editors vouching for a candidate
through similar articles; never the source's own links).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from recommender.index.catalogue import days_between
from recommender.index.parts import IndexParts
from recommender.learn import kernels
from recommender.search.searcher import sorted_lookup
from recommender.vectorize.vectorizer import split_by_block

#: the columns of :func:`pair_features`, in order
FEATURES: tuple[str, ...] = (
    "similarity", "text", "title", "tags", "rank", "reverse_rank", "hub_candidate",
    "hub_source", "log_days_apart", "dated", "candidate_newer", "same_section",
    "shared_tags", "candidate_links_in", "log_terms_candidate", "log_terms_source",
    "shared_terms", "shared_idf", "max_shared_idf", "candidate_title_in_source",
    "source_title_in_candidate", "stored_in_degree", "neighbour_links",
    "neighbour_links_count",
)
#: each feature also compared within the source's candidate list: its value over the
#: list's largest, and minus the list's mean (a candidate is judged against the others it
#: competes with: on se_en +0.006 MAP@10 for the linear model, +0.001 for the trees on
#: vdd_fr)
LIST_FEATURES: tuple[str, ...] = tuple(f"{name}/{how}" for name in FEATURES
                                       for how in ("of_list_max", "minus_list_mean"))
#: the columns a model reads: :data:`FEATURES` then :data:`LIST_FEATURES`
ALL_FEATURES: tuple[str, ...] = FEATURES + LIST_FEATURES
#: the source's most similar stored neighbours whose editor links are counted
NEIGHBOUR_LINK_DEPTH = 20
#: pairs whose rows are multiplied at a time (bounds the memory of the products)
_CHUNK = 20_000


def candidate_pairs(parts: IndexParts, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(source, candidate) rows: each source row with its stored neighbours."""
    neighbors = np.asarray(parts.graph.neighbors)[rows]
    sources = np.repeat(rows, neighbors.shape[1])
    candidates = neighbors.ravel()
    keep = candidates >= 0
    return sources[keep].astype(np.int64), candidates[keep].astype(np.int64)


def pair_features(parts: IndexParts, sources: np.ndarray, candidates: np.ndarray,
                  links_in: np.ndarray | None = None,
                  in_degree: np.ndarray | None = None,
                  adjacency: sp.csr_matrix | None = None) -> np.ndarray:
    """A (pairs, len(FEATURES)) float64 matrix. ``links_in[p]``: editor links pointing
    to row p in the training links (zeros when None); ``in_degree[p]``: stored rows that
    hold row p (:func:`stored_in_degree` when None); ``adjacency``: the training links
    as an undirected (n, n) matrix (:func:`link_adjacency`; neighbour links 0 when None)."""
    out = np.zeros((len(sources), len(FEATURES)), dtype=np.float64)
    column = {name: i for i, name in enumerate(FEATURES)}
    blocks, overlap = _row_features(parts, sources, candidates)
    out[:, column["text"]:column["tags"] + 1] = blocks
    out[:, column["similarity"]] = blocks.sum(axis=1)
    out[:, column["rank"]] = _rank_in_row(parts, sources, candidates)
    out[:, column["reverse_rank"]] = _rank_in_row(parts, candidates, sources)
    hubs = parts.graph.hubs
    out[:, column["hub_candidate"]] = hubs[candidates]
    out[:, column["hub_source"]] = hubs[sources]
    table = parts.table
    gap, dated = days_between(table.published[sources], table.published[candidates])
    out[:, column["log_days_apart"]] = np.log1p(np.abs(gap))
    out[:, column["dated"]] = dated
    out[:, column["candidate_newer"]] = gap > 0
    sections = table.folded_sections
    out[:, column["same_section"]] = (sections[sources] == sections[candidates]) & \
        (sections[sources] >= 0)
    out[:, column["shared_tags"]] = _shared_tags(parts, sources, candidates)
    if links_in is not None:
        out[:, column["candidate_links_in"]] = np.log1p(links_in[candidates])
    indptr = parts.space.X.indptr
    out[:, column["log_terms_candidate"]] = np.log1p(indptr[candidates + 1] - indptr[candidates])
    out[:, column["log_terms_source"]] = np.log1p(indptr[sources + 1] - indptr[sources])
    first = column["shared_terms"]
    out[:, first:first + 5] = overlap
    if in_degree is None:
        in_degree = stored_in_degree(parts)
    out[:, column["stored_in_degree"]] = np.log1p(in_degree[candidates])
    if adjacency is not None:
        first = column["neighbour_links"]
        out[:, first:first + 2] = neighbour_links(parts, sources, candidates, adjacency)
    return out


def with_list_features(features: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """``features`` ((pairs, len(FEATURES))) with :data:`LIST_FEATURES` appended, each
    pair's list being the pairs of its group (its source; None: one list): value / the
    list's largest (0 where that is 0) and value - the list's mean, column by column."""
    if groups is None and kernels.AVAILABLE:  # one list (a draft's pool): one pass
        return kernels.list_features(np.ascontiguousarray(features, dtype=np.float64)).T
    n, m = features.shape
    out = np.empty((n, len(ALL_FEATURES)), dtype=np.float64)
    out[:, :m] = features
    if not n:
        return out
    if groups is None:
        largest, mean = features.max(axis=0), features.mean(axis=0)
    else:
        order = np.argsort(groups, kind="stable")
        sorted_groups = groups[order]
        starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
        sizes = np.diff(np.r_[starts, n])
        in_order = features[order]
        group_of = np.empty(n, dtype=np.int64)
        group_of[order] = np.repeat(np.arange(len(starts)), sizes)
        largest = np.maximum.reduceat(in_order, starts, axis=0)[group_of]
        mean = (np.add.reduceat(in_order, starts, axis=0) / sizes[:, None])[group_of]
    largest = np.broadcast_to(largest, features.shape)
    out[:, m::2] = np.divide(features, largest, out=np.zeros_like(features),
                             where=largest > 0)
    out[:, m + 1::2] = features - mean
    return out


def most_linked(links_in: np.ndarray, sections: np.ndarray | None, alive: np.ndarray,
                count: int) -> dict[int, np.ndarray]:
    """The ``count`` rows the links point to most, per section code (``sections`` None:
    the whole site, under key -1), most linked first (ties: the lower row); rows no link
    points to are never among them. Added to every candidate list of a site whose editors
    keep linking the same few articles (a network's FAQ and policy posts)."""
    rows = np.flatnonzero((links_in > 0) & alive)
    rows = rows[np.argsort(-links_in[rows], kind="stable")]
    if sections is None:
        return {-1: rows[:count].astype(np.int64)}
    keys = sections[rows]
    return {int(key): rows[keys == key][:count].astype(np.int64) for key in np.unique(keys)}


def list_keys(sections: np.ndarray, rows: np.ndarray, by_section: bool) -> np.ndarray:
    """The key of each row's :func:`most_linked` list: its section code when the index
    keeps sections apart, else -1 (the whole site)."""
    return sections[rows] if by_section else np.full(len(rows), -1, dtype=np.int64)


def not_listed(added: np.ndarray, row: int, listed: np.ndarray) -> np.ndarray:
    """The ``added`` rows a candidate list of ``row`` lacks: not ``row`` itself, not
    already in ``listed``."""
    listed = np.sort(listed)  # cheaper than np.isin's sort of both (a draft: ~60 us)
    return added[(added != row) & ~sorted_lookup(listed, added)[1]]


def link_adjacency(n_rows: int, positions: Mapping[str, int],
                   links: Mapping[str, Sequence[str]]) -> sp.csr_matrix:
    """The links as an undirected 0/1 (n_rows, n_rows) matrix (ends not indexed: left out)."""
    pairs = [(positions[s], positions[t]) for s, targets in links.items() if s in positions
             for t in targets if t in positions and t != s]
    a = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    rows, cols = np.r_[a[:, 0], a[:, 1]], np.r_[a[:, 1], a[:, 0]]
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n_rows, n_rows))
    m.data[:] = 1.0  # a link given both ways counts once
    return m


def neighbour_links(parts: IndexParts, sources: np.ndarray, candidates: np.ndarray,
                    adjacency: sp.csr_matrix) -> np.ndarray:
    """Per pair: the similarity-weighted and the plain count of the source's
    :data:`NEIGHBOUR_LINK_DEPTH` most similar stored neighbours linked to the candidate,
    log1p-scaled. The source's own links never count (it is not its own neighbour)."""
    unique, where = np.unique(sources, return_inverse=True)
    weights = nearest_weights(parts, unique)
    return linked_through(weights, where, candidates, adjacency)


def nearest_weights(parts: IndexParts, rows: np.ndarray) -> sp.csr_matrix:
    """(len(rows), n) similarities of each row's most similar stored neighbours."""
    graph = parts.graph
    neighbors = np.asarray(graph.neighbors)[rows]
    similarity = np.where(neighbors >= 0,
                          np.asarray(graph.similarity)[rows].astype(np.float64), -np.inf)
    depth = min(NEIGHBOUR_LINK_DEPTH, neighbors.shape[1])
    order = np.argsort(-similarity, axis=1, kind="stable")[:, :depth]
    top = np.take_along_axis(neighbors, order, axis=1)
    sims = np.take_along_axis(similarity, order, axis=1)
    keep = top >= 0
    return sp.csr_matrix((np.maximum(sims[keep], 0.0),
                          (np.nonzero(keep)[0], top[keep])),
                         shape=(len(rows), graph.neighbors.shape[0]))


def linked_through(weights: sp.csr_matrix, where: np.ndarray, candidates: np.ndarray,
                   adjacency: sp.csr_matrix) -> np.ndarray:
    """(pairs, 2): for pair i, ``weights[where[i]] @ adjacency[:, candidates[i]]`` and the
    same with every weight 1, log1p-scaled."""
    out = np.zeros((len(where), 2), dtype=np.float64)
    if not adjacency.nnz or not len(where):
        return out
    ones = weights.copy()
    ones.data = (ones.data > 0).astype(ones.data.dtype)
    for column, w in enumerate((weights, ones)):
        through = sp.csr_matrix(w @ adjacency)
        out[:, column] = np.log1p(np.asarray(through[where, candidates]).ravel())
    return out


def stored_in_degree(parts: IndexParts) -> np.ndarray:
    """How many stored rows hold each row as a candidate."""
    neighbors = np.asarray(parts.graph.neighbors).ravel()
    return np.bincount(neighbors[neighbors >= 0],
                       minlength=parts.table.n_rows).astype(np.float64)


def links_in_counts(n_rows: int, positions: Mapping[str, int],
                    links: Mapping[str, Sequence[str]]) -> np.ndarray:
    """How many of ``links`` point to each row (the training links only)."""
    counts = np.zeros(n_rows, dtype=np.float64)
    for targets in links.values():
        for target in targets:
            p = positions.get(target)
            if p is not None:
                counts[p] += 1
    return counts


def _row_features(parts: IndexParts, sources: np.ndarray,
                  candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the pairs' rows give, each chunk of rows sliced once: the text, title and
    tag parts of each pair's similarity (they sum to it), and :func:`_term_overlap`.
    Reads only the pairs' rows (a pass over the whole matrix would cost seconds at a
    million articles)."""
    X = parts.space.X
    v = parts.space.n_text_features
    blocks = np.zeros((len(sources), 3), dtype=np.float64)
    overlap = np.zeros((len(sources), 5), dtype=np.float64)
    for start in range(0, len(sources), _CHUNK):
        s_rows = X[sources[start:start + _CHUNK]]
        c_rows = X[candidates[start:start + _CHUNK]]
        n = s_rows.shape[0]
        products = sp.csr_matrix(s_rows.multiply(c_rows))
        row_of = np.repeat(np.arange(n), np.diff(products.indptr))
        blocks[start:start + n] = split_by_block(
            row_of, products.indices, products.data.astype(np.float64), n, v)
        overlap[start:start + n] = _term_overlap(s_rows, c_rows, v, parts.space.idf)
    return blocks, overlap


def _term_overlap(s_rows: sp.csr_matrix, c_rows: sp.csr_matrix, v: int,
                  idf: np.ndarray) -> np.ndarray:
    """Per pair of rows: shared text terms (log count), the sum and the largest IDF of
    them, and the share of each title's terms found in the other's text."""
    n = s_rows.shape[0]
    s_text, s_title = _presence(s_rows, v)
    c_text, c_title = _presence(c_rows, v)
    shared = sp.csr_matrix(s_text.multiply(c_text))
    row_of = np.repeat(np.arange(n), np.diff(shared.indptr))
    weights = idf[shared.indices].astype(np.float64)
    out = np.zeros((n, 5), dtype=np.float64)
    out[:, 0] = np.log1p(np.diff(shared.indptr))
    out[:, 1] = np.bincount(row_of, weights=weights, minlength=n)
    top = np.zeros(n)
    np.maximum.at(top, row_of, weights)
    out[:, 2] = top
    c_size = np.maximum(np.diff(c_title.indptr), 1).astype(np.float64)
    s_size = np.maximum(np.diff(s_title.indptr), 1).astype(np.float64)
    out[:, 3] = np.asarray(c_title.multiply(s_text).sum(axis=1)).ravel() / c_size
    out[:, 4] = np.asarray(s_title.multiply(c_text).sum(axis=1)).ravel() / s_size
    return out


def _presence(rows: sp.csr_matrix, v: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """0/1 matrices of the text terms and of the title terms (as text columns) of rows."""
    return (sp.csr_matrix(rows[:, :v] != 0, dtype=np.float32),
            sp.csr_matrix(rows[:, v:2 * v] != 0, dtype=np.float32))


def _rank_in_row(parts: IndexParts, rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where ``wanted[i]`` stands among ``rows[i]``'s stored neighbours by similarity, as
    a share of K (0 the most similar; 1 when it is not stored there)."""
    graph = parts.graph
    k = graph.n_neighbors
    neighbors = np.asarray(graph.neighbors)[rows]
    similarity = np.asarray(graph.similarity)[rows].astype(np.float64)
    similarity = np.where(neighbors >= 0, similarity, -np.inf)
    order = np.argsort(-similarity, axis=1, kind="stable")
    by_similarity = np.take_along_axis(neighbors, order, axis=1)
    hit = by_similarity == wanted[:, None]
    found = hit.any(axis=1)
    return np.where(found, hit.argmax(axis=1) / k, 1.0)


def _shared_tags(parts: IndexParts, sources: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    tags = parts.table.tags
    n_keys = max(len(tags.keys), 1)
    indicator = sp.csr_matrix((np.ones(len(tags.codes), dtype=np.float32), tags.codes,
                               tags.indptr), shape=(len(tags.indptr) - 1, n_keys))
    out = np.zeros(len(sources), dtype=np.float64)
    for start in range(0, len(sources), _CHUNK):
        s, c = sources[start:start + _CHUNK], candidates[start:start + _CHUNK]
        out[start:start + len(s)] = np.asarray(
            indicator[s].multiply(indicator[c]).sum(axis=1)).ravel()
    return out
