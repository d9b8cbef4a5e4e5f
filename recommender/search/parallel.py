"""Run the neighbour blocks through joblib, on whatever backend the caller configured.

The library never picks a backend: ``n_jobs`` sets how many workers, and a caller who
wants a Dask or Ray cluster wraps the build in ``joblib.parallel_config(backend=...)``
(or uses :func:`recommender.distributed.dask_cluster`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs

from recommender.progress import Progress
from recommender.search import kernel
from recommender.search.searcher import Searcher, SearchSettings
from recommender.search.topk import Candidates, plan_blocks

logger = logging.getLogger(__name__)

#: what a block returns: (first row, neighbour indices, similarities)
BlockResult = tuple[int, np.ndarray, np.ndarray]


def search_block(
    X: sp.csr_matrix,
    XT: sp.csr_matrix,
    postings: sp.csr_matrix,
    settings: SearchSettings,
    start: int,
    stop: int,
    k: int,
    alive: np.ndarray | None,
    sections: np.ndarray | None,
) -> BlockResult:
    """Neighbours of rows ``start:stop`` of ``X``, with every array a plain argument.

    joblib's Dask backend sends every large argument (``X``, ``X.T``, the postings, these
    arrays) to the cluster once per build and passes references to the tasks; a searcher
    or dataclass holding arrays would instead be pickled into every task.
    """
    searcher = Searcher(X, settings, XT=XT, postings=postings)
    candidates = None if alive is None and sections is None else Candidates(alive, sections)
    query_sections = None if sections is None else sections[start:stop]
    idx, sims = searcher.search(X[start:stop], k, own=np.arange(start, stop),
                                candidates=candidates, query_sections=query_sections)
    return start, idx, sims


def neighbour_graph(
    searcher: Searcher,
    k: int,
    *,
    candidates: Candidates | None = None,
    n_jobs: int | None = None,
    budget_bytes: int = 256 << 20,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` neighbours of every row of the searcher's ``X``: (n, k) positions and
    similarities.

    ``n_jobs=None`` takes the worker count from ``joblib.parallel_config`` (one, unless
    the caller configured more or a cluster backend such as Dask); ``n_jobs=1`` runs in
    this process. When joblib would run one worker, blocks run here without joblib.
    """
    X, XT, postings = searcher.X, searcher.XT, searcher.postings
    n = X.shape[0]
    if kernel.available() and (candidates is None or candidates.is_empty):
        blocks = kernel.plan_kernel_blocks(n, k, budget_bytes)
    else:  # terms left out of the pruned postings have none, so X bounds like its queries
        blocks = plan_blocks(X, postings, budget_bytes)
    indices = np.full((n, k), -1, dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    if progress is not None:
        progress("neighbours", 0, n)
    alive = candidates.alive if candidates is not None else None
    sections = candidates.sections if candidates is not None else None
    args = (X, XT, postings, searcher.settings)
    results: Iterable[BlockResult]
    if len(blocks) <= 1 or effective_n_jobs(n_jobs) == 1:
        results = (search_block(*args, a, b, k, alive, sections) for a, b in blocks)
    else:
        tasks = (delayed(search_block)(*args, a, b, k, alive, sections) for a, b in blocks)
        logger.debug("dispatching %d neighbour blocks through joblib", len(blocks))
        results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    done = 0
    for start, idx, val in results:
        stop = start + idx.shape[0]
        indices[start:stop] = idx
        scores[start:stop] = val
        done += stop - start
        if progress is not None:
            progress("neighbours", done, n)
    return indices, scores
