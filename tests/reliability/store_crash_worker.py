"""A process that builds and saves indexes in forked children, for the kill tests.

``python store_crash_worker.py`` imports the package once, then reads one JSON command a
line on stdin and answers one JSON line on stdout. Each ``build`` forks a child (a fork
costs milliseconds, a new interpreter a second) that builds an index of corpus ``a`` or
``b`` and saves it at ``target``; the child dies by SIGKILL:

- ``crash_at``: at that publish step (``RECOMMENDER_TEST_CRASH_AT``, set in the child);
- ``kill_in``: at the first progress report of that build stage (``vectorize``,
  ``neighbours``);
- ``kill_after``: when the worker kills it after that many seconds.

``fsize`` limits the size of any file the child writes (``RLIMIT_FSIZE``): writes beyond
it fail with EFBIG, as on a full disk. The child appends the stage it reaches to
``trace`` (with the seconds since it started) so a test can tell where a random kill
landed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

PER_CLUSTER = 20  # 100 articles: a build and save take about a tenth of a second


def corpora() -> dict[str, Any]:
    from helpers import make_corpus

    return {"a": make_corpus(per_cluster=PER_CLUSTER, seed=0),
            "b": make_corpus(per_cluster=PER_CLUSTER, seed=1)}


def _child(command: dict[str, Any], articles: list[Any]) -> None:
    """Build and save; never returns."""
    from recommender import BuildConfig, IndexWriteError, RelatedIndex

    trace = open(command["trace"], "a", buffering=1)  # noqa: SIM115 - lives as long as the child

    started = time.perf_counter()

    def mark(stage: str) -> None:
        trace.write(f"{stage} {time.perf_counter() - started:.4f}\n")

    def progress(stage: str, done: int, total: int) -> None:
        mark(stage)
        if stage == command.get("kill_in"):
            os.kill(os.getpid(), signal.SIGKILL)

    if command.get("crash_at"):
        os.environ["RECOMMENDER_TEST_CRASH_AT"] = command["crash_at"]
    if command.get("fsize"):
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (command["fsize"], command["fsize"]))
    code = 0
    try:
        mark("start")
        index = RelatedIndex.build(articles, BuildConfig(n_neighbors=5), n_jobs=1,
                                   progress=progress)
        mark("save")
        index.save(command["target"])
        mark("saved")
    except IndexWriteError as exc:
        trace.write(f"error: {exc}\n")
        code = 3
    trace.close()
    os._exit(code)


def _fork(command: dict[str, Any], articles: list[Any]) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            _child(command, articles)
        finally:
            os._exit(70)
    return pid


def _status(pid: int) -> dict[str, Any]:
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return {"killed": killed, "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}


def run_together(commands: list[dict[str, Any]], corpora: dict[str, Any]) -> list[dict[str, Any]]:
    """Several children at once (two saves into one path), none killed."""
    pids = [_fork(c, corpora[c["corpus"]]) for c in commands]
    return [_status(pid) for pid in pids]


def run(command: dict[str, Any], articles: list[Any]) -> dict[str, Any]:
    start = time.perf_counter()
    pid = _fork(command, articles)
    if command.get("kill_after") is not None:
        time.sleep(command["kill_after"])
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return {**_status(pid), "seconds": time.perf_counter() - start}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for helpers
    articles = corpora()
    from recommender import BuildConfig, RelatedIndex

    # a first build imports what builds import lazily, once, before the forks
    RelatedIndex.build(articles["a"][:10], BuildConfig(n_neighbors=3, max_df=1.0), n_jobs=1)

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        if command["op"] == "together":
            answer: Any = run_together(command["builds"], articles)
        else:
            answer = run(command, articles[command["corpus"]])
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
