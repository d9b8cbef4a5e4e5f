"""Raw tokens of normalised text: the regular expression, and a byte path twice as fast.

:data:`TOKEN_RE` defines a token (see :mod:`~recommender.analysis.analyzer`): a run of
letters/digits, joined across an apostrophe between two of them and across ``.`` or ``,``
between two digits. :func:`token_keys` gives the same tokens as Latin-1 ``bytes`` when
the text allows it (every letter and digit in Latin-1; ``œ`` and the ``.``/``,`` joining
two digits written as capitals that casefolded text never holds): ``encode``,
``bytes.translate`` (every other byte to a space) and ``split`` run in C at memory speed,
where the regex walks each character. It buys ~2x on the tokenising (20k synthetic
articles: 0.81 s against 1.44 s; 7,306 of vdd_fr's 7,314 texts take it), measured when it
was added (``benchmarks/README.md``, Vectorizing against scikit-learn);
``tests/test_analysis.py`` checks it equals the regex on any text.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["TOKEN_RE", "latin_key", "latin_letter_words", "token_keys", "token_text"]

# Possessive quantifiers (Python 3.11+): no backtracking, ~15 % faster on long texts.
TOKEN_RE = re.compile(r"[^\W_]++(?:'[^\W_]++|(?<=\d)[.,]\d++)*+")

#: ``.`` or ``,`` between two digits joins them into one token: the byte path leaves
#: such texts to the regex. Latin-1 has no digit but 0-9, so a byte translation that
#: writes digits as ``0``, ``.`` and ``,`` as ``.`` and the rest as spaces finds them.
_DIGIT_JOIN = bytes(0x30 if 0x30 <= i <= 0x39 else 0x2E if i in (0x2C, 0x2E) else 0x20
                    for i in range(256))

#: byte -> itself for the bytes a token may hold (Latin-1 letters and digits, and the
#: apostrophe, resolved after), else a space
_BYTE_TABLE = bytes(i if TOKEN_RE.fullmatch(chr(i)) or i == 0x27 else 0x20 for i in range(256))

#: byte -> itself for the Latin-1 letters (``[^\\W\\d_]``), else a space
_LETTER_TABLE = bytes(i if re.fullmatch(r"[^\W\d_]", chr(i)) else 0x20 for i in range(256))

_ERRORS = "recommender.token-keys"

#: letters outside Latin-1 that French writes, and the capital that stands for each in a
#: key: normalised (casefolded) text holds no capital, and a text that does goes to the regex
_STAND_INS = {"œ": "\xc0"}
#: the capitals standing for ``.`` and ``,`` between two digits, which join them
_JOINERS = {b".": b"\xc1", b",": b"\xc2"}
_STOOD_FOR = {0xC0: "œ", 0xC1: ".", 0xC2: ","}
_JOIN = re.compile(rb"(?<=[0-9])[.,](?=[0-9])")
#: a joined number run straight into a letter ("1.5a"): the regex ends the token at the
#: last digit, the byte path would not, so such a text goes to the regex
_JOIN_THEN_LETTER = re.compile(rb"[\xc1\xc2][0-9]+[^0-9 '\xc1\xc2]")


class _NotLatin(Exception):
    """A letter or digit outside Latin-1: the text goes to the regex."""


def _blank_outside_latin(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a run of characters outside Latin-1 that holds no letter or
    digit (a dash, ``€``, ``…``) separates tokens as spaces do; ``œ`` is written as its
    stand-in; anything else stops."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    out = []
    for char in run:
        if char in _STAND_INS:
            out.append(_STAND_INS[char])
        elif TOKEN_RE.match(char):
            raise _NotLatin
        else:
            out.append(" ")
    return "".join(out), error.end


codecs.register_error(_ERRORS, _blank_outside_latin)


def _has_stand_in(text: str) -> bool:
    """Whether ``text`` holds a character that stands for another in keys (À, Á, Â)."""
    return "\xc0" in text or "\xc1" in text or "\xc2" in text


def token_keys(text: str) -> list[str] | list[bytes]:
    """The raw tokens of normalised ``text``, in order: ``TOKEN_RE.findall(text)``, as
    Latin-1 ``bytes`` when the byte path applies, else as ``str``.

    Meant as counting keys (``bytes`` hash and compare as fast as ``str``); turn a key into
    its token with :func:`token_text`.
    """
    data = token_data(text)
    return TOKEN_RE.findall(text) if data is None else data.split()


def token_data(text: str) -> bytes | None:
    """Normalised ``text`` as the byte path writes it, its tokens separated by ASCII
    whitespace (``token_data(text).split()`` is :func:`token_keys`), or None when only the
    regular expression gives its tokens (letters outside Latin-1, a stand-in character, a
    digit group glued to letters). A compiled loop can read the tokens from it without
    a Python object per token."""
    if _has_stand_in(text):  # a stand-in would be ambiguous
        return None
    try:
        data = text.encode("latin-1", _ERRORS)
    except _NotLatin:
        return None
    joined = b"0.0" in data.translate(_DIGIT_JOIN)
    if joined:
        data = _JOIN.sub(lambda m: _JOINERS[m.group()], data)
    data = data.translate(_BYTE_TABLE)
    if joined and _JOIN_THEN_LETTER.search(data):
        return None
    if b"'" in data:
        # an apostrophe stays only between two letters/digits, as the regex joins them
        while b"''" in data:
            data = data.replace(b"''", b" ")
        data = b"".join((b" ", data, b" ")).replace(b" '", b" ").replace(b"' ", b" ")
    return data


def token_text(key: str | bytes) -> str:
    """The token a key of :func:`token_keys` stands for."""
    if isinstance(key, str):
        return key
    text = key.decode("latin-1")
    return text if text.isascii() else text.translate(_STOOD_FOR)


def latin_key(word: str) -> bytes | None:
    """``word`` as the byte path writes it (stand-ins included), None if it cannot."""
    if _has_stand_in(word):
        return None
    try:
        return word.encode("latin-1", _ERRORS)
    except _NotLatin:
        return None


def latin_letter_words(text: str) -> list[bytes] | None:
    """The runs of letters of ``text`` (``re.findall(r"[^\\W\\d_]+", text)``) as Latin-1
    ``bytes``, by the byte path of :func:`token_keys`; None when a letter or digit lies
    outside Latin-1 (then only the regex gives them)."""
    if _has_stand_in(text):  # a stand-in would be ambiguous
        return None
    try:
        data = text.encode("latin-1", _ERRORS)
    except _NotLatin:
        return None
    return data.translate(_LETTER_TABLE).split()
