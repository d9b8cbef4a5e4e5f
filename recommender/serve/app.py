"""The HTTP API: JSON endpoints over an :class:`~recommender.index.handle.IndexHandle`.

Every endpoint that reads the index takes the handle's current index once and answers
from it alone (its version is in the ``X-Index-Version`` header), so a request is
answered by the old index or the new one during a swap, never by both. The work runs in
Starlette's thread pool, so a slow ``similar`` does not hold up the event loop. Errors
are JSON ``{"error": message, "status": code}``; a stack trace only reaches the log.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from recommender.corpus.drafts import parse_draft
from recommender.errors import ConfigError, CorpusError, RecommenderError, UnknownArticleError
from recommender.index.handle import IndexHandle, Loaded
from recommender.serve import documents
from recommender.serve.openapi import openapi_document
from recommender.serve.options import box_options, whole_number
from recommender.serve.settings import ADMIN_TOKEN_VARIABLE, ServeSettings

__all__ = ["app_from_environment", "create_app"]

log = logging.getLogger(__name__)
_PAGE = Path(__file__).with_name("page.html")
_SEARCH_LIMIT = 50


class JSONError(HTTPException):
    """An error answered as JSON with its status (raised by the endpoints)."""


def _json(document: Any, loaded: Loaded | None = None, status: int = 200) -> JSONResponse:
    headers = {"X-Index-Version": loaded.version} if loaded is not None else None
    return JSONResponse(document, status_code=status, headers=headers)


class Server:
    """The endpoints, sharing one handle and one set of settings."""

    def __init__(self, settings: ServeSettings, handle: IndexHandle | None = None) -> None:
        self.settings = settings
        self.handle = handle or IndexHandle(settings.index,
                                            check_interval=settings.check_interval,
                                            verify=settings.verify)

    # -- helpers ------------------------------------------------------------------------
    def _loaded(self) -> Loaded:
        if not self.handle.loaded:
            detail = self.handle.last_error
            raise JSONError(503, f"the index at {self.settings.index} is not loaded"
                                 + (f": {detail}" if detail else " yet; retry shortly"))
        return self.handle.current()

    async def _body(self, request: Request) -> bytes:
        """The request body, refused (413) past ``max_body_bytes`` before it is all read."""
        cap = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise JSONError(413, f"request body of {declared} bytes is larger than this "
                                 f"server's cap of {cap} bytes (--max-body-bytes)")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise JSONError(413, f"request body is larger than this server's cap of "
                                     f"{cap} bytes (--max-body-bytes)")
        return bytes(body)

    def _options(self, request: Request, loaded: Loaded) -> tuple[int, Any]:
        return box_options(request.query_params.multi_items(), loaded.index.query,
                           max_k=self.settings.max_k)

    # -- endpoints ----------------------------------------------------------------------
    async def related(self, request: Request) -> Response:
        loaded = self._loaded()
        article_id = request.path_params["id"]
        k, rules = self._options(request, loaded)

        def work() -> dict[str, Any]:
            index = loaded.index
            results = index.related(article_id, k, query=rules)
            return {**documents.box(article_id, index.title(article_id), results),
                    "source": documents.source(index, article_id)}

        return _json(await run_in_threadpool(work), loaded)

    async def similar(self, request: Request) -> Response:
        body = await self._body(request)
        loaded = self._loaded()
        k, rules = self._options(request, loaded)
        draft = parse_draft(body, source="request body")

        def work() -> dict[str, Any]:
            return documents.box(draft.id, draft.title,
                                 loaded.index.similar(draft, k, query=rules))

        return _json(await run_in_threadpool(work), loaded)

    async def related_batch(self, request: Request) -> Response:
        body = await self._body(request)
        loaded = self._loaded()
        k, rules = self._options(request, loaded)
        ids = _batch_ids(body, self.settings.max_batch)

        def work() -> dict[str, Any]:
            index = loaded.index
            unknown = [i for i in ids if i not in index]
            boxes = {i: [r.to_dict() for r in index.related(i, k, query=rules)]
                     for i in ids if i in index}
            return {"related": boxes, "unknown": unknown}

        return _json(await run_in_threadpool(work), loaded)

    async def search(self, request: Request) -> Response:
        loaded = self._loaded()
        text = request.query_params.get("q", "")
        limit = whole_number(request.query_params.get("limit", "10"), "limit", _SEARCH_LIMIT)
        found = await run_in_threadpool(documents.search_titles, loaded.index, text, limit)
        return _json({"q": text, "items": found}, loaded)

    async def info(self, request: Request) -> Response:
        loaded = self._loaded()
        return _json({"handle": self.handle.info(), "index": loaded.index.info(),
                      "limits": {"max_k": self.settings.max_k,
                                 "max_batch": self.settings.max_batch,
                                 "max_body_bytes": self.settings.max_body_bytes}}, loaded)

    async def healthz(self, request: Request) -> Response:
        """Ready (200) only once the index is loaded and warmed; 503 before or when the
        first load failed."""
        if not self.handle.loaded:
            error = self.handle.last_error
            return _json({"status": "error" if error else "loading", "error": error},
                         status=503)
        loaded = self.handle.current()
        return _json({"status": "ready", "version": loaded.version,
                      "articles": len(loaded.index)}, loaded)

    async def reload(self, request: Request) -> Response:
        self._check_admin(request)
        changed = await run_in_threadpool(self.handle.reload)
        loaded = self.handle.current()
        return _json({"reloaded": changed, "version": loaded.version,
                      "generation": loaded.generation}, loaded)

    def _check_admin(self, request: Request) -> None:
        token = self.settings.admin_token
        if token is None:
            raise JSONError(403, f"admin endpoints are off: set {ADMIN_TOKEN_VARIABLE} "
                                 "when starting the server")
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.encode(),
                                                                  token.encode()):
            raise JSONError(401, "missing or wrong admin token: send the header "
                                 f"'Authorization: Bearer ${ADMIN_TOKEN_VARIABLE}'")

    async def page(self, request: Request) -> Response:
        return HTMLResponse(_PAGE.read_text(encoding="utf-8"))

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document())

    def start_loading(self) -> None:
        """Load the index in a thread: the server answers ``/healthz`` (503) meanwhile."""
        def load() -> None:
            try:
                self.handle.reload()
            except (RecommenderError, OSError, ValueError) as exc:
                log.error("could not load the index at %s: %s", self.settings.index, exc)

        threading.Thread(target=load, name="index-load", daemon=True).start()


def _batch_ids(body: bytes, cap: int) -> list[str]:
    """The ids of a batch body ``{"ids": [...]}``, each once, in order."""
    example = 'give {"ids": ["id-1", "id-2"]}'
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"request body: invalid JSON ({exc}); {example}") from None
    ids = document.get("ids") if isinstance(document, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise CorpusError(f"request body: expected an object with a list of ids; {example}")
    if len(ids) > cap:
        raise ConfigError(f"request body: {len(ids)} ids, more than this server's cap of "
                          f"{cap} per batch (--max-batch); split the batch")
    return list(dict.fromkeys(ids))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split()), "status": status},
                        status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for it only
        raise exc
    message = str(exc.detail) if isinstance(exc, JSONError) else {
        404: f"no endpoint at {request.url.path}; see /openapi.json",
        405: f"{request.method} is not allowed on {request.url.path}; see /openapi.json",
    }.get(exc.status_code, str(exc.detail))
    return _error(exc.status_code, message)


async def _library_error(request: Request, exc: Exception) -> Response:
    """The library's errors: an unknown id is 404, a bad option or draft 422."""
    status = 404 if isinstance(exc, UnknownArticleError) else 422
    return _error(status, str(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("error answering %s %s", request.method, request.url.path, exc_info=exc)
    return _error(500, "internal error: the server's log has the details")


def create_app(settings: ServeSettings, *, handle: IndexHandle | None = None) -> Starlette:
    """The Starlette app of ``settings``; the index loads in a thread at start-up."""
    server = Server(settings, handle)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not server.handle.loaded:
            server.start_loading()
        yield

    routes = [
        Route("/", server.page, methods=["GET"]),
        Route("/related/{id:path}", server.related, methods=["GET"]),
        Route("/related:batch", server.related_batch, methods=["POST"]),
        Route("/similar", server.similar, methods=["POST"]),
        Route("/search", server.search, methods=["GET"]),
        Route("/info", server.info, methods=["GET"]),
        Route("/healthz", server.healthz, methods=["GET"]),
        Route("/admin/reload", server.reload, methods=["POST"]),
        Route("/openapi.json", server.openapi, methods=["GET"]),
    ]
    handlers: dict[Any, Callable[..., Any]] = {
        HTTPException: _http_error, RecommenderError: _library_error,
        Exception: _server_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.state.server = server
    return app


def app_from_environment() -> Starlette:
    """The app of a ``recommender serve`` worker (uvicorn imports it by name)."""
    return create_app(ServeSettings.from_environment())
