"""Smoke test of benchmarks/speed.py at a tiny size: our engine only, peers skipped."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "speed.py"


@pytest.fixture(scope="module")
def speed() -> ModuleType:
    spec = importlib.util.spec_from_file_location("speed_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_table_and_json(
    speed: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # a peer whose package is missing is reported, not fatal (checked before any child runs)
    monkeypatch.setitem(speed.PEERS, "gensim", ("gensim (test)", ("no_such_module_for_test",)))
    out = tmp_path / "speed.json"
    args = ["--sizes", "300", "--peers", "gensim,tfidf,baseline", "--queries", "30",
            "--load-repeats", "1", "--modes", "exact,pruned,default", "--vectorize-repeats", "2",
            "--workdir", str(tmp_path / "work"), "--json", str(out)]  # fmt: skip
    assert speed.main(args) == 0
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if line.startswith("| system"))
    for column in ("read s", "vectorize s", "neighbours s", "save s", "build s", "peak RSS MB",
                   "index B/art", "nbr B/art", "load s", "related p50/p99 µs",
                   "similar p50/p99 ms", "overlap@10"):  # fmt: skip
        assert column in header
    assert "| gensim (test) " in text and "unavailable: ModuleNotFoundError" in text
    assert "### Goals" in text and "Neighbour table" in text
    raw = json.loads(out.read_text(encoding="utf-8"))
    assert raw["machine"]["cpu_count"] and raw["command"][0].endswith("speed.py")
    (size,) = raw["sizes"]
    assert size["n"] == 300 and size["corpus"]["articles"] == 300
    systems = {s["system"]: s for s in size["systems"]}
    assert systems["gensim"]["status"] == "unavailable"
    for key in ("ours-exact", "ours-pruned"):
        s = systems[key]
        assert s["status"] == "ok", s["reason"]
        assert set(s["stages"]) == {"read", "vectorize", "neighbours", "save"}
        assert s["build_s"] == pytest.approx(sum(s["stages"].values()))
        assert s["peak_rss_mb"] > 0 and s["index_bytes"] > s["neighbour_bytes"] > 0
        assert set(s["load_s"]) == {"verify", "no-verify", "imports"}
        assert s["latency"]["related"]["count"] == 30 and s["latency"]["similar"]["p50"] > 0
        # related() interleaved with a bare read of the stored row, id by id
        for name in ("related plain", "row read", "row + ids read"):
            assert s["latency"][name]["count"] == 30 and s["latency"][name]["p50"] > 0
        ratio = size["ratios"][f"{key} related() / row + ids read, p50"]
        assert ratio == pytest.approx(s["latency"]["related"]["p50"]
                                      / s["latency"]["row + ids read"]["p50"])
        warm = s["extra"]["first_query_warm"]
        assert warm["load_s"] > 0 and warm["similar_ms"] > 0 and warm["related_us"] > 0
        assert s["extra"]["first_query_cold"]["similar_ms"] > 0
    assert 0.0 <= systems["ours-pruned"]["overlap"] <= 1.0
    # "default" is BuildConfig() exactly as it is: its own K (50), and 300 articles are
    # searched exactly (auto), which the notes say
    auto = systems["ours-auto"]
    assert auto["status"] == "ok" and 0.0 <= auto["overlap"] <= 1.0
    assert auto["extra"]["chosen_query_terms"] is None and auto["extra"]["k_stored"] == 50
    assert "auto chose exact search at 300 articles; K=50" in text
    # issue 13's exact baseline: TfidfVectorizer + sparse_dot_topn at the default K
    base = systems["baseline"]
    assert base["status"] == "ok", base["reason"]
    assert set(base["stages"]) == {"read", "vectorize", "neighbours", "save"}
    assert size["ratios"]["ours-auto / baseline, build"] == pytest.approx(
        auto["build_s"] / base["build_s"])
    assert "Goals (issue 13: fast by default)" in text and "goal ≤ 0.25×" in text
    # our vectorize stage against scikit-learn's, in one process: a ratio and a goal row
    pair = systems["tfidf"]["extra"]["vectorize_pair"]
    assert len(pair["ours_runs"]) == len(pair["sklearn_runs"]) == 2
    ratio = size["ratios"]["ours / sklearn TfidfVectorizer, vectorize (same process)"]
    assert ratio == pytest.approx(pair["ours"] / pair["sklearn"])
    assert "Vectorize against scikit-learn" in text and "goal ≤ 1×" in text


def test_corpus_is_reused(speed: ModuleType, tmp_path: Path) -> None:
    path, first = speed.ensure_corpus(tmp_path, 40, 50, 0)
    again, second = speed.ensure_corpus(tmp_path, 40, 50, 0)
    assert again == path and not first["reused"] and second["reused"]
    other, third = speed.ensure_corpus(tmp_path, 40, 60, 0)
    assert other != path and not third["reused"]


def test_topk_table_drops_self_and_orders(speed: ModuleType) -> None:
    rows = speed.np.array([0, 0, 0, 1, 1])
    cols = speed.np.array([0, 2, 1, 1, 0])
    vals = speed.np.array([1.0, 0.5, 0.5, 1.0, 0.2])
    idx, val = speed._topk_table(rows, cols, vals, 3, 2)
    assert idx.tolist() == [[1, 2], [0, -1], [-1, -1]]
    assert val[0].tolist() == [0.5, 0.5]


def test_unknown_peer_is_a_usage_error(speed: ModuleType) -> None:
    with pytest.raises(SystemExit) as exc:
        speed.main(["--sizes", "300", "--peers", "nope"])
    assert exc.value.code == 2


def test_readme_section_is_replaced_in_place(speed: ModuleType, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nother\n<!-- quality:start -->\nq\n<!-- quality:end -->\n",
                      encoding="utf-8")  # fmt: skip
    speed.update_readme("## Speed\n\nfirst", readme)
    speed.update_readme("## Speed\n\nsecond", readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nother\n<!-- quality:start -->\nq\n")
    assert text.count(speed.START) == 1 and "second" in text and "first" not in text
