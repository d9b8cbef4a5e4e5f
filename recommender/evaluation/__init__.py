"""Offline evaluation: metrics, the harness over known links, sweeps and reports.

``sweep()`` itself is imported from :mod:`recommender.evaluation.sweep`: re-exporting it
here would hide that module behind a function of the same name.
"""

from __future__ import annotations

from recommender.evaluation.harness import (
    PROTOCOLS,
    Evaluation,
    QueryResult,
    evaluate,
    evaluate_per_query,
)
from recommender.evaluation.links import Link, links_from_articles, read_links
from recommender.evaluation.metrics import (
    Relevance,
    average_precision_at_k,
    catalogue_coverage,
    hit_at_k,
    intra_list_diversity,
    latency_percentiles,
    mean_metrics,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    reciprocal_rank,
)
from recommender.evaluation.report import write_report
from recommender.evaluation.sweep import SweepResult, parse_sweep_option

__all__ = [
    "PROTOCOLS",
    "Evaluation",
    "Link",
    "QueryResult",
    "Relevance",
    "SweepResult",
    "average_precision_at_k",
    "catalogue_coverage",
    "evaluate",
    "evaluate_per_query",
    "hit_at_k",
    "intra_list_diversity",
    "latency_percentiles",
    "links_from_articles",
    "mean_metrics",
    "ndcg_at_k",
    "parse_sweep_option",
    "precision_at_k",
    "ranking_metrics",
    "read_links",
    "recall_at_k",
    "reciprocal_rank",
    "write_report",
]
