"""Start-up time: ``import recommender`` and ``recommender --version`` beside numpy and scipy.

Each case is a fresh interpreter (``subprocess.run``, wall time from spawn to exit); the
cases run interleaved, one round after another (each round starts one case later, so no
case always runs first), after one untimed warm-up round that fills the page cache and the
``.pyc`` files. Medians are reported. A last untimed run of each case under
``-X importtime`` counts the modules it imports and names the heavy ones it loads.

Goals (issue 9, "fast start"): ``recommender --version`` no slower than
``python -c "import numpy"``, and ``import recommender`` no slower than ``import scipy.sparse``.

    python benchmarks/startup.py --runs 15 --json benchmarks/results/startup-latest.json --readme
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling helper module
from readme_sections import replace_section  # noqa: E402

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
README = SCRIPT.with_name("README.md")
START, END = "<!-- startup:start -->", "<!-- startup:end -->"
HEAVY = ("numpy", "scipy", "sklearn", "joblib")
# key -> (what the table shows, interpreter arguments)
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": ("python -c pass", ("-c", "pass")),
    "numpy": ('python -c "import numpy"', ("-c", "import numpy")),
    "scipy.sparse": ('python -c "import scipy.sparse"', ("-c", "import scipy.sparse")),
    "import": ('python -c "import recommender"', ("-c", "import recommender")),
    "version": ("python -m recommender --version", ("-m", "recommender", "--version")),
    "index": ('python -c "import recommender; recommender.RelatedIndex"',
              ("-c", "import recommender; recommender.RelatedIndex")),
}
# (goal, measured case, reference case): the goal is reached when measured <= reference
GOALS = (
    ("`recommender --version` no slower than `import numpy`", "version", "numpy"),
    ("`import recommender` no slower than `import scipy.sparse`", "import", "scipy.sparse"),
)


def environment() -> dict[str, str]:
    """The checkout first on the path (and the children's working directory, which
    ``-c`` and ``-m`` put before it), so its code is what is measured.
    """
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *([path] if path else [])])}


def run_once(python: str, args: Sequence[str], env: dict[str, str]) -> float:
    """Seconds from spawn to exit of one fresh interpreter; a failure stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run([python, *args], env=env, cwd=ROOT, capture_output=True,  # noqa: S603
                          timeout=120, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{python} {' '.join(args)} exited with {done.returncode}: "
                           f"{done.stderr.decode(errors='replace').strip()[-500:]}")
    return seconds


def imports(python: str, args: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    """How many modules the case imports, and which of the heavy packages among them."""
    done = subprocess.run([python, "-X", "importtime", *args], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)
    names = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:") and "|" in line]
    modules = [n for n in names if n != "imported package"]
    return {"modules": len(modules),
            "heavy": [h for h in HEAVY if any(m.split(".")[0] == h for m in modules)]}


def measure(python: str, keys: Sequence[str], runs: int) -> dict[str, dict[str, Any]]:
    """``runs`` interleaved rounds of every case (after one warm-up round)."""
    env = environment()
    seconds: dict[str, list[float]] = {k: [] for k in keys}
    for r in range(runs + 1):
        order = [keys[(i + r) % len(keys)] for i in range(len(keys))]
        for key in order:
            value = run_once(python, CASES[key][1], env)
            if r:  # round 0 warms up
                seconds[key].append(value)
        print(f"round {r}/{runs} done", file=sys.stderr, flush=True)
    return {k: {"command": CASES[k][0], "seconds": seconds[k],
                "median_s": statistics.median(seconds[k]), "min_s": min(seconds[k]),
                "max_s": max(seconds[k]), **imports(python, CASES[k][1], env)} for k in keys}


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Measured median / reference median for each goal (<= 1: reached)."""
    return {f"{m} / {ref}": results[m]["median_s"] / results[ref]["median_s"]
            for _, m, ref in GOALS if m in results and ref in results}


def table(head: list[str], rows: list[list[str]]) -> str:
    """Aligned markdown table."""
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    cells = [head, ["-" * w for w in widths], *rows]
    return "\n".join("| " + " | ".join(x.ljust(w) for x, w in zip(r, widths, strict=True))
                     + " |" for r in cells)  # fmt: skip


def report(results: dict[str, dict[str, Any]], rat: dict[str, float]) -> str:
    """The timing table, then the goals with their ratios."""
    base = results.get("python", {}).get("median_s")
    rows = []
    for r in results.values():
        over = "—" if base is None else f"{(r['median_s'] - base) * 1000:.0f}"
        rows.append([f"`{r['command']}`", f"{r['median_s'] * 1000:.0f}",
                     f"{r['min_s'] * 1000:.0f}–{r['max_s'] * 1000:.0f}", over,
                     str(r["modules"]), ", ".join(r["heavy"]) or "none"])
    head = ["command", "median ms", "min–max ms", "over `python -c pass` ms", "modules imported",
            "heavy imported"]
    goal_rows = []
    for goal, m, ref in GOALS:
        value = rat.get(f"{m} / {ref}")
        measured = ("not measured" if value is None else
                    f"{value:.2f}x ({'reached' if value <= 1 else 'missed'})")
        goal_rows.append([goal, "ratio <= 1", measured])
    return (table(head, rows) + "\n\n### Goals\n\n"
            + table(["goal", "target", "measured (ratio of medians)"], goal_rows))


def machine(python: str) -> dict[str, Any]:
    """Platform, cores, the interpreter's version, package versions and the commit."""
    versions: dict[str, str | None] = {}
    for dist in ("recommender", "numpy", "scipy", "scikit-learn", "joblib", "click"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],  # noqa: S603
                             capture_output=True, text=True, timeout=60, check=False)
    info: dict[str, Any] = {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                            "python": version.stdout.strip(), "packages": versions,
                            "loadavg": os.getloadavg()}
    git = shutil.which("git")
    if git and (ROOT / ".git").exists():
        done = subprocess.run([git, "--no-optional-locks", "-C", str(ROOT), "rev-parse",  # noqa: S603
                               "--short", "HEAD"], capture_output=True, text=True, timeout=10,
                              check=False)
        info["commit"] = done.stdout.strip() or None
    return info


def readme_section(text: str, info: dict[str, Any], argv: Sequence[str], runs: int) -> str:
    """The "Start-up" section of benchmarks/README.md."""
    pk = ", ".join(f"{d} {v}" for d, v in info["packages"].items() if v)
    return (
        "## Start-up\n\n"
        "`benchmarks/startup.py` times fresh interpreters: how long `import recommender` and\n"
        "`recommender --version` take beside `import numpy` and `import scipy.sparse`, and what\n"
        "using the index then costs (`recommender.RelatedIndex` loads numpy, scipy, scikit-learn\n"
        f"and joblib). Wall time from spawn to exit; median of {runs} interleaved runs after one\n"
        "warm-up round (warm page cache and `.pyc` files); \"modules imported\" and \"heavy\n"
        "imported\" come from one more run under `python -X importtime`. `tests/test_startup.py`\n"
        "pins the module sets; times live here only.\n\n"
        f"Machine: {info['platform']}, {info['cpu_count']} cores, Python {info['python']}; {pk};\n"
        f"load average before the run {', '.join(f'{x:.2f}' for x in info['loadavg'])}. "
        "Shared machine: expect noise.\n"
        f"Command: `python benchmarks/startup.py {' '.join(argv)}`; "
        f"engine: commit {info.get('commit') or '?'}\n\n" + text
    )


def update_readme(text: str, path: Path | None = None) -> None:
    """Replace (or append) this script's README section, re-reading the file first."""
    replace_section(path or README, START, END, text)


def main(argv: list[str] | None = None) -> int:
    """Command line: parse, time every case, print the tables."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=15, help="timed runs per case (median reported)")
    p.add_argument("--cases", default=",".join(CASES), help=f"subset of {','.join(CASES)}")
    p.add_argument("--python", default=sys.executable,
                   help="interpreter to time (default: this one)")
    p.add_argument("--json", help="write raw times, machine and command here")
    p.add_argument("--readme", action="store_true",
                   help=f"rewrite the start-up section of {README.name}")
    a = p.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    keys = [k.strip() for k in a.cases.split(",") if k.strip()]
    if bad := [k for k in keys if k not in CASES]:
        p.error(f"unknown --cases {bad}; choose from {','.join(CASES)}")
    if a.runs < 1 or not keys:
        p.error(f"expected --runs >= 1 and at least one case, got --runs {a.runs}")
    info = machine(a.python)
    results = measure(a.python, keys, a.runs)
    rat = ratios(results)
    text = report(results, rat)
    print(text, flush=True)
    if a.json:
        out = {"command": ["benchmarks/startup.py", *argv], "machine": info, "runs": a.runs,
               "cases": results, "ratios": rat}
        Path(a.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if a.readme:
        update_readme(readme_section(text, info, argv, a.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
