"""joblib files that hold plain data only, read without running anything else.

``joblib.load`` unpickles, and unpickling can call any function a file names: whoever can
write an index directory could run code in the process that loads it. An index's joblib
files hold plain data (dicts, lists, strings, numbers and numeric numpy arrays, see
:mod:`recommender.vectorize.state`), so they are read with joblib's own unpickler
restricted to the three classes such a file needs (joblib's array wrapper, numpy's
``ndarray`` and ``dtype``); any other class, and arrays of Python objects (which numpy
would unpickle on its own), are refused *before* they are built. joblib has no public
hook for this, so the subclass below relies on ``joblib.numpy_pickle.NumpyUnpickler``,
whose behaviour a test pins (``tests/reliability/test_store_verified.py``).

This is a second line of defence: :mod:`recommender.store.directory` checks the file's
digest (and, with a key, the manifest's signature) before calling :func:`load_plain`.
It does not bound memory: a crafted array header can still ask for a large allocation.
"""

from __future__ import annotations

import inspect
import os
import pickle
from typing import Any

import joblib
import numpy as np
from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler

from recommender.errors import IndexIntegrityError

__all__ = ["check_plain", "dump_plain", "load_plain"]

#: the only classes a plain-data joblib file names (module, name)
ALLOWED_CLASSES = frozenset({
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
})
_SCALARS = (type(None), bool, int, float, str)
#: joblib >= 1.5 asks whether to byte-swap arrays to the native order
_BYTE_ORDER_ARG = "ensure_native_byte_order" in inspect.signature(NumpyUnpickler).parameters


class _Refused(Exception):
    """Raised inside the unpickler; turned into IndexIntegrityError with the file name."""


class _PlainUnpickler(NumpyUnpickler):
    dispatch = NumpyUnpickler.dispatch.copy()

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_CLASSES:
            raise _Refused(f"it names {module}.{name}, not plain data")
        return super().find_class(module, name)

    def load_build(self) -> None:
        # BUILD sets an array wrapper's state (its dtype) before joblib reads the array:
        # refuse object arrays here, as numpy would unpickle their items unrestricted
        state, target = self.stack[-1], self.stack[-2]
        if isinstance(target, NumpyArrayWrapper):
            dtype = state.get("dtype") if isinstance(state, dict) else None
            if not isinstance(dtype, np.dtype) or dtype.hasobject:
                raise _Refused(f"it holds an array of dtype {dtype!r}, not plain numbers")
        NumpyUnpickler.load_build(self)

    dispatch[pickle.BUILD[0]] = load_build


def check_plain(value: object, where: str = "value") -> None:
    """Raise ``TypeError`` unless ``value`` is plain data: None, bool, int, float, str,
    a numeric numpy array, or dicts (string keys), lists and tuples of those."""
    if isinstance(value, _SCALARS):
        return
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError(f"{where}: an array of Python objects is not plain data")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not a string")
            check_plain(item, f"{where}[{key!r}]")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
        return
    raise TypeError(f"{where}: {type(value).__name__} is not plain data")


def dump_plain(value: object, path: str | os.PathLike[str]) -> None:
    """Write ``value`` (plain data, else ``TypeError``) as an uncompressed joblib file."""
    check_plain(value)
    joblib.dump(value, path)


def load_plain(path: str | os.PathLike[str]) -> Any:
    """Read a file written by :func:`dump_plain`, refusing any other class before it is
    built (:class:`~recommender.errors.IndexIntegrityError` naming the file)."""
    filename = os.fspath(path)
    extra = {"ensure_native_byte_order": False} if _BYTE_ORDER_ARG else {}
    try:
        with open(filename, "rb") as fh:
            value = _PlainUnpickler(filename, fh, mmap_mode=None, **extra).load()  # noqa: S301 - restricted
        check_plain(value)
    except _Refused as exc:
        raise IndexIntegrityError(
            f"{filename} was refused before unpickling it: {exc}; an index's joblib files "
            "hold plain data only, so this one was not written by recommender (rebuild the "
            "index, and do not load indexes from sources you do not trust)"
        ) from None
    except Exception as exc:  # any other failure to read: a corrupt or foreign file
        raise IndexIntegrityError(f"{filename} is not a readable plain-data joblib file "
                                  f"({exc}); rebuild the index") from None
    return value
