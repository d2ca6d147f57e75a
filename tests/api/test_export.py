"""``GET /export``: streamed dumps that parse back to the graph that was dumped."""

from __future__ import annotations

import json

import httpx
import pytest
import rdflib
from pyoxigraph import RdfFormat

from api.app import create_app
from kg.iri import expand, graph_iri
from kg.store import open_store
from tests.api.support import ASTRAGALUS, LiveServer, settings, start_server

# rdflib, used here as an independent parser, warns about its own deprecated internals.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")


@pytest.mark.parametrize(
    ("fmt", "rdflib_format", "media"),
    [
        ("nquads", "nquads", "application/n-quads"),
        ("trig", "trig", "application/trig"),
    ],
)
def test_dataset_dump_round_trips(
    live: LiveServer, fmt: str, rdflib_format: str, media: str
) -> None:
    """A dataset dump holds every quad of the store, in its named graphs."""
    with httpx.stream("GET", f"{live.url}/export", params={"format": fmt}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(media)
        assert "attachment" in r.headers["content-disposition"]
        data = r.read()
    dataset = rdflib.Dataset()
    dataset.parse(data=data.decode("utf-8"), format=rdflib_format)
    assert len(list(dataset.quads((None, None, None, None)))) == live.store.count()
    record_graph = graph_iri("TCMKG.DOC:api-test-1")
    assert record_graph in {str(g.identifier) for g in dataset.graphs()}


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld"])
def test_one_graph_dump(live: LiveServer, fmt: str) -> None:
    """One named graph in a triple format: exactly that graph's triples."""
    graph = graph_iri("TCMKG.DOC:api-test-1")
    r = httpx.get(f"{live.url}/export", params={"format": fmt, "graph": graph})
    assert r.status_code == 200
    parsed = rdflib.Graph().parse(
        data=r.text, format={"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}[fmt]
    )
    assert len(parsed) == live.store.count(graph)
    assert (rdflib.URIRef(expand(ASTRAGALUS)), None, None) in parsed


def test_kgx_nodes_and_edges(live: LiveServer) -> None:
    """KGX JSON Lines: one node per entity, one edge per claim, each line a JSON object."""
    nodes = httpx.get(f"{live.url}/export", params={"format": "kgx_nodes"})
    edges = httpx.get(f"{live.url}/export", params={"format": "kgx_edges"})
    node_ids = {json.loads(line)["id"] for line in nodes.text.splitlines()}
    assert ASTRAGALUS in node_ids
    edge_rows = [json.loads(line) for line in edges.text.splitlines()]
    assert {(e["subject"], e["object"]) for e in edge_rows if e["subject"] == ASTRAGALUS}
    assert all("predicate" in e for e in edge_rows)


def test_export_bad_input(live: LiveServer) -> None:
    """An unknown format is 422; a graph that is not an IRI, or a graph with KGX, is 400."""
    assert httpx.get(f"{live.url}/export", params={"format": "xlsx"}).status_code == 422
    bad = httpx.get(f"{live.url}/export", params={"format": "turtle", "graph": "no iri"})
    assert bad.status_code == 400
    kgx = httpx.get(
        f"{live.url}/export", params={"format": "kgx_edges", "graph": "http://example.org/g"}
    )
    assert kgx.status_code == 400


def test_large_dump_streams_in_many_chunks() -> None:
    """A dump far larger than one chunk and the queue arrives whole, chunk by chunk."""
    store = open_store("memory:")
    quads = "\n".join(
        f'<http://example.org/s{i}> <http://example.org/p> "{"x" * 200} {i}" '
        f"<http://example.org/g{i % 7}> ."
        for i in range(20_000)
    )
    store.load(quads.encode(), RdfFormat.N_QUADS)
    server = start_server(create_app(store, settings()), store)
    try:
        received = 0
        lines = 0
        with httpx.stream("GET", f"{server.url}/export", params={"format": "nquads"}) as r:
            for chunk in r.iter_bytes():
                received += len(chunk)
                lines += chunk.count(b"\n")
        assert lines == 20_000
        assert received > 4_000_000  # ~60 chunks of 64 KiB through a 32-chunk queue
    finally:
        server.stop()
        store.close()
