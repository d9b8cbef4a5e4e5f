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
