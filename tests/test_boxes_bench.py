"""Smoke test of benchmarks/boxes.py on the bundled demo corpus (the real run uses the
shared corpora)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "boxes.py"
DEMO = ROOT / "recommender" / "data" / "demo.jsonl"


@pytest.fixture(scope="module")
def boxes() -> ModuleType:
    spec = importlib.util.spec_from_file_location("boxes_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_demo_corpus_json(boxes: ModuleType, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "boxes.json"
    missing = tmp_path / "absent" / "articles.jsonl"
    assert boxes.main([str(DEMO), str(missing), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| min_score=0.02 " in text and "| curated_first " in text
    raw = json.loads(out.read_text(encoding="utf-8"))
    demo, skipped = raw["corpora"]
    assert skipped == {"path": str(missing), "name": "absent", "status": "skipped",
                       "reason": "file not found"}
    assert demo["status"] == "ok" and demo["articles"] == 140 and demo["queries"] > 0
    rows = {r["key"]: r for r in demo["variants"]}
    assert list(rows) == [key for key, _ in boxes.RULES]
    for row in rows.values():
        assert set(row["metrics"]) == {"MAP@10", "nDCG@10", "ILD@10", "empty", "short"}
        assert all(0.0 <= v <= 1.0 for v in row["metrics"].values()), row
        assert 0 < row["items_per_box"] <= 10 and row["p50_us"] > 0

    plain, default = rows["plain"], rows["default"]
    assert plain["query"] == boxes.QueryConfig.plain().to_dict()
    assert default["query"]["curated_first"] is False and default["query"]["fallback"] == []
    assert (default["query"]["min_score"], default["query"]["dedupe"]) == (0.01, 0.9)
    # the demo mixes French and English: the default rules take items out of plain boxes
    assert "removed_per_box" not in plain and default["removed_per_box"] > 0
    assert rows["same_language"]["removed_per_box"] > 0
    assert default["metrics"] != plain["metrics"]
    # a high floor empties slots that plain fills
    assert rows["min_score=0.05"]["metrics"]["short"] > plain["metrics"]["short"] == 0.0
    assert rows["diversity=0.5"]["metrics"]["ILD@10"] > plain["metrics"]["ILD@10"]

    held = demo["curated_first"]
    assert held["queries"] > 0 and held["shown_links"] > 0 and held["held_out_links"] > 0
    assert held["plain"]["curated_slot_share"] == 0.0
    assert 0.0 < held["curated_first"]["curated_slot_share"] <= 1.0
    assert held["curated_first"]["shown_links_in_box"] == 1.0
    for key in ("plain", "curated_first"):
        assert all(0.0 <= v <= 1.0 for v in held[key]["metrics"].values())
    assert 0.0 <= demo["fallback"]["filled_share"] <= 1.0
    floor = raw["recommended"]["min_score"]  # None: no floor meets the rule on this corpus
    assert floor is None or floor >= 0.01


def test_split_keeps_one_link_each_side(boxes: ModuleType) -> None:
    from recommender.records import Article

    c = boxes.Corpus("x", [Article("a", related=("b", "c", "d")), Article("b", related=("a",)),
                           Article("c", related=("a", "b")), Article("d")])
    split = boxes.split_links(c, seed=0)
    assert sorted(split) == [0, 2]  # "b" has a single link
    for q, (shown, held) in split.items():
        assert shown and held and sorted(shown + held) == sorted(c.relevant[c.queries.index(q)])
    assert split == boxes.split_links(c, seed=0)


def test_readme_section_is_replaced_in_place(boxes: ModuleType, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nother text\n", encoding="utf-8")
    boxes.update_readme(f"{boxes.TITLE}\n\nfirst", readme)
    boxes.update_readme(f"{boxes.TITLE}\n\nsecond", readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nother text\n")
    assert text.count(boxes.START) == 1 and "second" in text and "first" not in text
