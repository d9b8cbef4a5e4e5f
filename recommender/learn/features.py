"""Features of (source, candidate) pairs, read from an index, for a learned ranking.

Everything comes from what the index stores: the three similarity blocks, the stored
neighbour rows (rank both ways), hub scores, dates, sections, tags and row lengths; and,
from the training links only, how often editors link to the candidate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from recommender.index.catalogue import days_between
from recommender.index.parts import IndexParts
from recommender.vectorize.vectorizer import split_by_block

#: the columns of :func:`pair_features`, in order
FEATURES: tuple[str, ...] = (
    "similarity", "text", "title", "tags", "rank", "reverse_rank", "hub_candidate",
    "hub_source", "log_days_apart", "dated", "candidate_newer", "same_section",
    "shared_tags", "candidate_links_in", "log_terms_candidate", "log_terms_source",
    "shared_terms", "shared_idf", "max_shared_idf", "candidate_title_in_source",
    "source_title_in_candidate", "stored_in_degree",
)
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
                  in_degree: np.ndarray | None = None) -> np.ndarray:
    """A (pairs, len(FEATURES)) float64 matrix. ``links_in[p]``: editor links pointing
    to row p in the training links (zeros when None); ``in_degree[p]``: stored rows that
    hold row p (:func:`stored_in_degree` when None)."""
    out = np.zeros((len(sources), len(FEATURES)), dtype=np.float64)
    column = {name: i for i, name in enumerate(FEATURES)}
    blocks = _block_similarities(parts, sources, candidates)
    out[:, column["text"]:column["tags"] + 1] = blocks
    out[:, column["similarity"]] = blocks.sum(axis=1)
    out[:, column["rank"]] = _rank_in_row(parts, sources, candidates)
    out[:, column["reverse_rank"]] = _rank_in_row(parts, candidates, sources)
    hubs = np.asarray(parts.graph.hubs, dtype=np.float64)
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
    lengths = np.diff(parts.space.X.indptr).astype(np.float64)
    out[:, column["log_terms_candidate"]] = np.log1p(lengths[candidates])
    out[:, column["log_terms_source"]] = np.log1p(lengths[sources])
    first = column["shared_terms"]
    out[:, first:first + 5] = _term_overlap(parts, sources, candidates)
    if in_degree is None:
        in_degree = stored_in_degree(parts)
    out[:, column["stored_in_degree"]] = np.log1p(in_degree[candidates])
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


def _block_similarities(parts: IndexParts, sources: np.ndarray,
                        candidates: np.ndarray) -> np.ndarray:
    """The text, title and tag parts of each pair's similarity (they sum to it)."""
    X = parts.space.X
    v = parts.space.n_text_features
    out = np.zeros((len(sources), 3), dtype=np.float64)
    for start in range(0, len(sources), _CHUNK):
        s, c = sources[start:start + _CHUNK], candidates[start:start + _CHUNK]
        products = sp.csr_matrix(X[s].multiply(X[c]))
        row_of = np.repeat(np.arange(len(s)), np.diff(products.indptr))
        out[start:start + len(s)] = split_by_block(
            row_of, products.indices, products.data.astype(np.float64), len(s), v)
    return out


def _term_overlap(parts: IndexParts, sources: np.ndarray,
                  candidates: np.ndarray) -> np.ndarray:
    """Per pair: shared text terms (log count), the sum and the largest IDF of them, and
    the share of each title's terms found in the other's text."""
    X = parts.space.X
    v = parts.space.n_text_features
    idf = np.append(parts.space.idf, 0.0)
    text = sp.csr_matrix(X[:, :v] != 0, dtype=np.float32)
    title = sp.csr_matrix(X[:, v:2 * v] != 0, dtype=np.float32)
    title_size = np.maximum(np.diff(title.indptr), 1).astype(np.float64)
    out = np.zeros((len(sources), 5), dtype=np.float64)
    for start in range(0, len(sources), _CHUNK):
        s, c = sources[start:start + _CHUNK], candidates[start:start + _CHUNK]
        shared = sp.csr_matrix(text[s].multiply(text[c]))
        row_of = np.repeat(np.arange(len(s)), np.diff(shared.indptr))
        weights = idf[shared.indices]
        block = out[start:start + len(s)]
        block[:, 0] = np.log1p(np.diff(shared.indptr))
        block[:, 1] = np.bincount(row_of, weights=weights, minlength=len(s))
        top = np.zeros(len(s))
        np.maximum.at(top, row_of, weights)
        block[:, 2] = top
        block[:, 3] = np.asarray(title[c].multiply(text[s]).sum(axis=1)).ravel() / title_size[c]
        block[:, 4] = np.asarray(title[s].multiply(text[c]).sum(axis=1)).ravel() / title_size[s]
    return out


def _rank_in_row(parts: IndexParts, rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where ``wanted[i]`` stands among ``rows[i]``'s stored neighbours by similarity, as
    a share of K (0 the most similar; 1 when it is not stored there)."""
    graph = parts.graph
    k = graph.n_neighbors
    neighbors = np.asarray(graph.neighbors)[rows]
    similarity = np.asarray(graph.similarity, dtype=np.float64)[rows]
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
