"""Query time limit, result-size limit and request body limits, over the real HTTP stack."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from api.negotiation import RESULT_TYPES, ResultFormat, negotiate, parse_accept
from api.query_runner import _data_only
from kg.store import open_store
from tests.api.support import API_KEY, LiveServer, fill, settings, start_server

TIMEOUT = 1.0
# About 3 million rows streamed from a three-way cross join of the small graph: several seconds
# of work, far past the time limit, yet cheap per row, so cancelling it is observable.
SLOW = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def limited() -> Iterator[LiveServer]:
    """A live server with a short time limit, few result rows and small bodies."""
    store = open_store("memory:")
    fill(store)
    app = create_app(
        store,
        settings(
            query_timeout_seconds=TIMEOUT,
            max_result_rows=5,
            max_query_bytes=2_000,
        ),
    )
    server = start_server(app, store)
    yield server
    server.stop()
    store.close()


@pytest.fixture(scope="module")
def slow_limit() -> Iterator[LiveServer]:
    """A live server with a short time limit and no practical row limit."""
    store = open_store("memory:")
    fill(store)
    app = create_app(store, settings(query_timeout_seconds=TIMEOUT, max_result_rows=100_000_000))
    server = start_server(app, store)
    yield server
    server.stop()
    store.close()


def _query_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "sparql-query")


def test_result_rows_over_limit_is_a_clear_error(limited: LiveServer) -> None:
    """More rows than the limit: 422 naming the setting; with LIMIT the same query answers."""
    with httpx.Client(base_url=limited.url) as client:
        r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert r.status_code == 422
        assert "TCMKG_MAX_RESULT_ROWS" in r.json()["detail"]
        ok = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
        assert ok.status_code == 200
        assert len(ok.json()["results"]["bindings"]) == 5
        graph = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
        assert graph.status_code == 422


def test_slow_query_times_out_and_server_stays_up(slow_limit: LiveServer) -> None:
    """A query past the time limit is answered 503 in time; others are served meanwhile."""
    results: dict[str, object] = {}

    def run_slow() -> None:
        start = time.monotonic()
        r = httpx.get(f"{slow_limit.url}/sparql", params={"query": SLOW}, timeout=30)
        results["status"] = r.status_code
        results["detail"] = r.json()["detail"]
        results["seconds"] = time.monotonic() - start

    slow = threading.Thread(target=run_slow)
    slow.start()
    time.sleep(0.1)
    start = time.monotonic()
    health = httpx.get(f"{slow_limit.url}/health", timeout=5)
    assert health.status_code == 200
    assert time.monotonic() - start < TIMEOUT  # not stuck behind the slow query
    slow.join(timeout=30)
    assert results["status"] == 503
    assert "TCMKG_QUERY_TIMEOUT_SECONDS" in str(results["detail"])
    assert float(str(results["seconds"])) < TIMEOUT + 3
    # The evaluating thread notices the cancellation at its next rows and ends, well before
    # the five or more seconds the rest of the query would take.
    deadline = time.monotonic() + 3.0
    while _query_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _query_threads() == 0


def test_body_over_limit_is_413(limited: LiveServer) -> None:
    """A declared body over the limit is refused before it is read."""
    big = "ASK { " + "?s ?p ?o . " * 400 + "}"
    r = httpx.post(
        f"{limited.url}/sparql",
        content=big.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 413
    assert "2,000 bytes" in r.json()["detail"]


def test_chunked_body_over_limit_is_413(limited: LiveServer) -> None:
    """A chunked body with no length is counted as it arrives and cut off at the limit."""

    def chunks() -> Iterator[bytes]:
        yield b"ASK { "
        for _ in range(1000):
            yield b"?s ?p ?o . "
        yield b"}"

    r = httpx.post(
        f"{limited.url}/sparql",
        content=chunks(),
        headers={
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {API_KEY}",
        },
    )
    assert r.status_code == 413


def test_small_body_passes(limited: LiveServer) -> None:
    """A body under the limit is served normally."""
    r = httpx.post(
        f"{limited.url}/sparql",
        content=b"ASK { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 200
    assert r.json()["boolean"] is True


def test_accept_order_and_quality() -> None:
    """Accept: the highest quality wins, then the first listed; q=0 excludes a type."""
    assert negotiate(
        "text/csv;q=0.5, text/tab-separated-values", RESULT_TYPES, ResultFormat.JSON
    ) == (
        ResultFormat.TSV,
        "text/tab-separated-values",
    )
    assert negotiate("text/csv, application/json", RESULT_TYPES, ResultFormat.JSON) == (
        ResultFormat.CSV,
        "text/csv",
    )
    wildcard = negotiate("image/png, text/*;q=0.1, */*;q=0.05", RESULT_TYPES, ResultFormat.JSON)
    assert wildcard == (ResultFormat.XML, "text/xml")
    assert negotiate("text/csv;q=0", RESULT_TYPES, ResultFormat.JSON) is None
    assert negotiate(None, RESULT_TYPES, ResultFormat.JSON) == (
        ResultFormat.JSON,
        "application/sparql-results+json",
    )
    assert [m.type for m in parse_accept("a/b;q=x, c/d")] == ["c/d"]


def test_slow_update_is_refused_at_the_deadline_and_writes_nothing(slow_limit: LiveServer) -> None:
    """In-memory store: an update whose WHERE outlasts the limit is 503 and changes nothing."""
    marker = "<http://example.org/limits/n>"
    join = " ".join(f"GRAPH ?g{i} {{ ?a{i} ?b{i} ?c{i} }}" for i in range(4))
    update = (
        f"INSERT {{ GRAPH <http://example.org/limits> {{ {marker} {marker} ?n }} }} "
        f"WHERE {{ SELECT (COUNT(*) AS ?n) WHERE {{ {join} }} }}"
    )
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=slow_limit.url, timeout=30) as client:
        start = time.monotonic()
        r = client.post("/sparql", content=update.encode(), headers=headers)
        assert r.status_code == 503, r.text
        assert time.monotonic() - start < TIMEOUT + 3
        assert "nothing was written" in r.json()["detail"]
        ask = {"query": f"ASK {{ {marker} ?p ?o }}"}
        assert client.get("/sparql", params=ask).json()["boolean"] is False
        # The same pattern over one graph finishes in time and is applied.
        quick = update.replace(join, "GRAPH ?g0 { ?a0 ?b0 ?c0 }")
        assert client.post("/sparql", content=quick.encode(), headers=headers).status_code == 204
        assert client.get("/sparql", params=ask).json()["boolean"] is True


def test_only_data_updates_skip_the_rehearsal() -> None:
    """INSERT DATA / DELETE DATA evaluate nothing; any WHERE, template or graph operation does."""
    assert _data_only("INSERT DATA { <urn:a> a <urn:b> }")
    assert _data_only(
        "PREFIX x: <urn:x:> INSERT DATA { GRAPH <urn:g> { x:a x:b true } } ;\n"
        'DELETE DATA { <urn:a> <urn:b> "WHERE" }'
    )
    assert not _data_only("DELETE WHERE { ?s ?p ?o }")
    assert not _data_only("INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }")
    assert not _data_only("INSERT DATA { <urn:a> <urn:b> 1 } ; DROP ALL")
    assert not _data_only("COPY <urn:g> TO <urn:h>")
