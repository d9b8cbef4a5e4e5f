"""What an index directory holds, read from its manifest without unpickling anything.

``recommender info`` prints this; a monitoring job can call :func:`describe_index` to
check that the serving index is intact (``report["problem"] is None``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from recommender.errors import IndexIntegrityError
from recommender.store.directory import MANIFEST, read_manifest_at, verify_files
from recommender.store.publish import resolve_index


def describe_index(path: str | os.PathLike[str], *, verify: bool = True) -> dict[str, Any]:
    """Format, versions, counts, config, default box rules (query), file sizes and
    integrity of an index directory.

    ``integrity`` is ``"ok"``, ``"not checked"`` (``verify=False``) or ``"failed"``, and
    ``problem`` then names the file that does not match its digest. Format errors
    (not an index, wrong version) and a manifest that fails its own digest (or, with
    ``RECOMMENDER_INDEX_KEY`` set, its signature) raise as
    :func:`~recommender.store.directory.read_manifest`. ``signed`` says whether the
    manifest carries a signature; ``version_path`` is the directory the path resolves to
    (it changes with each save).
    """
    given = Path(path)
    root = resolve_index(given)  # once: a save during the check cannot mix two versions
    manifest = read_manifest_at(root, given)
    problem: str | None = None
    integrity = "not checked"
    if verify:
        try:
            verify_files(root, manifest)
            integrity = "ok"
        except IndexIntegrityError as exc:
            integrity, problem = "failed", str(exc)
    files = {name: entry.get("bytes") if isinstance(entry, dict) else None
             for name, entry in manifest["files"].items()}
    listed = sum(size for size in files.values() if isinstance(size, int))
    return {
        "path": os.fspath(given),
        "version_path": os.fspath(root),
        "format": manifest.get("format"),
        "format_version": manifest.get("format_version"),
        "created": manifest.get("created"),
        "versions": manifest.get("versions", {}),
        "counts": manifest.get("counts", {}),
        "config": manifest.get("config", {}),
        "query": manifest.get("query", {}),
        "learned": manifest.get("learned"),
        "files": files,
        "bytes_on_disk": listed + (root / MANIFEST).stat().st_size,
        "integrity": integrity,
        "problem": problem,
        "signed": isinstance(manifest.get("signature"), dict),
    }
