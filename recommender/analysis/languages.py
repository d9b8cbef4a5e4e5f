"""Language registry: stop words, Snowball stemmer name and clitics per language code.

A registered language is a frozen :class:`LanguageSpec`. Analyzers copy the spec they were
built with into their pickled state, so a saved index keeps analysing queries exactly as it
analysed its articles even if a later release edits a stop list.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from recommender.analysis._unicode import fold_accents, normalize_text
from recommender.errors import ConfigError, ConfigTypeError, UnknownLanguageError

__all__ = [
    "AUTO",
    "LanguageSpec",
    "available_languages",
    "get_language",
    "load_stop_words",
    "make_stemmer",
    "register_language",
    "resolve_language",
    "stemmer_algorithms",
]

#: the ``language`` setting that asks for detection per article (like None); never a code
AUTO = "auto"
# French elided articles and conjunctions (the set Lucene's French analyzer uses).
FRENCH_ELISIONS = frozenset(
    {"l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
# English clitics dropped from the end of a word: possessive and contracted auxiliaries.
ENGLISH_CLITICS = frozenset({"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"})


@dataclass(frozen=True)
class LanguageSpec:
    """Everything an :class:`~recommender.analysis.Analyzer` needs to know about a language.

    ``stop_words`` holds normalised words *and* their accent-folded spellings;
    ``elisions`` are prefixes and ``clitics`` suffixes, both written with ``'``.
    """

    code: str
    stop_words: frozenset[str]
    stemmer_name: str | None
    elisions: tuple[str, ...] = ()
    clitics: tuple[str, ...] = ()


_REGISTRY: dict[str, LanguageSpec] = {}
_LOCK = threading.Lock()


def resolve_language(language: str) -> str:
    """Canonical code for ``language``: casefolded primary subtag (``"fr-CA"`` -> ``"fr"``)."""
    if not isinstance(language, str):
        raise ConfigTypeError(f"language must be a str such as 'fr', got {language!r}")
    return language.strip().casefold().replace("_", "-").split("-", 1)[0]


def available_languages() -> tuple[str, ...]:
    """Registered language codes, sorted."""
    return tuple(sorted(_REGISTRY))


def get_language(language: str) -> LanguageSpec:
    """The spec registered for ``language``; :class:`UnknownLanguageError` (a ConfigError,
    hence a ValueError) naming the known codes otherwise."""
    # canonical codes ("fr") skip resolving: this runs once per article
    spec = _REGISTRY.get(language) if isinstance(language, str) else None
    if spec is not None:
        return spec
    try:
        return _REGISTRY[resolve_language(language)]
    except KeyError:
        known = ", ".join(available_languages())
        raise UnknownLanguageError(
            f"unknown language {language!r}; available: {known} "
            "(use 'none' for no stemming or stop words, or register_language() to add one)"
        ) from None


def stemmer_algorithms() -> frozenset[str]:
    """Snowball algorithm names available from PyStemmer or, failing that, snowballstemmer."""
    try:
        import Stemmer

        return frozenset(Stemmer.algorithms())
    except ImportError:
        import snowballstemmer

        return frozenset(snowballstemmer.algorithms())


def make_stemmer(name: str) -> Any:
    """A Snowball stemmer with ``stemWords``: PyStemmer (C) if importable, else pure Python."""
    try:
        import Stemmer
    except ImportError:
        import snowballstemmer

        return snowballstemmer.stemmer(name)
    # The analyzer caches stems itself; PyStemmer's own cache would only add overhead.
    return Stemmer.Stemmer(name, 0)


def _normalize_affixes(items: Iterable[str], *, suffix: bool) -> tuple[str, ...]:
    """Write elisions/clitics with a trailing/leading ``'``, longest first so they win."""
    out = set()
    for item in items:
        norm = normalize_text(item).strip()
        if not norm.strip("'"):
            raise ConfigError(f"empty elision or clitic {item!r}; remove it from the set")
        if "'" not in norm:
            norm = "'" + norm if suffix else norm + "'"
        out.add(norm)
    return tuple(sorted(out, key=lambda a: (-len(a), a)))


def register_language(
    code: str,
    stop_words: frozenset[str],
    stemmer_name: str | None,
    elisions: frozenset[str] = frozenset(),
    *,
    clitics: frozenset[str] = frozenset(),
) -> LanguageSpec:
    """Make ``code`` available to analyzers (replacing any previous registration).

    ``stemmer_name`` is a Snowball algorithm (``"german"``) or None for no stemming.
    ``elisions`` are prefixes such as ``"l"`` or ``"l'"``; ``clitics`` suffixes such as
    ``"'s"``. Stop words are normalised like text and also matched without accents.
    """
    canonical = resolve_language(code)
    if not canonical.isalnum() or canonical != code.strip().casefold():
        raise ConfigError(
            f"language code must be a bare code such as 'de', got {code!r} (drop the region)"
        )
    if canonical == AUTO:
        raise ConfigError(f"language code {code!r} is reserved: the language setting 'auto' "
                          "detects each article's language; choose another code")
    if stemmer_name is not None and stemmer_name not in stemmer_algorithms():
        raise ConfigError(
            f"unknown Snowball stemmer {stemmer_name!r}; choose one of "
            f"{', '.join(sorted(stemmer_algorithms()))} or None"
        )
    if isinstance(stop_words, str):
        raise ConfigTypeError(
            "stop_words must be a set of words, not a str (wrap it in a frozenset)")
    words = {normalize_text(w).strip() for w in stop_words} - {""}
    spec = LanguageSpec(
        code=canonical,
        stop_words=frozenset(words | {fold_accents(w) for w in words}),
        stemmer_name=stemmer_name,
        elisions=_normalize_affixes(elisions, suffix=False),
        clitics=_normalize_affixes(clitics, suffix=True),
    )
    with _LOCK:
        _REGISTRY[canonical] = spec
    return spec


def load_stop_words(name: str) -> frozenset[str]:
    """Read a vendored list from ``stopwords/<name>.txt`` (``#`` comments, one word a line)."""
    text = resources.files("recommender.analysis").joinpath("stopwords", f"{name}.txt")
    words = (line.split("#", 1)[0].strip() for line in text.read_text("utf-8").splitlines())
    return frozenset(w for w in words if w)


def _register_builtins() -> None:
    """French, English and the language-neutral ``none``."""
    register_language("fr", load_stop_words("fr"), "french", FRENCH_ELISIONS)
    register_language("en", load_stop_words("en"), "english", clitics=ENGLISH_CLITICS)
    register_language("none", frozenset(), None)


_register_builtins()
