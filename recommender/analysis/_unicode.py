"""Unicode helpers shared by the analyzer, the tag normaliser and the language detector.

Kept apart so that every entry point normalises text the same way: a query, an article
body and a tag must agree on what "the same word" is.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold_accents", "normalize_text"]

# Typographic apostrophes and look-alikes people type for one. U+02BC is a *letter* for
# Unicode, so it must be mapped before tokenising or it would glue words together.
_APOSTROPHES = ("\u2019", "\u2018", "\u02bc", "\u00b4")

# No-break and thin spaces (French puts them before ; : ! ? and inside « »).
_SPACES = ("\u00a0", "\u202f", "\u2009")

# Letters that NFD does not decompose but that readers consider "accented" variants.
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "Œ": "OE",
        "Æ": "AE",
        "ẞ": "SS",
        "Ø": "O",
        "Ł": "L",
        "Đ": "D",
        "Ð": "D",
        "Þ": "TH",
    }
)

#: U+0300-U+036F, the combining diacritical marks of Latin, Greek and Cyrillic: all "Mn"
_COMBINING_MARKS = dict.fromkeys(range(0x300, 0x370))


def normalize_text(text: str) -> str:
    """Map every apostrophe variant to ``'``, then NFKC, then casefold.

    NFKC precedes casefolding so that compatibility forms (ligature ``ﬁ``, full-width
    letters, ``ℌ``) are lower-cased as the letters they stand for.
    """
    # Apostrophes first: NFKC would turn the acute accent "´" into a space + combining mark.
    if "`" in text:
        text = text.replace("`", "'")
    if not text.isascii():
        for mark in _APOSTROPHES:
            if mark in text:
                text = text.replace(mark, "'")
        # NFKC is the slowest step; is_normalized() answers in a twentieth of the time, but
        # French typography's no-break spaces would make it say no, so map them first.
        for space in _SPACES:
            if space in text:
                text = text.replace(space, " ")
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if not text.isascii():
        # casefold can emit sequences that are no longer NFC (e.g. "ǰ" -> "ǰ").
        text = unicodedata.normalize("NFC", text)
    return text


def fold_accents(text: str) -> str:
    """Remove diacritics (``é`` -> ``e``, ``œ`` -> ``oe``) so unaccented spellings match.

    Works on NFD and drops every mark (Unicode category ``M*``), then re-composes what is
    left (Hangul, for instance) so the result is NFC and contains no mark at all.
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFD", text.translate(_LIGATURES))
    # Latin text: dropping the common combining marks (all category Mn) leaves ASCII,
    # which is what the general path gives too, in a fifth of the time
    latin = text.translate(_COMBINING_MARKS)
    if latin.isascii():
        return latin
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "M")
    return unicodedata.normalize("NFC", text)
