"""Run the neighbour blocks through joblib, on whatever backend the caller configured.

The library never picks a backend: ``n_jobs`` sets how many workers, and a caller who
wants a Dask or Ray cluster wraps the build in ``joblib.parallel_config(backend=...)``
(or uses :func:`recommender.distributed.dask_cluster`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs

from recommender.search.topk import (
    Candidates,
    plan_blocks,
    plan_kernel_blocks,
    search_index,
    topk_block,
    uses_kernel,
)

logger = logging.getLogger(__name__)

#: progress callback: (stage name, units done, units in all)
Progress = Callable[[str, int, int], None]
#: what a block returns: (first row, neighbour indices, scores)
BlockResult = tuple[int, np.ndarray, np.ndarray]


def _remote_block(
    X: sp.csr_matrix,
    XT: sp.csr_matrix,
    start: int,
    stop: int,
    k: int,
    alive: np.ndarray | None,
    sections: np.ndarray | None,
    query_terms: int | None,
    Xq: sp.csr_matrix | None,
    XqT: sp.csr_matrix | None,
) -> BlockResult:
    """``topk_block`` with the candidate arrays as plain arguments.

    joblib's Dask backend sends every large argument (``X``, ``X.T``, these arrays) to the
    cluster once per build and passes references to the tasks; a dataclass holding arrays
    would instead be pickled into every task.
    """
    candidates = None if alive is None and sections is None else Candidates(alive, sections)
    return topk_block(X, XT, start, stop, k, candidates, query_terms, Xq, XqT)


def neighbour_graph(
    X: sp.csr_matrix,
    k: int,
    *,
    candidates: Candidates | None = None,
    n_jobs: int | None = None,
    budget_bytes: int = 256 << 20,
    progress: Progress | None = None,
    XT: sp.csr_matrix | None = None,
    query_terms: int | None = None,
    query_max_df: float = 1.0,
    posting_limit: int = 0,
    index_terms: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` neighbours of every row of ``X`` as (n, k) index and score arrays.

    ``n_jobs=None`` takes the worker count from ``joblib.parallel_config`` (one, unless
    the caller configured more or a cluster backend such as Dask); ``n_jobs=1`` runs in
    this process. When joblib would run one worker, blocks run here without joblib.
    """
    n = X.shape[0]
    if XT is None:
        XT = X.T.tocsr()
    Xq = XqT = None
    if query_terms is not None:
        Xq, XqT = search_index(X, XT, query_max_df, index_terms, posting_limit)
    if uses_kernel(candidates):
        blocks = plan_kernel_blocks(n, k, budget_bytes)
    elif Xq is not None and XqT is not None:
        blocks = plan_blocks(Xq, XqT, budget_bytes)
    else:
        blocks = plan_blocks(X, XT, budget_bytes)
    indices = np.full((n, k), -1, dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    if progress is not None:
        progress("neighbours", 0, n)
    results: Iterable[BlockResult]
    if len(blocks) <= 1 or effective_n_jobs(n_jobs) == 1:
        results = (topk_block(X, XT, a, b, k, candidates, query_terms, Xq, XqT)
                   for a, b in blocks)
    else:
        alive = candidates.alive if candidates is not None else None
        sections = candidates.sections if candidates is not None else None
        tasks = (delayed(_remote_block)(X, XT, a, b, k, alive, sections, query_terms, Xq, XqT)
                 for a, b in blocks)
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
