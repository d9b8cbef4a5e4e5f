"""Readers during a swap: queries through an IndexHandle while new indexes are published.

Two indexes that answer differently (the same ids, other texts) are published in turn to
one path, as ``recommender build`` publishes; 8 threads query through one handle all the
while. Every answer must be exactly the old index's or the new one's, and none may fail.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from helpers import make_corpus

from recommender import IndexHandle, RelatedIndex
from recommender.errors import IndexIntegrityError
from recommender.records import Article

THREADS = 8
SWAPS = 50


def _answer(results):
    return tuple((r.id, round(r.score, 6), r.reason) for r in results)


@pytest.fixture(scope="module")
def two_indexes():
    """Two indexes of the same ids whose boxes differ, and their expected answers."""
    a = RelatedIndex.build(make_corpus(seed=0))
    b = RelatedIndex.build(make_corpus(seed=1))
    draft = Article(id="draft", title="Sécheresse et barrage", body="pluie nappe irrigation",
                    tags=("Eau",))
    ids = a.ids
    expected = {}
    for name, index in (("a", a), ("b", b)):
        expected[name] = {i: _answer(index.related(i, k=5)) for i in ids}
        expected[name]["draft"] = _answer(index.similar(draft, k=5))
    differ = sum(expected["a"][q] != expected["b"][q] for q in expected["a"])
    assert differ >= 0.8 * len(expected["a"]), "the two indexes must answer differently"
    return a, b, draft, ids, expected


def _publish_alternately(index_a, index_b, path, handle, swaps, failures):
    """Publish b, a, b, ... to ``path``; after each, wait until the readers' handle
    serves it (so every swap is one the readers live through)."""
    for n in range(swaps):
        index = index_b if n % 2 == 0 else index_a
        before = handle.current().generation
        index.save(path)
        deadline = time.monotonic() + 20
        while handle.current().generation == before:
            if time.monotonic() > deadline:
                failures.append(f"swap {n}: the handle did not load the new index")
                return
            time.sleep(0.002)


def test_eight_threads_across_fifty_swaps_get_old_or_new_never_a_mix(two_indexes, tmp_path):
    a, b, draft, ids, expected = two_indexes
    path = tmp_path / "site"
    a.save(path)
    handle = IndexHandle(path, check_interval=0.0)
    handle.current()
    stop = threading.Event()
    errors: list[str] = []
    counts = {"a": 0, "b": 0}
    lock = threading.Lock()

    def reader(seed: int) -> None:
        n = seed
        # a short pause between queries, as a server thread waits for its next request:
        # threads that never wait would starve the publisher of the GIL (a save and a
        # load make hundreds of system calls, each waiting for the GIL to run again)
        while not stop.wait(0.001):
            query = "draft" if n % 5 == 0 else ids[n % len(ids)]
            n += 1
            try:
                got = _answer(handle.similar(draft, k=5) if query == "draft"
                              else handle.related(query, k=5))
            except Exception as exc:  # every failure counts, whatever its kind
                with lock:
                    errors.append(f"{query}: {exc!r}")
                continue
            source = next((s for s in ("a", "b") if expected[s][query] == got), None)
            with lock:
                if source is None:
                    errors.append(f"{query}: {got} is neither index's answer")
                else:
                    counts[source] += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(THREADS)]
    failures: list[str] = []
    try:
        for t in threads:
            t.start()
        _publish_alternately(a, b, path, handle, SWAPS, failures)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failures, failures
    assert errors == [], errors[:5]
    assert handle.current().generation == SWAPS + 1
    assert counts["a"] > 0 and counts["b"] > 0, counts


def test_a_loaded_index_keeps_answering_after_its_directory_is_removed(two_indexes,
                                                                       tmp_path):
    a, _, _, ids, expected = two_indexes
    path = tmp_path / "site"
    a.save(path)
    handle = IndexHandle(path, check_interval=None)
    index = handle.index
    # what a later publish does to this version once the next one is in: the directory
    # the path points to is deleted (and here the link too)
    shutil.rmtree(path.resolve())
    path.unlink()
    assert _answer(index.related(ids[3], k=5)) == expected["a"][ids[3]]
    assert _answer(handle.related(ids[4], k=5)) == expected["a"][ids[4]]


def test_a_symlink_swapped_onto_versioned_directories_is_followed(two_indexes, tmp_path):
    a, b, _, ids, expected = two_indexes
    a.save(tmp_path / "v1")
    b.save(tmp_path / "v2")
    link = tmp_path / "current"
    os.symlink("v1", link)
    handle = IndexHandle(link, check_interval=0.0, background=False)
    assert _answer(handle.related(ids[0], k=5)) == expected["a"][ids[0]]
    tmp_link = tmp_path / "current.tmp"
    os.symlink("v2", tmp_link)
    os.replace(tmp_link, link)  # the atomic way to repoint a symlink
    handle.related(ids[0], k=5)  # notices, loads in this thread
    assert _answer(handle.related(ids[0], k=5)) == expected["b"][ids[0]]
    assert handle.info()["directory"] == os.path.realpath(tmp_path / "v2")


def test_a_broken_publish_leaves_the_old_index_serving(two_indexes, tmp_path):
    a, b, _, ids, expected = two_indexes
    path = tmp_path / "site"
    a.save(path)
    handle = IndexHandle(path, check_interval=0.0, background=False)
    version = handle.current().version
    b.save(path)
    victim = next(p for p in path.iterdir() if p.suffix == ".npy")
    victim.write_bytes(victim.read_bytes()[:-8])  # truncated: its digest no longer matches
    assert _answer(handle.related(ids[1], k=5)) == expected["a"][ids[1]]
    assert handle.current().version == version
    assert "truncated" in (handle.last_error or "")
    with pytest.raises(IndexIntegrityError, match="truncated"):
        handle.reload(force=True)
    b.save(path)  # a good publish is picked up again
    assert handle.reload()
    assert _answer(handle.related(ids[1], k=5)) == expected["b"][ids[1]]


def test_reload_reports_whether_a_new_index_was_put_in_place(two_indexes, tmp_path):
    a, b, _, _, _ = two_indexes
    path = tmp_path / "site"
    a.save(path)
    handle = IndexHandle(path, check_interval=None)
    assert handle.reload() is True
    assert handle.reload() is False
    b.save(path)
    assert handle.current().generation == 1  # check_interval=None: only reload() looks
    assert handle.reload() is True and handle.current().generation == 2
