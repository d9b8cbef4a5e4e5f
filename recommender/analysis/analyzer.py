"""The per-language analyzer: text in, index tokens out.

Pipeline, in order: NFKC + casefold + apostrophe unification; tokenisation; French elision
and English clitics; 1-character tokens dropped (digits kept); stop words (with and without
accents); Snowball stemming; accent folding.

Tokenisation choices, kept identical for articles and queries:

* a token is a run of letters/digits; ``-``, ``/``, ``.`` and spaces separate tokens, so a
  hyphenated compound yields its parts (``"États-Unis"`` -> ``etat``, ``unis``), matching
  ``"les États"`` elsewhere;
* ``.`` or ``,`` between two digits joins them (``3,5``, ``3.5``, ``1.000.000`` are one
  token each) but a space does not (``20 000`` -> ``20``, ``000``);
* an apostrophe inside a word is resolved: elided prefixes (``l'``, ``jusqu'``) and clitic
  suffixes (``'s``, ``n't``) are dropped, any other apostrophe is removed
  (``aujourd'hui`` -> ``aujourdhui``, ``O'Brien`` -> ``obrien``).

Speed comes from a bounded per-analyzer cache mapping each raw token to its final form:
vocabularies are Zipfian, so after a few thousand articles nearly every token is a hit and
the work per token is one dict lookup done in C (``map`` + ``join`` + ``split``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, ClassVar

from recommender.analysis._unicode import fold_accents, normalize_text
from recommender.analysis.languages import LanguageSpec, get_language, make_stemmer
from recommender.analysis.tokenizer import TOKEN_RE, token_data, token_keys
from recommender.errors import IndexFormatError

__all__ = ["Analyzer", "get_analyzer"]

_TOKEN_RE = TOKEN_RE
_STATE_VERSION = 1


class Analyzer:
    """Picklable callable turning text into index tokens for one language.

    Parameters
    ----------
    language : str
        A registered code (``"fr"``, ``"en"``, ``"none"``); regions are ignored
        (``"fr-CA"`` is ``"fr"``).
    stem : bool
        Apply the language's Snowball stemmer.
    stop_words : bool
        Drop the language's stop words.

    Examples
    --------
    >>> Analyzer("fr")("L’ambassadeur des États-Unis")
    ['ambassadeur', 'etat', 'unis']
    """

    #: Raw tokens remembered before the cache is started afresh (~40 MB at most).
    CACHE_SIZE: ClassVar[int] = 200_000

    def __init__(self, language: str, *, stem: bool = True, stop_words: bool = True) -> None:
        self._setup(get_language(language), stem=stem, stop_words=stop_words)

    def _setup(self, spec: LanguageSpec, *, stem: bool, stop_words: bool) -> None:
        self._spec = spec
        self.language = spec.code
        self.stem = bool(stem)
        self.stop_words = bool(stop_words)
        self._cache: dict[str, str] = {}
        self._elided = _elided_words(spec)
        self._stemmer: Any = None  # created on first use: stemmer objects do not pickle
        self._lock = threading.Lock()  # Snowball stemmers must not run concurrently

    def __call__(self, text: str) -> list[str]:
        """Index tokens of ``text``, in order, repeats kept (term frequency matters)."""
        if not isinstance(text, str):
            raise TypeError(f"Analyzer expects a str, got {type(text).__name__}: {text!r:.80}")
        tokens = _TOKEN_RE.findall(normalize_text(text))
        cache = self._cache
        unique = set(tokens)
        missing = unique.difference(cache)
        if missing:
            cache = self._learn(cache, unique, missing)
        # Every cached value is a space-joined (possibly empty) run of final tokens.
        return " ".join(map(cache.__getitem__, tokens)).split()

    def tokenize(self, text: str) -> list[str]:
        """Raw tokens of ``text`` (normalised, split into words), before elision, stop
        words and stemming; :meth:`index_terms` finishes each one."""
        return _TOKEN_RE.findall(normalize_text(text))

    def token_keys(self, text: str) -> list[str] | list[bytes]:
        """:meth:`tokenize`, as counting keys: Latin-1 ``bytes`` where the text allows it
        (twice as fast; see :mod:`~recommender.analysis.tokenizer`), else ``str``."""
        return token_keys(normalize_text(text))

    def token_data(self, text: str) -> bytes | None:
        """:meth:`token_keys` before the split: Latin-1 bytes whose whitespace separates
        the tokens, or None where the keys are ``str``
        (:func:`~recommender.analysis.tokenizer.token_data`)."""
        return token_data(normalize_text(text))

    def index_terms(self, token: str) -> list[str]:
        """The index terms one raw token from :meth:`tokenize` becomes (often one, or none).

        ``self(text)`` equals the concatenated ``index_terms`` of ``tokenize(text)``.
        """
        value = self._cache.get(token)
        if value is None:
            value = self._analyze_tokens([token])[token]
        return value.split()

    def index_terms_of(self, tokens: list[str]) -> list[list[str]]:
        """:meth:`index_terms` of each raw token, the unseen ones analysed together (one
        stemmer call)."""
        return [value.split() for value in self.index_values_of(tokens)]

    def index_values_of(self, tokens: list[str]) -> list[str]:
        """The index terms of each raw token joined by spaces ("" for none), the unseen
        ones analysed together (one stemmer call): what fitting does with the new raw
        tokens of a chunk, which are nearly all one word or none."""
        cache = self._cache
        missing = [token for token in tokens if token not in cache]
        if not missing:
            return list(map(cache.__getitem__, tokens))
        found = self._analyze_tokens(missing)
        return [found[t] if t in found else cache[t] for t in tokens]

    def surface(self, token: str) -> str:
        """How a raw token from :meth:`tokenize` reads, to show its index term to a person:
        lower-cased, its elided article or clitic removed, accents and inner apostrophes
        kept (``"l'eau"`` -> ``"eau"``, ``"aujourd'hui"`` stays).

        Meant for a token that gives an index term, and it does not check that one does
        (stop words are not dropped): fitting calls it once per new term, cheaply.
        """
        return _without_affixes(token, self._spec, self._elided) if "'" in token else token

    @property
    def dropped_stop_words(self) -> frozenset[str]:
        """The stop words this analyzer drops (none when built with ``stop_words=False``)."""
        return frozenset(self._spec.stop_words) if self.stop_words else frozenset()

    def remember(self, tokens: Iterable[str]) -> int:
        """Analyse this language's stop words and the unseen of ``tokens`` now and keep
        them while the cache has room (half its size at most, so texts keep room for
        their own words); returns how many were added. A loaded index's
        :meth:`~recommender.RelatedIndex.warm` gives it the index's own words, which
        drafts mostly use; otherwise the first drafts after a load analyse them (at 100k,
        over the first 300 drafts: 0.88 -> 0.78 ms of vectorizing a draft)."""
        cache = self._cache
        room = self.CACHE_SIZE // 2 - len(cache)
        if room <= 0:
            return 0
        stop_words = sorted(self.dropped_stop_words)
        new: dict[str, None] = {}  # in order, once each, stopping when the room is full
        for token in itertools.chain(stop_words, tokens):
            if token not in cache and token not in new:
                new[token] = None
                if len(new) == room:
                    break
        if new:
            cache.update(self._analyze_tokens(new))
        return len(new)

    def _learn(self, cache: dict[str, str], unique: set[str], missing: set[str]) -> dict[str, str]:
        """Analyse unseen tokens; start a fresh cache (keeping this text's) when full."""
        entries = self._analyze_tokens(missing)
        if len(cache) + len(entries) > self.CACHE_SIZE:
            # Replace rather than clear: another thread may be reading the old dict.
            cache = {tok: cache[tok] for tok in unique - missing}
            self._cache = cache
        cache.update(entries)
        return cache

    def _analyze_tokens(self, tokens: Iterable[str]) -> dict[str, str]:
        surfaces = {tok: self._surface(tok) for tok in tokens}
        finals = self._stem_and_fold({w for w in surfaces.values() if w})
        return {tok: finals[w] if w else "" for tok, w in surfaces.items()}

    def _surface(self, token: str) -> str:
        """Resolve apostrophes, then return the word to stem or "" when it is dropped."""
        spec = self._spec
        if "'" in token:
            if self.stop_words and token in spec.stop_words:  # "don't", "it's"
                return ""
            token = _strip_affixes(token, spec, self._elided)
        if len(token) < 2 and not token.isdecimal():
            return ""
        if self.stop_words and (token in spec.stop_words or (
                not token.isascii() and fold_accents(token) in spec.stop_words)):
            return ""
        return token

    def _stem_and_fold(self, words: set[str]) -> dict[str, str]:
        ordered = list(words)
        stems = ordered
        if self.stem and self._spec.stemmer_name is not None:
            with self._lock:
                if self._stemmer is None:
                    self._stemmer = make_stemmer(self._spec.stemmer_name)
                stems = self._stemmer.stemWords(ordered)
        return {w: s if s.isascii() else fold_accents(s)
                for w, s in zip(ordered, stems, strict=True)}

    def __getstate__(self) -> dict[str, Any]:
        # The spec travels with the pickle so a loaded index analyses queries exactly as
        # it analysed its articles, whatever the registry holds in the loading process.
        return {
            "version": _STATE_VERSION,
            "spec": self._spec,
            "stem": self.stem,
            "stop_words": self.stop_words,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("version") != _STATE_VERSION:
            raise IndexFormatError(
                f"cannot unpickle Analyzer state version {state.get('version')!r} "
                f"(this release reads version {_STATE_VERSION}); rebuild the index"
            )
        self._setup(state["spec"], stem=state["stem"], stop_words=state["stop_words"])

    def _key(self) -> tuple[LanguageSpec, bool, bool]:
        return (self._spec, self.stem, self.stop_words)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Analyzer):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.language, self.stem, self.stop_words))

    def __repr__(self) -> str:
        return f"Analyzer({self.language!r}, stem={self.stem}, stop_words={self.stop_words})"


def _elided_words(spec: LanguageSpec) -> frozenset[str] | None:
    """The language's elisions without their apostrophe when each is a word then ``'``
    (``"l'"``, ``"jusqu'"``): a token's elided prefix is then the part before its first
    apostrophe, one set lookup instead of a ``startswith`` per elision. None otherwise."""
    words = [e[:-1] for e in spec.elisions]
    if all(e.endswith("'") and "'" not in w for e, w in zip(spec.elisions, words, strict=True)):
        return frozenset(words)
    return None


def _strip_affixes(token: str, spec: LanguageSpec, elided: frozenset[str] | None = None) -> str:
    """Drop elided prefixes (repeatedly) and one clitic suffix, then any other apostrophe."""
    return _without_affixes(token, spec, elided).replace("'", "")


def _without_affixes(token: str, spec: LanguageSpec,
                     elided: frozenset[str] | None = None) -> str:
    """Drop elided prefixes (repeatedly) and one clitic suffix; other apostrophes stay.

    ``elided`` (from :func:`_elided_words`) finds the prefix by a set lookup; the same
    prefixes go as with the loop over ``spec.elisions``.
    """
    if elided is not None:
        head, apostrophe, rest = token.partition("'")
        while apostrophe and rest and head in elided:
            token = rest
            head, apostrophe, rest = token.partition("'")
    else:
        stripped = True
        while stripped:
            stripped = False
            for prefix in spec.elisions:
                if token.startswith(prefix) and len(token) > len(prefix):
                    token = token[len(prefix) :]
                    stripped = True
                    break
    for suffix in spec.clitics:
        if token.endswith(suffix) and len(token) > len(suffix):
            token = token[: -len(suffix)]
            break
    return token


def get_analyzer(language: str, *, stem: bool = True, stop_words: bool = True) -> Analyzer:
    """A shared :class:`Analyzer` per parameters, so its token cache stays warm.

    Re-registering a language yields a new analyzer, since the spec is part of the key.
    """
    return _shared(get_language(language), bool(stem), bool(stop_words))


@lru_cache(maxsize=64)
def _shared(spec: LanguageSpec, stem: bool, stop_words: bool) -> Analyzer:
    analyzer = Analyzer.__new__(Analyzer)
    analyzer._setup(spec, stem=stem, stop_words=stop_words)
    return analyzer
