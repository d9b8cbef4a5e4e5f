"""Smoke test of benchmarks/startup.py: one timed run per case, tables, JSON, README."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "startup.py"


@pytest.fixture(scope="module")
def startup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("startup_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_table_and_json(
    startup: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "startup.json"
    assert startup.main(["--runs", "1", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    header = text.splitlines()[0]
    for column in ("command", "median ms", "min–max ms", "modules imported", "heavy imported"):
        assert column in header
    assert "### Goals" in text and "`recommender --version` no slower than" in text
    raw = json.loads(out.read_text(encoding="utf-8"))
    assert raw["command"][0].endswith("startup.py") and raw["machine"]["cpu_count"]
    cases = raw["cases"]
    assert set(cases) == set(startup.CASES)
    for case in cases.values():
        assert len(case["seconds"]) == 1 and case["median_s"] > 0 and case["modules"] > 0
    # what the goals rest on: the light paths load no heavy package, the index loads all
    assert cases["import"]["heavy"] == [] and cases["version"]["heavy"] == []
    assert cases["index"]["heavy"] == ["numpy", "scipy", "sklearn", "joblib"]
    assert cases["numpy"]["heavy"] == ["numpy"]
    assert set(raw["ratios"]) == {"version / numpy", "import / scipy.sparse"}
    assert raw["ratios"]["version / numpy"] == pytest.approx(
        cases["version"]["median_s"] / cases["numpy"]["median_s"])


def test_a_subset_leaves_goals_unmeasured(
    startup: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert startup.main(["--runs", "1", "--cases", "python,import"]) == 0
    text = capsys.readouterr().out
    assert "not measured" in text and "numpy" not in text.split("### Goals")[0]


def test_unknown_case_is_a_usage_error(startup: ModuleType) -> None:
    with pytest.raises(SystemExit) as exc:
        startup.main(["--cases", "nope"])
    assert exc.value.code == 2


def test_readme_section_is_replaced_in_place(startup: ModuleType, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\n<!-- speed:start -->\ns\n<!-- speed:end -->\n",
                      encoding="utf-8")
    startup.update_readme("## Start-up\n\nfirst", readme)
    startup.update_readme("## Start-up\n\nsecond", readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n<!-- speed:start -->\ns\n<!-- speed:end -->\n")
    assert text.count(startup.START) == 1 and "second" in text and "first" not in text
