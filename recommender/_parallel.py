"""Run the neighbour blocks through joblib, on whatever backend the caller configured.

The library never picks a backend: ``n_jobs`` sets how many workers, and a caller who
wants a Dask or Ray cluster wraps the build in ``joblib.parallel_config(backend=...)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed

from recommender._topk import Candidates, plan_blocks, topk_block

#: progress callback: (stage name, units done, units in all)
Progress = Callable[[str, int, int], None]


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
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` neighbours of every row of ``X`` as (n, k) index and score arrays."""
    n = X.shape[0]
    if XT is None:
        XT = X.T.tocsr()
    blocks = plan_blocks(X, XT, budget_bytes)
    indices = np.full((n, k), -1, dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    if progress is not None:
        progress("neighbours", 0, n)
    tasks = (delayed(topk_block)(X, XT, a, b, k, candidates, query_terms) for a, b in blocks)
    if n_jobs in (None, 1) or len(blocks) == 1:
        results = (fn(*args, **kwargs) for fn, args, kwargs in tasks)
    else:
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
