"""Smoke test of benchmarks/archive.py on a tiny corpus (the real run is 1M articles)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from helpers import make_corpus

from recommender.corpus.reader import write_articles

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "archive.py"


def load_script():
    spec = importlib.util.spec_from_file_location("archive_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_archive_build_and_serve(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_articles(make_corpus(per_cluster=12), corpus)
    out = tmp_path / "result.json"
    archive = load_script()
    assert archive.main([str(corpus), str(tmp_path / "idx"), "--queries", "5",
                         "--overlap-rows", "20", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    build, serve = result["build"], result["serve"]
    assert build["articles"] == 60
    assert build["total_s"] >= build["vectorize_s"] > 0 and build["peak_rss_mb"] > 0
    assert serve["related_p99_us"] >= serve["related_p50_us"] > 0
    assert serve["similar_p50_ms"] > 0 and serve["load_to_first_query_s"] > 0
    assert 0.5 <= serve["overlap_at_k_pruned_vs_exact"] <= 1.0
    assert build["peak_rss_tree_mb"] >= build["peak_rss_mb"] > 0
