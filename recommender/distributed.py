"""Send the neighbour blocks to a Dask cluster, on the caller's request only.

The library never selects a backend by itself; this helper is what
``recommender build --dask-scheduler ADDRESS`` uses, and what a site can use in Python::

    with dask_cluster("tcp://scheduler:8786"):
        index = RelatedIndex.build(articles, config)

Vectorizing stays in this process; the blocks of the neighbour graph run on the
workers, which receive ``X`` and ``X.T`` once per build (joblib's Dask backend
scatters large arguments once and passes references to the tasks).
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import joblib

from recommender.errors import ClusterError
from recommender.version import installed_version

logger = logging.getLogger(__name__)

_INSTALL = "pip install 'recommender[dask]'"
#: this process's version (a name of this module, so tests can stand in for it)
_installed_version = installed_version


def _check_workers(client: Any, address: str) -> None:
    """Fail early when a worker lacks this package or runs another version of it.

    The probe is a standard-library call, so it runs even where ``recommender`` is missing
    (a task of this package would fail there half-way through the build, less clearly).
    """
    here = _installed_version()
    if here is None:  # a source tree: no version to compare
        return
    found = client.run(importlib.metadata.version, "recommender", on_error="return")
    wrong = {w: v if isinstance(v, str) else "not installed"
             for w, v in sorted(found.items()) if v != here}
    if wrong:
        listed = ", ".join(f"{w}: {v}" for w, v in wrong.items())
        raise ClusterError(
            f"workers of the Dask scheduler at {address} lack recommender {here}, the "
            f"version of this process ({listed}); install recommender=={here} on them"
        )


@contextmanager
def dask_cluster(address: str, *, timeout: float | None = None) -> Iterator[Any]:
    """Connect to the Dask scheduler at ``address`` and make joblib use it.

    Inside the block, ``joblib.parallel_config(backend="dask")`` is active with this
    client, so ``RelatedIndex.build(..., n_jobs=None)`` runs its neighbour blocks on the
    cluster's workers. Yields the ``distributed.Client``; closes it on exit.

    Raises :class:`ClusterError` when ``dask[distributed]`` is missing, the scheduler
    cannot be reached within ``timeout`` seconds, or it has no worker within ``timeout``.
    ``timeout`` defaults to Dask's ``distributed.comm.timeouts.connect`` setting (30 s;
    environment: ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``).
    """
    try:
        import dask
        from dask.utils import parse_timedelta
        from distributed import Client
        from distributed.comm import resolve_address
    except ImportError as exc:
        raise ClusterError(
            f"cannot use the Dask scheduler at {address}: dask.distributed is not "
            f"installed; install it with {_INSTALL}"
        ) from exc
    if timeout is None:
        timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    problem = None
    try:
        resolve_address(address)  # a malformed address fails here, before a Client exists
        client = Client(address, timeout=timeout, set_as_default=False)
    except ValueError as exc:
        problem = (f"{address!r} is not a Dask scheduler address ({exc}); "
                   "pass one like tcp://host:8786")
    except OSError as exc:  # refused, unreachable, timed out
        problem = (f"cannot connect to the Dask scheduler at {address} within {timeout:g} s "
                   f"({exc}); start one there with `dask scheduler` and workers with "
                   f"`dask worker {address}`, or check the address")
    if problem is not None:
        # raised outside the handler: a traceback kept alive would keep the half-made
        # Client alive too, and its finaliser then complains at interpreter exit
        raise ClusterError(problem)
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"the Dask scheduler at {address} has no worker after {timeout:g} s; "
                f"start workers with `dask worker {address}`"
            ) from exc
        _check_workers(client, address)
        logger.info("neighbour blocks go to the Dask scheduler at %s (%d worker threads)",
                    address, sum(client.nthreads().values()))
        with joblib.parallel_config(backend="dask", client=client,
                                    wait_for_workers_timeout=timeout):
            yield client
    finally:
        client.close()


__all__ = ["ClusterError", "dask_cluster"]
