"""Write an evaluation (and optionally a sweep) as JSON, Markdown tables and PNG plots.

``report.json`` holds every number (for scripts and for comparing runs), ``report.md``
the tables a person reads, and the plots are drawn only when matplotlib is importable
(``pip install "recommender[plot]"``): without it the JSON and Markdown are still written.
Plots use ``matplotlib.figure.Figure`` directly, so no pyplot state or backend of the
caller is touched. Every file is written to a temporary name and renamed into place, so
a reader never sees half a report.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from recommender.evaluation.harness import Evaluation, QueryResult
from recommender.evaluation.sweep import SweepResult
from recommender.store.atomic import atomic_write

__all__ = ["write_report"]

#: worst queries listed in report.md (report.json keeps them all)
HARDEST = 20
_PER_K = ("P", "R", "MAP", "nDCG", "Hit")


def write_report(
    directory: str | os.PathLike[str],
    result: Mapping[str, float],
    *,
    sweep: Sequence[SweepResult] | None = None,
    per_query: Evaluation | Sequence[QueryResult] | None = None,
    title: str = "Evaluation report",
    k: int | None = None,
    held_out: Any = None,
) -> list[Path]:
    """Write ``report.json``, ``report.md`` and, with matplotlib, PNG plots to ``directory``.

    ``result`` is what :func:`~recommender.evaluation.harness.evaluate` returned (with a
    sweep, usually the best configuration's metrics). ``k`` is the cutoff of the sweep
    table; it defaults to the largest cutoff in ``result``. ``held_out``: a
    :class:`~recommender.learn.held_out.HeldOutComparison` (formula against a learned
    ranking, per protocol), reported in its own section. Returns the paths written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rows = list(per_query.queries if isinstance(per_query, Evaluation) else per_query or [])
    cutoffs = _cutoffs(result)
    k = k if k is not None else (cutoffs[-1] if cutoffs else 10)
    document = {
        "title": title,
        "metrics": dict(result),
        "sweep": [_sweep_row(rank, r) for rank, r in enumerate(sweep or [], 1)],
        "per_query": [{"id": q.id, "metrics": q.metrics, "ranked": list(q.ranked),
                       "relevant": q.relevant} for q in rows],
    }
    if held_out is not None:
        document["held_out"] = held_out.to_dict()
    report = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    written = [
        atomic_write(out / "report.json", report),
        atomic_write(out / "report.md", _markdown(title, result, cutoffs, sweep or [], rows, k,
                                                  held_out)),
    ]
    figure = _figure_class()
    if figure is not None:
        if cutoffs:
            png = _plot_at_k(figure, result, cutoffs)
            written.append(atomic_write(out / "metrics_at_k.png", png))
        if sweep:
            written.append(atomic_write(out / "sweep.png", _plot_sweep(figure, list(sweep), k)))
    return written


# -- plotting library ---------------------------------------------------------------------


def _figure_class() -> Any:
    """``matplotlib.figure.Figure``, or None when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


# -- content --------------------------------------------------------------------------------


def _cutoffs(result: Mapping[str, float]) -> list[int]:
    found = {int(m.group(1)) for key in result if (m := re.fullmatch(r"MAP@(\d+)", key))}
    return sorted(found)


def _sweep_row(rank: int, r: SweepResult) -> dict[str, Any]:
    return {"rank": rank, "changes": r.changes, "config": r.config.to_dict(),
            "metrics": r.metrics, "build_seconds": r.build_seconds}


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _figure(key: str, value: float) -> Any:
    """Counts print as integers, every other figure with four decimals."""
    counted = key.startswith(("queries", "links")) and float(value).is_integer()
    return int(value) if counted else value


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    def cell(value: Any) -> str:
        return _fmt(value).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _markdown(
    title: str, result: Mapping[str, float], cutoffs: list[int],
    sweep: Sequence[SweepResult], rows: list[QueryResult], k: int, held_out: Any = None,
) -> str:
    lines = [f"# {title}", ""]
    if held_out is not None:
        lines += [f"## Formula against the learned ranking ({held_out.model}), on held-out "
                  "links", "",
                  f"{held_out.n_folds} folds of linked articles; each fold's model learned from "
                  "the links that touch none of its articles, in either direction. Figures: "
                  f"means over the held-out queries, ± the spread of MAP@{held_out.k} over "
                  "the folds.", ""]
        lines += held_out.table() + [""]
    if cutoffs:
        lines += ["## Ranking metrics (mean over queries)", ""]
        lines += _table(["k", *_PER_K],
                        [[c, *(result.get(f"{m}@{c}", "") for m in _PER_K)] for c in cutoffs])
    shown = {f"{m}@{c}" for m in _PER_K for c in cutoffs}
    others = [(key, value) for key, value in result.items() if key not in shown]
    if others:
        lines += ["## Other figures", ""]
        lines += _table(["figure", "value"], [(key, _figure(key, v)) for key, v in others])
    if sweep:
        lines += [f"## Sweep (best first by MAP@{k})", ""]
        lines += _table(
            ["rank", "changes", f"MAP@{k}", f"nDCG@{k}", "MRR", f"R@{k}", "build s"],
            [[n, r.label(), r.metrics.get(f"MAP@{k}", ""), r.metrics.get(f"nDCG@{k}", ""),
              r.metrics.get("MRR", ""), r.metrics.get(f"R@{k}", ""), r.build_seconds]
             for n, r in enumerate(sweep, 1)])
    if rows:
        key = f"MAP@{k}" if f"MAP@{k}" in rows[0].metrics else "MRR"
        hardest = sorted(rows, key=lambda q: q.metrics.get(key, 0.0))[:HARDEST]
        lines += [f"## Hardest queries (lowest {key}, {len(hardest)} of {len(rows)})", ""]
        lines += _table(
            ["query", key, "MRR", "relevant", "top results"],
            [[q.id, q.metrics.get(key, ""), q.metrics.get("MRR", ""), ", ".join(q.relevant),
              ", ".join(q.ranked[:5])] for q in hardest])
    return "\n".join(lines)


# -- plots ----------------------------------------------------------------------------------


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _plot_at_k(figure: Any, result: Mapping[str, float], cutoffs: list[int]) -> bytes:
    fig = figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for name in ("P", "R", "MAP", "nDCG"):
        ax.plot(cutoffs, [result.get(f"{name}@{c}", math.nan) for c in cutoffs],
                marker="o", label=name)
    ax.set_xlabel("k")
    ax.set_ylabel("mean over queries")
    ax.set_xticks(cutoffs)
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Ranking metrics at k")
    return _png(fig)


def _axis(values: list[Any]) -> list[str]:
    """Distinct values as tick labels: in numeric order when they are numbers."""
    distinct = list(dict.fromkeys(values))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct):
        distinct.sort()
    return [str(v) for v in distinct]


def _plot_sweep(figure: Any, sweep: list[SweepResult], k: int) -> bytes:
    metric = f"MAP@{k}"
    names = list(sweep[0].changes)
    fig = figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    if len(names) == 2:
        xs, ys = (_axis([r.changes[name] for r in sweep]) for name in names)
        grid = [[math.nan] * len(xs) for _ in ys]
        for r in sweep:
            grid[ys.index(str(r.changes[names[1]]))][xs.index(str(r.changes[names[0]]))] = (
                r.metrics.get(metric, math.nan))
        image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
        ax.set_xticks(range(len(xs)), xs)
        ax.set_yticks(range(len(ys)), ys)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        known = [v for values in grid for v in values if not math.isnan(v)]
        middle = (min(known) + max(known)) / 2 if known else 0.0
        for row, values in enumerate(grid):
            for col, value in enumerate(values):
                if not math.isnan(value):
                    ax.text(col, row, f"{value:.3f}", ha="center", va="center",
                            color="black" if value > middle else "white")
        fig.colorbar(image, ax=ax, label=metric)
    else:
        labels = [r.label() for r in sweep]
        ax.barh(range(len(sweep)), [r.metrics.get(metric, math.nan) for r in sweep])
        ax.set_yticks(range(len(sweep)), labels)
        ax.invert_yaxis()
        ax.set_xlabel(metric)
    ax.set_title(f"Sweep: {metric}")
    return _png(fig)
