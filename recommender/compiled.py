"""numba, when it is installed: the compiler for the few loops numpy cannot express in
one pass (scoring a tuned draft's pool, re-scoring a search's candidates).

``numba`` is a dependency; each caller keeps a numpy path for when it is missing
(:data:`AVAILABLE` False), which is also the reference its tests compare with. Compiled
functions are cached on disk beside their module when that folder is writable (else
compiled once per process, about a second each; ``RelatedIndex.load(warm=True)`` pays it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

numba: Any
try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; kept working without it
    numba = None

AVAILABLE = numba is not None


def compiled(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` compiled without the Python interpreter (nogil: threads of a server
    run it side by side), cached on disk when numba finds a writable place for it."""
    if numba is None:  # pragma: no cover
        return function
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # pragma: no cover - no cache locator: a read-only install
        return numba.njit(nogil=True)(function)
