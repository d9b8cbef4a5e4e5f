"""Offline evaluation: metrics over known related links (a harness builds on them)."""

from __future__ import annotations

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

__all__ = [
    "Relevance",
    "average_precision_at_k",
    "catalogue_coverage",
    "hit_at_k",
    "intra_list_diversity",
    "latency_percentiles",
    "mean_metrics",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "reciprocal_rank",
]
