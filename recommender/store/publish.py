"""Publishing an index directory so that a crash at any instant leaves a loadable index.

Layout next to an index published at ``models/site``::

    models/site                  symlink -> .site.versions/<stamp>   (the published index)
    models/.site.versions/<stamp>/  one complete index per version: the current one and
                                    the previous one are kept, older ones pruned
    models/.site.versions/.tmp-*    a save in progress (never loadable: see below)
    models/.site.lock               lock file: one save into ``models/site`` at a time

A save (under the lock) writes a new version in ``.tmp-*``, renames it to its final
``<stamp>`` name, makes a temporary symlink to it and renames that symlink over
``models/site`` (``os.replace``, one system call). Whenever the process dies, the path
``models/site`` therefore names either the previous index or the new one, both complete.
An index published as a plain directory (by index format 3, or copied with ``cp -rL``)
is migrated by exchanging it with the new symlink in one ``renameat2(RENAME_EXCHANGE)``
call (Linux), then kept as the previous version; where that call is missing (other
systems, some network file systems) it is moved into ``.site.versions`` first, and a
crash between those two renames leaves ``models/site`` missing until the next save (the
old index is then complete in ``.site.versions``).

Leftovers of a killed save (``.tmp-*`` directories, ``.site.link-*`` symlinks and
``.site.old-*`` directories) are never taken for the index: ``models/site`` does not
point at them, and :func:`refuse_temporary` makes ``load`` refuse them even when named
directly. A version renamed into place but never published is complete (the killed
build's whole index); an old version is renamed to ``.tmp-pruned-*`` before it is
deleted, so a cut-short prune leaves a temporary, never half an index. The next save
removes all of these once it holds the lock, so a concurrent live save's temporaries
are never touched.

Readers see a new index cheaply: each publish changes ``os.readlink(path)`` (and so
``os.path.realpath(path)``), and ``os.stat(path / "manifest.json")`` then has a new
``st_ino``. A reader should resolve the path once (:func:`resolve_index`) and read every
file from the resolved directory, so a swap in the middle of a load cannot mix two
versions; the previous version is kept so that a reader that resolved the path just before
a swap can finish its load.

POSIX only (symlinks, ``fcntl.flock``). :func:`crash_point` is a test hook: with
``RECOMMENDER_TEST_CRASH_AT=<step>`` in the environment the process SIGKILLs itself at
that step of the publish (one dictionary lookup per step when unset); never set it in
production.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import logging
import os
import re
import secrets
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from recommender.errors import IndexFormatError, IndexLockError
from recommender.store.atomic import fsync_dir

__all__ = [
    "PUBLISH_STEPS",
    "check_target",
    "crash_point",
    "new_version_directory",
    "publish_lock",
    "publish_version",
    "refuse_temporary",
    "remove_stale",
    "resolve_index",
    "versions_directory",
]

logger = logging.getLogger(__name__)

CRASH_VARIABLE = "RECOMMENDER_TEST_CRASH_AT"
#: every step :func:`crash_point` marks during a save, in order (the legacy ones only when
#: a plain directory is migrated)
PUBLISH_STEPS = ("locked", "files-written", "manifest-written", "version-renamed",
                 "link-created", "link-swapped", "legacy-exchanged", "legacy-moved",
                 "published", "pruned")
TEMP_PREFIX = ".tmp-"
#: how long a save waits for another save into the same path before giving up
LOCK_WAIT_SECONDS = 600.0
_VERSIONS = re.compile(r"\..+\.versions")
_LEFTOVER = re.compile(r"\..+\.(link|old|tmp)-[^.]*")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def crash_point(step: str) -> None:
    """Test-only: SIGKILL this process if ``RECOMMENDER_TEST_CRASH_AT`` names ``step``."""
    if os.environ.get(CRASH_VARIABLE) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def versions_directory(target: Path) -> Path:
    """Where the versions of the index published at ``target`` live."""
    return target.parent / f".{target.name}.versions"


def _lock_file(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def _side_prefixes(target: Path) -> tuple[str, ...]:
    """Name prefixes of a save's leftovers next to ``target`` (temporary symlinks, an
    exchanged plain directory, and the temporaries of format 3's saves)."""
    return tuple(f".{target.name}.{kind}-" for kind in ("link", "old", "tmp"))


def resolve_index(path: str | os.PathLike[str]) -> Path:
    """The directory an index path names now (symlinks resolved): read all files from it."""
    return Path(os.path.realpath(path))


def refuse_temporary(root: Path) -> None:
    """Raise :class:`IndexFormatError` if ``root`` is a save's temporary directory or
    another leftover of an interrupted save (by name: these are never an index)."""
    parent = root.parent.name
    if root.name.startswith(TEMP_PREFIX) and _VERSIONS.fullmatch(parent):
        published = root.parent.parent / parent[1:-len(".versions")]
        raise IndexFormatError(f"{root} is the temporary directory of an unfinished save, "
                               f"not an index; load {published} instead")
    if _LEFTOVER.fullmatch(root.name):
        raise IndexFormatError(f"{root} is left over from an interrupted save, not an index; "
                               "load the published path instead")


@contextlib.contextmanager
def publish_lock(target: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of ``target`` (``fcntl.flock``, released by the kernel even if the
    process is killed); wait up to ``wait`` seconds (``LOCK_WAIT_SECONDS``) for another
    save, then raise :class:`IndexLockError` naming its process."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    path = _lock_file(target)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise IndexLockError(
                        f"another save into {target} is running (process {holder}, lock "
                        f"{path}); wait for it to finish, or save to another path") from None
                if not waited:
                    logger.info("waiting for process %s to finish saving %s", holder, target)
                    waited = True
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def remove_stale(target: Path) -> list[Path]:
    """Remove the leftovers of killed saves into ``target``; call it holding the lock.

    Only names this module makes are touched: ``.tmp-*`` in the versions directory and
    the ``.<name>.link-*``, ``.<name>.old-*`` and ``.<name>.tmp-*`` siblings. Unpublished
    versions are pruned after the next publish.
    """
    removed: list[Path] = []
    versions = versions_directory(target)
    candidates = [p for p in versions.glob(f"{TEMP_PREFIX}*")] if versions.is_dir() else []
    candidates += [p for p in target.parent.iterdir() if p.name.startswith(_side_prefixes(target))]
    for path in candidates:
        _remove(path)
        removed.append(path)
    if removed:
        logger.info("removed %d leftover(s) of interrupted saves into %s", len(removed), target)
    return removed


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def new_version_directory(target: Path) -> Path:
    """A new empty ``.tmp-*`` directory to write the next version of ``target`` in."""
    versions = versions_directory(target)
    versions.mkdir(parents=True, exist_ok=True)
    path = versions / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    path.mkdir()
    return path


def _current_version(target: Path) -> Path | None:
    """The version ``target`` points at if it is one of ours, else None."""
    if not target.is_symlink():
        return None
    resolved = resolve_index(target)
    return resolved if resolved.parent == resolve_index(versions_directory(target)) else None


def check_target(target: Path, marker: str) -> bool:
    """True when ``target`` is a plain index directory to migrate, False when it is
    missing or a symlink; raise :class:`IndexFormatError` when it is something else."""
    if target.is_symlink() or not target.exists():
        return False
    if target.is_dir() and (target / marker).is_file():
        return True
    raise IndexFormatError(f"refusing to replace {target}: it exists and is not an index "
                           f"(no {marker}); choose another output path or remove it")


def publish_version(tmp: Path, target: Path, *, marker: str = "manifest.json") -> Path:
    """Publish the finished directory ``tmp`` (from :func:`new_version_directory`) at
    ``target``; call it holding :func:`publish_lock`. Returns the new version's directory.

    The previous version (or a migrated plain directory) is kept; older ones are pruned.
    """
    legacy = check_target(target, marker)
    previous = _current_version(target)
    versions = versions_directory(target)
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"
    version = versions / stamp
    os.rename(tmp, version)
    fsync_dir(versions)
    crash_point("version-renamed")
    link = target.parent / f".{target.name}.link-{secrets.token_hex(4)}"
    os.symlink(os.path.relpath(version, target.parent), link)
    crash_point("link-created")
    if legacy:
        previous = _migrate(target, link, versions / f"{stamp}-migrated")
    else:
        os.replace(link, target)
        crash_point("link-swapped")
    fsync_dir(target.parent)
    crash_point("published")
    keep = {version.name, previous.name if previous is not None else None}
    for old in versions.iterdir():
        if old.name not in keep and not old.name.startswith(TEMP_PREFIX):
            # renamed first, so a prune cut short leaves a temporary, never half an index
            doomed = versions / f"{TEMP_PREFIX}pruned-{old.name}"
            os.rename(old, doomed)
            _remove(doomed)
    crash_point("pruned")
    return version


def _migrate(target: Path, link: Path, home: Path) -> Path:
    """Swap the symlink ``link`` with the plain index directory ``target``, then keep that
    directory as the previous version at ``home``."""
    try:
        _exchange(link, target)
        crash_point("legacy-exchanged")
        fsync_dir(target.parent)
        os.rename(link, home)  # ``link`` now names the old directory
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
            raise
        logger.warning("cannot exchange %s in one call (%s): moving it aside first", target,
                       exc.strerror)
        os.rename(target, home)
        os.replace(link, target)
    crash_point("legacy-moved")
    return home


def _exchange(a: Path, b: Path) -> None:
    """Exchange two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), os.fspath(b))
