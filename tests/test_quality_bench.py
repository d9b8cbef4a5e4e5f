"""Smoke test of benchmarks/quality.py on a small corpus, scikit-learn-only systems."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from helpers import make_corpus

from recommender.corpus.reader import write_articles

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "quality.py"


@pytest.fixture(scope="module")
def quality() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quality_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    path = tmp_path / "small" / "articles.jsonl"
    path.parent.mkdir()
    write_articles(make_corpus(per_cluster=6), path)
    return path


def test_table_and_json(
    quality: ModuleType, corpus_path: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out.json"
    args = [str(corpus_path), "--systems", "ours,sklearn,sklearn-tuned,tags", "--json", str(out)]
    assert quality.main(args) == 0
    text = capsys.readouterr().out
    for name in ("recommender (defaults)", "sklearn TfidfVectorizer",
                 "sklearn TfidfVectorizer (tuned)", "tag overlap (Jaccard)"):
        assert f"| {name} " in text
    assert "gensim" not in text and "MAP@10 / best peer" in text
    assert "ratio to the tuned scikit-learn TF-IDF" in text
    raw = json.loads(out.read_text())
    (corpus,) = raw["corpora"]
    assert corpus["same_section"] is True  # several sections, no link across them
    assert [s["system"] for s in corpus["systems"]] == ["ours", "sklearn", "sklearn-tuned", "tags"]
    maps = {s["system"]: s["metrics"]["MAP@10"] for s in corpus["systems"]}
    rat = corpus["ratio"]
    assert rat["best_peer_map"] == max(maps["sklearn"], maps["sklearn-tuned"], maps["tags"])
    assert rat["tuned_sklearn_map"] == maps["sklearn-tuned"]
    tuned = rat["to_tuned_sklearn"]["recommender (defaults)"]
    assert tuned == pytest.approx(maps["ours"] / maps["sklearn-tuned"])
    for system in corpus["systems"]:
        assert system["status"] == "ok" and system["queries"] == corpus["queries"] > 0
        assert not any("candidate rules" in note for note in system["notes"])
        for key in ("MAP@10", "nDCG@10", "MRR", "R@10", "P@10"):
            assert 0.0 <= system["metrics"][key] <= 1.0
    assert raw["machine"]["cpu_count"] and raw["command"][0].endswith("quality.py")


def test_missing_peer_is_reported_not_fatal(
    quality: ModuleType, corpus_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, _ = quality.SYSTEMS["gensim"]
    monkeypatch.setitem(quality.SYSTEMS, "gensim", (name, ("no_such_module_for_test",)))
    assert quality.main([str(corpus_path), "--systems", "gensim,sklearn", "--k", "3"]) == 0
    text = capsys.readouterr().out
    assert f"| {name} | unavailable (ModuleNotFoundError" in text
    assert "| sklearn TfidfVectorizer " in text


def test_unknown_system_is_a_usage_error(quality: ModuleType, corpus_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        quality.main([str(corpus_path), "--systems", "ours,nope"])
    assert exc.value.code == 2


def test_readme_section_is_replaced_in_place(quality: ModuleType, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nother text\n", encoding="utf-8")
    quality.update_readme("## Quality: side by side\n\nfirst", readme)
    quality.update_readme("## Quality: side by side\n\nsecond", readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nother text\n")
    assert text.count(quality.START) == 1 and "second" in text and "first" not in text


def test_violations_catch_self_and_other_sections(quality: ModuleType, corpus_path: Path) -> None:
    c = quality.load_corpus(str(corpus_path), "yes", None)
    q = c.queries[0]
    other = next(c.ids[i] for i in range(len(c.ids)) if c.codes[i] != c.codes[q])
    same = next(c.ids[i] for i in range(len(c.ids)) if c.codes[i] == c.codes[q] and i != q)
    rest: list[list[str]] = [[] for _ in c.queries[1:]]
    assert quality._violations(c, [[same], *rest], k=10) == 0
    for bad in ([c.ids[q]], [other], [same, same], ["unknown-id"], [same] * 11):
        assert quality._violations(c, [bad, *rest], k=10) == 1


def test_config_row_needs_a_config(quality: ModuleType, corpus_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        quality.main([str(corpus_path), "--systems", "ours-config"])
    assert exc.value.code == 2
