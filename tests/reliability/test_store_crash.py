"""Crash safety: a build killed (SIGKILL) at any point leaves the published index loadable
and answering as before, or the new one complete; leftovers are never taken for an index
and the next save removes them (issue 12, part 2).

The builds run in children forked by ``store_crash_worker.py`` (one interpreter for the
whole module). Each trial publishes index ``old`` here, has a child build and save index
``new`` at the same path and kills it, then checks what the path holds, and saves once
more here to check that the leftovers are cleaned up.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import recommender.store.publish as publish
from recommender import (
    Article,
    BuildConfig,
    IndexFormatError,
    IndexLockError,
    IndexWriteError,
    RelatedIndex,
)
from recommender.store.publish import PUBLISH_STEPS, versions_directory

HERE = Path(__file__).parent
RANDOM_KILLS = 20
PLAIN_STEPS = [s for s in PUBLISH_STEPS if not s.startswith("legacy-")]
MIGRATION_STEPS = [s for s in PUBLISH_STEPS if s != "link-swapped"]
DRAFT = Article(id="draft", title="barrage sécheresse pluie", language="fr")


class Worker:
    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != publish.CRASH_VARIABLE}
        env.update(PYTHONPATH=os.pathsep.join([str(HERE.parents[1]), env.get("PYTHONPATH", "")]),
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        env.pop("RECOMMENDER_INDEX_KEY", None)
        self.proc = subprocess.Popen([sys.executable, str(HERE / "store_crash_worker.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        assert json.loads(self.proc.stdout.readline()) == {"ready": True}

    def command(self, **command):
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def build(self, **command) -> dict:
        return self.command(op="build", **command)

    def close(self) -> None:
        self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


def answers(index: RelatedIndex) -> list:
    return [index.related(i, k=5) for i in index.ids] + [index.similar(DRAFT, k=5)]


@pytest.fixture(scope="module")
def indexes() -> dict[str, RelatedIndex]:
    """The indexes the children build (same corpora, same settings), built here."""
    from store_crash_worker import corpora

    return {name: RelatedIndex.build(arts, BuildConfig(n_neighbors=5), n_jobs=1)
            for name, arts in corpora().items()}


@pytest.fixture(scope="module")
def expected(indexes) -> dict[str, list]:
    return {name: answers(index) for name, index in indexes.items()}


def publish_here(index: RelatedIndex, target: Path, *, plain: bool) -> None:
    """Publish ``index`` at ``target``, as a symlinked version or as a plain directory (an
    index saved by format 3, or copied with ``cp -rL``)."""
    if not plain:
        index.save(target)
        return
    for path in (target, versions_directory(target)):
        if path.is_symlink():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
    staging = target.parent.parent / "staging" / "idx"
    shutil.copytree(index.save(staging).resolve(), target)
    shutil.rmtree(staging.parent)


def leftovers(target: Path) -> list[Path]:
    """What a save left next to ``target`` besides the published index, its lock file and
    the current and previous versions."""
    versions = versions_directory(target)
    current = target.resolve()
    found = [p for p in target.parent.iterdir()
             if p.name not in (target.name, versions.name, f".{target.name}.lock")]
    if versions.is_dir():
        found += [p for p in versions.iterdir() if p.name.startswith(publish.TEMP_PREFIX)]
        versions_left = [p for p in versions.iterdir()
                         if not p.name.startswith(publish.TEMP_PREFIX) and p != current]
        found += versions_left[1:]  # one previous version is kept
    return found


def check_after_kill(target: Path, expected: dict[str, list], old: str, new: str) -> str:
    """The path loads and answers as ``old`` or ``new``. No temporary loads as an index;
    a version directory left unpublished is complete (the new build, never a mix)."""
    got = answers(RelatedIndex.load(target))
    assert got in (expected[old], expected[new]), "the published index changed its answers"
    for path in leftovers(target):
        if path.parent == versions_directory(target) and not path.name.startswith(
                publish.TEMP_PREFIX):
            assert answers(RelatedIndex.load(path)) in (expected[old], expected[new])
        else:
            with pytest.raises((IndexFormatError, FileNotFoundError)):
                RelatedIndex.load(path)
    return old if got == expected[old] else new


def check_cleaned_by_next_save(target: Path, index: RelatedIndex) -> None:
    index.save(target)
    assert leftovers(target) == []
    assert len(list(versions_directory(target).iterdir())) <= 2


def kill_trial(worker, indexes, expected, tmp_path, *, plain: bool = False, **kill) -> tuple:
    """One trial; returns (what the path held after the kill, where the child was)."""
    target = tmp_path / "site" / "idx"
    old, new = "a", "b"
    if plain or not target.exists():  # else the last trial's clean-up save published ``old``
        publish_here(indexes[old], target, plain=plain)
    trace = tmp_path / "trace"
    trace.write_text("")
    result = worker.build(target=str(target), corpus=new, trace=str(trace), **kill)
    held = check_after_kill(target, expected, old, new)
    check_cleaned_by_next_save(target, indexes[old])
    stages = [line.split()[0] for line in trace.read_text().splitlines()]
    return result, held, stages[-1] if stages else "not started"


@pytest.mark.parametrize("step", PLAIN_STEPS)
def test_killed_at_each_publish_step(worker, indexes, expected, tmp_path, step):
    result, held, _ = kill_trial(worker, indexes, expected, tmp_path, crash_at=step)
    assert result["killed"], f"the child never reached {step}"
    before_swap = PLAIN_STEPS.index(step) < PLAIN_STEPS.index("link-swapped")
    assert held == ("a" if before_swap else "b")


@pytest.mark.parametrize("step", MIGRATION_STEPS)
def test_killed_at_each_step_of_migrating_a_plain_directory(worker, indexes, expected, tmp_path,
                                                            step):
    result, held, _ = kill_trial(worker, indexes, expected, tmp_path, plain=True, crash_at=step)
    assert result["killed"], f"the child never reached {step}"
    before_swap = MIGRATION_STEPS.index(step) < MIGRATION_STEPS.index("legacy-exchanged")
    assert held == ("a" if before_swap else "b")


@pytest.mark.parametrize("stage", ["vectorize", "neighbours"])
def test_killed_while_building(worker, indexes, expected, tmp_path, stage):
    result, held, last = kill_trial(worker, indexes, expected, tmp_path, kill_in=stage)
    assert result["killed"] and last == stage and held == "a"


def test_killed_at_random_times(worker, indexes, expected, tmp_path):
    """20 kills at random times: half during the build (vectorize, neighbours), half
    during the save, as timed by two uninterrupted runs first."""
    timed, trace = tmp_path / "timed" / "idx", tmp_path / "trace"
    build_ends, totals = [], []
    for _ in range(2):
        trace.write_text("")
        result = worker.build(target=str(timed), corpus="b", trace=str(trace))
        assert not result["killed"] and result["code"] == 0
        marks = dict(line.split() for line in trace.read_text().splitlines())
        build_ends.append(float(marks["save"]))
        totals.append(result["seconds"])
    build, total = min(build_ends), max(totals)
    rng = random.Random(12)
    landed: dict[str, int] = {}
    held_counts: dict[str, int] = {}
    for trial in range(RANDOM_KILLS):
        delay = rng.uniform(0.0, build) if trial % 2 else rng.uniform(build, 1.1 * total)
        _, held, last = kill_trial(worker, indexes, expected, tmp_path, kill_after=delay)
        landed[last] = landed.get(last, 0) + 1
        held_counts[held] = held_counts.get(held, 0) + 1
    assert sum(landed.values()) == RANDOM_KILLS  # every trial checked (see kill_trial)
    print(f"random kills: last stage reached {landed}, the path then held {held_counts}; "
          f"build {build:.3f} s, build and save {total:.3f} s")


# -- full disk -------------------------------------------------------------------------------


def test_a_full_disk_during_save_keeps_the_old_index_and_says_so(worker, indexes, expected,
                                                                  tmp_path):
    target, trace = tmp_path / "site" / "idx", tmp_path / "trace"
    indexes["a"].save(target)
    trace.write_text("")
    result = worker.build(target=str(target), corpus="b", trace=str(trace), fsize=4096)
    assert result["code"] == 3
    error = trace.read_text().splitlines()[-1]
    assert error.startswith(f"error: could not write the new index for {target}: ")
    assert "(is the disk full?)" in error or "File too large" in error
    assert error.endswith(f"the index published at {target} is unchanged")
    assert answers(RelatedIndex.load(target)) == expected["a"]
    assert leftovers(target) == []  # the failed save removed its temporary directory


def test_no_space_left_is_reported_with_its_errno(indexes, tmp_path, monkeypatch):
    import errno

    import numpy as np

    target = tmp_path / "site" / "idx"
    real_save = np.save
    calls = []

    def fills_the_disk(file, *args, **kwargs):
        calls.append(file)
        if len(calls) == 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        return real_save(file, *args, **kwargs)

    monkeypatch.setattr("recommender.store.directory.np.save", fills_the_disk)
    with pytest.raises(IndexWriteError, match="No space left on device .*nothing was published"
                       ) as caught:
        indexes["a"].save(target)
    assert caught.value.errno == errno.ENOSPC
    assert not target.exists() and leftovers(target) == []


# -- two saves into one path -----------------------------------------------------------------


def test_saves_into_one_path_wait_for_each_other(indexes, expected, tmp_path):
    target = tmp_path / "site" / "idx"
    indexes["a"].save(target)
    done = threading.Event()
    with publish.publish_lock(target):
        saver = threading.Thread(target=lambda: (indexes["b"].save(target), done.set()))
        saver.start()  # flock: a second open of the lock file waits, even in this process
        time.sleep(0.3)
        assert not done.is_set()
        assert answers(RelatedIndex.load(target)) == expected["a"]
    saver.join(timeout=30)
    assert done.is_set() and answers(RelatedIndex.load(target)) == expected["b"]


def test_a_save_that_waits_too_long_fails_clearly(indexes, tmp_path, monkeypatch):
    target = tmp_path / "site" / "idx"
    indexes["a"].save(target)
    monkeypatch.setattr(publish, "LOCK_WAIT_SECONDS", 0.2)
    with publish.publish_lock(target), pytest.raises(
            IndexLockError, match=f"another save into {target} is running \\(process "
                                  f"{os.getpid()}, lock .*\\.idx\\.lock\\)"):
        indexes["b"].save(target)


def test_two_child_builds_into_one_path(worker, indexes, expected, tmp_path):
    """Two processes saving at once: both finish, one wins whole, nothing is left."""
    target = tmp_path / "site" / "idx"
    builds = [{"target": str(target), "corpus": name, "trace": str(tmp_path / f"t{name}")}
              for name in ("a", "b")]
    results = worker.command(op="together", builds=builds)
    assert [r["code"] for r in results] == [0, 0]
    assert answers(RelatedIndex.load(target)) in (expected["a"], expected["b"])
    assert leftovers(target) == []
    assert len(list(versions_directory(target).iterdir())) == 2


# -- what the publish leaves -----------------------------------------------------------------


def test_every_step_is_marked_and_readers_see_a_new_path(indexes, tmp_path, monkeypatch):
    """PUBLISH_STEPS lists every crash point a save passes (so the tests above cover them),
    and each publish changes what the path resolves to (how a server notices)."""
    hit: list[str] = []
    monkeypatch.setattr(publish, "crash_point", hit.append)
    target = tmp_path / "site" / "idx"
    publish_here(indexes["a"], target, plain=True)
    hit.clear()
    before = os.path.realpath(target)
    indexes["b"].save(target)
    assert hit == MIGRATION_STEPS
    hit.clear()
    middle = (os.path.realpath(target), os.stat(target / "manifest.json").st_ino)
    indexes["a"].save(target)
    assert hit == PLAIN_STEPS
    after = (os.path.realpath(target), os.stat(target / "manifest.json").st_ino)
    assert len({before, middle[0], after[0]}) == 3 and middle[1] != after[1]
    assert os.readlink(target).startswith(".idx.versions/")  # relative: the folder can move


def test_a_foreign_symlink_is_replaced_but_what_it_points_to_is_kept(indexes, expected,
                                                                    tmp_path):
    mine = tmp_path / "elsewhere"
    shutil.copytree(indexes["a"].save(tmp_path / "staging").resolve(), mine)
    target = tmp_path / "site" / "idx"
    target.parent.mkdir()
    target.symlink_to(mine)
    indexes["b"].save(target)
    assert answers(RelatedIndex.load(target)) == expected["b"]
    assert answers(RelatedIndex.load(mine)) == expected["a"]  # not pruned: not ours
