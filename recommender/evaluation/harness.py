"""Score an index against known related links, under three protocols.

A *query* is a source article with at least one usable link; its relevant set is its link
targets (with their grades). Every link is accounted for, never silently dropped::

    links = links_used + links_self + links_duplicate + links_missing
            + links_unreachable + links_sampled_out

- ``links_self``: source == target (ignored).
- ``links_duplicate``: the same (source, target) again; the highest grade is kept.
- ``links_missing``: source or target not in the index.
- ``links_unreachable``: the protocol makes the target impossible to recommend (below).
- ``links_sampled_out``: links of queries left out by ``max_queries``.

Protocols
---------
``indexed``
    Every article is in the index; each query reads ``index.related(source)``.
``cold``
    The real situation of an article being published: it is not in the index yet. The
    query ids are shuffled (seeded) into ``n_folds`` folds; for each fold a new index is
    built, with ``index.config``, from every article except that fold's queries, and
    each held-out query is answered by ``similar(article)``. A target held out in the
    same fold cannot be recommended: it counts in ``links_unreachable`` and leaves the
    relevant set. A query with no target left is skipped (``queries_skipped``). The
    fold's other queries also leave the candidate pool, and shorter relevant sets raise
    R@k and MAP@k, so with few folds those read optimistic (vdd_fr: MAP@10 0.403 with 2
    folds, 0.383 with 5, 0.382 with 10; MRR stays near 0.53). More folds are closer to
    the truth but cost more builds (``n_folds`` in all).
``as-of-date``
    Only articles published before the query were candidates when it was published:
    ``index.related(source, published_before=source.published)``. Queries without a date
    are skipped (their links are unreachable); targets published on or after the query
    date, or undated, are unreachable. Dates are read from the articles.

Other figures: ``coverage`` is the share of the index found in at least one top-k list;
``diversity`` is the mean intra-list diversity (1 - cosine of index vectors) of the top-k
lists of at most 500 queries (a seeded sample, so it stays cheap); ``latency_*_ms`` are
percentiles of the ``related``/``similar`` calls (index builds excluded).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from recommender.errors import RecommenderError
from recommender.evaluation.links import Link, links_from_articles
from recommender.evaluation.metrics import (
    catalogue_coverage,
    intra_list_diversity,
    latency_percentiles,
    mean_metrics,
    ranking_metrics,
)
from recommender.index.related_index import RelatedIndex
from recommender.progress import Progress
from recommender.query.config import QueryConfig
from recommender.records import Article
from recommender.validation import check_k

__all__ = ["PROTOCOLS", "Evaluation", "QueryResult", "evaluate", "evaluate_per_query"]

Protocol = Literal["indexed", "cold", "as-of-date"]
PROTOCOLS: tuple[str, ...] = ("indexed", "cold", "as-of-date")
DIVERSITY_SAMPLE = 500

_COUNTERS = ("links", "links_used", "links_self", "links_duplicate", "links_missing",
             "links_unreachable", "links_sampled_out")


@dataclass(frozen=True)
class QueryResult:
    """One scored query: its id, its metrics, what it was shown and what was relevant."""

    id: str
    metrics: dict[str, float]
    ranked: tuple[str, ...]
    relevant: dict[str, float]


@dataclass(frozen=True)
class Evaluation:
    """Summary metrics (what :func:`evaluate` returns) and the per-query rows behind them."""

    metrics: dict[str, float]
    queries: list[QueryResult] = field(default_factory=list)


def evaluate(
    index: RelatedIndex,
    articles_or_links: Sequence[Article] | Sequence[Link],
    *,
    articles: Sequence[Article] | None = None,
    k: int = 10,
    ks: Sequence[int] = (5, 10),
    protocol: Protocol | str = "indexed",
    n_folds: int = 5,
    seed: int = 0,
    latency: bool = True,
    max_queries: int | None = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
    query: QueryConfig | None = None,
) -> dict[str, float]:
    """Mean ranking metrics of ``index`` over known links, plus counts and latency.

    ``articles_or_links`` is a list of :class:`Article` (links from their ``related``) or
    of :class:`Link`; with links, pass ``articles`` for the ``cold`` (text) and
    ``as-of-date`` (dates) protocols. Metrics are computed at every cutoff of ``ks`` and
    at ``k``, which is also the depth of ``coverage`` and ``diversity``. ``max_queries``
    scores a seeded sample of the queries. See the module docstring for the protocols.

    ``query`` holds the rules the lists are read with; by default the index's own
    (:attr:`RelatedIndex.query`) without editor links first and without fallback fills:
    the graded links *are* the editor links, and fills are not recommendations.

    Examples
    --------
    >>> from recommender import Article, RelatedIndex
    >>> arts = [Article(id="a", title="Sécheresse au Maroc", tags=("Eau",), related=("b",)),
    ...         Article(id="b", title="Barrages et sécheresse", tags=("Eau",)),
    ...         Article(id="c", title="Football : la CAN", tags=("Sport",))]
    >>> report = evaluate(RelatedIndex.build(arts), arts, k=2, ks=(1, 2), latency=False)
    >>> report["MAP@2"], report["queries"], report["links_missing"]
    (1.0, 1.0, 0.0)
    """
    return evaluate_per_query(
        index, articles_or_links, articles=articles, k=k, ks=ks, protocol=protocol,
        n_folds=n_folds, seed=seed, latency=latency, max_queries=max_queries, n_jobs=n_jobs,
        progress=progress, query=query,
    ).metrics


def evaluate_per_query(
    index: RelatedIndex,
    articles_or_links: Sequence[Article] | Sequence[Link],
    *,
    articles: Sequence[Article] | None = None,
    k: int = 10,
    ks: Sequence[int] = (5, 10),
    protocol: Protocol | str = "indexed",
    n_folds: int = 5,
    seed: int = 0,
    latency: bool = True,
    max_queries: int | None = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
    query: QueryConfig | None = None,
    folds: Sequence[Sequence[str]] | None = None,
    refit: Callable[[RelatedIndex, set[str]], RelatedIndex] | None = None,
) -> Evaluation:
    """Like :func:`evaluate`, also keeping each query's row (for reports and error analysis).

    For the ``cold`` protocol, ``folds`` (lists of query ids) replaces the seeded split,
    and ``refit(index, held_out_ids)`` turns each fold's rebuilt index into the one that
    answers (a learned ranking judged on links it never saw:
    :mod:`recommender.learn.held_out`)."""
    cutoffs = _cutoffs(k, ks)
    rules = query if query is not None else index.query.replace(curated_first=False,
                                                                fallback=())
    if rules.curated_first:
        raise ValueError("evaluate() grades lists against editor links, which curated_first "
                         "would show first: pass a query with curated_first=False")
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if max_queries is not None and (isinstance(max_queries, bool) or max_queries < 1):
        raise ValueError(f"expected max_queries >= 1 or None, got max_queries={max_queries!r}")
    links, by_id = _inputs(articles_or_links, articles, protocol)
    counts = dict.fromkeys(_COUNTERS, 0)
    counts["links"] = len(links)
    relevant = relevant_links(index, links, counts)
    queries = list(relevant)
    if max_queries is not None and max_queries < len(queries):
        keep = set(random.Random(seed).sample(queries, max_queries))  # noqa: S311
        for q in queries:
            if q not in keep:
                counts["links_sampled_out"] += len(relevant[q])
        queries = [q for q in queries if q in keep]
    depth = max(cutoffs)
    run = _cold if protocol == "cold" else _indexed
    answers, seconds, skipped = run(index, queries, relevant, by_id, depth, protocol,
                                    counts, n_folds=n_folds, seed=seed, n_jobs=n_jobs,
                                    progress=progress, rules=rules, folds=folds, refit=refit)
    if not answers:
        raise RecommenderError(
            f"no query left to score under protocol {protocol!r}: {len(links)} links, "
            f"{counts['links_self']} self, {counts['links_missing']} with an id missing from "
            f"the index of {len(index)} articles, {counts['links_unreachable']} unreachable; "
            "check that the links refer to the indexed articles"
        )
    rows = [QueryResult(q, ranking_metrics(ranked, relevant[q], cutoffs), tuple(ranked[:depth]),
                        dict(relevant[q])) for q, ranked in answers]
    counts["links_used"] = sum(len(r.relevant) for r in rows)
    summary = mean_metrics(r.metrics for r in rows)
    summary["queries"] = float(len(rows))
    summary["queries_skipped"] = float(skipped)
    summary.update({name: float(value) for name, value in counts.items()})
    tops = [list(r.ranked[:k]) for r in rows]
    summary["coverage"] = catalogue_coverage(tops, len(index))
    summary["diversity"] = _diversity(index, tops, seed)
    if latency:
        summary.update({f"latency_{key}": v for key, v in latency_percentiles(seconds).items()})
    return Evaluation(summary, rows)


# -- inputs ---------------------------------------------------------------------------------


def _cutoffs(k: int, ks: Sequence[int] | int) -> list[int]:
    """``k`` and every cutoff of ``ks`` (a bare int is read as one cutoff), sorted."""
    cutoffs = [ks] if isinstance(ks, int) else list(ks)
    values = [check_k(k), *(check_k(v, f"ks[{i}]") for i, v in enumerate(cutoffs))]
    return sorted(set(values))


def _inputs(
    given: Sequence[Article] | Sequence[Link],
    articles: Sequence[Article] | None,
    protocol: str,
) -> tuple[list[Link], dict[str, Article]]:
    """Links to score and the articles (by id) that the protocol may need."""
    items = list(given)
    if all(isinstance(item, Link) for item in items):
        links = [item for item in items if isinstance(item, Link)]
        arts = list(articles) if articles is not None else []
    elif all(isinstance(item, Article) for item in items):
        arts = [item for item in items if isinstance(item, Article)]
        if articles is not None:
            raise ValueError("articles= is for a list of links; the articles were already "
                             "given as the first argument")
        links = links_from_articles(arts)
    else:
        kinds = sorted({type(item).__name__ for item in items})
        raise TypeError(f"expected a list of Article or a list of Link, got {', '.join(kinds)}")
    if protocol != "indexed" and not arts:
        raise ValueError(f"protocol {protocol!r} needs the articles' text and dates: pass "
                         "articles=read_articles(...) along with the links")
    return links, {a.id: a for a in arts}


def relevant_links(
    index: RelatedIndex, links: Sequence[Link], counts: dict[str, int] | None = None
) -> dict[str, dict[str, float]]:
    """``source -> {target: grade}`` of usable links (both ends indexed, not a self-link;
    a repeated pair keeps its highest grade), sources in first-seen order. ``counts``
    (the harness's counters) records what was left out and why."""
    if counts is None:
        counts = dict.fromkeys(_COUNTERS, 0)
    relevant: dict[str, dict[str, float]] = {}
    for link in links:
        if link.source == link.target:
            counts["links_self"] += 1
        elif link.source not in index or link.target not in index:
            counts["links_missing"] += 1
        else:
            targets = relevant.setdefault(link.source, {})
            if link.target in targets:
                counts["links_duplicate"] += 1
                targets[link.target] = max(targets[link.target], link.grade)
            else:
                targets[link.target] = link.grade
    return relevant


# -- protocols ------------------------------------------------------------------------------

Answers = tuple[list[tuple[str, list[str]]], list[float], int]


def _indexed(
    index: RelatedIndex, queries: list[str], relevant: dict[str, dict[str, float]],
    by_id: dict[str, Article], depth: int, protocol: str, counts: dict[str, int],
    *, progress: Progress | None, rules: QueryConfig, **_: Any,
) -> Answers:
    """``indexed`` and ``as-of-date``: query the index by id, with a date guard for the latter."""
    answers: list[tuple[str, list[str]]] = []
    seconds: list[float] = []
    skipped = 0
    if progress is not None:
        progress("evaluate", 0, len(queries))
    for done, q in enumerate(queries, 1):
        if progress is not None and (done % 100 == 0 or done == len(queries)):
            progress("evaluate", done, len(queries))
        before = None
        if protocol == "as-of-date":
            article = by_id.get(q)
            before = article.published if article is not None else None
            targets = relevant[q]
            late = [t for t in targets if before is None or not _earlier(by_id.get(t), before)]
            counts["links_unreachable"] += len(late)
            for t in late:
                del targets[t]
            if not targets:
                skipped += 1
                continue
        start = time.perf_counter()
        results = index.related(q, k=depth, query=rules, published_before=before)
        seconds.append(time.perf_counter() - start)
        answers.append((q, [r.id for r in results]))
    return answers, seconds, skipped


def _earlier(article: Article | None, day: Any) -> bool:
    return article is not None and article.published is not None and article.published < day


def _cold(
    index: RelatedIndex, queries: list[str], relevant: dict[str, dict[str, float]],
    by_id: dict[str, Article], depth: int, protocol: str, counts: dict[str, int],
    *, n_folds: int, seed: int, n_jobs: int | None, progress: Progress | None,
    rules: QueryConfig, folds: Sequence[Sequence[str]] | None = None,
    refit: Callable[[RelatedIndex, set[str]], RelatedIndex] | None = None, **_: Any,
) -> Answers:
    """Hold each fold of queries out of a fresh index and query it with ``similar``."""
    if folds is None and (isinstance(n_folds, bool) or not isinstance(n_folds, int)
                          or n_folds < 2):
        raise ValueError(f"expected n_folds >= 2 for the cold protocol, got n_folds={n_folds!r}")
    lacking = [i for i in index.ids if i not in by_id]
    if lacking:
        raise RecommenderError(
            f"the cold protocol rebuilds the index from the articles, but {len(lacking)} "
            f"indexed id(s) have no article, e.g. {lacking[0]!r}; pass the corpus the index "
            "was built from"
        )
    if folds is not None:
        fold_of = {q: f for f, fold in enumerate(folds) for q in fold}
        n_folds = len(folds)
    else:
        order = np.random.default_rng(seed).permutation(len(queries))
        n_folds = min(n_folds, len(queries))
        fold_of = {queries[p]: f for f, chunk in enumerate(np.array_split(order, n_folds))
                   for p in chunk.tolist()}
    indexed = index.ids
    answers: dict[str, list[str]] = {}
    seconds: list[float] = []
    skipped = 0
    done = 0
    for fold in range(n_folds):
        if progress is not None:
            progress("fold", fold, n_folds)
        held = {q for q, f in fold_of.items() if f == fold}
        todo: list[str] = []
        for q in [q for q in queries if q in held]:
            targets = relevant[q]
            gone = [t for t in targets if t in held]
            counts["links_unreachable"] += len(gone)
            for t in gone:
                del targets[t]
            if targets:
                todo.append(q)
            else:
                skipped += 1
        if todo:
            sub = RelatedIndex.build([by_id[i] for i in indexed if i not in held],
                                     index.config, n_jobs=n_jobs)
            if refit is not None:
                sub = refit(sub, held)
            for q in todo:
                start = time.perf_counter()
                results = sub.similar(by_id[q], k=depth, query=rules)
                seconds.append(time.perf_counter() - start)
                answers[q] = [r.id for r in results]
        done += len(held)
        if progress is not None:
            progress("evaluate", done, len(queries))
    if progress is not None:
        progress("fold", n_folds, n_folds)
    return [(q, answers[q]) for q in queries if q in answers], seconds, skipped


# -- diversity ------------------------------------------------------------------------------


def _diversity(index: RelatedIndex, lists: list[list[str]], seed: int) -> float:
    """Mean intra-list diversity, 1 - cosine of index vectors, over a sample of lists."""
    if len(lists) > DIVERSITY_SAMPLE:
        picked = sorted(random.Random(seed).sample(range(len(lists)), DIVERSITY_SAMPLE))  # noqa: S311
        lists = [lists[i] for i in picked]
    values = []
    for ranked in lists:
        ids = list(dict.fromkeys(ranked))
        if len(ids) < 2:
            values.append(0.0)
            continue
        V = index.vectors(ids)
        gram = (V @ V.T).toarray()
        norms = np.sqrt(np.clip(np.diag(gram), 1e-12, None))
        cos = np.clip(gram / np.outer(norms, norms), 0.0, 1.0)
        pos = {id_: i for i, id_ in enumerate(ids)}
        values.append(intra_list_diversity(ids, lambda a, b: float(cos[pos[a], pos[b]])))  # noqa: B023
    return float(np.mean(values)) if values else 0.0
