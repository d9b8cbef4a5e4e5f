"""Lists of strings stored as one UTF-8 blob plus offsets: plain arrays, no pickle, fast
to load (ids, titles, section names and vocabularies of an index)."""

from __future__ import annotations

import numpy as np


def pack_strings(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 blob plus character offsets: no pickle, fast to load."""
    text = "".join(values)
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8), offsets


def unpack_strings(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    """Inverse of :func:`pack_strings`."""
    text = bytes(blob).decode("utf-8")
    bounds = offsets.tolist()
    # slices made and applied by map (in C): twice as fast as a comprehension at 1M strings
    return list(map(text.__getitem__, map(slice, bounds[:-1], bounds[1:])))
