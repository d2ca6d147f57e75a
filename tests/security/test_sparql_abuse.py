"""Abuse of ``/sparql`` against a real ``tcmkg serve`` on loopback.

Each reproduction of the security report: queries that crashed the server (nested brackets),
exhausted its memory (a string doubled 29 times), made it reach another host (SERVICE or LOAD
behind a ``#`` inside an IRI), and a query past its deadline that went on computing; then the
rest of the abuse list (cartesian product, unbounded property path, catastrophic regex, 10,000
VALUES rows, a 1 MB query, updates without or with a wrong key, an update past its deadline).
Each must get a clean JSON answer (4xx/503 where refused) while the server's memory stays
bounded; a listener on loopback proves that no request leaves the server.

Throughout each attack a probe asks ``/health`` and a cached ``/candidates`` answer every 50 ms
(:func:`_probed`). The test asserts that the *median* latency of each is under 200 ms and
that every probe answered within 2 s, not that every single probe was under 200 ms: on a
shared two-core CI machine one probe in a few can wait for the scheduler whatever the server
does, while a server blocked by the attack would fail the median at once.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.sparql_sandbox import SandboxPool
from kg.store import open_store
from tests.api.support import fill
from tests.security import server

TIMEOUT = 4.0
# A worker needs about 100 MB to open the store; the attack reaches gigabytes.
MEMORY_MB = 256
# The server process itself (Python, FastAPI, pyoxigraph, the small store) measured at about
# 120 MB; well below this bound, far below the gigabytes the attacks used to reach.
SERVER_RSS_MB = 600
# A count over a five-way cross join of the small graph: it computes before its first row and
# holds no rows, so it outlasts the deadline on any machine without nearing the memory bound.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?q }"
# The cheap answers a probe asks for while an attack runs; the ranking is cached per store state.
CANDIDATES = {"indication": "illustrative fatigue", "kind": "herb"}
PROBE_MEDIAN_S = 0.2
PROBE_MAX_S = 2.0


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real server over a small on-disk store, with short time and memory limits."""
    folder: Path = tmp_path_factory.mktemp("abuse") / "store"
    store = open_store(f"oxigraph:{folder}")
    fill(store)
    store.close()
    url, pid = server.start(
        f"oxigraph:{folder}",
        {
            "TCMKG_QUERY_TIMEOUT_SECONDS": str(TIMEOUT),
            "TCMKG_QUERY_MEMORY_MB": str(MEMORY_MB),
            "TCMKG_MAX_RESULT_ROWS": "100000000",
        },
    )
    yield url, pid
    server.stop(pid)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on loopback that no request should ever reach."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def _connected(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def _still_well(url: str, pid: int) -> None:
    """The server answers /health at once and its memory stays bounded."""
    start = time.monotonic()
    health = httpx.get(f"{url}/health", timeout=5)
    assert health.status_code == 200
    assert time.monotonic() - start < 1.0
    assert 0 < server.rss_mb(pid) < SERVER_RSS_MB


@contextmanager
def _probed(url: str) -> Iterator[None]:
    """Probe ``/health`` and a cached ``/candidates`` every 50 ms while the block runs.

    On leaving, asserts the median latency of each under 200 ms and every probe under 2 s (see
    the module docstring for why the median).
    """
    with httpx.Client(base_url=url, timeout=10) as warm:
        assert warm.get("/candidates", params=CANDIDATES).status_code == 200  # now cached
    times: dict[str, list[float]] = {"/health": [], "/candidates": []}
    failures: list[str] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=url, timeout=10) as client:
            while not stop.is_set():
                for path, params in (("/health", None), ("/candidates", CANDIDATES)):
                    start = time.monotonic()
                    try:
                        status = client.get(path, params=params).status_code
                    except httpx.HTTPError as err:
                        failures.append(f"{path}: {err!r}")
                        continue
                    times[path].append(time.monotonic() - start)
                    if status != 200:
                        failures.append(f"{path}: {status}")
                stop.wait(0.05)

    thread = threading.Thread(target=probe)
    thread.start()
    try:
        yield
    finally:
        # An attack refused at once is over before the first probe: probe it at least once.
        deadline = time.monotonic() + 5
        while not all(times.values()) and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        thread.join()
    assert not failures, failures
    for path, seconds in times.items():
        assert seconds, path
        assert statistics.median(seconds) < PROBE_MEDIAN_S, (path, sorted(seconds))
        assert max(seconds) < PROBE_MAX_S, (path, sorted(seconds))


def _update(url: str, update: str, key: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.post(f"{url}/sparql", content=update.encode(), headers=headers, timeout=30)


def _ask(url: str, query: str) -> bool:
    r = httpx.get(f"{url}/sparql", params={"query": query}, timeout=30)
    assert r.status_code == 200, r.text
    answer: bool = r.json()["boolean"]
    return answer


def _idle_after_deadline(pid: int) -> None:
    """The server and its workers use (almost) no CPU a second after a refusal."""
    # Give a killed worker's replacement time to start, then watch the CPU time.
    time.sleep(1.0)
    before = server.cpu_seconds(pid)
    time.sleep(1.0)
    assert server.cpu_seconds(pid) - before < 0.3


def _refused(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    for word in words:
        assert word in detail


def test_deeply_nested_parentheses_are_refused(served: tuple[str, int]) -> None:
    """The 10 KB FILTER of 5,000 nested parentheses: 400 naming the depth limit."""
    url, pid = served
    query = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    with _probed(url):
        r = httpx.get(f"{url}/sparql", params={"query": query}, timeout=30)
    _refused(r, 400, "TCMKG_QUERY_MAX_DEPTH")
    _still_well(url, pid)


def test_deeply_nested_groups_are_refused(served: tuple[str, int]) -> None:
    """3,000 nested ``{``, sent as a POST body: 400 naming the depth limit."""
    url, pid = served
    query = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    with _probed(url):
        r = httpx.post(
            f"{url}/sparql",
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=30,
        )
    _refused(r, 400, "TCMKG_QUERY_MAX_DEPTH")
    _still_well(url, pid)


def test_string_doubling_hits_the_memory_limit_not_the_server(served: tuple[str, int]) -> None:
    """CONCAT doubled 29 times (under 1 KB) stops at the workers' memory bound: 503."""
    url, pid = served
    binds = " ".join(f"BIND(CONCAT(?a{i},?a{i}) AS ?a{i + 1})" for i in range(29))
    query = f"SELECT (STRLEN(?a29) AS ?n) WHERE {{ BIND('ab' AS ?a0) {binds} }}"
    assert len(query) < 1100
    with _probed(url):
        r = httpx.get(f"{url}/sparql", params={"query": query}, timeout=30)
    _refused(r, 503, "TCMKG_QUERY_MEMORY_MB")
    _still_well(url, pid)
    # The worker that died was replaced: an ordinary query answers again.
    ok = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code == 200
    assert ok.json()["boolean"] is True


def test_service_behind_a_hash_in_an_iri_is_refused(
    served: tuple[str, int], listener: socket.socket
) -> None:
    """``#`` inside an earlier IRI no longer hides SERVICE: 400, and nothing is sent."""
    url, pid = served
    port = listener.getsockname()[1]
    query = (
        f"SELECT * WHERE {{ BIND(<http://a/#> AS ?x) SERVICE <http://127.0.0.1:{port}/> "
        "{ ?s ?p ?o } }"
    )
    with _probed(url):
        r = httpx.get(f"{url}/sparql", params={"query": query}, timeout=30)
    _refused(r, 400, "SERVICE")
    time.sleep(0.2)
    assert not _connected(listener)
    _still_well(url, pid)


def test_load_behind_a_hash_in_an_iri_is_refused_even_with_the_key(
    served: tuple[str, int], listener: socket.socket
) -> None:
    """The same trick with LOAD in an update sent with the key: 400, and nothing is fetched."""
    url, pid = served
    port = listener.getsockname()[1]
    update = (
        "INSERT DATA { <http://a/#> <http://a/p> 1 } ;\n"
        f"LOAD <http://127.0.0.1:{port}/data.ttl> INTO GRAPH <http://a/g>"
    )
    with _probed(url):
        r = _update(url, update, server.API_KEY)
    _refused(r, 400, "LOAD")
    time.sleep(0.2)
    assert not _connected(listener)
    _still_well(url, pid)


def test_query_past_its_deadline_stops_computing(served: tuple[str, int]) -> None:
    """503 at the deadline, and the server's processes stop using CPU right after."""
    url, pid = served
    with _probed(url):
        start = time.monotonic()
        r = httpx.get(f"{url}/sparql", params={"query": SLOW}, timeout=30)
        elapsed = time.monotonic() - start
    _refused(r, 503, "TCMKG_QUERY_TIMEOUT_SECONDS")
    assert elapsed < TIMEOUT + 2
    _idle_after_deadline(pid)
    _still_well(url, pid)


def test_update_past_its_deadline_stops_and_writes_nothing(served: tuple[str, int]) -> None:
    """An update whose WHERE outlasts the deadline: 503, nothing written, CPU idle right after.

    The update is rehearsed on a copy in a killable worker; past the deadline the worker is
    killed and the live store is never touched. A cheap update is then applied as before.
    """
    url, pid = served
    marker = "<http://example.org/abuse/count>"
    # SLOW over the record graphs (an update's WHERE reads the default graph, not the union).
    join = " ".join(f"GRAPH ?g{i} {{ ?a{i} ?b{i} ?c{i} }}" for i in range(5))
    slow_update = (
        f"INSERT {{ GRAPH <http://example.org/abuse> {{ {marker} {marker} ?n }} }} "
        f"WHERE {{ SELECT (COUNT(*) AS ?n) WHERE {{ {join} }} }}"
    )
    with _probed(url):
        start = time.monotonic()
        r = _update(url, slow_update, server.API_KEY)
        elapsed = time.monotonic() - start
    _refused(r, 503, "TCMKG_QUERY_TIMEOUT_SECONDS", "nothing was written")
    assert elapsed < TIMEOUT + 2
    _idle_after_deadline(pid)
    assert not _ask(url, f"ASK {{ {marker} ?p ?o }}")
    cheap = f"INSERT DATA {{ GRAPH <http://example.org/abuse> {{ {marker} {marker} 1 }} }}"
    assert _update(url, cheap, server.API_KEY).status_code == 204
    assert _ask(url, f"ASK {{ {marker} ?p 1 }}")
    _still_well(url, pid)


@pytest.mark.parametrize("key", [None, "not-the-key"], ids=["without-key", "wrong-key"])
def test_update_without_the_right_key_is_refused(served: tuple[str, int], key: str | None) -> None:
    """An update without the key, or with a wrong one: 401, and nothing is written."""
    url, pid = served
    marker = "<http://example.org/abuse/unkeyed>"
    with _probed(url):
        r = _update(url, f"INSERT DATA {{ {marker} {marker} 1 }}", key)
    _refused(r, 401)
    assert not _ask(url, f"ASK {{ {marker} ?p ?o }}")
    _still_well(url, pid)


# Expensive or large queries the server must answer or refuse cleanly, without slowing the
# cheap routes: (id, query, statuses it may answer with).
_HEAVY = [
    ("cartesian-product", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"),
    (
        "unbounded-property-path",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<http://example.org/none>)* ?b . ?c ?d ?e }",
    ),
    (
        "catastrophic-regex",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
        'FILTER(REGEX(CONCAT(STR(?a), STR(?d), STR(?g), "!"), "^(a+|a?)+(a|b)+$")) }',
    ),
    (
        "values-10000-rows",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o VALUES ?x { "
        + " ".join(str(i) for i in range(10_000))
        + " } }",
    ),
]


@pytest.mark.parametrize(("name", "query"), _HEAVY, ids=[name for name, _ in _HEAVY])
def test_heavy_query_is_answered_or_refused_cleanly(
    served: tuple[str, int], name: str, query: str
) -> None:
    """A result (200) or a refusal (503) at the deadline or at the memory bound, whichever
    the query meets first on this machine, naming that setting; never a stall; CPU idle
    after."""
    url, pid = served
    with _probed(url):
        start = time.monotonic()
        r = httpx.post(
            f"{url}/sparql",
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
            timeout=60,
        )
        elapsed = time.monotonic() - start
    assert r.status_code in (200, 503), (name, r.status_code, r.text[:300])
    if r.status_code == 503:
        _refused(r, 503)
        detail = r.json()["detail"]
        assert "TCMKG_QUERY_TIMEOUT_SECONDS" in detail or "TCMKG_QUERY_MEMORY_MB" in detail, detail
    assert elapsed < TIMEOUT + 2, name
    _idle_after_deadline(pid)
    _still_well(url, pid)


def test_one_megabyte_query_is_refused(served: tuple[str, int]) -> None:
    """A query over the 1 MB size limit: refused (400 or 413) before any parser runs."""
    url, pid = served
    query = "SELECT * WHERE { " + "?s ?p ?o . " * 100_000 + "}"
    assert len(query) > 1_048_576
    with _probed(url):
        r = httpx.post(
            f"{url}/sparql",
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=30,
        )
    assert r.status_code in (400, 413), r.text[:300]
    assert r.headers["content-type"].startswith("application/json")
    _still_well(url, pid)


def test_workers_cannot_reach_the_network(tmp_path: Path, listener: socket.socket) -> None:
    """Behind the guard: a worker given a SERVICE query directly still reaches no host."""
    data = tmp_path / "data.nq"
    data.write_text("<http://a/s> <http://a/p> <http://a/o> <http://a/g> .\n")
    pool = SandboxPool(1, MEMORY_MB)
    try:
        port = listener.getsockname()[1]
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
        answer = pool.run(("nquads", str(data)), query, {}, 10, time.monotonic() + 20)
        assert answer[0] == "error"
        time.sleep(0.2)
        assert not _connected(listener)
        # The same worker still evaluates local queries.
        rows = pool.run(
            ("nquads", str(data)),
            "SELECT ?o WHERE { ?s ?p ?o }",
            {"union": True},
            10,
            time.monotonic() + 20,
        )
        assert rows[0] == "select" and len(rows[2]) == 1
    finally:
        pool.close()
