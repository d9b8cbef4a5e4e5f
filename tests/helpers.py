"""Test data builders shared by the test modules."""

from __future__ import annotations

import datetime as dt
import random

from recommender.records import Article

_CLUSTERS = {
    "eau": ("fr", ["sécheresse", "barrage", "pluie", "nappe", "irrigation", "réservoir",
                   "agriculteurs", "pénurie"], ["Sécheresse", "Eau"]),
    "foot": ("fr", ["football", "sélection", "entraîneur", "buteur", "stade", "championnat",
                    "supporters", "victoire"], ["Football", "Sport"]),
    "train": ("fr", ["train", "gare", "voyageurs", "ligne", "vitesse", "billet", "rails",
                     "Boraq"], ["Transport", "Ferroviaire"]),
    "rates": ("en", ["inflation", "rates", "bank", "monetary", "borrowing", "mortgage",
                     "economists", "policy"], ["Economy", "Central bank"]),
    "mars": ("en", ["rover", "mars", "crater", "nasa", "sample", "orbit", "landing",
                    "geology"], ["Space", "Science"]),
}
_FILLER = {
    "fr": ["le", "la", "les", "de", "des", "un", "une", "et", "pour", "dans", "selon",
           "cette", "semaine", "pays", "région", "annonce"],
    "en": ["the", "a", "of", "and", "to", "in", "for", "this", "week", "country", "said",
           "officials", "report"],
}


def clean_environment(monkeypatch, columns: int | None = None) -> None:
    """No ``RECOMMENDER_*`` setting from the machine leaks into a CLI test; ``columns``
    fixes the width tables are drawn to."""
    import os

    for name in list(os.environ):
        if name.startswith("RECOMMENDER_"):
            monkeypatch.delenv(name)
    if columns is not None:
        monkeypatch.setenv("COLUMNS", str(columns))


def make_corpus(per_cluster: int = 8, seed: int = 0) -> list[Article]:
    """Articles in 5 clusters (3 French, 2 English), each with its own words and tags."""
    rng = random.Random(seed)
    articles = []
    for name, (lang, words, tags) in _CLUSTERS.items():
        for i in range(per_cluster):
            body = " ".join(
                rng.choice(words) if rng.random() < 0.4 else rng.choice(_FILLER[lang])
                for _ in range(40)
            )
            title = " ".join(rng.sample(words, 3)).capitalize()
            articles.append(Article(
                id=f"{name}-{i}", title=title, body=body, tags=tuple(tags[: 1 + i % 2]),
                published=dt.date(2024, 1, 1) + dt.timedelta(days=7 * i),
                section=name, language=lang,
                related=tuple(f"{name}-{j}" for j in range(i) if j >= i - 2),
            ))
    return articles


def plain_build(*args, **kwargs):
    """``RelatedIndex.build`` whose boxes are the stored neighbours as ranked (no floor,
    no dedupe, no editor links first, no fallback): what tests of the ranking compare."""
    from recommender.index.related_index import RelatedIndex
    from recommender.query.config import QueryConfig

    kwargs.setdefault("query", QueryConfig.plain())
    return RelatedIndex.build(*args, **kwargs)


def date_rule_index(seed: int = 3, days: int = 20, sites: bool = False):
    """An index whose editors link by a rule of dates only, which the similarity formula
    cannot see: each story (3 days after the previous one) links the stored candidates
    published 1 to ``days`` days after it. With ``sites``, stories alternate between
    sections "site-a" and "site-b", and site-b's editors link the earlier stories instead.
    Returns the index (built with those links) and its articles."""
    import dataclasses

    from recommender import BuildConfig, RelatedIndex

    start = dt.date(2024, 1, 1)
    arts = [dataclasses.replace(a, related=(), published=start + dt.timedelta(days=3 * i),
                                section=("site-a" if i % 2 else "site-b") if sites
                                else a.section)
            for i, a in enumerate(make_corpus(per_cluster=30, seed=seed))]
    config = BuildConfig(n_neighbors=40, time_weight=0.0, same_section=sites)
    first = RelatedIndex.build(arts, config)
    by_id = {a.id: a for a in arts}
    linked = []
    for a in arts:
        sign = -1 if sites and a.section == "site-b" else 1
        later = [r.id for r in first.related(a.id, k=40, query=first.query.plain())
                 if 1 <= sign * (by_id[r.id].published - a.published).days <= days]
        linked.append(dataclasses.replace(a, related=tuple(later)))
    return RelatedIndex.build(linked, config), linked
