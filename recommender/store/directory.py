"""The index directory: sealed manifest, memory-mappable arrays, plain-data joblib files.

Layout::

    manifest.json      format name and version, versions, config, counts, sha256 per file,
                       its own sha256 (``manifest_sha256``) and, when
                       ``RECOMMENDER_INDEX_KEY`` is set, an HMAC-SHA256 (``signature``)
    <name>.npy         arrays, loaded with allow_pickle=False (optionally memory-mapped)
    <name>.joblib      plain data (the vectorizer's settings and IDF arrays), read with an
                       unpickler that refuses any class but numpy's arrays

A load checks, in this order and before anything is unpickled: the format name and
version, the manifest's digest, its signature (with a key), then each file's size and
sha256 (:mod:`recommender.store.seal`, :mod:`recommender.store.plain`).

A save writes a new version directory and publishes it by swapping a symlink, under a lock
(:mod:`recommender.store.publish`): a crash at any instant leaves the previous index or
the new one at the path, never a half-written one nor none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from recommender.errors import IndexFormatError, IndexIntegrityError, IndexWriteError
from recommender.store import publish
from recommender.store.atomic import fsync_dir, fsync_file
from recommender.store.plain import dump_plain, load_plain
from recommender.store.seal import check_seal, index_key, seal
from recommender.version import package_version  # re-exported: callers import it from here

FORMAT_NAME = "recommender-index"
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
_DEPENDENCIES = ("numpy", "scipy", "scikit-learn", "joblib")


@dataclass
class StoredIndex:
    """What a directory holds, before :class:`RelatedIndex` gives it meaning."""

    arrays: dict[str, np.ndarray]
    objects: dict[str, Any]
    manifest: dict[str, Any]


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "recommender": package_version()}
    for name in _DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_index(
    path: str | os.PathLike[str],
    arrays: dict[str, np.ndarray],
    objects: dict[str, Any],
    info: dict[str, Any],
    texts: dict[str, str] | None = None,
) -> Path:
    """Write a complete index at ``path`` and publish it atomically, replacing any
    previous one (see :mod:`recommender.store.publish`).

    ``objects`` must be plain data (:func:`~recommender.store.plain.check_plain`);
    ``texts`` are extra human-readable files (e.g. ``MODEL_CARD.md``), digested like the
    rest. A failure to write (a full disk) raises
    :class:`~recommender.errors.IndexWriteError` and leaves the published index as it was.
    """
    target = Path(path)
    publish.check_target(target, MANIFEST)
    with publish.publish_lock(target):
        publish.remove_stale(target)
        publish.crash_point("locked")
        tmp = publish.new_version_directory(target)
        try:
            try:
                _write_files(tmp, arrays, objects, info, texts or {})
            except OSError as exc:
                raise _write_error(target, exc) from exc
            publish.publish_version(tmp, target, marker=MANIFEST)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def _write_files(tmp: Path, arrays: dict[str, np.ndarray], objects: dict[str, Any],
                 info: dict[str, Any], texts: dict[str, str]) -> None:
    """Every file of a new index in ``tmp``, flushed to disk, the sealed manifest last."""
    files: dict[str, dict[str, Any]] = {}
    for name, array in arrays.items():
        file = tmp / f"{name}.npy"
        np.save(file, np.ascontiguousarray(array), allow_pickle=False)
        files[file.name] = {}
    for name, obj in objects.items():
        file = tmp / f"{name}.joblib"
        dump_plain(obj, file)
        files[file.name] = {}
    for name, text in texts.items():
        if os.path.basename(name) != name or name == MANIFEST:
            raise ValueError(f"expected a plain file name for an index text, got {name!r}")
        (tmp / name).write_text(text, encoding="utf-8")
        files[name] = {}
    for name in files:
        file = tmp / name
        fsync_file(file)
        files[name] = {"sha256": file_sha256(file), "bytes": file.stat().st_size}
    publish.crash_point("files-written")
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        **info,
        "files": files,
    }
    manifest_path = tmp / MANIFEST
    manifest_path.write_text(json.dumps(seal(manifest, index_key()), indent=2) + "\n")
    fsync_file(manifest_path)
    fsync_dir(tmp)
    publish.crash_point("manifest-written")


def _write_error(target: Path, exc: OSError) -> IndexWriteError:
    """Say what failed and that the published index, if any, still serves."""
    where = f" ({Path(exc.filename).name})" if exc.filename else ""
    kept = (f"the index published at {target} is unchanged" if target.exists()
            else f"nothing was published at {target}")
    # numpy reports a short write without an errno ("1544 requested and 1232 written")
    reason = exc.strerror or f"{exc} (is the disk full?)"
    error = IndexWriteError(f"could not write the new index for {target}: {reason}{where}; "
                            f"{kept}")
    error.errno = exc.errno
    return error


def read_manifest(path: str | os.PathLike[str], *, check: bool = True) -> dict[str, Any]:
    """The manifest of the index at ``path`` (symlinks resolved), after checking that it
    names our format and version and, with ``check``, its digest and signature."""
    return read_manifest_at(publish.resolve_index(path), Path(path), check=check)


def read_manifest_at(root: Path, given: Path, *, check: bool = True) -> dict[str, Any]:
    """:func:`read_manifest` of ``root``, the directory ``given`` resolved to (resolve
    once, then read every file from ``root``); messages name ``given``."""
    if not given.exists():
        raise FileNotFoundError(f"no index at {given}: the directory does not exist")
    publish.refuse_temporary(given)
    publish.refuse_temporary(root)
    if not root.is_dir():
        raise IndexFormatError(f"{given} is a file, not an index directory")
    file = root / MANIFEST
    if not file.is_file():
        raise IndexFormatError(
            f"{given} is not a recommender index: it has no {MANIFEST} (build one with "
            "`recommender build`)"
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"), object_pairs_hook=_no_repeats)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexIntegrityError(f"{file} is corrupt: not valid JSON ({exc})") from None
    except KeyError as exc:
        raise IndexIntegrityError(f"{file} is corrupt: the key {exc} appears twice") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise IndexFormatError(
            f"{given} is not a recommender index: {MANIFEST} does not name the format "
            f"{FORMAT_NAME!r}"
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise IndexFormatError(f"{file}: format_version must be an integer, got {version!r}")
    if version != FORMAT_VERSION:
        newer = version > FORMAT_VERSION
        raise IndexFormatError(
            f"{given} has index format version {version}; this recommender "
            f"({package_version()}) reads version {FORMAT_VERSION}: "
            + ("upgrade recommender" if newer else "rebuild the index")
        )
    if check:
        check_seal(manifest, given / MANIFEST, index_key())
    if not isinstance(manifest.get("files"), dict):
        raise IndexIntegrityError(f"{file} is corrupt: it has no 'files' table")
    return manifest


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (a repeated key could hide an edit)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise KeyError(key)
        result[key] = value
    return result


def verify_files(root: Path, manifest: dict[str, Any], *, names: list[str] | None = None) -> None:
    """Check that each file listed (or each of ``names``) exists and matches its digest."""
    listed: dict[str, Any] = manifest["files"]
    for name in names if names is not None else list(listed):
        entry = listed.get(name)
        file = root / name
        if not isinstance(entry, dict) or "sha256" not in entry:
            raise IndexIntegrityError(f"{root}: {MANIFEST} lists no digest for {name}")
        if os.path.basename(name) != name:
            raise IndexIntegrityError(f"{root}: {MANIFEST} names a file outside the index: {name}")
        if not file.is_file():
            raise IndexIntegrityError(f"{root}: {name} is missing; rebuild the index")
        if file.stat().st_size != entry.get("bytes"):
            raise IndexIntegrityError(
                f"{root}: {name} has {file.stat().st_size} bytes, the manifest says "
                f"{entry.get('bytes')}: the file is truncated or was changed; rebuild the index"
            )
        if file_sha256(file) != entry["sha256"]:
            raise IndexIntegrityError(
                f"{root}: {name} does not match its sha256 in {MANIFEST}: the file is "
                "corrupt or was changed; rebuild the index"
            )


def read_index(
    path: str | os.PathLike[str], *, mmap: bool = True, verify: bool = True
) -> StoredIndex:
    """Load the index at ``path``, checking it before any unpickling.

    The path is resolved once, so a publish in the middle of the load cannot mix two
    versions. ``verify=False`` skips hashing the arrays (fast start for very large
    indexes); the manifest's digest (and signature) and the joblib files are always
    verified.
    """
    root = publish.resolve_index(path)
    manifest = read_manifest_at(root, Path(path))
    names = list(manifest["files"])
    pickled = [n for n in names if n.endswith(".joblib")]
    verify_files(root, manifest, names=names if verify else pickled)
    arrays: dict[str, np.ndarray] = {}
    objects: dict[str, Any] = {}
    for name in names:
        file = root / name
        if name.endswith(".npy"):
            try:
                arrays[name[:-4]] = np.load(file, mmap_mode="r" if mmap else None,
                                            allow_pickle=False)
            except ValueError as exc:
                raise IndexIntegrityError(
                    f"{root}: {name} is not a readable array ({exc})"
                ) from None
        elif name.endswith(".joblib"):
            objects[name[:-7]] = load_plain(file)
    return StoredIndex(arrays=arrays, objects=objects, manifest=manifest)
