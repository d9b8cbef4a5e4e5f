"""The formula against a learned ranking, per protocol, on links the model never saw.

For each fold of linked articles (:func:`~recommender.learn.folds.query_folds`), a model
of one kind is fitted on the links that touch none of the fold's articles
(:func:`~recommender.learn.folds.training_links`; pairs whose candidate is one of them
are not learned from either) and the fold's articles are scored, under each protocol of
the evaluation harness, by the formula (the index as built) and by the index re-ordered
by that fold's model:

- ``indexed`` and ``as-of-date``: the whole index, every row re-ordered by the model;
- ``cold``: an index built without the fold's articles, as the harness builds it, and a
  model fitted on that index from the same training links.

Every held-out query is scored once per protocol and ranking; the figures are the means
over all of them, and the spread is the standard deviation of the per-fold MAP@k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recommender.errors import RecommenderError
from recommender.evaluation.harness import PROTOCOLS, QueryResult, evaluate_per_query
from recommender.evaluation.links import Link
from recommender.evaluation.metrics import mean_metrics
from recommender.index.related_index import RelatedIndex
from recommender.learn.cv import known_links
from recommender.learn.folds import query_folds, training_links
from recommender.learn.tune import fit_ranking, split_ranking
from recommender.progress import Progress
from recommender.records import Article

RANKINGS = ("formula", "tuned")


@dataclass
class HeldOutComparison:
    """Per protocol and ranking: the held-out queries' rows and each fold's MAP@k."""

    model: str
    k: int
    n_folds: int
    rows: dict[str, dict[str, list[QueryResult]]] = field(default_factory=dict)
    map_per_fold: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    #: protocol -> why some folds had nothing to score (e.g. as-of-date on links that all
    #: point to newer stories)
    skipped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, dict[str, float]]]:
        """protocol -> ranking -> the mean metrics over every held-out query, with
        ``queries`` and the fold spread ``MAP@k std``."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for protocol, by_ranking in self.rows.items():
            if not by_ranking["formula"]:
                continue
            out[protocol] = {}
            for ranking, rows in by_ranking.items():
                metrics = mean_metrics(r.metrics for r in rows)
                metrics["queries"] = float(len(rows))
                metrics[f"MAP@{self.k} std"] = float(np.std(self.map_per_fold[protocol][ranking]))
                out[protocol][ranking] = metrics
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "k": self.k, "folds": self.n_folds,
                "summary": self.summary(), "map_per_fold": self.map_per_fold,
                "skipped": self.skipped}

    def table(self) -> list[str]:
        """A Markdown table: MAP@k (± fold spread), MRR and R@k of both rankings."""
        k = self.k
        lines = [f"| protocol | queries | formula MAP@{k} | tuned ({self.model}) MAP@{k} | "
                 f"tuned / formula | formula MRR | tuned MRR | formula R@{k} | tuned R@{k} |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for protocol, by_ranking in self.summary().items():
            f, t = by_ranking["formula"], by_ranking["tuned"]
            key = f"MAP@{k}"
            ratio = t[key] / f[key] if f[key] else float("nan")
            lines.append(
                f"| {protocol} | {int(f['queries'])} | {f[key]:.4f} ± {f[key + ' std']:.4f} | "
                f"{t[key]:.4f} ± {t[key + ' std']:.4f} | {ratio:.3f}x | {f['MRR']:.4f} | "
                f"{t['MRR']:.4f} | {f[f'R@{k}']:.4f} | {t[f'R@{k}']:.4f} |")
        for protocol, why in self.skipped.items():
            lines.append(f"| {protocol} | skipped in some folds: {why} |" + " |" * 7)
        return lines


def compare_held_out(index: RelatedIndex, articles: Sequence[Article], *,
                     model: str = "trees", protocols: Sequence[str] = PROTOCOLS,
                     n_folds: int = 5, seed: int = 0, k: int = 10,
                     progress: Progress | None = None) -> HeldOutComparison:
    """Score ``index`` (untuned: its order is the formula's) and, fold by fold, the same
    index with a ``model`` fitted on the other folds' links; see the module docstring."""
    split_ranking(model)  # a known model, or ValueError
    if index._parts.learned is not None:
        raise ValueError("compare_held_out() needs the untuned index (the formula's order); "
                         "rebuild it from the corpus with the tuned index's config")
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown:
        raise ValueError(f"unknown protocol {unknown[0]!r}; choose from {', '.join(PROTOCOLS)}")
    links = known_links(index, articles)
    if len(links) < n_folds:
        raise ValueError(f"{len(links)} articles with links: too few for {n_folds} folds")
    rules = index.query.replace(curated_first=False, fallback=())
    result = HeldOutComparison(model=model, k=k, n_folds=n_folds)
    for protocol in protocols:
        result.rows[protocol] = {r: [] for r in RANKINGS}
        result.map_per_fold[protocol] = {r: [] for r in RANKINGS}
    folds = query_folds(list(links), n_folds, seed)
    for number, fold in enumerate(folds):
        if progress is not None:
            progress("held-out fold", number, len(folds))
        held = set(fold)
        train = {s: list(ts) for s, ts in training_links(links, held).items() if ts}
        tested = [Link(q, t) for q in fold for t in links[q]]
        tuned = fit_ranking(index, train, model, held_out=held)

        def refit(sub: RelatedIndex, held_ids: set[str],
                  train: Mapping[str, Sequence[str]] = train) -> RelatedIndex:
            return fit_ranking(sub, train, model, held_out=held_ids)

        for protocol in protocols:
            cold = protocol == "cold"
            try:
                scored = {ranking: evaluate_per_query(
                    ranked, tested, articles=articles, k=k, ks=(k,), protocol=protocol,
                    latency=False, query=rules, folds=[fold] if cold else None,
                    refit=refit if cold and ranking == "tuned" else None)
                    for ranking, ranked in (("formula", index),
                                            ("tuned", index if cold else tuned))}
            except RecommenderError as exc:  # nothing of this fold is scorable
                result.skipped[protocol] = " ".join(str(exc).split())
                continue
            for ranking, evaluation in scored.items():
                result.rows[protocol][ranking].extend(evaluation.queries)
                result.map_per_fold[protocol][ranking].append(evaluation.metrics[f"MAP@{k}"])
    if progress is not None:
        progress("held-out fold", len(folds), len(folds))
    return result
