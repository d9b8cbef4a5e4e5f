"""Checks of arguments shared across the package."""

from __future__ import annotations

import numbers


def check_k(k: object, name: str = "k") -> int:
    """``k`` as an int >= 1 (numpy integers accepted), else ``ValueError`` naming it."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"expected {name} >= 1, got {name}={k!r}")
    return int(k)
