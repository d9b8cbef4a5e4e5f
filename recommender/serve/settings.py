"""What a server is allowed to do: its index, its caps, its admin token.

One frozen record, passed to every worker process as one JSON environment variable (a
uvicorn worker imports the app by name, so it cannot be handed Python objects).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

from recommender.errors import ConfigError

__all__ = ["ADMIN_TOKEN_VARIABLE", "SETTINGS_VARIABLE", "ServeSettings"]

#: the admin endpoints answer only requests carrying this token
ADMIN_TOKEN_VARIABLE = "RECOMMENDER_ADMIN_TOKEN"  # noqa: S105 - a variable name, not a secret
#: the settings, as JSON, for ``recommender.serve.app:app_from_environment``
SETTINGS_VARIABLE = "RECOMMENDER_SERVE_SETTINGS"


@dataclass(frozen=True)
class ServeSettings:
    """Settings of one server.

    ``max_k``: the largest box a request may ask for; ``max_batch``: ids per batch
    request; ``max_body_bytes``: the largest request body (a draft, a batch);
    ``check_interval``: seconds between two looks at the index path for a newly
    published index (None: only ``POST /admin/reload``); ``admin_token``: the token of
    the admin endpoints (None: they are off); ``verify``: check the index files' digests
    on each load.
    """

    index: str
    max_k: int = 100
    max_batch: int = 1000
    max_body_bytes: int = 1 << 20
    check_interval: float | None = 1.0
    admin_token: str | None = None
    verify: bool = True

    def __post_init__(self) -> None:
        for name in ("max_k", "max_batch", "max_body_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"expected {name} >= 1, got {name}={value!r}")
        if self.check_interval is not None and not self.check_interval >= 0:
            raise ConfigError(f"expected check_interval >= 0 seconds (or None), got "
                              f"{self.check_interval!r}")
        if self.admin_token is not None and len(self.admin_token) < 16:
            raise ConfigError(f"{ADMIN_TOKEN_VARIABLE} is too short ({len(self.admin_token)} "
                              "characters): use at least 16, e.g. `openssl rand -hex 32`")

    def to_environment(self) -> str:
        """JSON for :data:`SETTINGS_VARIABLE` (the token stays in its own variable)."""
        values = dataclasses.asdict(self)
        values.pop("admin_token")
        return json.dumps(values)

    @classmethod
    def from_environment(cls) -> ServeSettings:
        """The settings a ``recommender serve`` process left for its workers."""
        text = os.environ.get(SETTINGS_VARIABLE)
        if not text:
            raise ConfigError(f"{SETTINGS_VARIABLE} is not set: start the server with "
                              "`recommender serve INDEX`")
        token = os.environ.get(ADMIN_TOKEN_VARIABLE) or None
        return cls(**json.loads(text), admin_token=token)
