"""Language-aware text analysis: tokens for the index, canonical tags, language guesses.

>>> from recommender.analysis import get_analyzer, normalize_tag
>>> get_analyzer("fr")("La coopération sécuritaire")
['cooper', 'securitair']
>>> normalize_tag("#États-Unis ")
'etats-unis'
"""

from recommender.analysis._unicode import fold_accents
from recommender.analysis.analyzer import Analyzer, get_analyzer
from recommender.analysis.detect import detect_language
from recommender.analysis.languages import (
    LanguageSpec,
    available_languages,
    register_language,
)
from recommender.analysis.tags import normalize_tag, normalize_tags

__all__ = [
    "Analyzer",
    "LanguageSpec",
    "available_languages",
    "detect_language",
    "fold_accents",
    "get_analyzer",
    "normalize_tag",
    "normalize_tags",
    "register_language",
]
