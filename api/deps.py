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
from api.security import KeyHash
from kg.store import GraphStore
from tcmkg.settings import Settings


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


def check_write_key(ctx: ApiContext, key: str | None) -> None:
    """Refuse the request unless writes are enabled and ``key`` is the configured key."""
    if ctx.key_hash is None:
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
    if not ctx.key_hash.matches(key):
        raise HTTPException(
            status_code=401,
            detail="wrong API key",
            headers={"WWW-Authenticate": "Bearer"},
        )


def presented_key(
    header_key: str | None, credentials: HTTPAuthorizationCredentials | None
) -> str | None:
    """The key a client sent, from either header."""
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    return header_key or None


def require_write_key(
    ctx: Context,
    header_key: Annotated[str | None, Security(api_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    """Dependency for write routes: 403 when writes are disabled, 401 without the right key."""
    check_write_key(ctx, presented_key(header_key, credentials))


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
