"""recommender: related stories for publishing sites (TF-IDF + tag overlap).

The public names are loaded on first use (PEP 562): ``import recommender`` costs the
errors and the records only, and numpy, scipy, scikit-learn and joblib are imported
when ``RelatedIndex``, ``ArticleVectorizer`` or ``evaluate`` are first touched. The
``TYPE_CHECKING`` imports let mypy and IDEs see every name as before.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from recommender.errors import (
    ClusterError,
    ConfigError,
    CorpusError,
    IndexFormatError,
    IndexIntegrityError,
    IndexLockError,
    IndexWriteError,
    RecommenderError,
    UnknownArticleError,
    UnknownLanguageError,
)
from recommender.records import Article, Explanation, Related

if TYPE_CHECKING:
    from recommender.config.build import BuildConfig
    from recommender.corpus.reader import read_articles
    from recommender.evaluation.harness import evaluate
    from recommender.index.handle import IndexHandle
    from recommender.index.related_index import RelatedIndex
    from recommender.learn.tune import tune
    from recommender.query.config import QueryConfig
    from recommender.vectorize.vectorizer import ArticleVectorizer

__all__ = [
    "Article",
    "ArticleVectorizer",
    "BuildConfig",
    "ClusterError",
    "ConfigError",
    "CorpusError",
    "Explanation",
    "IndexFormatError",
    "IndexHandle",
    "IndexIntegrityError",
    "IndexLockError",
    "IndexWriteError",
    "QueryConfig",
    "RecommenderError",
    "Related",
    "RelatedIndex",
    "UnknownArticleError",
    "UnknownLanguageError",
    "evaluate",
    "read_articles",
    "tune",
]

# public name -> the module that defines it, imported on first access
_LAZY = {
    "ArticleVectorizer": "recommender.vectorize.vectorizer",
    "BuildConfig": "recommender.config.build",
    "IndexHandle": "recommender.index.handle",
    "QueryConfig": "recommender.query.config",
    "RelatedIndex": "recommender.index.related_index",
    "evaluate": "recommender.evaluation.harness",
    "read_articles": "recommender.corpus.reader",
    "tune": "recommender.learn.tune",
}


def __getattr__(name: str) -> Any:
    """Import the module behind a lazy public name, then cache the name here.

    Subpackages and modules resolve too (``rc.corpus.articles_from_records``), as they
    did when this file imported them eagerly.
    """
    module = _LAZY.get(name)
    if module is None:
        if name.startswith("_") or importlib.util.find_spec(f"{__name__}.{name}") is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return importlib.import_module(f"{__name__}.{name}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    """The module's names, lazy ones included (for ``dir()`` and tab completion)."""
    return sorted(set(globals()) | set(__all__))
