"""The edge of the pipeline: corpus files and plain records in, checked :class:`Article` out."""

from recommender.corpus.reader import (
    Format,
    article_to_record,
    articles_from_records,
    iter_articles,
    open_corpus,
    read_articles,
    write_articles,
)

__all__ = [
    "Format",
    "article_to_record",
    "articles_from_records",
    "iter_articles",
    "open_corpus",
    "read_articles",
    "write_articles",
]
