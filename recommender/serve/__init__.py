"""HTTP API and editors' preview page over the library (optional extra ``serve``).

``recommender serve INDEX`` runs :func:`~recommender.serve.app.create_app` under uvicorn;
Starlette and uvicorn are imported only here, so the library and the other commands stay
light. See the README's "Serving" section.
"""

from __future__ import annotations

__all__ = ["MISSING_EXTRA"]

#: the remedy when Starlette or uvicorn are not installed
MISSING_EXTRA = ("the server needs the optional extra 'serve': "
                 "pip install 'recommender[serve]' (Starlette and uvicorn)")
