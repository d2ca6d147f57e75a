"""Shared request dependencies: the API context (store, limits, indexes) and the write key."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.jobs import JobRegistry
from api.label_index import LabelIndex
from api.query_runner import QueryRunner
from api.result_cache import ResultCache
from api.security import KeyHash, KeyVerifier, Verdict
from kg.settings import Settings
from kg.store import GraphStore


@dataclass
class ApiContext:
    """Everything the routes share: one per app."""

    store: GraphStore
    settings: Settings
    runner: QueryRunner
    labels: LabelIndex
    jobs: JobRegistry
    key_hash: KeyHash | None
    store_kind: str
    answers: ResultCache[object] = field(default_factory=ResultCache)
    # Bumped after every write made through the API, so caches built from the store rebuild.
    generation: int = 0
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    # Checks presented keys against key_hash; None while writes are disabled.
    keys: KeyVerifier | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.key_hash is not None:
            self.keys = KeyVerifier(self.key_hash)

    def wrote(self) -> None:
        """Record that the store changed: cached answers are dropped."""
        self.generation += 1
        self.answers.clear()


def get_context(request: Request) -> ApiContext:
    """The app's context."""
    ctx: ApiContext = request.app.state.ctx
    return ctx


Context = Annotated[ApiContext, Depends(get_context)]

# Both the common header forms are accepted: ``Authorization: Bearer KEY`` and ``X-API-Key``.
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey")
bearer = HTTPBearer(auto_error=False, scheme_name="Bearer")


async def check_write_key(ctx: ApiContext, key: str | None, client: str) -> None:
    """Refuse the request unless writes are enabled and ``key`` is the configured key.

    The check never blocks the event loop (see :class:`api.security.KeyVerifier`): a client
    that sent too many wrong keys recently gets 429 with ``Retry-After``, and when too many
    checks are already waiting the answer is 503 with ``Retry-After``.
    """
    if ctx.keys is None:
        raise HTTPException(
            status_code=403,
            detail="write endpoints are disabled: no API key is configured "
            "(set TCMKG_API_KEY_HASH; make one with `tcmkg serve --hash-key`)",
        )
    if not key:
        raise HTTPException(
            status_code=401,
            detail="this endpoint needs an API key (Authorization: Bearer KEY or X-API-Key)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    outcome = await ctx.keys.check(key, client)
    if outcome.verdict is Verdict.ACCEPTED:
        return
    if outcome.verdict is Verdict.LOCKED_OUT:
        raise HTTPException(
            status_code=429,
            detail=f"too many wrong API keys from this address; retry in {outcome.retry_after} s",
            headers={"Retry-After": str(outcome.retry_after)},
        )
    if outcome.verdict is Verdict.BUSY:
        raise HTTPException(
            status_code=503,
            detail="too many API key checks in progress; retry shortly",
            headers={"Retry-After": str(outcome.retry_after)},
        )
    raise HTTPException(
        status_code=401,
        detail="wrong API key",
        headers={"WWW-Authenticate": "Bearer"},
    )


def client_address(request: Request) -> str:
    """The address failed key checks are counted against (the TCP peer)."""
    return request.client.host if request.client else "unknown"


async def authorize_write(request: Request, ctx: ApiContext) -> None:
    """Check the key a request carries (either header); for routes that read their own body."""
    credentials = await bearer(request)
    key = presented_key(request.headers.get("x-api-key"), credentials)
    await check_write_key(ctx, key, client_address(request))


def presented_key(
    header_key: str | None, credentials: HTTPAuthorizationCredentials | None
) -> str | None:
    """The key a client sent, from either header."""
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    return header_key or None


async def require_write_key(
    request: Request,
    ctx: Context,
    header_key: Annotated[str | None, Security(api_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    """Dependency for write routes: 403 when writes are disabled, 401 without the right key."""
    await check_write_key(ctx, presented_key(header_key, credentials), client_address(request))


WriteAccess = Annotated[None, Depends(require_write_key)]


def documented_write_key(
    header_key: Annotated[str | None, Security(api_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    """Declares the key headers in OpenAPI for routes that check the key themselves.

    Routes that must refuse before reading a large body check the key in their own code
    (FastAPI resolves dependencies only after the body is read); this dependency only makes
    the security schemes appear in the schema.
    """
