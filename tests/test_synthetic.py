"""The synthetic corpus generator: its planted answers must be right, or benchmarks lie."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic.py"


def _load() -> ModuleType:
    """Import benchmarks/synthetic.py by path: benchmarks/ is not a package."""
    spec = importlib.util.spec_from_file_location("synthetic", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while it executes
    spec.loader.exec_module(module)
    return module


syn = _load()
N = 400
KEYS = {"id", "title", "body", "tags", "published", "section", "language", "related"}


@pytest.fixture(scope="module")
def articles() -> list[dict]:
    return list(syn.generate(N, seed=3, mean_length=60))


def test_same_seed_same_corpus(articles: list[dict]) -> None:
    assert list(syn.generate(N, seed=3, mean_length=60)) == articles


def test_other_seed_other_corpus(articles: list[dict]) -> None:
    other = list(syn.generate(N, seed=4, mean_length=60))
    assert [a["body"] for a in other] != [a["body"] for a in articles]
    assert [a["related"] for a in other] != [a["related"] for a in articles]


def test_record_schema(articles: list[dict]) -> None:
    sections = {name for pair in syn.SECTIONS for name in pair}
    assert [a["id"] for a in articles] == syn.article_ids(N)
    for a in articles:
        assert set(a) == KEYS
        assert isinstance(a["title"], str) and 1 <= len(a["title"].split()) <= 12
        assert isinstance(a["body"], str) and a["body"].strip()
        assert isinstance(a["tags"], list) and all(isinstance(t, str) and t for t in a["tags"])
        assert len(set(a["tags"])) == len(a["tags"])
        assert re.fullmatch(r"20(1[5-9]|2[0-4])-\d\d-\d\d", a["published"])
        assert a["section"] in sections
        assert a["language"] in {"fr", "en"}
        json.dumps(a)  # serialisable as is


def test_related_exist_in_planted_cluster_without_self_links(articles: list[dict]) -> None:
    clusters = syn.planted_clusters(N, seed=3)
    pos = {a["id"]: i for i, a in enumerate(articles)}
    for i, a in enumerate(articles):
        assert 2 <= len(a["related"]) <= 4
        assert len(set(a["related"])) == len(a["related"])
        assert a["id"] not in a["related"]
        for rid in a["related"]:
            j = pos[rid]  # KeyError would mean a dangling link
            assert clusters[j] == clusters[i]
            assert articles[j]["language"] == a["language"]


def test_cluster_sizes_are_power_law_in_range() -> None:
    sizes = np.bincount(syn.planted_clusters(3000)).tolist()
    assert min(sizes) >= 3 and max(sizes) <= 52  # a folded remainder (< 3) may pass 50
    assert sorted(sizes)[len(sizes) // 2] < 10 < max(sizes)  # many small, a few big


def test_fixed_cluster_count() -> None:
    clusters = syn.planted_clusters(300, seed=1, clusters=20)
    assert len(set(clusters.tolist())) == 20


def test_language_mix(articles: list[dict]) -> None:
    langs = [a["language"] for a in articles]
    assert langs.count("fr") == round(0.6 * N)
    fr = " ".join(a["body"] for a in articles if a["language"] == "fr").lower()
    en = " ".join(a["body"] for a in articles if a["language"] == "en").lower()
    assert " de " in fr and " la " in fr and ("l'" in fr or "d'" in fr)
    assert " the " in en and " of " in en and " de " not in en
    only_en = list(syn.generate(50, seed=0, mean_length=20, fr_share=0.0))
    assert {a["language"] for a in only_en} == {"en"}


def test_mean_length_is_respected() -> None:
    bodies = [a["body"] for a in syn.generate(2000, seed=0, mean_length=80)]
    mean = sum(len(b.split()) for b in bodies) / len(bodies)
    assert 0.85 * 80 < mean < 1.1 * 80  # elisions glue two tokens into one word


def test_write_corpus_streams_jsonl(tmp_path: Path) -> None:
    out, truth = tmp_path / "c.jsonl", tmp_path / "truth.tsv"
    stats = syn.write_corpus(out, 120, seed=5, mean_length=30, clusters_out=truth)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(syn.generate(120, seed=5, mean_length=30))
    assert stats["articles"] == 120 and stats["bytes"] == out.stat().st_size
    assert len(truth.read_text().splitlines()) == 120


def test_output_reads_as_a_corpus(tmp_path: Path) -> None:
    try:
        from recommender import read_articles
    except ImportError:  # the reader is built in parallel; this check waits for it
        pytest.skip("recommender.read_articles not importable")
    out = tmp_path / "c.jsonl"
    syn.write_corpus(out, 60, seed=0, mean_length=30)
    assert len(read_articles(out)) == 60


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n": -1}, "expected n >= 0, got n=-1"),
        ({"n": 5, "mean_length": 0}, "got mean_length=0"),
        ({"n": 5, "fr_share": 1.5}, "got fr_share=1.5"),
        ({"n": 5, "topic_share": -0.1}, "got topic_share=-0.1"),
    ],
)
def test_bad_arguments_fail_early(kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        syn.generate(**kw)
