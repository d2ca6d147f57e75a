"""``GET /health``: is the server up, and can it reach its store."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from api.deps import Context
from api.models import HealthOut
from kg.sparql import load_query
from kg.store import StoreError

router = APIRouter(tags=["health"])


@cache
def _version() -> str:
    # Reading package metadata scans the installed distributions: tens of milliseconds, so
    # once per process, not once per health check.
    try:
        return version("tcmkg")
    except PackageNotFoundError:
        return "unknown"


@router.get("/health", operation_id="get_health", response_model=HealthOut)
def health(ctx: Context) -> HealthOut:
    """Liveness and store reachability (a trivial ASK against the store)."""
    try:
        ctx.store.query(load_query("kg", "ping"))
        status = "ok"
    except StoreError:
        status = "degraded"
    return HealthOut(
        status="ok" if status == "ok" else "degraded",
        store=ctx.store_kind,
        version=_version(),
        writes_enabled=ctx.key_hash is not None,
    )
