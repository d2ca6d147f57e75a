"""``/sparql``: the SPARQL 1.1 Protocol endpoint (query for everyone, update with a key).

* query by ``GET ?query=``, by ``POST`` form (``query=``) or by ``POST`` with
  ``Content-Type: application/sparql-query``; ``default-graph-uri``/``named-graph-uri`` replace
  the query's own dataset;
* update by ``POST`` form (``update=``) or ``application/sparql-update``, with the API key;
* results in the first format of the Accept header that the server writes (SELECT/ASK: JSON,
  XML, CSV, TSV; CONSTRUCT/DESCRIBE: Turtle, N-Triples, JSON-LD, RDF/XML); unknown parameters
  (``format=``, ``output=`` that some clients add) are ignored;
* a syntax error is a 400 carrying the parser's message, and so is a query or update over the
  size or bracket-depth limit or using SERVICE/LOAD (checked before any parser,
  :mod:`api.sparql_guard`); the time and memory limits are 503 and the result-size limit 422,
  each with a message naming the setting. An update has the same time and memory limits: it is
  rehearsed on a copy in a killable worker first and applied only if that finished in time.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pyoxigraph import NamedNode
from starlette.concurrency import run_in_threadpool

from api.deps import (
    ApiContext,
    Context,
    authorize_write,
    client_address,
    documented_write_key,
)
from api.identifiers import IRI_PATTERN
from api.models import ErrorOut
from api.negotiation import GRAPH_TYPES, RESULT_TYPES, negotiate, parse_accept
from api.query_runner import (
    Dataset,
    DatasetUnsupportedError,
    QueryFailedError,
    QueryTimeoutError,
    ResultTooLargeError,
    ShareExhaustedError,
)
from api.sparql_guard import GuardError
from api.sparql_results import ask_result, graph_result, select_result
from kg.iri import PREFIXES
from kg.store import QuerySyntaxError, ResultCutError, SelectResult, StoreError

router = APIRouter(tags=["sparql"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
DEFAULT_GRAPH = "default-graph-uri"
NAMED_GRAPH = "named-graph-uri"

_ALL_RESULT_TYPES = sorted(
    {m for table in (RESULT_TYPES, GRAPH_TYPES) for ms in table.values() for m in ms}
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "malformed request or query (parser's message)"},
    406: {"model": ErrorOut, "description": "no acceptable result format"},
    413: {"model": ErrorOut, "description": "request body too large"},
    415: {"model": ErrorOut, "description": "unsupported request content type"},
    422: {
        "model": ErrorOut,
        "description": "result larger than TCMKG_MAX_RESULT_ROWS, too deep for the engine, or "
        "cut short by a SPARQL server's own row cap",
    },
    429: {
        "model": ErrorOut,
        "description": "this address's queries hold its share of the query workers "
        "(TCMKG_QUERY_WORKERS_PER_CLIENT) or fill its waiting places (see Retry-After)",
    },
    503: {
        "model": ErrorOut,
        "description": "query time or memory limit reached, or store unavailable",
    },
}
# Only an update checks the key, so only POST can answer these.
_KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "update without the right API key"},
    403: {"model": ErrorOut, "description": "update while writes are disabled"},
    429: {
        "model": ErrorOut,
        "description": "too many wrong API keys from this address recently, or this address's "
        "share of the query workers is in use (see Retry-After)",
    },
    503: {
        "model": ErrorOut,
        "description": "query or update time or memory limit reached (an update is then not "
        "applied), store unavailable, or too many API key checks waiting (see Retry-After)",
    },
}
_QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "query results in the negotiated format",
        "content": {mime: {"schema": {}} for mime in _ALL_RESULT_TYPES},
    },
    **_ERRORS,
}
_POST_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_QUERY_RESPONSES,
    **_KEY_ERRORS,
    204: {"description": "update applied"},
}
# Declared here rather than as function parameters: the route reads the URL itself (a repeated
# or missing parameter is the protocol's 400, not a validation 422), and the schema still says
# what a request needs.
_GRAPH_LIST = {"type": "array", "items": {"type": "string", "pattern": IRI_PATTERN}}
_GET_PARAMETERS = {
    "parameters": [
        {
            "name": "query",
            "in": "query",
            "required": True,
            "description": "SPARQL 1.1 query",
            "schema": {"type": "string", "minLength": 1},
        },
        {
            "name": DEFAULT_GRAPH,
            "in": "query",
            "required": False,
            "description": "default graph IRIs (replace the query's FROM)",
            "schema": _GRAPH_LIST,
        },
        {
            "name": NAMED_GRAPH,
            "in": "query",
            "required": False,
            "description": "named graph IRIs (replace the query's FROM NAMED)",
            "schema": _GRAPH_LIST,
        },
    ]
}
_POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "minLength": 1},
                        "update": {"type": "string", "minLength": 1},
                        DEFAULT_GRAPH: _GRAPH_LIST,
                        NAMED_GRAPH: _GRAPH_LIST,
                    },
                    # Exactly one operation per request.
                    "oneOf": [{"required": ["query"]}, {"required": ["update"]}],
                }
            },
            SPARQL_QUERY: {"schema": {"type": "string", "minLength": 1}},
            SPARQL_UPDATE: {"schema": {"type": "string", "minLength": 1}},
        },
    },
}


# A query waits for a sandboxed worker (up to the deadline) on a thread of its own, never on
# the thread pool the REST routes run on: with four expensive queries holding the workers, the
# small queries queued behind them used to take every pool thread, and /candidates, /search
# and /claims waited seconds too (bench/bench_load.py). Past this many waiting queries a new one
# is refused at once rather than queued without bound.
MAX_WAITING_QUERIES = 64
# One client may fill half of them: a client sending queries in a tight loop is refused (429)
# before it leaves no waiting place to anyone else, while a client sending many small queries
# rides out a second's stall of the machine (a quarter refused some at 12 queries/s).
MAX_WAITING_PER_CLIENT = MAX_WAITING_QUERIES // 2
_query_threads = ThreadPoolExecutor(MAX_WAITING_QUERIES, thread_name_prefix="sparql-wait")
_query_slots = threading.BoundedSemaphore(MAX_WAITING_QUERIES)
_waiting_lock = threading.Lock()
_waiting: dict[str, int] = {}


def _leave_waiting(client: str) -> None:
    with _waiting_lock:
        left = _waiting[client] - 1
        if left:
            _waiting[client] = left
        else:
            del _waiting[client]


def _bad(detail: str, status: int = 400) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


@dataclass
class ProtocolRequest:
    """The protocol operation a request asks for, whichever way it was sent."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name, ())
    if len(values) > 1:
        raise _bad(f"the {name!r} parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def _graphs(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    graphs = list(params.get(name, ()))
    for graph in graphs:
        try:
            NamedNode(graph)
        except ValueError as err:
            raise _bad(f"{name} {graph!r} is not an absolute IRI: {err}") from err
    return graphs


def _from_params(params: Mapping[str, Sequence[str]]) -> ProtocolRequest:
    return ProtocolRequest(
        query=_single(params, "query"),
        update=_single(params, "update"),
        default_graphs=_graphs(params, DEFAULT_GRAPH),
        named_graphs=_graphs(params, NAMED_GRAPH),
        using_graphs=list(params.get("using-graph-uri", ()))
        + list(params.get("using-named-graph-uri", ())),
    )


def _url_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    return params


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _bad(f"{what} is not valid UTF-8: {err}") from err


def _check_accept_possible(accept: str | None) -> None:
    # Refuse before evaluating when no format at all could satisfy the client.
    if not accept or not accept.strip():
        return
    ranges = parse_accept(accept)
    if any(r.matches(m) for r in ranges for m in _ALL_RESULT_TYPES):
        return
    raise _bad(
        "none of the Accept types can be written; use one of " + ", ".join(_ALL_RESULT_TYPES),
        406,
    )


def _run_query(ctx: ApiContext, op: ProtocolRequest, accept: str | None, client: str) -> Response:
    assert op.query is not None
    try:
        result = ctx.runner.run(
            op.query, Dataset(tuple(op.default_graphs), tuple(op.named_graphs)), client
        )
    except GuardError as err:
        raise _bad(str(err)) from err
    except QueryFailedError as err:
        raise _bad(str(err), err.status) from err
    except QuerySyntaxError as err:
        raise _bad(str(err)) from err
    except DatasetUnsupportedError as err:
        raise _bad(str(err)) from err
    except ResultTooLargeError as err:
        raise _bad(str(err), 422) from err
    except ShareExhaustedError as err:
        raise HTTPException(status_code=429, detail=str(err), headers={"Retry-After": "5"}) from err
    except QueryTimeoutError as err:
        raise _bad(str(err), 503) from err
    except ResultCutError as err:
        raise _bad(str(err), 422) from err
    except StoreError as err:
        raise _bad(f"store unavailable: {err}", 503) from err
    headers = {"Vary": "Accept"}
    if isinstance(result, list):
        chosen_graph = negotiate(accept, GRAPH_TYPES, default=next(iter(GRAPH_TYPES)))
        if chosen_graph is None:
            raise _bad("CONSTRUCT/DESCRIBE results are written as " + _mimes(GRAPH_TYPES), 406)
        fmt, mime = chosen_graph
        body = graph_result(result, fmt, prefixes=PREFIXES)
        return Response(body, media_type=mime, headers=headers)
    chosen = negotiate(accept, RESULT_TYPES, default=next(iter(RESULT_TYPES)))
    if chosen is None:
        raise _bad("SELECT/ASK results are written as " + _mimes(RESULT_TYPES), 406)
    rfmt, mime = chosen
    if isinstance(result, SelectResult):
        body = select_result(result.variables, result.rows, rfmt)
    else:
        body = ask_result(bool(result), rfmt)
    return Response(body, media_type=mime, headers=headers)


async def _evaluate(
    ctx: ApiContext, op: ProtocolRequest, accept: str | None, client: str
) -> Response:
    """Run the query on the query threads (see MAX_WAITING_QUERIES)."""
    with _waiting_lock:
        if _waiting.get(client, 0) >= MAX_WAITING_PER_CLIENT:
            raise HTTPException(
                status_code=429,
                detail=f"{MAX_WAITING_PER_CLIENT} queries from this address are running or "
                "waiting already; send the next when one has answered",
                headers={"Retry-After": "5"},
            )
        _waiting[client] = _waiting.get(client, 0) + 1
    if not _query_slots.acquire(blocking=False):
        _leave_waiting(client)
        raise HTTPException(
            status_code=503,
            detail=f"{MAX_WAITING_QUERIES} queries are waiting for a query worker already; "
            "try again later",
            headers={"Retry-After": "5"},
        )
    context = contextvars.copy_context()

    def work() -> Response:
        # Released by the thread itself: a client that hangs up does not free a busy thread.
        try:
            return context.run(_run_query, ctx, op, accept, client)
        finally:
            _query_slots.release()
            _leave_waiting(client)

    try:
        future = asyncio.get_running_loop().run_in_executor(_query_threads, work)
    except BaseException:
        _query_slots.release()
        _leave_waiting(client)
        raise
    return await future


def _mimes(table: Mapping[Any, tuple[str, ...]]) -> str:
    return ", ".join(m for ms in table.values() for m in ms)


def _run_update(ctx: ApiContext, op: ProtocolRequest) -> Response:
    assert op.update is not None
    if op.using_graphs:
        raise _bad("using-graph-uri/using-named-graph-uri are not supported; use USING or WITH")
    try:
        ctx.runner.check(op.update, "update")
    except GuardError as err:
        raise _bad(str(err)) from err
    try:
        with ctx.write_lock:
            # The deadline: a rehearsal on a copy that is killed when time runs out; only an
            # update that finished there is applied (see QueryRunner.rehearse_update).
            ctx.runner.rehearse_update(op.update)
            ctx.store.update(op.update)
            ctx.wrote()
    except QuerySyntaxError as err:
        raise _bad(str(err)) from err
    except QueryFailedError as err:
        raise _bad(str(err), err.status) from err
    except QueryTimeoutError as err:
        raise _bad(str(err), 503) from err
    except StoreError as err:
        raise _bad(f"update failed: {err}", 503) from err
    return Response(status_code=204)


@router.get(
    "/sparql",
    operation_id="sparql_query",
    responses=_QUERY_RESPONSES,
    openapi_extra=_GET_PARAMETERS,
    response_class=Response,
    summary="SPARQL 1.1 query (GET)",
)
async def sparql_get(request: Request, ctx: Context) -> Response:
    """Run a query sent in the URL. Updates must be POSTed."""
    params = _url_params(request)
    if "update" in params:
        raise _bad("SPARQL Update must be sent with POST, not GET")
    op = _from_params(params)
    if op.query is None:
        raise _bad("missing the 'query' parameter")
    accept = request.headers.get("accept")
    _check_accept_possible(accept)
    return await _evaluate(ctx, op, accept, client_address(request))


@router.post(
    "/sparql",
    operation_id="sparql_post",
    responses=_POST_RESPONSES,
    response_class=Response,
    openapi_extra=_POST_BODY,
    dependencies=[Depends(documented_write_key)],
    summary="SPARQL 1.1 query or update (POST)",
)
async def sparql_post(request: Request, ctx: Context) -> Response:
    """Run a query or (with the API key) an update sent in the request body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params = _url_params(request)
    if content_type == FORM:
        body = _decode(await request.body(), "form body")
        for name, values in parse_qs(body, keep_blank_values=True).items():
            params.setdefault(name, []).extend(values)
        op = _from_params(params)
    elif content_type in (SPARQL_QUERY, SPARQL_UPDATE):
        if "query" in params or "update" in params:
            raise _bad(f"with {content_type} the operation goes in the body, not the URL")
        op = _from_params(params)
        text = _decode(await request.body(), "request body")
        if content_type == SPARQL_QUERY:
            op.query = text
        else:
            op.update = text
    else:
        raise _bad(
            f"unsupported content type {content_type or '(none)'!r}: use {FORM}, "
            f"{SPARQL_QUERY} or {SPARQL_UPDATE}",
            415,
        )
    if op.query is not None and op.update is not None:
        raise _bad("a request carries either a query or an update, not both")
    if op.update is not None:
        await authorize_write(request, ctx)
        return await run_in_threadpool(_run_update, ctx, op)
    if op.query is None:
        raise _bad("missing the 'query' (or 'update') parameter")
    accept = request.headers.get("accept")
    _check_accept_possible(accept)
    return await _evaluate(ctx, op, accept, client_address(request))
