"""The installed package's version, read from its metadata.

A module of its own, with nothing but :mod:`importlib.metadata`, so that
``recommender --version`` does not load numpy, scipy or joblib to print one line.
"""

from __future__ import annotations

__all__ = ["installed_version", "package_version"]


def installed_version() -> str | None:
    """The version pip installed, or None when running from a source tree."""
    from importlib import metadata  # ~18 ms of imports (email, zipfile): only when asked

    try:
        return metadata.version("recommender")
    except metadata.PackageNotFoundError:
        return None


def package_version() -> str:
    """The version pip installed, or ``0+unknown`` when running from a source tree."""
    return installed_version() or "0+unknown"
