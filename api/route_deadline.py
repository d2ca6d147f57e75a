"""A deadline on every REST read, enforced by evaluating its store queries where they can be killed.

An Oxigraph evaluation running in the server process cannot be stopped from Python: a route
whose query turned out expensive (a deep page of an unfiltered listing, a name matching half
the store) would compute to the end while its client had long given up. So while a ``GET``
request of a REST route runs, the store's reads go through :meth:`QueryRunner.route_evaluator
<api.query_runner.QueryRunner.route_evaluator>`: evaluated by worker processes on the store's
reader snapshot, killed at the request's deadline (``TCMKG_ROUTE_TIMEOUT_SECONDS`` from its
start), and answered 503 with the setting's name. Projections built once per store state and
kept (the ranking, mechanism and theory layers, the name indexes) are built in the server
process without the deadline (:func:`kg.store.in_process`): a build cut at one request's
deadline would be started again by the next, and never kept.

Not covered: ``/sparql`` (its own sandbox and deadline), ``/export`` (streamed for minutes by
design, from a snapshot), writes (their own transaction), and stores whose snapshots are not
cheap (``memory:``; a SPARQL server stops its own evaluation at its HTTP timeout).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from api.query_runner import QueryRunner
from kg.store import evaluated_by

# Paths whose requests the deadline does not cover (see the module docstring).
EXEMPT_PREFIXES = ("/sparql", "/export", "/static", "/docs", "/redoc", "/openapi")


class RouteDeadline:
    """ASGI middleware: each REST read evaluates its store queries under its deadline."""

    def __init__(self, app: ASGIApp, runner: QueryRunner) -> None:
        self.app = app
        self.runner = runner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with the route evaluator set for its context (copied to its thread)."""
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(EXEMPT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        with evaluated_by(self.runner.route_evaluator(time.monotonic())):
            await self.app(scope, receive, send)
