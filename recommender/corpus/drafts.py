"""A draft article (not yet in the index) from JSON text and/or separate fields.

Editors ask "what have we already published about this?" before a story has an id, so
the id is optional here (``"draft"``); every other check is the corpus reader's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from recommender.corpus.reader import articles_from_records
from recommender.errors import CorpusError
from recommender.records import Article

DRAFT_ID = "draft"
_EXAMPLE = '{"title": "...", "body": "...", "tags": ["..."]}'


def parse_draft(
    text: str | bytes | None = None,
    *,
    source: str = "draft",
    fields: Mapping[str, Any] | None = None,
) -> Article:
    """Validate a draft given as one JSON object (``text``), ``fields``, or both.

    Bytes are decoded as UTF-8 (a byte-order mark is tolerated). Non-empty ``fields``
    override the JSON's values. Raises :class:`CorpusError` naming ``source`` for invalid
    JSON or UTF-8, a non-object, or an article with nothing to compare by.

    Examples
    --------
    >>> parse_draft('{"title": "Drought in Morocco"}', fields={"tags": ["Water"]}).tags
    ('Water',)
    """
    record: dict[str, Any] = {}
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"{source}: bytes {text[exc.start:exc.end]!r} at byte {exc.start + 1} are not "
                "valid UTF-8; save the draft as UTF-8"
            ) from None
    if text is not None:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorpusError(
                f"{source}, line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}; "
                f"give one JSON object such as {_EXAMPLE}"
            ) from None
        if not isinstance(loaded, dict):
            raise CorpusError(
                f"{source}: expected one JSON object, got {type(loaded).__name__}; "
                f"give one draft such as {_EXAMPLE}"
            )
        record.update(loaded)
    for name, value in (fields or {}).items():
        if value not in (None, (), []):
            record[name] = value
    if record.get("id") in (None, ""):
        record["id"] = DRAFT_ID
    return articles_from_records([record], source=source)[0]
