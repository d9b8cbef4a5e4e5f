"""recommender: related stories for publishing sites (TF-IDF + tag overlap)."""

from recommender.config import BuildConfig
from recommender.corpus import read_articles
from recommender.errors import (
    ClusterError,
    ConfigError,
    CorpusError,
    IndexFormatError,
    IndexIntegrityError,
    RecommenderError,
    UnknownArticleError,
)
from recommender.evaluation.harness import evaluate
from recommender.index import RelatedIndex
from recommender.records import Article, Related
from recommender.vectorize import ArticleVectorizer

__all__ = [
    "Article",
    "ArticleVectorizer",
    "BuildConfig",
    "ClusterError",
    "ConfigError",
    "CorpusError",
    "IndexFormatError",
    "IndexIntegrityError",
    "RecommenderError",
    "Related",
    "RelatedIndex",
    "UnknownArticleError",
    "evaluate",
    "read_articles",
]
