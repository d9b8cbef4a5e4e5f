"""numba, when it is installed: the compiler for the few loops numpy cannot express in
one pass (scoring a tuned draft's pool, re-scoring a search's candidates, counting a
draft's terms and looking its tokens up).

``numba`` is a dependency; each caller keeps a numpy path for when it is missing
(:data:`AVAILABLE` False), which is also the reference its tests compare with. numba is
imported and a function compiled on its first call, not at import (importing numba costs
about 0.25 s that ``recommender --help``, ``info`` or ``related()`` never need). Compiled
functions are cached on disk beside their module when that folder is writable (else
compiled once per process, about a second each); ``RelatedIndex.load(warm=True)`` runs a
query of each kind, which pays it before serving.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from typing import Any

AVAILABLE = importlib.util.find_spec("numba") is not None


def compiled(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` compiled without the Python interpreter on its first call (nogil:
    threads of a server run it side by side), cached on disk when numba finds a writable
    place for it."""
    if not AVAILABLE:  # pragma: no cover
        return function
    jitted: Callable[..., Any] | None = None

    @functools.wraps(function)
    def call(*args: Any) -> Any:
        nonlocal jitted
        if jitted is None:
            import numba

            try:
                jitted = numba.njit(cache=True, nogil=True)(function)
            except RuntimeError:  # pragma: no cover - no cache locator: read-only install
                jitted = numba.njit(nogil=True)(function)
        return jitted(*args)

    return call
