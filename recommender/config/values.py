"""One setting's value to its field's annotated type.

Values arrive as text from the environment and the command line, as TOML scalars from a
file, or as Python objects; the dataclass annotation (``float``, ``int | None``,
``int | float``, ``str | None``...) is the only statement of the type, so a new field needs
no table entry here.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from recommender.errors import ConfigError

__all__ = ["coerce", "member_types"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
#: text meaning "no value" for an optional field that does not hold text
_EMPTY = frozenset({"none", "null", ""})
_SCALARS = (bool, int, float, str)


def member_types(annotation: Any) -> tuple[tuple[type, ...], bool]:
    """``int | None`` -> ``((int,), True)``: the scalar types a field accepts, and whether
    it accepts None. TypeError for an annotation this module cannot coerce to."""
    union = get_origin(annotation) in (Union, types.UnionType)
    members = get_args(annotation) if union else (annotation,)
    kinds = tuple(m for m in members if m is not type(None))
    if not kinds or any(kind not in _SCALARS for kind in kinds):
        raise TypeError(f"cannot coerce settings to {annotation!r}: use bool, int, float, "
                        "str, a union of them, or one of them | None")
    return kinds, len(kinds) < len(members)


def coerce(name: str, value: Any, annotation: Any, source: str = "config") -> Any:
    """``value`` as ``annotation`` says field ``name`` holds it; ConfigError naming
    ``source`` and ``name`` when it cannot be.

    Text is parsed (``"0.2"``, ``"yes"``), ints are accepted where floats are meant, and
    ``"none"``/``"null"``/``""`` mean None for an optional field. A text field takes any
    non-empty string as it is (``"none"`` may be one of its values); only ``""`` is None.
    A field of text or a number (``int | str | None``) takes numbers as numbers; its
    text is for the dataclass to read.
    """
    kinds, optional = member_types(annotation)
    text_field = str in kinds
    empty = value is None or (isinstance(value, str) and (
        value == "" if text_field else value.lower() in _EMPTY))
    if empty:
        if optional:
            return None
        raise ConfigError(f"{source}: setting {name} cannot be empty")
    if bool in kinds:
        return _boolean(name, value, source)
    if text_field:
        if isinstance(value, str):
            return value
        if not set(kinds) & {int, float}:
            raise ConfigError(f"{source}: expected text for {name}, got {value!r}")
    return _number(name, value, kinds, source)


def _boolean(name: str, value: Any, source: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ConfigError(f"{source}: expected true or false for {name}, got {value!r}")


def _number(name: str, value: Any, kinds: tuple[type, ...], source: str) -> int | float:
    """An int or float; ``kinds`` (int, float or both) decides which one is kept."""
    if isinstance(value, str):
        try:
            value = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            raise ConfigError(f"{source}: expected a number for {name}, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{source}: expected a number for {name}, got {value!r}")
    if kinds == (float,):
        return float(value)
    if kinds == (int,):
        if isinstance(value, float) and not value.is_integer():
            raise ConfigError(f"{source}: expected a whole number for {name}, got {value!r}")
        return int(value)
    return value
