"""recommender: related stories for publishing sites (TF-IDF + tag overlap)."""

from recommender.config.build import BuildConfig
from recommender.corpus.reader import read_articles
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
from recommender.index.related_index import RelatedIndex
from recommender.records import Article, Related
from recommender.vectorize.vectorizer import ArticleVectorizer

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
