"""A REST read past its deadline stops computing, against a real ``tcmkg serve``.

The store holds 200,000 claims, so the deepest page of the unfiltered ``/claims`` listing
(every claim sorted before the page) takes seconds. With ``TCMKG_ROUTE_TIMEOUT_SECONDS`` far
below that, the request is answered 503 near the deadline naming the setting, the server and
its workers stop using CPU right after (the worker evaluating it was killed), and a cheap
request is answered as before.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import NamedNode, Quad

from kg.iri import ID
from kg.store import open_store
from tests.security import server

pytestmark = pytest.mark.slow

CLAIMS = 200_000
DEADLINE = 0.5
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TCM = "https://w3id.org/tcmkg/ontology#"
BIOLINK = "https://w3id.org/biolink/vocab/"
DEEP_PAGE = {"offset": 10_000_000, "limit": 50}


def _claims(n: int) -> Iterator[Quad]:
    """``n`` claims of herbs treating diseases, a hundred per record graph."""
    kind = NamedNode(TCM + "Claim")
    subject, predicate, obj = (NamedNode(BIOLINK + p) for p in ("subject", "predicate", "object"))
    treats = NamedNode(BIOLINK + "treats")
    for i in range(n):
        graph = NamedNode(f"{ID}record/deadline-{i // 100}")
        claim = NamedNode(f"{ID}claim/deadline-{i:07d}")
        yield Quad(claim, RDF_TYPE, kind, graph)
        yield Quad(claim, subject, NamedNode(f"{ID}herb/h{i % 5000}"), graph)
        yield Quad(claim, predicate, treats, graph)
        yield Quad(
            claim, obj, NamedNode(f"http://purl.obolibrary.org/obo/MONDO_{i % 300:07d}"), graph
        )


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An on-disk store of CLAIMS claims; its location."""
    folder: Path = tmp_path_factory.mktemp("route-deadline") / "store"
    location = f"oxigraph:{folder}"
    store = open_store(location)
    store.bulk_extend(_claims(CLAIMS))
    store.close()
    return location


def _deep_page_seconds(location: str) -> float:
    """How long the deep page takes with a deadline it cannot reach (the request's own cost)."""
    url, pid = server.start(location, {"TCMKG_ROUTE_TIMEOUT_SECONDS": "600"})
    try:
        with httpx.Client(base_url=url, timeout=600) as client:
            start = time.monotonic()
            r = client.get("/claims", params=DEEP_PAGE)
            took = time.monotonic() - start
        assert r.status_code == 200, r.text
        assert r.json()["items"] == []
        return took
    finally:
        server.stop(pid)


def test_a_rest_read_past_its_deadline_is_stopped(big_store: str) -> None:
    """503 near the deadline, CPU idle right after, the server answers cheap reads as before."""
    cost = _deep_page_seconds(big_store)
    # The test shows a stop only if the request would outlast the deadline by far.
    assert cost > 3 * DEADLINE, f"the deep page took only {cost:.2f} s: grow CLAIMS"
    url, pid = server.start(big_store, {"TCMKG_ROUTE_TIMEOUT_SECONDS": str(DEADLINE)})
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            start = time.monotonic()
            r = client.get("/claims", params=DEEP_PAGE)
            elapsed = time.monotonic() - start
            assert r.status_code == 503, r.text
            assert "TCMKG_ROUTE_TIMEOUT_SECONDS" in r.json()["detail"]
            assert r.headers["Retry-After"]
            assert elapsed < min(cost, DEADLINE + 2.0), (elapsed, cost)
            # The killed worker's replacement starts, then nothing computes any more.
            time.sleep(1.0)
            before = server.cpu_seconds(pid)
            time.sleep(1.0)
            assert server.cpu_seconds(pid) - before < 0.3
            assert client.get("/health").status_code == 200
            herb = "TCMKG.HERB:h7"
            cheap = client.get("/claims", params={"subject": herb, "limit": 5})
            assert cheap.status_code == 200, cheap.text
            assert [c["subject"] for c in cheap.json()["items"]] == [herb] * 5
    finally:
        server.stop(pid)
