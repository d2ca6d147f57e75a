"""Writes to a SPARQL server are all or nothing, even when they take several requests.

Against the private Virtuoso of ``tests/virtuoso.py``; the failures are real HTTP failures from
a small proxy on loopback that passes requests on to Virtuoso and answers 503 to one of them.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from kg.store import GraphStore, StoreError, open_store
from kg.stores import sparql_remote
from tests.virtuoso import GRAPH_PREFIX, VirtuosoServer

pytestmark = pytest.mark.virtuoso

CHUNK = 300  # statements per request in these tests (the product's is 20,000)
GRAPHS = [f"{GRAPH_PREFIX}test/staged/{i}" for i in range(2)]
STAGING = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
STAGING += f'"{sparql_remote.STAGING_PREFIX}")) }} LIMIT 1'


def quads(n: int) -> list[Quad]:
    return [
        Quad(
            NamedNode(f"{GRAPH_PREFIX}test/s{i}"),
            NamedNode(f"{GRAPH_PREFIX}test/p"),
            NamedNode(f"{GRAPH_PREFIX}test/o{i}"),
            NamedNode(GRAPHS[i % 2]),
        )
        for i in range(n)
    ]


class FailingProxy:
    """Passes POSTs on to ``target``; answers 503 to the ``fail_at``-th update request."""

    def __init__(self, target: str, fail_at: int) -> None:
        self.updates = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if body.startswith(b"update="):
                    proxy.updates += 1
                    if proxy.updates == fail_at:
                        self.send_response(503)
                        self.end_headers()
                        self.wfile.write(b"connection to the store lost")
                        return
                request = urllib.request.Request(
                    target, data=body, headers={k: v for k, v in self.headers.items()}
                )
                with urllib.request.urlopen(request, timeout=120) as answer:
                    data = answer.read()
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def small_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sparql_remote, "REQUEST_CHUNK", CHUNK)
    yield


def staging_left(server: VirtuosoServer) -> bool:
    # Without the graph prefix: staging graphs lie outside the store's own graphs.
    with open_store(f"sparql:{server.query_url}") as everything:
        return bool(everything.select(STAGING).rows)


def test_a_load_over_several_requests_lands_whole(
    virtuoso_store: GraphStore, virtuoso_server: VirtuosoServer, small_requests: None
) -> None:
    data = quads(CHUNK * 3 + 7)
    n = virtuoso_store.load(serialize(data, format=RdfFormat.N_QUADS), RdfFormat.N_QUADS)
    assert n == len(data)
    assert virtuoso_store.count() == len(data)
    assert set(virtuoso_store.quads(GRAPHS[0])) == {
        q for q in data if q.graph_name.value == GRAPHS[0]
    }
    assert virtuoso_store.bulk_extend(quads(CHUNK * 2)) == CHUNK * 2  # already there: no change
    assert virtuoso_store.count() == len(data)
    assert not staging_left(virtuoso_server)


@pytest.mark.parametrize("fail_at", [2, 4], ids=["while staging", "at the final move"])
def test_a_failed_request_leaves_nothing_of_the_load(
    virtuoso_store: GraphStore, virtuoso_server: VirtuosoServer, small_requests: None, fail_at: int
) -> None:
    proxy = FailingProxy(virtuoso_server.query_url, fail_at)
    try:
        through = open_store(f"sparql:{proxy.url};graphs={GRAPH_PREFIX}")
        data = serialize(quads(CHUNK * 3), format=RdfFormat.N_QUADS)  # 3 staged + 1 move
        with pytest.raises(StoreError, match="nothing of it was added") as failure:
            through.load(data, RdfFormat.N_QUADS)
        assert "503" in str(failure.value)
    finally:
        proxy.close()
    assert virtuoso_store.count() == 0
    assert virtuoso_store.named_graphs() == []
    assert not staging_left(virtuoso_server)
