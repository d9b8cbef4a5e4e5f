"""Grid search over build settings, scored by the evaluation harness.

Each point of the cartesian grid is a :class:`BuildConfig` (the base with some fields
changed); it is built once, evaluated, and the results come back best first by MAP@k.
The articles are read once by the caller and shared by every build. Points that give the
same configuration, or that differ only in ``block_mib`` (a memory budget that changes
no result), reuse the first one's index and metrics instead of being built again.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from recommender.config.build import BuildConfig, coerce_value
from recommender.errors import ConfigError
from recommender.evaluation.harness import Protocol, evaluate
from recommender.evaluation.links import Link
from recommender.index.related_index import RelatedIndex
from recommender.progress import Progress
from recommender.records import Article

__all__ = ["SweepResult", "parse_sweep_option", "sweep"]

_FIELDS = tuple(f.name for f in fields(BuildConfig))
# fields that change how an index is computed but not what it contains
_NO_EFFECT = ("block_mib",)


@dataclass(frozen=True)
class SweepResult:
    """One configuration of a sweep: its grid values (``changes``), metrics, build time.

    ``changes`` holds every grid field, coerced, even one equal to the base value.
    """

    config: BuildConfig
    changes: dict[str, Any]
    metrics: dict[str, float]
    build_seconds: float

    def label(self) -> str:
        """``tag_weight=0.2 bigrams=True``, or ``(base)`` for an empty grid."""
        return " ".join(f"{k}={v}" for k, v in self.changes.items()) or "(base)"


def parse_sweep_option(text: str) -> tuple[str, list[Any]]:
    """``"tag_weight=0,0.1,0.2"`` -> ``("tag_weight", [0.0, 0.1, 0.2])``.

    Values are coerced to the field's type as a TOML or ``--set`` value would be, and
    errors name the option. Limits that involve other fields (e.g. ``tag_weight`` with
    ``title_match_weight``) are checked by :func:`sweep`, on each grid point.

    Examples
    --------
    >>> parse_sweep_option("tag_weight=0,0.5")
    ('tag_weight', [0.0, 0.5])
    >>> parse_sweep_option("bigrams=true,false")
    ('bigrams', [True, False])
    """
    name, sep, values = text.partition("=")
    field = name.strip().replace("-", "_").lower()
    source = f"--sweep {text!r}"
    if not sep or not field or not values.strip():
        raise ConfigError(f"{source}: expected FIELD=V1,V2,... (e.g. --sweep tag_weight=0,0.3)")
    if field not in _FIELDS:
        raise ConfigError(f"{source}: unknown setting {name.strip()!r}; valid settings are "
                          f"{', '.join(_FIELDS)}")
    # types only: limits that involve other fields are checked when the grid is built
    return field, [coerce_value(field, v.strip(), source) for v in values.split(",")]


def sweep(
    articles: Sequence[Article],
    base_config: BuildConfig,
    grid: Mapping[str, Sequence[Any]],
    *,
    k: int = 10,
    ks: Sequence[int] = (5, 10),
    protocol: Protocol | str = "indexed",
    links: Sequence[Link] | None = None,
    n_folds: int = 5,
    seed: int = 0,
    max_queries: int | None = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
) -> list[SweepResult]:
    """Build and evaluate every configuration of ``grid``; best MAP@k first.

    ``grid`` maps :class:`BuildConfig` field names to the values to try; ties keep grid
    order. ``links`` defaults to the articles' ``related`` ids. The other keywords are
    those of :func:`~recommender.evaluation.harness.evaluate`. An empty grid evaluates
    ``base_config`` alone.
    """
    arts = list(articles)
    unknown = sorted(set(grid) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"unknown sweep setting(s) {', '.join(unknown)}; valid settings are "
                          f"{', '.join(_FIELDS)}")
    for name, values in grid.items():
        if isinstance(values, str) or not list(values):
            raise ConfigError(f"sweep setting {name}: expected a non-empty list of values, "
                              f"got {values!r}")
    names = list(grid)
    points = [dict(zip(names, combo, strict=True))
              for combo in itertools.product(*(list(grid[n]) for n in names))]
    configs = []
    for changes in points:  # validate every point before the first (slow) build
        try:
            configs.append(base_config.replace(**changes))
        except ConfigError as exc:
            where = " ".join(f"{n}={v}" for n, v in changes.items())
            raise ConfigError(f"sweep point {where}: {exc}; change the grid") from None
    scored: dict[BuildConfig, tuple[dict[str, float], float]] = {}
    results: list[SweepResult] = []
    for done, config in enumerate(configs):
        if progress is not None:
            progress("sweep", done, len(points))
        key = config.replace(**{f: getattr(base_config, f) for f in _NO_EFFECT})
        if key not in scored:
            start = time.perf_counter()
            index = RelatedIndex.build(arts, config, n_jobs=n_jobs)
            seconds = time.perf_counter() - start
            metrics = evaluate(index, arts if links is None else list(links),
                               articles=None if links is None else arts, k=k, ks=ks,
                               protocol=protocol, n_folds=n_folds, seed=seed,
                               max_queries=max_queries, n_jobs=n_jobs)
            scored[key] = (metrics, seconds)
        metrics, seconds = scored[key]
        point = {n: getattr(config, n) for n in names}
        results.append(SweepResult(config, point, dict(metrics), seconds))
    if progress is not None:
        progress("sweep", len(points), len(points))
    target = f"MAP@{k}"
    return sorted(results, key=lambda r: -r.metrics[target])
