"""The manifest's own digest and, with a key, its HMAC signature.

The manifest lists every other file's sha256, so covering the manifest covers the index:

- ``manifest_sha256``: sha256 of the manifest's canonical JSON (sorted keys, no spaces,
  without this field and ``signature``). An edited setting or count, or a flipped bit,
  is refused at load. Anyone who can rewrite the file can also recompute this digest:
  it proves the manifest is intact, not where it came from.
- ``signature``: when ``RECOMMENDER_INDEX_KEY`` is set at save, an HMAC-SHA256 of the
  same bytes under that key, with a short key id (a digest of the key, to tell "another
  key" from "changed after signing"). When it is set at load, an unsigned index, or one
  signed with another key or changed since, is refused: an index copied from elsewhere
  cannot be loaded. Without the key at load, signatures are not checked.

Standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from recommender.errors import IndexIntegrityError

__all__ = ["KEY_VARIABLE", "canonical_bytes", "check_seal", "index_key", "key_id", "seal"]

KEY_VARIABLE = "RECOMMENDER_INDEX_KEY"
DIGEST_FIELD = "manifest_sha256"
SIGNATURE_FIELD = "signature"
ALGORITHM = "hmac-sha256"


def index_key(environ: dict[str, str] | None = None) -> bytes | None:
    """The signing key (UTF-8 bytes of ``RECOMMENDER_INDEX_KEY``), None when unset or empty."""
    value = (os.environ if environ is None else environ).get(KEY_VARIABLE, "")
    return value.encode("utf-8") if value else None


def key_id(key: bytes) -> str:
    """A short public name of ``key``: says which key signed, without revealing it."""
    return hashlib.sha256(b"recommender-index-key-id:" + key).hexdigest()[:16]


def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    """The bytes the digest and signature cover: the manifest without them, as canonical
    JSON (the same for any spacing or key order of the file)."""
    body = {k: v for k, v in manifest.items() if k not in (DIGEST_FIELD, SIGNATURE_FIELD)}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def seal(manifest: dict[str, Any], key: bytes | None) -> dict[str, Any]:
    """``manifest`` with its digest, and its signature when ``key`` is given."""
    data = canonical_bytes(manifest)
    sealed = {**manifest, DIGEST_FIELD: hashlib.sha256(data).hexdigest()}
    sealed.pop(SIGNATURE_FIELD, None)
    if key is not None:
        sealed[SIGNATURE_FIELD] = {"algorithm": ALGORITHM, "key_id": key_id(key),
                                   "value": hmac.new(key, data, hashlib.sha256).hexdigest()}
    return sealed


def check_seal(manifest: dict[str, Any], file: Path, key: bytes | None) -> None:
    """Raise :class:`IndexIntegrityError` unless the digest matches and, when ``key`` is
    given, the signature is this key's over the same manifest."""
    data = canonical_bytes(manifest)
    recorded = manifest.get(DIGEST_FIELD)
    if not isinstance(recorded, str):
        raise IndexIntegrityError(f"{file} has no {DIGEST_FIELD}: it was not written by this "
                                  "recommender or was edited; rebuild the index")
    if not hmac.compare_digest(recorded, hashlib.sha256(data).hexdigest()):
        raise IndexIntegrityError(
            f"{file} does not match its {DIGEST_FIELD}: a setting, count or file digest was "
            "edited after the save, or the file is corrupt; rebuild the index")
    if key is None:
        return
    signature = manifest.get(SIGNATURE_FIELD)
    if not isinstance(signature, dict):
        raise IndexIntegrityError(
            f"{file.parent} is not signed and {KEY_VARIABLE} is set: refusing an index that "
            f"may come from elsewhere; rebuild it with {KEY_VARIABLE} set (or unset the key "
            "to load unsigned indexes)")
    if signature.get("algorithm") != ALGORITHM:
        raise IndexIntegrityError(f"{file}: signature algorithm {signature.get('algorithm')!r}, "
                                  f"expected {ALGORITHM!r}; rebuild the index")
    if signature.get("key_id") != key_id(key):
        raise IndexIntegrityError(
            f"{file.parent} is signed with another key (key id {signature.get('key_id')}; "
            f"{KEY_VARIABLE} has key id {key_id(key)}): refusing it; rebuild it here or set "
            "the key it was built with")
    value = signature.get("value")
    expected = hmac.new(key, data, hashlib.sha256).hexdigest()
    if not isinstance(value, str) or not hmac.compare_digest(value, expected):
        raise IndexIntegrityError(f"{file}: the signature does not match: the manifest was "
                                  "changed after it was signed; rebuild the index")
