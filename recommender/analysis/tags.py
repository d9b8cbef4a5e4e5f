"""Tag normalisation: editors type the same tag many ways; the index must see one.

A tag stays ONE token (it is matched whole, never stemmed or split): ``"#États-Unis "``
and ``"etats-unis"`` are the same tag, ``"États"`` is another.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

from recommender.analysis._unicode import fold_accents, normalize_text

__all__ = ["normalize_tag", "normalize_tags"]

_BRACKETS = {"(": ")", "[": "]", "{": "}"}
# Punctuation worth keeping at the end of a tag: "c#", "100%", "at&t", "@handle".
_KEEP = frozenset("#%&@")


def _is_edge_junk(ch: str) -> bool:
    """Punctuation (not brackets, not ``_KEEP``) or whitespace."""
    if ch.isspace():
        return True
    cat = unicodedata.category(ch)
    return cat[0] == "P" and cat not in ("Ps", "Pe") and ch not in _KEEP


def _strip_edges(tag: str) -> str:
    """Strip leading ``#`` and surrounding punctuation; keep brackets that pair up."""
    while True:
        before = tag
        tag = tag.lstrip("#")
        start, end = 0, len(tag)
        while start < end and _is_edge_junk(tag[start]):
            start += 1
        while end > start and _is_edge_junk(tag[end - 1]):
            end -= 1
        tag = tag[start:end]
        if tag and tag[0] in _BRACKETS and _closes_at_end(tag):
            tag = tag[1:-1]  # "(DGST)" -> "dgst"
        elif tag and tag[0] in _BRACKETS and _BRACKETS[tag[0]] not in tag:
            tag = tag[1:]  # unmatched opener
        elif tag and tag[-1] in _BRACKETS.values() and not _opens(tag, tag[-1]):
            tag = tag[:-1]  # unmatched closer
        if tag == before:
            return tag


def _closes_at_end(tag: str) -> bool:
    """True when the bracket opening ``tag`` is closed by its last character."""
    opener, closer = tag[0], _BRACKETS[tag[0]]
    depth = 0
    for i, ch in enumerate(tag):
        depth += (ch == opener) - (ch == closer)
        if depth == 0:
            return i == len(tag) - 1
    return False


def _opens(tag: str, closer: str) -> bool:
    opener = next(o for o, c in _BRACKETS.items() if c == closer)
    return opener in tag


@functools.lru_cache(maxsize=1 << 16)
def _normalize(tag: str) -> str:
    # Folding can expose new compatibility forms; iterate to a fixed point (1-2 rounds).
    for _ in range(4):
        out = " ".join(fold_accents(normalize_text(tag)).split())
        out = _strip_edges(out)
        if out == tag:
            break
        tag = out
    return tag


def normalize_tag(tag: str) -> str:
    """Canonical form of one tag ("" when nothing is left).

    NFKC, casefold, unified apostrophes, accents folded, whitespace collapsed, leading ``#``
    and surrounding punctuation stripped.

    Examples
    --------
    >>> normalize_tag("#États-Unis ")
    'etats-unis'
    >>> normalize_tag("Direction générale de la surveillance du territoire (DGST)")
    'direction generale de la surveillance du territoire (dgst)'
    """
    if not isinstance(tag, str):
        raise TypeError(f"a tag must be a str, got {type(tag).__name__}: {tag!r:.80}")
    return _normalize(tag)  # cached: a site's tags repeat on thousands of articles


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Normalise, drop empty tags and duplicates, keep first-seen order."""
    if isinstance(tags, str):
        raise TypeError(
            f"expected an iterable of tags, got the str {tags!r:.80} (wrap it in a list)"
        )
    seen: dict[str, None] = {}
    for tag in tags:
        norm = normalize_tag(tag)
        if norm:
            seen.setdefault(norm, None)
    return tuple(seen)
