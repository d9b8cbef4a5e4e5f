"""Settings: every knob of a build declared once (:class:`BuildConfig`), and how an
operator layers them (defaults < TOML < environment < command line)."""

from recommender.config.build import BuildConfig
from recommender.config.layers import resolve_config

__all__ = ["BuildConfig", "resolve_config"]
