"""The HTTP application: REST resources, the SPARQL 1.1 endpoint, OpenAPI at ``/docs``.

:func:`create_app` opens the store (or takes an open one), reads the limits and the API key
hash from the settings, and mounts one router per resource listed in :data:`ROUTER_MODULES` —
a new resource is one module plus one line there.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from api.body_limit import BodySizeLimit
from api.deps import ApiContext
from api.jobs import JobRegistry
from api.label_index import LabelIndex
from api.models import ErrorOut
from api.not_found import NameNotFound, name_not_found
from api.query_runner import QueryRunner, QueryTimeoutError
from api.route_deadline import RouteDeadline
from api.routers.docs import mount_assets
from api.security import parse_key_hash, warn_if_weak
from kg.settings import Settings, get_settings
from kg.store import GraphStore, QuerySyntaxError, ResultCutError, StoreError, open_store

ROUTER_MODULES: tuple[str, ...] = (
    "api.routers.health",
    "api.routers.docs",
    "api.routers.sparql",
    "api.routers.entities",
    "api.routers.claims",
    "api.routers.candidates",
    "api.routers.theory",
    "api.routers.web",
    "api.routers.export",
    "api.routers.ingest",
)

log = logging.getLogger(__name__)

# Paths whose request bodies are uploads, with the larger upload limit.
UPLOAD_PATHS = ("/ingest",)


def store_kind(store: GraphStore) -> str:
    """The backend name of a store, without its path or URL (not leaked to clients)."""
    return store.location.partition(":")[0] or "oxigraph"


def _leaf_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        # FastAPI keeps an included router's routes behind it (``original_router``).
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaf_routes(inner.routes)
        else:
            yield route


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """The methods of every route whose path matches the request's (the ``Allow`` header)."""
    methods: set[str] = set()
    for route in _leaf_routes(app.router.routes):
        if isinstance(route, Route) and route.matches(scope)[0] is not Match.NONE:
            methods.update(route.methods or ())
    return ", ".join(sorted(methods))


_STORE_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "the request's deadline passed (TCMKG_ROUTE_TIMEOUT_SECONDS; see "
        "Retry-After), or the store is unavailable",
    }
}


def create_app(store_location: str | GraphStore, settings: Settings | None = None) -> FastAPI:
    """The API over a store location (``oxigraph:PATH``, ``memory:``, ``sparql:…``) or store.

    A store given as an object stays open when the app shuts down; one opened from a location
    is closed. Raises StoreError when the store cannot be opened and KeyHashError when the
    configured key hash cannot be read.
    """
    settings = settings or get_settings()
    key_hash = parse_key_hash(settings.api_key_hash) if settings.api_key_hash else None
    if key_hash is not None:
        warn_if_weak(key_hash)
    owned = isinstance(store_location, str)
    store = open_store(store_location) if isinstance(store_location, str) else store_location
    ctx = ApiContext(
        store=store,
        settings=settings,
        runner=QueryRunner(
            store,
            timeout=settings.query_timeout_seconds,
            max_rows=settings.max_result_rows,
            workers=settings.query_workers,
            per_client=settings.workers_per_client(),
            memory_mb=settings.query_memory_mb,
            max_depth=settings.query_max_depth,
            max_bytes=settings.max_query_bytes,
            route_timeout=settings.route_timeout_seconds,
            route_workers=settings.route_workers,
        ),
        labels=LabelIndex(store),
        jobs=JobRegistry(
            max_active=settings.max_ingest_jobs, max_problems=settings.max_problems_kept
        ),
        key_hash=key_hash,
        store_kind=store_kind(store),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Warm query workers before the first request (an app used without its lifespan,
        # as in some tests, starts them at its first query).
        ctx.runner.start()
        yield
        ctx.runner.close()
        if ctx.keys is not None:
            ctx.keys.close()
        if owned:
            store.close()

    app = FastAPI(
        title="tcmkg",
        summary="TCM evidence knowledge graph: ranked candidates, evidence, entities, SPARQL",
        version="0.1.0",
        lifespan=lifespan,
        # /docs is served by api.routers.docs from packaged assets (no CDN); ReDoc needs one.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    mount_assets(app)

    def limit_for(path: str) -> int:
        if path.startswith(UPLOAD_PATHS):
            return settings.max_upload_bytes
        return settings.max_query_bytes

    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    app.add_middleware(RouteDeadline, runner=ctx.runner)

    app.add_exception_handler(NameNotFound, name_not_found)

    @app.exception_handler(QuerySyntaxError)
    async def _syntax(_request: Request, err: QuerySyntaxError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=400)

    @app.exception_handler(Exception)
    async def _fault(request: Request, err: Exception) -> JSONResponse:
        # A fault of the program, not of the request: the log names it (the server also logs
        # the traceback); the client learns only that it is ours, in JSON like every error.
        log.error("%s %s failed: %s: %s", request.method, request.url.path, type(err).__name__, err)
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        if err.status_code == 405:
            # Starlette names only the methods of the first route matching the path; a path
            # served by several routes (GET and POST /sparql) must list them all in Allow.
            err.headers = {**(err.headers or {}), "Allow": allowed_methods(app, request.scope)}
        return await http_exception_handler(request, err)

    @app.exception_handler(StoreError)
    async def _store(_request: Request, err: StoreError) -> JSONResponse:
        if isinstance(err, QueryTimeoutError):
            # The store is up; this request's evaluation was stopped at its deadline.
            return JSONResponse({"detail": str(err)}, status_code=503, headers={"Retry-After": "5"})
        if isinstance(err, ResultCutError):
            # The store is up; the question was larger than it answers whole.
            return JSONResponse({"detail": str(err)}, status_code=422)
        return JSONResponse({"detail": f"store unavailable: {err}"}, status_code=503)

    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        # A router whose documentation lists a registry (input or export formats) reads it
        # now, so a format registered before the app is built is documented.
        if hasattr(module, "document_formats"):
            module.document_formats()
        # Any route that reads the store can meet its deadline or a store that is down.
        app.include_router(module.router, responses=_STORE_RESPONSES)
    return app
