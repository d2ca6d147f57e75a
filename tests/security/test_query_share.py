"""A fair share of the query workers between clients, against a real ``tcmkg serve``.

One client (its own loopback address, 127.0.0.2) sends expensive queries several at a time; a
second client (127.0.0.1) sends a small SELECT meanwhile. With two workers and the default
share (one worker per client), the small SELECT finds the other worker free and is answered
at once; the expensive client's first query runs to the deadline (503) and the others it sent
at the same time wait for its own worker and are refused with 429, naming the setting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.store import open_store
from tests.api.support import fill
from tests.security import server

TIMEOUT = 4.0
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?q }"
SMALL = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"
HEAVY_ADDRESS = "127.0.0.2"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server over a small on-disk store: two query workers, a short deadline."""
    folder: Path = tmp_path_factory.mktemp("share") / "store"
    store = open_store(f"oxigraph:{folder}")
    fill(store)
    store.close()
    url, pid = server.start(
        f"oxigraph:{folder}",
        {"TCMKG_QUERY_TIMEOUT_SECONDS": str(TIMEOUT), "TCMKG_QUERY_WORKERS": "2"},
    )
    yield url
    server.stop(pid)


def _heavy_client(url: str) -> httpx.Client:
    """A client whose requests come from another loopback address, as another host's would."""
    transport = httpx.HTTPTransport(local_address=HEAVY_ADDRESS)
    return httpx.Client(base_url=url, timeout=30, transport=transport)


def test_a_client_with_expensive_queries_leaves_a_worker_to_others(served: str) -> None:
    """Three expensive queries from one address hold one worker; a small SELECT still runs."""
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def expensive() -> None:
        with _heavy_client(served) as client:
            r = client.get("/sparql", params={"query": SLOW})
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=expensive) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # the expensive queries are running or waiting by now
    with httpx.Client(base_url=served, timeout=30) as client:
        start = time.monotonic()
        small = client.get("/sparql", params={"query": SMALL})
        waited = time.monotonic() - start
    for t in threads:
        t.join()
    assert small.status_code == 200, small.text
    assert len(small.json()["results"]["bindings"]) == 3
    # Without the share the small SELECT waits for a worker until the expensive ones end (4 s).
    assert waited < TIMEOUT / 2, f"the small SELECT waited {waited:.2f} s"
    # The first runs to its deadline (503); the others waited for that worker and are refused
    # (429), except one that may get it back in the same instant and then meet its own deadline.
    statuses = sorted(r.status_code for r in answers)
    assert statuses in ([429, 429, 503], [429, 503, 503]), [
        (r.status_code, r.text[:200]) for r in answers
    ]
    refused = [r for r in answers if r.status_code == 429]
    for r in refused:
        assert "TCMKG_QUERY_WORKERS_PER_CLIENT" in r.json()["detail"]
        assert r.headers["Retry-After"]


def test_one_client_alone_is_not_held_back_below_its_share(served: str) -> None:
    """Small queries sent one after another by the heavy address are all answered."""
    with _heavy_client(served) as client:
        for _ in range(5):
            r = client.get("/sparql", params={"query": SMALL})
            assert r.status_code == 200, r.text


def test_small_queries_stay_fast_while_expensive_ones_are_killed(served: str) -> None:
    """Expensive queries killed at their deadline, again and again: small ones are not held up.

    A killed worker takes a second or more to be replaced; a warm spare worker keeps the small
    queries of another client from waiting for that replacement.
    """
    stop = threading.Event()

    def expensive() -> None:
        with _heavy_client(served) as client:
            while not stop.is_set():
                r = client.get("/sparql", params={"query": SLOW})
                if r.status_code == 429:
                    stop.wait(float(r.headers.get("Retry-After", "1")))

    heavy = threading.Thread(target=expensive)
    heavy.start()
    waits: list[float] = []
    try:
        time.sleep(0.5)
        with httpx.Client(base_url=served, timeout=30) as client:
            end = time.monotonic() + 2.5 * TIMEOUT  # two kills at least
            while time.monotonic() < end:
                start = time.monotonic()
                r = client.get("/sparql", params={"query": SMALL})
                waits.append(time.monotonic() - start)
                assert r.status_code == 200, r.text
                time.sleep(0.05)
    finally:
        stop.set()
        heavy.join()
    waits.sort()
    assert waits[len(waits) // 2] < 0.2, f"median {waits[len(waits) // 2]:.3f} s"
    assert waits[-1] < TIMEOUT / 2, f"a small query waited {waits[-1]:.2f} s"
