"""Neighbour blocks on a Dask cluster give exactly the local serial result.

One module-scoped LocalCluster (2 worker processes, loopback only) serves every test.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from helpers import make_corpus

from recommender import distributed
from recommender.cli import main
from recommender.config.build import BuildConfig
from recommender.corpus.reader import write_articles
from recommender.distributed import ClusterError, dask_cluster
from recommender.errors import RecommenderError
from recommender.index.related_index import RelatedIndex
from recommender.search import parallel as _parallel
from recommender.search.topk import plan_blocks

pytest.importorskip("distributed")
import dask  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

UNREACHABLE = "tcp://127.0.0.1:1"  # nothing listens on port 1 of loopback
#: 300 articles and a 1 MiB budget: several blocks; same_section and query_terms send the
#: candidate arrays and the pruning path to the workers too
CONFIGS = [BuildConfig(block_mib=1),
           BuildConfig(block_mib=1, same_section=True, query_terms=6)]


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with dask.config.set({"distributed.comm.timeouts.connect": "20s"}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        try:
            with Client(cluster, timeout=20) as c:  # the default client while it is open
                c.wait_for_workers(2, timeout=30)
                yield c
        finally:
            cluster.close(timeout=20)


@pytest.fixture(scope="module")
def articles() -> list[Any]:
    return make_corpus(per_cluster=60)


def assert_same_graph(got: RelatedIndex, expected: RelatedIndex) -> None:
    np.testing.assert_array_equal(np.asarray(got.graph.neighbors),
                                  np.asarray(expected.graph.neighbors))
    np.testing.assert_array_equal(np.asarray(got.graph.scores), np.asarray(expected.graph.scores))


@pytest.mark.parametrize("config", CONFIGS, ids=["plain", "sections+query_terms"])
def test_parallel_config_dask_equals_serial_build(client, articles, config, monkeypatch):
    serial = RelatedIndex.build(articles, config)
    assert len(plan_blocks(serial.space.X, serial.space.searcher.XT, config.block_mib << 20)) >= 4
    scattered: list[Any] = []
    scatter = client.scatter

    def counting_scatter(data: Any, *args: Any, **kwargs: Any) -> Any:
        scattered.append(data)
        return scatter(data, *args, **kwargs)

    monkeypatch.setattr(client, "scatter", counting_scatter)
    seen: list[tuple[str, int, int]] = []
    with joblib.parallel_config(backend="dask"):
        # n_jobs=None: the configured backend decides, and here that is the cluster
        on_dask = RelatedIndex.build(articles, config,
                                     progress=lambda *a: seen.append(a))
    assert_same_graph(on_dask, serial)
    # X, X.T (and the section codes) went to the cluster once, not once per block
    assert len(scattered) == 2 + config.same_section
    assert sum(sp.issparse(data) for data in scattered) == 2
    steps = [done for stage, done, _ in seen if stage == "neighbours"]
    assert steps[0] == 0 and steps[-1] == len(articles) and steps == sorted(steps)
    assert len(steps) > 2  # one report per block, as results arrive


def test_dask_cluster_helper_equals_serial_build(client, articles):
    config = CONFIGS[1]
    serial = RelatedIndex.build(articles, config)
    with dask_cluster(client.scheduler.address, timeout=10) as helper_client:
        assert helper_client.status == "running"
        assert joblib.effective_n_jobs(None) == 2  # the workers' threads
        on_dask = RelatedIndex.build(articles, config)
    assert helper_client.status == "closed"
    assert joblib.effective_n_jobs(None) == 1  # the caller's configuration is restored
    assert_same_graph(on_dask, serial)


def test_serial_default_does_not_touch_joblib(articles, monkeypatch):
    def no_parallel(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("joblib.Parallel used for a serial build")

    monkeypatch.setattr(_parallel, "Parallel", no_parallel)
    for n_jobs in (None, 1):
        assert len(RelatedIndex.build(articles, CONFIGS[0], n_jobs=n_jobs)) == len(articles)


def test_cli_build_on_dask_scheduler_equals_local(client, articles, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    write_articles(articles, corpus)
    runner = CliRunner()
    common = ["build", os.fspath(corpus), "--set", "block_mib=1", "--quiet"]
    local = runner.invoke(main, [*common, "-o", os.fspath(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    remote = runner.invoke(main, [*common, "-o", os.fspath(tmp_path / "dask"),
                                  "--dask-scheduler", client.scheduler.address])
    assert remote.exit_code == 0, remote.output
    assert_same_graph(RelatedIndex.load(tmp_path / "dask"), RelatedIndex.load(tmp_path / "local"))


def test_cli_unreachable_scheduler_is_a_one_line_error(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    write_articles(make_corpus(per_cluster=2), corpus)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(main, ["build", os.fspath(corpus), "-o",
                                           os.fspath(tmp_path / "out"), "--quiet",
                                           "--dask-scheduler", UNREACHABLE])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: cannot connect to the Dask scheduler at {UNREACHABLE}")
    assert "dask scheduler" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_jobs_and_dask_scheduler_are_exclusive(tmp_path):
    result = CliRunner().invoke(main, ["build", os.fspath(tmp_path / "c.jsonl"), "--jobs", "2",
                                       "--dask-scheduler", UNREACHABLE])
    assert result.exit_code == 2
    assert "--jobs and --dask-scheduler cannot be used together" in result.stderr


def test_unreachable_and_malformed_addresses_raise_cluster_error():
    with pytest.raises(ClusterError, match=r"at tcp://127\.0\.0\.1:1 within 1 s.*dask worker"):
        with dask_cluster(UNREACHABLE, timeout=1):
            pass  # pragma: no cover
    with pytest.raises(ClusterError, match=r"'nonsense' is not a Dask scheduler address"):
        with dask_cluster("nonsense", timeout=1):
            pass  # pragma: no cover
    assert issubclass(ClusterError, RecommenderError) and issubclass(ClusterError, OSError)


# its scheduler's HTTP server finds the module cluster's on the default port and moves
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")
def test_scheduler_without_workers_raises_cluster_error():
    with LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as empty:
        with pytest.raises(ClusterError, match=r"has no worker after 0\.5 s; start workers"):
            with dask_cluster(empty.scheduler_address, timeout=0.5):
                pass  # pragma: no cover


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import now fails
    with pytest.raises(ClusterError, match=r"pip install 'recommender\[dask\]'"):
        with dask_cluster("tcp://127.0.0.1:8786"):
            pass  # pragma: no cover


class _FakeClient:
    def __init__(self, found: dict[str, Any]) -> None:
        self.found = found

    def run(self, func: Any, *args: Any, on_error: str = "raise") -> dict[str, Any]:
        assert on_error == "return"  # a worker without the package is reported, not raised
        return self.found


def test_workers_without_this_version_are_refused(monkeypatch):
    monkeypatch.setattr(distributed, "_installed_version", lambda: "1.0")
    distributed._check_workers(_FakeClient({"tcp://w1": "1.0"}), "tcp://s:8786")
    found = {"tcp://w1": "1.0", "tcp://w2": "0.9", "tcp://w3": ModuleNotFoundError("x")}
    with pytest.raises(ClusterError, match=r"tcp://w2: 0\.9, tcp://w3: not installed\); "
                                           r"install recommender==1\.0"):
        distributed._check_workers(_FakeClient(found), "tcp://s:8786")


def test_readme_documents_the_cluster_section():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start, end = readme.index("<!-- dask:start -->"), readme.index("<!-- dask:end -->")
    section = readme[start:end]
    assert "## Running on a Dask cluster" in section
    assert "--dask-scheduler" in section and 'parallel_config(backend="dask")' in section
    assert readme.index("## Benchmarks") < start
