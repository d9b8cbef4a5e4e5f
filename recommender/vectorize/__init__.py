"""Articles to sparse rows whose dot product is the documented similarity."""

from recommender.vectorize.vectorizer import ArticleVectorizer

__all__ = ["ArticleVectorizer"]
