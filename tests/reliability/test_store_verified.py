"""Verified loading: a damaged or tampered index is refused before anything is unpickled,
with a message that says what is wrong (issue 12, part 3).

The crafted joblib file below would create a file if it were ever unpickled: each test
that plants it checks that the file was never created.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import joblib
import numpy as np
import pytest
from helpers import make_corpus, plain_build

import recommender.store.directory as directory
from recommender import BuildConfig, IndexFormatError, IndexIntegrityError, RelatedIndex
from recommender.store.directory import FORMAT_VERSION, file_sha256
from recommender.store.inspection import describe_index
from recommender.store.plain import dump_plain, load_plain
from recommender.store.seal import KEY_VARIABLE, seal

KEY_A, KEY_B = "a" * 64, "b" * 64


class WritesAFile:
    """Unpickling this runs ``exec``, which creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('payload ran')",))


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    return plain_build(make_corpus(per_cluster=6), BuildConfig(n_neighbors=4))


@pytest.fixture
def saved(index, tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    return index.save(tmp_path / "idx").resolve()  # the version directory itself


@pytest.fixture
def never_unpickled(monkeypatch):
    """Fails the test if the loader reaches the joblib file."""
    calls: list[object] = []
    monkeypatch.setattr(directory, "load_plain", lambda *a, **k: calls.append(a))
    yield
    assert calls == [], "a joblib file was unpickled"


def manifest_of(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())


def write_manifest(root: Path, manifest: dict, *, reseal: bool, key: str | None = None) -> None:
    """Rewrite the manifest; ``reseal`` recomputes its digest as an attacker would (and
    signs it when given ``key``)."""
    if reseal:
        manifest = seal(manifest, key.encode() if key else None)
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))


def plant(root: Path, value: object, *, redigest: bool, reseal: bool) -> None:
    """Replace vectorizer.joblib with ``value``; ``redigest`` records its new sha256 in the
    manifest, ``reseal`` recomputes the manifest's own digest too."""
    file = root / "vectorizer.joblib"
    joblib.dump(value, file)
    manifest = manifest_of(root)
    if redigest:
        manifest["files"]["vectorizer.joblib"] = {"sha256": file_sha256(file),
                                                  "bytes": file.stat().st_size}
    write_manifest(root, manifest, reseal=reseal)


def flip_byte(path: Path, at: int = -1) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


# -- damage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["neighbors.npy", "matrix_data.npy", "vectorizer.joblib",
                                  "MODEL_CARD.md"])
def test_a_bit_flip_is_refused(index, tmp_path, name, never_unpickled):
    root = index.save(tmp_path / "idx", model_card="# card\n").resolve()
    flip_byte(root / name, at=len((root / name).read_bytes()) // 2)
    with pytest.raises(IndexIntegrityError, match=f"{name} does not match its sha256"):
        RelatedIndex.load(root)


def test_truncation_is_refused(saved, never_unpickled):
    file = saved / "matrix_data.npy"
    file.write_bytes(file.read_bytes()[:-100])
    with pytest.raises(IndexIntegrityError, match="matrix_data.npy has .* bytes.*truncated"):
        RelatedIndex.load(saved)


def test_a_file_swapped_in_from_another_index_is_refused(saved, tmp_path, never_unpickled):
    other = plain_build(make_corpus(per_cluster=6, seed=1), BuildConfig(n_neighbors=4))
    other_root = other.save(tmp_path / "other").resolve()
    assert (other_root / "neighbors.npy").stat().st_size == (saved / "neighbors.npy").stat().st_size
    shutil.copyfile(other_root / "neighbors.npy", saved / "neighbors.npy")
    with pytest.raises(IndexIntegrityError, match="neighbors.npy does not match its sha256"):
        RelatedIndex.load(saved)


@pytest.mark.parametrize(("section", "field", "value"), [
    ("counts", "articles", 31), ("config", "tag_weight", 0.9), ("query", "dedupe", True)])
def test_an_edited_manifest_is_refused(saved, section, field, value, never_unpickled):
    manifest = manifest_of(saved)
    assert manifest[section][field] != value
    manifest[section][field] = value
    write_manifest(saved, manifest, reseal=False)
    with pytest.raises(IndexIntegrityError, match="does not match its manifest_sha256: a "
                                                  "setting, count or file digest was edited"):
        RelatedIndex.load(saved)


def test_a_count_edited_with_a_recomputed_digest_is_still_refused(saved):
    """Without a key the digest can be recomputed; the counts are checked against the files."""
    manifest = manifest_of(saved)
    manifest["counts"]["articles"] += 1
    write_manifest(saved, manifest, reseal=True)
    with pytest.raises(IndexIntegrityError, match="counts.articles is 31 but the index files "
                                                  "hold 30"):
        RelatedIndex.load(saved)


def test_a_manifest_without_its_digest_or_with_a_repeated_key_is_refused(saved):
    text = (saved / "manifest.json").read_text()
    manifest = json.loads(text)
    del manifest["manifest_sha256"]
    (saved / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexIntegrityError, match="has no manifest_sha256"):
        RelatedIndex.load(saved)
    (saved / "manifest.json").write_text(text.replace('{\n', '{\n  "format": "x",\n', 1))
    with pytest.raises(IndexIntegrityError, match="the key 'format' appears twice"):
        RelatedIndex.load(saved)


def test_a_newer_format_is_refused_before_anything_is_unpickled(saved, tmp_path):
    marker = tmp_path / "ran"
    plant(saved, WritesAFile(marker), redigest=True, reseal=False)
    manifest = manifest_of(saved)
    manifest["format_version"] = FORMAT_VERSION + 1
    write_manifest(saved, manifest, reseal=True)
    with pytest.raises(IndexFormatError, match=f"version {FORMAT_VERSION + 1}.*upgrade"):
        RelatedIndex.load(saved)
    assert not marker.exists()


def test_a_leftover_temporary_directory_is_refused(saved):
    temporary = saved.parent / ".tmp-123-abcd"
    shutil.copytree(saved, temporary)  # complete, even: still never an index
    with pytest.raises(IndexFormatError, match="temporary directory of an unfinished save.*"
                                               "load .*idx instead"):
        RelatedIndex.load(temporary)


# -- a crafted pickle -----------------------------------------------------------------------


def test_the_crafted_pickle_does_run_when_unpickled(tmp_path):
    """The payload is real: plain joblib.load runs it (so the tests below can fail)."""
    marker = tmp_path / "ran"
    joblib.dump({"x": WritesAFile(marker)}, tmp_path / "evil.joblib")
    joblib.load(tmp_path / "evil.joblib")  # noqa: S301 - proving the payload works
    assert marker.read_text() == "payload ran"


@pytest.mark.parametrize(("redigest", "reseal", "message"), [
    (False, False, r"vectorizer.joblib has \d+ bytes, the manifest says"),
    (True, False, "does not match its manifest_sha256"),
    (True, True, "refused before unpickling it: it names builtins.exec, not plain data"),
])
def test_a_crafted_pickle_never_runs(saved, tmp_path, redigest, reseal, message):
    marker = tmp_path / "ran"
    plant(saved, {"state": WritesAFile(marker)}, redigest=redigest, reseal=reseal)
    with pytest.raises(IndexIntegrityError, match=message):
        RelatedIndex.load(saved)
    assert not marker.exists()


def test_an_object_array_is_refused_before_numpy_unpickles_it(saved, tmp_path):
    marker = tmp_path / "ran"
    payload = np.array([WritesAFile(marker), 1], dtype=object)
    plant(saved, {"idf_": payload}, redigest=True, reseal=True)
    with pytest.raises(IndexIntegrityError, match="array of dtype dtype\\('O'\\)"):
        RelatedIndex.load(saved)
    assert not marker.exists()


def test_the_plain_reader_reads_what_dump_plain_writes(tmp_path):
    """Pins the joblib internals load_plain relies on (NumpyUnpickler, the array wrapper)."""
    value = {"f": np.arange(5, dtype=np.float64), "i": np.arange(3, dtype=np.int32),
             "u": np.zeros((2, 2), dtype=np.uint8), "s": "é", "n": None, "b": True,
             "l": [1, 2.5, "x"], "t": (1, "y"), "d": {"k": np.float32(1.5).item()}}
    dump_plain(value, tmp_path / "v.joblib")
    back = load_plain(tmp_path / "v.joblib")
    assert back.keys() == value.keys()
    for name in ("f", "i", "u"):
        assert back[name].dtype == value[name].dtype
        np.testing.assert_array_equal(back[name], value[name])
    assert {k: back[k] for k in "snbltd"} == {k: value[k] for k in "snbltd"}
    with pytest.raises(TypeError, match="not plain data"):
        dump_plain({"x": object()}, tmp_path / "w.joblib")


# -- signing --------------------------------------------------------------------------------


def test_a_signed_index_loads_with_its_key_and_without_one(index, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY_A)
    root = index.save(tmp_path / "idx").resolve()
    assert manifest_of(root)["signature"]["algorithm"] == "hmac-sha256"
    assert RelatedIndex.load(root).related(index.ids[0], k=3) == index.related(index.ids[0], k=3)
    monkeypatch.delenv(KEY_VARIABLE)
    assert len(RelatedIndex.load(root)) == len(index)


def test_with_a_key_an_unsigned_index_is_refused(saved, tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    plant(saved, {"state": WritesAFile(marker)}, redigest=True, reseal=True)
    monkeypatch.setenv(KEY_VARIABLE, KEY_A)
    with pytest.raises(IndexIntegrityError, match=f"is not signed and {KEY_VARIABLE} is set"):
        RelatedIndex.load(saved)
    assert not marker.exists()


def test_an_index_signed_with_another_key_is_refused(index, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY_A)
    root = index.save(tmp_path / "idx").resolve()
    monkeypatch.setenv(KEY_VARIABLE, KEY_B)
    with pytest.raises(IndexIntegrityError, match="signed with another key"):
        RelatedIndex.load(root)


def test_with_a_key_a_rewritten_file_and_digest_are_refused(index, tmp_path, monkeypatch):
    """The attack a digest alone cannot see: the file, its digest and the manifest's
    digest all rewritten. The attacker has no key, so the signature no longer matches."""
    monkeypatch.setenv(KEY_VARIABLE, KEY_A)
    root = index.save(tmp_path / "idx").resolve()
    marker = tmp_path / "ran"
    signature = manifest_of(root)["signature"]
    plant(root, {"state": WritesAFile(marker)}, redigest=True, reseal=True)
    manifest = manifest_of(root)
    manifest["signature"] = signature  # the old signature kept, or any other
    write_manifest(root, manifest, reseal=False)
    with pytest.raises(IndexIntegrityError, match="signature does not match: the manifest "
                                                  "was changed after it was signed"):
        RelatedIndex.load(root)
    assert not marker.exists()


def test_info_reports_a_broken_file_and_refuses_an_edited_manifest(saved):
    flip_byte(saved / "scores.npy")
    report = describe_index(saved)
    assert report["integrity"] == "failed" and "scores.npy" in report["problem"]
    manifest = manifest_of(saved)
    manifest["config"]["n_neighbors"] = 9
    write_manifest(saved, manifest, reseal=False)
    with pytest.raises(IndexIntegrityError, match="manifest_sha256"):
        describe_index(saved)


def test_the_key_is_not_taken_for_a_build_setting():
    """``recommender build`` warns about unknown RECOMMENDER_* variables; not this one."""
    from recommender.config.layers import env_settings

    assert env_settings({KEY_VARIABLE: KEY_A, "RECOMMENDER_TAG_WEIGTH": "1"}) == (
        {}, ["RECOMMENDER_TAG_WEIGTH"])
