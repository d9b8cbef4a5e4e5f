"""The one progress protocol: every long call reports each stage from 0 to its total."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_corpus

from recommender.cli.output import ProgressBars
from recommender.config.build import BuildConfig
from recommender.evaluation.harness import evaluate
from recommender.evaluation.sweep import sweep
from recommender.index.related_index import RelatedIndex
from recommender.pipeline import build_from_files
from recommender.progress import Progress


class Recorder:
    """A progress callback that keeps every call, then checks them against the contract."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.calls.append((stage, done, total))

    def stages(self) -> list[str]:
        return list(dict.fromkeys(stage for stage, _, _ in self.calls))

    def check_contract(self) -> None:
        for stage in self.stages():
            calls = [(done, total) for s, done, total in self.calls if s == stage]
            assert calls[0][0] == 0, f"{stage} starts at {calls[0]}"
            assert calls[-1][0] == calls[-1][1], f"{stage} ends at {calls[-1]}"
            dones = [done for done, _ in calls]
            assert dones == sorted(dones), f"{stage} goes back: {dones}"
            assert all(0 <= done <= total for done, total in calls)


def test_build_from_files_reports_vectorize_then_neighbours(tmp_path: Path) -> None:
    arts = make_corpus(per_cluster=5, seed=2)
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"id": a.id, "title": a.title, "tags": list(a.tags)})
                            + "\n" for a in arts), encoding="utf-8")
    progress = Recorder()
    build_from_files([path], tmp_path / "idx", BuildConfig(n_neighbors=4), progress=progress)
    assert progress.stages() == ["vectorize", "neighbours"]
    assert progress.calls[-1] == ("neighbours", len(arts), len(arts))
    progress.check_contract()


def test_indexed_evaluation_reports_from_zero_to_every_query() -> None:
    arts = make_corpus(per_cluster=6)
    index = RelatedIndex.build(arts)
    progress = Recorder()
    evaluate(index, arts, k=5, ks=(5,), latency=False, progress=progress)
    queries = sum(1 for a in arts if a.related)
    assert progress.calls[0] == ("evaluate", 0, queries)
    assert progress.calls[-1] == ("evaluate", queries, queries)
    progress.check_contract()


def test_sweep_reports_one_unit_per_configuration() -> None:
    arts = make_corpus(per_cluster=4)
    progress = Recorder()
    sweep(arts, BuildConfig(), {"tag_weight": [0.0, 0.5]}, k=5, ks=(5,), progress=progress)
    assert progress.calls == [("sweep", 0, 2), ("sweep", 1, 2), ("sweep", 2, 2)]
    progress.check_contract()


def test_plain_functions_and_the_cli_bars_are_progress_callbacks() -> None:
    seen: list[str] = []

    def log(name: str, n: int, of: int) -> None:  # any parameter names fit
        seen.append(f"{name} {n}/{of}")

    callbacks: list[Progress] = [log, ProgressBars(enabled=False)]
    for callback in callbacks:
        callback("sweep", 0, 1)
    assert seen == ["sweep 0/1"]
