"""Every knob of a build, with its default in one place.

``BuildConfig`` is a frozen dataclass: hashable, printable, storable in the index
manifest, and loadable from a TOML file whose keys are its field names.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from recommender.analysis.languages import AUTO, available_languages, get_language
from recommender.config.files import read_toml
from recommender.config.values import coerce
from recommender.errors import ConfigError, UnknownLanguageError

#: ``query_terms="auto"`` (the default) searches exactly below this many articles and
#: prunes from this many on: below it the exact search is the faster one (pruning costs
#: its own pass over the postings), above it the pruned search is faster by a growing
#: factor for MAP@10 within 0.5 % of exact; see "Search mode" in benchmarks/README.md.
AUTO_PRUNED_FROM = 40_000
#: the ``query_terms`` an automatic choice of the pruned search takes (Lucene's
#: More-Like-This keeps 25 query terms too)
AUTO_QUERY_TERMS = 25
#: how ``query_terms=None`` (exact search) is spelt in TOML and as text
EXACT = "exact"


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """How articles become vectors and how many neighbours are stored.

    Candidates are ranked as described in :class:`recommender.query.filters.Ranking`.
    Similarity of two articles is
    ``w_text * cos_text + title_match_weight * cos_title + tag_weight * cos_tags`` with
    ``w_text = 1 - title_match_weight - tag_weight``, so every score lies in [0, 1].
    """

    #: language of articles whose ``language`` field is empty: a registered code ("fr"),
    #: "none" for no stemming or stop words, or None (or "auto", stored as None) to detect
    #: it per article. The same from Python, TOML, the environment and the command line.
    language: str | None = None
    #: how many times a title word counts against a body word.
    title_weight: float = 1.0
    #: share of the score given to tag overlap (0 = text only, 1 = tags only).
    tag_weight: float = 0.1
    #: share of the score given to the cosine of the titles alone.
    title_match_weight: float = 0.2
    #: use 1 + log(tf) instead of raw term counts.
    sublinear_tf: bool = True
    #: drop terms found in fewer documents than this (int) or this share (float).
    min_df: int | float = 1
    #: drop terms found in more than this share (float) or number (int) of documents.
    max_df: int | float = 0.5
    #: keep only the most frequent terms; None keeps all that pass the df cut-offs.
    max_features: int | None = None
    #: also index adjacent word pairs of the same field.
    bigrams: bool = False
    #: apply the Snowball stemmer of each article's language.
    stem: bool = True
    #: remove the language's stop words.
    stop_words: bool = True
    #: neighbours stored per article (K); queries for more are answered exactly.
    n_neighbors: int = 50
    #: demote "hub" articles close to everything: subtract this times the mean of a
    #: candidate's ``hub_neighbors`` best similarities (0 turns it off).
    hub_penalty: float = 0.7
    #: how many of a candidate's best similarities make its hub score.
    hub_neighbors: int = 20
    #: hub scores below this quantile of the index's count as that quantile, so a story
    #: close to nothing is not lifted above clearly more similar ones (0 turns it off).
    hub_floor_quantile: float = 0.25
    #: favour stories published close together: similarity is multiplied by
    #: 1 + time_weight * exp(-days apart / time_scale_days).
    time_weight: float = 0.2
    #: days over which the time factor's bonus falls by a factor e.
    time_scale_days: float = 365.0
    #: only articles of the same ``section`` are candidates (e.g. one site of many).
    same_section: bool = False
    #: memory budget, in MiB, of one block of the neighbour computation.
    block_mib: int = 256
    #: find neighbour candidates from each article's strongest terms only (then score them
    #: exactly); None (or "exact") compares all terms (exact mode); "auto" is exact below
    #: AUTO_PRUNED_FROM articles and AUTO_QUERY_TERMS from there, decided when the index
    #: is built and stored as that number or None (see :meth:`for_archive`).
    query_terms: int | str | None = AUTO
    #: with query_terms: terms found in more than this share of articles are not used to
    #: find candidates (they still count in the scores).
    query_max_df: float = 1.0
    #: with query_terms: each term leads to at most this many candidates, the articles it
    #: weighs most in (static index pruning); keeps the search linear in the archive's size.
    #: 0 follows every posting.
    posting_limit: int = 2000
    #: with query_terms: an article is found only through its this many strongest terms
    #: (the index-side twin of query_terms); 0 indexes every term.
    index_terms: int = 60
    #: longer article bodies are cut to this many characters when a corpus file is read
    #: for a build (with one warning giving the count); the longest body of the shared
    #: corpora is 229,805 characters, and 1,000,000 keeps a runaway 20 MB record cheap.
    max_body_chars: int = 1_000_000
    #: articles with more tags keep their first this many when read for a build (with
    #: one warning giving the count); real articles carry a handful.
    max_tags: int = 100

    def __post_init__(self) -> None:
        self._check_language()
        for name in ("max_body_chars", "max_tags"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"expected {name} >= 1, got {name}={value!r}")
        if not 0.0 <= self.tag_weight <= 1.0:
            raise ConfigError(f"expected 0 <= tag_weight <= 1, got tag_weight={self.tag_weight}")
        if not 0.0 <= self.title_match_weight <= 1.0 - self.tag_weight + 1e-9:
            raise ConfigError(
                "expected 0 <= title_match_weight <= 1 - tag_weight, got "
                f"title_match_weight={self.title_match_weight}, tag_weight={self.tag_weight}"
            )
        if self.title_weight < 0:
            raise ConfigError(f"expected title_weight >= 0, got title_weight={self.title_weight}")
        if self.n_neighbors < 1:
            raise ConfigError(f"expected n_neighbors >= 1, got n_neighbors={self.n_neighbors}")
        if self.hub_penalty < 0 or self.time_weight < 0:
            raise ConfigError(
                "expected hub_penalty >= 0 and time_weight >= 0, got "
                f"hub_penalty={self.hub_penalty}, time_weight={self.time_weight}"
            )
        if self.hub_neighbors < 1:
            raise ConfigError(
                f"expected hub_neighbors >= 1, got hub_neighbors={self.hub_neighbors}"
            )
        if not 0.0 <= self.hub_floor_quantile < 1.0:
            raise ConfigError("expected 0 <= hub_floor_quantile < 1, got "
                              f"hub_floor_quantile={self.hub_floor_quantile}")
        if self.time_scale_days <= 0:
            raise ConfigError(f"expected time_scale_days > 0, got {self.time_scale_days}")
        if self.block_mib < 1:
            raise ConfigError(f"expected block_mib >= 1, got block_mib={self.block_mib}")
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"expected {name} to be a number >= 0, got {name}={value!r}")
            if isinstance(value, float) and value > 1.0:
                raise ConfigError(
                    f"expected {name} as a share in [0, 1] or a document count (int), "
                    f"got {name}={value}"
                )
        if not 0.0 < self.query_max_df <= 1.0:
            raise ConfigError(f"expected 0 < query_max_df <= 1, got {self.query_max_df}")
        self._check_query_terms()
        if self.posting_limit < 0:
            raise ConfigError(
                f"expected posting_limit >= 0 (0: no limit), got {self.posting_limit}")
        if self.index_terms < 0:
            raise ConfigError(f"expected index_terms >= 0 (0: every term), got {self.index_terms}")
        if self.max_features is not None and self.max_features < 1:
            raise ConfigError(f"expected max_features >= 1 or None, got {self.max_features}")

    def _check_query_terms(self) -> None:
        """Store "exact" (and "none") as None and digits as an int: one value for each
        meaning, however it was written."""
        value = self.query_terms
        if isinstance(value, str):
            word = value.strip().casefold()
            if word == AUTO:
                value = AUTO
            elif word in (EXACT, "none", "null", ""):
                value = None
            elif word.isdigit():
                value = int(word)
            object.__setattr__(self, "query_terms", value)  # frozen: only the constructor may
        if value is None or value == AUTO:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"expected query_terms >= 1, 'auto' or 'exact' (None), got "
                f"query_terms={self.query_terms!r}")

    @property
    def search_mode(self) -> str:
        """``"exact"``, ``"pruned"`` or, before a build decides, ``"auto"``."""
        if self.query_terms == AUTO:
            return AUTO
        return EXACT if self.query_terms is None else "pruned"

    def for_archive(self, n_articles: int) -> BuildConfig:
        """This config with ``query_terms="auto"`` decided for ``n_articles``: None (exact)
        below :data:`AUTO_PRUNED_FROM`, :data:`AUTO_QUERY_TERMS` from there; any other
        config as it is. A build stores the decided config, so the index keeps searching
        (its drafts, its updates) the way it was built until it is rebuilt.

        Examples
        --------
        >>> BuildConfig().for_archive(1_000).query_terms is None
        True
        >>> BuildConfig().for_archive(AUTO_PRUNED_FROM).query_terms == AUTO_QUERY_TERMS
        True
        """
        if self.query_terms != AUTO:
            return self
        chosen = AUTO_QUERY_TERMS if n_articles >= AUTO_PRUNED_FROM else None
        return dataclasses.replace(self, query_terms=chosen)

    def _check_language(self) -> None:
        """Store "auto" as None (one spelling of "detect"); reject unregistered codes now,
        not at the first article that uses the default."""
        language = self.language
        if language is None:
            return
        if not isinstance(language, str):
            raise ConfigError(f"expected text or None for language, got {language!r}")
        if language.strip().casefold() == AUTO:
            object.__setattr__(self, "language", None)  # frozen: only the constructor may
            return
        try:
            get_language(language)
        except UnknownLanguageError:
            raise ConfigError(
                f"expected a registered language, 'auto' or None for language, got "
                f"language={language!r}; registered: {', '.join(available_languages())} "
                "('auto' detects each article's language, 'none' analyses without stemming "
                "or stop words; register_language() adds a language)"
            ) from None

    @property
    def text_weight(self) -> float:
        """Share of the score given to the cosine of title + body: what the tag and title
        shares leave (``1 - title_match_weight - tag_weight``, never below 0)."""
        return max(0.0, 1.0 - self.title_match_weight - self.tag_weight)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, ready for JSON or TOML."""
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> BuildConfig:
        """A copy with some fields changed (validated like the constructor)."""
        return BuildConfig.from_dict({**self.to_dict(), **changes})

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, source: str = "config") -> BuildConfig:
        """Build from a mapping, rejecting unknown keys and coercing obvious types."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(
                f"{source}: unknown setting(s) {', '.join(unknown)}; "
                f"valid settings are {', '.join(known)}"
            )
        coerced = {name: coerce_value(name, value, source) for name, value in values.items()}
        try:
            return cls(**coerced)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> BuildConfig:
        """Read a TOML file whose top-level keys (or ``[build]`` table) are field names
        (a ``[query]`` table is :class:`~recommender.query.config.QueryConfig`'s)."""
        data = read_toml(path)
        if isinstance(data.get("build"), dict):
            data = data["build"]
        elif isinstance(data.get("query"), dict):  # read by QueryConfig.from_toml
            data = {key: value for key, value in data.items() if key != "query"}
        return cls.from_dict(data, source=os.fspath(path))

    def to_toml(self) -> str:
        """The config as TOML text that :meth:`from_toml` reads back (None values omitted)."""
        lines = []
        for name, value in self.to_dict().items():
            if value is None and name == "query_terms":  # None is not its default
                value = EXACT
            if value is None:
                continue
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, str):
                text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            else:
                text = repr(value)
            lines.append(f"{name} = {text}")
        return "\n".join(lines) + "\n"


@functools.cache
def field_types() -> dict[str, Any]:
    """Each field's annotation, evaluated (``{"max_features": int | None, ...}``)."""
    return typing.get_type_hints(BuildConfig)


def coerce_value(name: str, value: Any, source: str = "config") -> Any:
    """Convert one setting to the type its annotation declares (strings from the
    environment or the CLI, ints where floats are meant), without the cross-field checks
    of the constructor. See :func:`recommender.config.values.coerce`."""
    try:
        annotation = field_types()[name]
    except KeyError:
        raise ConfigError(f"{source}: unknown setting {name!r}; valid settings are "
                          f"{', '.join(field_types())}") from None
    return coerce(name, value, annotation, source)
