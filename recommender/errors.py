"""Exceptions raised by the library.

Each one subclasses :class:`RecommenderError` *and* the builtin it resembles, so
callers can catch either (``except KeyError`` keeps working for unknown ids).
"""

from __future__ import annotations


class RecommenderError(Exception):
    """Base class of every error this package raises on purpose."""


class CorpusError(RecommenderError, ValueError):
    """Bad input articles: the message names the file, line and field.

    ``field`` is the field at fault when there is one (a rejects file records it).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownArticleError(RecommenderError, KeyError):
    """An article id that the index does not hold."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep messages readable
        return str(self.args[0]) if self.args else ""


class IndexFormatError(RecommenderError, ValueError):
    """A directory that is not an index of this package, or of an incompatible version."""


class IndexIntegrityError(RecommenderError):
    """An index whose files do not match the digests its manifest recorded."""


class IndexLockError(RecommenderError, TimeoutError):
    """Another save into the same index path held its lock for too long."""


class IndexWriteError(RecommenderError, OSError):
    """A save that could not write the new index (e.g. a full disk); the index published
    before it is unchanged."""


class ConfigError(RecommenderError, ValueError):
    """A configuration value or file that cannot be used."""


class ConfigTypeError(ConfigError, TypeError):
    """A setting of the wrong kind (a str where a set of words is meant); ``except
    TypeError`` still catches it."""


class UnknownLanguageError(ConfigError):
    """A language code that no analyzer is registered for (``register_language`` adds one)."""


class ClusterError(RecommenderError, ConnectionError):
    """A Dask cluster that cannot run the build: unreachable, no workers, or not installed."""
