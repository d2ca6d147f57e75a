"""Repeated rankings are served from a cache that a write through the API invalidates."""

from __future__ import annotations

import time

import httpx

from api.app import create_app
from api.result_cache import ResultCache
from kg.iri import graph_iri
from kg.store import open_store
from tests.api.support import API_KEY, ASTRAGALUS, fill, settings, start_server


def test_ranking_follows_writes_through_the_api() -> None:
    """After an update removes a candidate's evidence, the next ranking no longer shows it."""
    store = open_store("memory:")
    fill(store)
    server = start_server(create_app(store, settings()), store)
    params = {"indication": "illustrative fatigue"}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            first = client.get("/candidates", params=params).json()
            assert [r["candidate"]["id"] for r in first["rows"]] == [ASTRAGALUS]
            assert client.get("/candidates", params=params).json() == first
            docs = [graph_iri(f"TCMKG.DOC:api-test-{n}") for n in (1, 2)]
            update = " ; ".join(f"DROP GRAPH <{g}>" for g in docs)
            r = client.post("/sparql", data={"update": update}, headers={"X-API-Key": API_KEY})
            assert r.status_code == 204
            after = client.get("/candidates", params=params).json()
            assert [r["candidate"]["id"] for r in after["rows"]] == []
    finally:
        server.stop()
        store.close()


def test_cache_bounds_and_expiry() -> None:
    """The cache keeps at most ``size`` answers, drops old ones, and recomputes per generation."""
    calls: list[str] = []
    cache: ResultCache[str] = ResultCache(size=2, max_age=0.2)

    def compute(key: str) -> str:
        calls.append(key)
        return key.upper()

    assert cache.get_or_compute("a", 0, lambda: compute("a")) == "A"
    assert cache.get_or_compute("a", 0, lambda: compute("a")) == "A"
    assert calls == ["a"]
    cache.get_or_compute("b", 0, lambda: compute("b"))
    cache.get_or_compute("c", 0, lambda: compute("c"))  # evicts "a", the least recent
    cache.get_or_compute("a", 0, lambda: compute("a"))
    assert calls == ["a", "b", "c", "a"]
    cache.get_or_compute("a", 1, lambda: compute("a"))  # a new store generation
    assert calls[-1] == "a" and len(calls) == 5
    time.sleep(0.25)
    cache.get_or_compute("a", 1, lambda: compute("a"))  # expired
    assert len(calls) == 6
