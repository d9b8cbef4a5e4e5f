"""The index directory: checked manifest, memory-mappable arrays, joblib for fitted objects.

Layout::

    manifest.json      format name and version, versions, config, counts, sha256 per file
    <name>.npy         arrays, loaded with allow_pickle=False (optionally memory-mapped)
    <name>.joblib      fitted Python objects (the vectorizer); joblib runs code on load,
                       so digests are checked *before* anything is unpickled

A save writes a sibling temporary directory and renames it into place
(:func:`~recommender.store.atomic.publish_directory`): a crash never leaves a
half-written index where the serving one was.
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

import joblib
import numpy as np

from recommender.errors import IndexFormatError, IndexIntegrityError
from recommender.store.atomic import fsync_file, publish_directory, temp_directory
from recommender.version import package_version  # re-exported: callers import it from here

FORMAT_NAME = "recommender-index"
FORMAT_VERSION = 3
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
    """Write a complete index directory at ``path``, replacing any previous one atomically.

    ``texts`` are extra human-readable files (e.g. ``MODEL_CARD.md``), digested like the rest.
    """
    target = Path(path)
    tmp = temp_directory(target)
    try:
        files: dict[str, dict[str, Any]] = {}
        for name, array in arrays.items():
            file = tmp / f"{name}.npy"
            np.save(file, np.ascontiguousarray(array), allow_pickle=False)
            files[file.name] = {}
        for name, obj in objects.items():
            file = tmp / f"{name}.joblib"
            joblib.dump(obj, file)
            files[file.name] = {}
        for name, text in (texts or {}).items():
            if os.path.basename(name) != name or name == MANIFEST:
                raise ValueError(f"expected a plain file name for an index text, got {name!r}")
            (tmp / name).write_text(text, encoding="utf-8")
            files[name] = {}
        for name in files:
            file = tmp / name
            fsync_file(file)
            files[name] = {"sha256": file_sha256(file), "bytes": file.stat().st_size}
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": _versions(),
            **info,
            "files": files,
        }
        manifest_path = tmp / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
        fsync_file(manifest_path)
        publish_directory(tmp, target, marker=MANIFEST)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of an index directory, after checking it names our format and version."""
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no index at {root}: the directory does not exist")
    if not root.is_dir():
        raise IndexFormatError(f"{root} is a file, not an index directory")
    file = root / MANIFEST
    if not file.is_file():
        raise IndexFormatError(
            f"{root} is not a recommender index: it has no {MANIFEST} (build one with "
            "`recommender build`)"
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexIntegrityError(f"{file} is corrupt: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise IndexFormatError(
            f"{root} is not a recommender index: {MANIFEST} does not name the format "
            f"{FORMAT_NAME!r}"
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise IndexFormatError(f"{file}: format_version must be an integer, got {version!r}")
    if version != FORMAT_VERSION:
        newer = version > FORMAT_VERSION
        raise IndexFormatError(
            f"{root} has index format version {version}; this recommender "
            f"({package_version()}) reads version {FORMAT_VERSION}: "
            + ("upgrade recommender" if newer else "rebuild the index")
        )
    if not isinstance(manifest.get("files"), dict):
        raise IndexIntegrityError(f"{file} is corrupt: it has no 'files' table")
    return manifest


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
    """Load a directory written by :func:`write_index`, checking it before any unpickling.

    ``verify=False`` skips hashing the arrays (fast start for very large indexes); the
    pickled objects are always verified because joblib executes code when loading them.
    """
    root = Path(path)
    manifest = read_manifest(root)
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
            objects[name[:-7]] = joblib.load(file)
    return StoredIndex(arrays=arrays, objects=objects, manifest=manifest)
