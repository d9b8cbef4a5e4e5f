"""A request's box rules: ``k`` and :class:`QueryConfig` fields from the query string.

The options are the library's own (every ``QueryConfig`` field, by its name), over the
index's stored defaults, coerced and checked by ``QueryConfig.replace``: a bad value is a
:class:`ConfigError` naming the field, which the app answers with status 422.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from recommender.errors import ConfigError
from recommender.query.config import QueryConfig

__all__ = ["LIST_FIELDS", "QUERY_FIELDS", "box_options"]

QUERY_FIELDS = tuple(f.name for f in dataclasses.fields(QueryConfig))
#: fields that take several values: repeated (``?sections=A&sections=B``) or comma-separated
LIST_FIELDS = frozenset({"sections", "exclude", "tags_any", "tags_all", "tags_none",
                         "fallback"})


def box_options(pairs: Iterable[tuple[str, str]], default: QueryConfig, *, max_k: int,
                default_k: int = 5) -> tuple[int, QueryConfig]:
    """``k`` and the rules of one request, from its query string's ``(name, value)``
    pairs; ConfigError naming the parameter for an unknown one or a bad value."""
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    k = default_k
    if "k" in values:
        k = whole_number(values.pop("k")[-1], "k", max_k,
                         f" (this server's cap is {max_k}; see --max-k)")
    unknown = sorted(set(values) - set(QUERY_FIELDS))
    if unknown:
        raise ConfigError(f"unknown query parameter(s) {', '.join(unknown)}; valid "
                          f"parameters are k and the QueryConfig fields: "
                          f"{', '.join(QUERY_FIELDS)}")
    changes: dict[str, object] = {}
    for name, given in values.items():
        if name in LIST_FIELDS:
            changes[name] = [v.strip() for text in given for v in text.split(",") if v.strip()]
        elif len(given) > 1:
            raise ConfigError(f"query parameter {name} is given {len(given)} times; give it "
                              "once")
        else:
            changes[name] = given[0]
    return k, default.replace(**changes)


def whole_number(text: str, name: str, cap: int, remedy: str = "") -> int:
    """``text`` as a whole number in [1, cap]; ConfigError naming the parameter."""
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"query parameter {name}: expected a whole number, got {text!r}"
                          ) from None
    if not 1 <= value <= cap:
        raise ConfigError(f"query parameter {name}: expected 1 <= {name} <= {cap}, "
                          f"got {name}={value}{remedy}")
    return value
