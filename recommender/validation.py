"""Argument checks shared by the index, the search and the evaluation.

One check per kind of argument, so ``k=0`` is refused with the same words by
``related()``, ``similar()`` and every metric. Standard library only: numpy integers
are recognised through :class:`numbers.Integral`, which numpy registers them with.
"""

from __future__ import annotations

from numbers import Integral

__all__ = ["KTypeError", "check_k"]


class KTypeError(TypeError, ValueError):
    """A cutoff that is not an integer.

    Both a ``TypeError`` (the metrics always raised one) and a ``ValueError`` (what
    ``related()`` and ``similar()`` always raised), so code catching either keeps working;
    numpy's ``AxisError`` is both a ``ValueError`` and an ``IndexError`` for the same reason.
    """


def check_k(k: object, name: str = "k") -> int:
    """Return the cutoff ``k`` as an int, or raise naming the bad value.

    Integers and numpy integers of at least 1 pass; ``bool``, floats (even ``5.0``) and
    strings raise :class:`KTypeError`, values below 1 raise ``ValueError``. ``name`` is
    the argument's name in the message, e.g. ``"ks[1]"``.

    Examples
    --------
    >>> check_k(10)
    10
    >>> check_k(0)
    Traceback (most recent call last):
    ...
    ValueError: expected k >= 1, got k=0
    >>> check_k(2.5, "n_neighbors")
    Traceback (most recent call last):
    ...
    recommender.validation.KTypeError: expected an integer n_neighbors >= 1, got n_neighbors=2.5
    """
    if type(k) is int and k >= 1:  # the common case, 5x faster than the ABC check below
        return k
    if isinstance(k, bool) or not isinstance(k, Integral):
        raise KTypeError(f"expected an integer {name} >= 1, got {name}={k!r}")
    value = int(k)
    if value < 1:
        raise ValueError(f"expected {name} >= 1, got {name}={value!r}")
    return value
