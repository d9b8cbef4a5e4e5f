"""A :class:`BuildConfig` from layered sources, as an operator sets it.

Precedence, lowest first: the defaults, a TOML file, ``RECOMMENDER_<FIELD>`` environment
variables (``RECOMMENDER_TAG_WEIGHT=0.2``), then explicit overrides (command-line options).
A deployment can keep a checked-in ``build.toml`` and still tune one knob per environment.

Examples
--------
>>> resolve_config(environ={"RECOMMENDER_TAG_WEIGHT": "0.2"},
...                overrides={"n_neighbors": 10}).tag_weight
0.2
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from recommender.config.build import BuildConfig
from recommender.errors import ConfigError

ENV_PREFIX = "RECOMMENDER_"
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(BuildConfig))


def env_name(field: str) -> str:
    """The variable that sets ``field``: ``tag_weight`` -> ``RECOMMENDER_TAG_WEIGHT``."""
    return ENV_PREFIX + field.upper()


#: ``RECOMMENDER_*`` variables read elsewhere, not build settings (no typo warning):
#: the index signing key (store/seal.py) and the crash test hook (store/publish.py)
NOT_SETTINGS = frozenset({"RECOMMENDER_INDEX_KEY", "RECOMMENDER_TEST_CRASH_AT"})


def env_settings(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Settings found in ``environ``, and the ``RECOMMENDER_*`` names that set nothing.

    The second list lets a caller warn about a typo such as ``RECOMMENDER_TAG_WEIGTH``.
    """
    found: dict[str, str] = {}
    ignored: list[str] = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        field = name[len(ENV_PREFIX):].lower()
        if field in FIELDS:
            found[field] = environ[name]
        elif name not in NOT_SETTINGS:
            ignored.append(name)
    return found, ignored


def parse_assignments(items: Iterable[str], *, source: str = "--set") -> dict[str, str]:
    """``["tag_weight=0.2", "bigrams=true"]`` -> ``{"tag_weight": "0.2", "bigrams": "true"}``.

    Dashes in names are accepted (``tag-weight``); unknown names raise :class:`ConfigError`.
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        field = name.strip().replace("-", "_").lower()
        if not sep or not field:
            raise ConfigError(
                f"{source}: expected FIELD=VALUE, got {item!r} (e.g. {source} tag_weight=0.2)"
            )
        if field not in FIELDS:
            raise ConfigError(
                f"{source}: unknown setting {name.strip()!r}; valid settings are "
                f"{', '.join(FIELDS)}"
            )
        out[field] = value.strip()
    return out


def resolve_config(
    *,
    toml: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> BuildConfig:
    """Defaults < ``toml`` file < ``environ`` variables < ``overrides``; validated once.

    ``environ`` defaults to no variables (pass ``os.environ`` explicitly), so library
    callers are never surprised by their process environment.
    """
    config = BuildConfig.from_toml(toml) if toml is not None else BuildConfig()
    values = config.to_dict()
    from_env, _ = env_settings(environ or {})
    for field, text in from_env.items():
        values[field] = text
    if from_env:
        # validate the environment layer alone so its errors name the variable
        try:
            config = BuildConfig.from_dict(values, source="environment")
        except ConfigError as exc:
            names = ", ".join(env_name(f) for f in from_env)
            raise ConfigError(f"{exc} (set by {names})") from None
    for field, value in (overrides or {}).items():
        if field not in FIELDS:
            raise ConfigError(
                f"unknown setting {field!r}; valid settings are {', '.join(FIELDS)}"
            )
        values[field] = value
    return BuildConfig.from_dict(values, source="command line" if overrides else "config")
