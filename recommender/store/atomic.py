"""Atomic writes: a file or a directory appears complete at its path, or not at all.

Everything the package writes goes through here (corpus files, reports, configs, index
directories), so a crash, a full disk or an exception half-way leaves the previous
version in place and no temporary file behind. Index directories are published by
:mod:`recommender.store.publish`, which builds on these. The recipe is the usual one: write a
sibling temporary (same directory, so the rename stays on one file system), fsync it,
``os.replace`` it over the target, fsync the parent directory so the rename is durable.

Standard library only: importing this costs nothing at start-up.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "atomic_file",
    "atomic_write",
    "fsync_dir",
    "fsync_file",
]

PathArg = str | os.PathLike[str]
#: permissions of a new file (an existing file's are kept), as ``write_articles`` always did
NEW_FILE_MODE = 0o644


def fsync_dir(path: PathArg) -> None:
    """Flush a directory entry (a rename into it) to disk; a no-op where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # e.g. directories cannot be fsynced on some platforms
        pass
    finally:
        os.close(fd)


def fsync_file(path: PathArg) -> None:
    """Flush a file written by a library that does not fsync (``np.save``, ``joblib.dump``)."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def atomic_file(path: PathArg) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` only when the block exits cleanly.

    For writers that stream (one record at a time): on any exception, including
    ``KeyboardInterrupt``, the temporary file is removed and ``path`` is untouched. A
    symlink at ``path`` is followed, so the file it points to is replaced and the link
    kept. The replaced file's permissions are kept; a new file gets ``0o644``.
    """
    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode & 0o777 if target.exists() else NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


def atomic_write(path: PathArg, data: bytes | str, *, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data`` (text is encoded with ``encoding``); return ``path``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     atomic_write(pathlib.Path(folder) / "best.toml", "tag_weight = 0.3\\n").read_text()
    'tag_weight = 0.3\\n'
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_file(path) as fh:
        fh.write(payload)
    return Path(path)
