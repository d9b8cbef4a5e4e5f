"""Saving and loading: identical answers, atomic writes, plain errors on bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import plain_build
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender import BuildConfig, IndexFormatError, IndexIntegrityError, RelatedIndex
from recommender.records import Article
from recommender.store.directory import FORMAT_VERSION
from recommender.store.strings import pack_strings, unpack_strings


@pytest.fixture(scope="module")
def built(corpus):
    return plain_build(corpus, BuildConfig(n_neighbors=6))


def test_save_load_gives_identical_results(built, corpus, tmp_path):
    built.save(tmp_path / "idx")
    loaded = RelatedIndex.load(tmp_path / "idx")
    assert loaded.config == built.config
    assert loaded.ids == built.ids
    for a in corpus:
        assert loaded.related(a.id, k=4) == built.related(a.id, k=4)
        assert loaded.related(a.id, k=20) == built.related(a.id, k=20)
    draft = Article(id="x", title="barrage sécheresse", language="fr")
    assert loaded.similar(draft, k=5) == built.similar(draft, k=5)


def test_manifest_records_versions_and_digests(built, tmp_path):
    built.save(tmp_path / "idx")
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert {"numpy", "scipy", "scikit-learn", "joblib", "python"} <= set(manifest["versions"])
    assert manifest["counts"]["articles"] == len(built)
    assert manifest["config"]["n_neighbors"] == 6
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    assert "vectorizer.joblib" in manifest["files"]


def test_arrays_are_memory_mapped(built, tmp_path):
    built.save(tmp_path / "idx")
    loaded = RelatedIndex.load(tmp_path / "idx")
    assert isinstance(loaded.graph.neighbors.base, np.memmap)  # a view of the mapped file
    assert not loaded.graph.neighbors.flags.writeable
    in_memory = RelatedIndex.load(tmp_path / "idx", mmap=False)
    assert in_memory.graph.neighbors.base is None or not isinstance(in_memory.graph.neighbors.base,
                                                               np.memmap)


def test_save_replaces_previous_index(built, corpus, tmp_path):
    small = plain_build(corpus[:10], BuildConfig(n_neighbors=3))
    small.save(tmp_path / "idx")
    built.save(tmp_path / "idx")
    assert len(RelatedIndex.load(tmp_path / "idx")) == len(built)
    assert visible(tmp_path) == ["idx"]  # the versions and the lock file are hidden


def visible(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_failed_save_keeps_serving_index(built, corpus, tmp_path, monkeypatch):
    built.save(tmp_path / "idx")
    import recommender.store.plain as plain

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(plain.joblib, "dump", boom)
    other = plain_build(corpus[:10], BuildConfig(n_neighbors=3))
    with pytest.raises(OSError, match="disk full"):
        other.save(tmp_path / "idx")
    assert len(RelatedIndex.load(tmp_path / "idx")) == len(built)
    assert visible(tmp_path) == ["idx"]
    assert len(list((tmp_path / ".idx.versions").iterdir())) == 1  # no temporary left


def test_refuses_to_overwrite_a_foreign_directory(built, tmp_path):
    (tmp_path / "idx").mkdir()
    (tmp_path / "idx" / "notes.txt").write_text("mine")
    with pytest.raises(IndexFormatError, match="not an index"):
        built.save(tmp_path / "idx")
    assert (tmp_path / "idx" / "notes.txt").read_text() == "mine"


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no index"):
        RelatedIndex.load(tmp_path / "nothing")


def test_foreign_directory(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(IndexFormatError, match="no manifest.json"):
        RelatedIndex.load(tmp_path / "x")
    (tmp_path / "x" / "manifest.json").write_text('{"format": "bm25s"}')
    with pytest.raises(IndexFormatError, match="not a recommender index"):
        RelatedIndex.load(tmp_path / "x")


def test_corrupt_manifest(built, tmp_path):
    built.save(tmp_path / "idx")
    (tmp_path / "idx" / "manifest.json").write_text("{not json")
    with pytest.raises(IndexIntegrityError, match="not valid JSON"):
        RelatedIndex.load(tmp_path / "idx")


def test_vocabularies_are_arrays_not_pickled(built, tmp_path):
    """The on-disk format lives in the store, not in a pickle hook: the vectorizer's
    joblib file holds plain data without vocabularies, and the loaded one transforms as
    the built one."""
    from recommender.store.plain import load_plain

    built.save(tmp_path / "idx")
    state = load_plain(tmp_path / "idx" / "vectorizer.joblib")
    assert isinstance(state, dict) and "vocabulary_" not in state
    assert "tag_vocabulary_" not in state
    assert hasattr(built.vectorizer, "vocabulary_")  # saving left the live one whole
    loaded = RelatedIndex.load(tmp_path / "idx").vectorizer
    assert loaded.vocabulary_ == built.vectorizer.vocabulary_
    assert loaded.tag_vocabulary_ == built.vectorizer.tag_vocabulary_


@pytest.mark.parametrize(("version", "remedy"), [(FORMAT_VERSION + 1, "upgrade"),
                                                 (FORMAT_VERSION - 1, "rebuild"), (0, "rebuild")])
def test_incompatible_version(built, tmp_path, version, remedy):
    built.save(tmp_path / "idx")
    path = tmp_path / "idx" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = version
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match=f"version {version}.*{remedy}"):
        RelatedIndex.load(tmp_path / "idx")


@pytest.mark.parametrize("name", ["neighbors.npy", "vectorizer.joblib"])
def test_corrupt_file_detected_before_use(built, tmp_path, name, monkeypatch):
    built.save(tmp_path / "idx")
    path = tmp_path / "idx" / name
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    import recommender.store.directory as persistence

    def never(*args, **kwargs):
        raise AssertionError("unpickled a file that failed its digest")

    monkeypatch.setattr(persistence, "load_plain", never)
    with pytest.raises(IndexIntegrityError, match=f"{name}.*sha256"):
        RelatedIndex.load(tmp_path / "idx")


def test_truncated_and_missing_files(built, tmp_path):
    built.save(tmp_path / "idx")
    path = tmp_path / "idx" / "scores.npy"
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(IndexIntegrityError, match="truncated"):
        RelatedIndex.load(tmp_path / "idx")
    path.unlink()
    with pytest.raises(IndexIntegrityError, match="missing"):
        RelatedIndex.load(tmp_path / "idx")


def test_updated_index_round_trips(corpus, tmp_path):
    index = plain_build(corpus[:-3], BuildConfig(n_neighbors=4))
    index.add(corpus[-3:])
    index.remove([corpus[0].id])
    index.save(tmp_path / "idx")
    loaded = RelatedIndex.load(tmp_path / "idx")
    assert corpus[0].id not in loaded and len(loaded) == len(index)
    for a in corpus[1:]:
        assert loaded.related(a.id, k=5) == index.related(a.id, k=5)
    loaded.add([corpus[0]])  # memory-mapped arrays become writable copies
    assert corpus[0].id in loaded


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text()))
def test_pack_strings_round_trip(values):
    assert unpack_strings(*pack_strings(values)) == values


words = st.sampled_from(["eau", "barrage", "pluie", "gare", "train", "stade", "but", "nasa"])


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.tuples(st.lists(words, min_size=1, max_size=6),
                       st.lists(st.sampled_from(["Eau", "Sport", "Rail"]), max_size=2),
                       st.integers(0, 400)),
             min_size=2, max_size=10),
    st.integers(1, 6),
)
def test_save_load_property(tmp_path_factory, docs, stored):
    import datetime as dt

    arts = [Article(id=f"d{i}", title=" ".join(w), tags=tuple(t), language="fr",
                    published=dt.date(2024, 1, 1) + dt.timedelta(days=day))
            for i, (w, t, day) in enumerate(docs)]
    index = plain_build(arts, BuildConfig(n_neighbors=stored, max_df=1.0))
    path = tmp_path_factory.mktemp("prop") / "idx"
    index.save(path)
    loaded = RelatedIndex.load(path)
    for a in arts:
        for k in (1, stored, len(arts)):
            assert loaded.related(a.id, k=k) == index.related(a.id, k=k)
        assert loaded.similar(a, k=3) == index.similar(a, k=3)


def test_a_loaded_index_reads_its_vocabularies_only_when_needed(built, tmp_path):
    built.save(tmp_path / "a")
    loaded = RelatedIndex.load(tmp_path / "a")
    assert loaded.related(built.ids[0], k=3) == built.related(built.ids[0], k=3)
    assert loaded.info() == built.info()
    assert loaded.space._stored_vocabularies is not None  # related() and info() did not read
    loaded.save(tmp_path / "b")  # written back as loaded
    again = RelatedIndex.load(tmp_path / "b")
    assert again.vectorizer.vocabulary_ == built.vectorizer.vocabulary_
    assert again.vectorizer.tag_vocabulary_ == built.vectorizer.tag_vocabulary_
    draft = Article(id="draft", title=built.title(built.ids[0]), language="fr")
    assert loaded.similar(draft, k=3) == built.similar(draft, k=3)


def test_load_warm_builds_what_the_first_query_would(tmp_path):
    """``load(warm=True)`` pays for the transposed matrix (20 s at a million articles)
    before it returns, not in the first draft query; answers are the same."""
    from recommender import Article, RelatedIndex
    from recommender.corpus.reader import read_articles
    from recommender.demo import demo_corpus_path

    RelatedIndex.build(read_articles(demo_corpus_path())).save(tmp_path / "site")
    cold = RelatedIndex.load(tmp_path / "site")
    warm = RelatedIndex.load(tmp_path / "site", warm=True)
    assert cold._parts.space.searcher._XT is None
    assert warm._parts.space.searcher._XT is not None
    draft = Article(id="d", title="Coffee prices climb after frost in Brazil", tags=("Coffee",))
    assert [r.id for r in warm.similar(draft, k=5)] == [r.id for r in cold.similar(draft, k=5)]
