"""Reading a settings file: one TOML reader for the build's and the boxes' tables."""

from __future__ import annotations

import os
import tomllib
from typing import Any

from recommender.errors import ConfigError


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The TOML document at ``path``; ConfigError naming the file when it is missing or
    not valid TOML."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {os.fspath(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{os.fspath(path)}: invalid TOML: {exc}") from None
