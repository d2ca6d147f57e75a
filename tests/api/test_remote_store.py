"""The API over a remote SPARQL store (Virtuoso on loopback) instead of the embedded one."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from api.app import create_app
from kg.iri import expand
from kg.store import GraphStore
from tests.api.support import ARISTOLOCHIA, ASTRAGALUS, STEPHANIA, fill, settings, start_server

pytestmark = [pytest.mark.virtuoso, pytest.mark.slow]


def test_api_over_virtuoso(virtuoso_store: GraphStore) -> None:
    """SPARQL results, search by name and the row limit work the same over a remote store."""
    fill(virtuoso_store)
    server = start_server(create_app(virtuoso_store, settings(max_result_rows=50)), virtuoso_store)
    herb = expand(ASTRAGALUS)
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"SELECT ?label WHERE {{ <{herb}> skos:prefLabel ?label }} ORDER BY ?label"
    )
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            r = client.get("/sparql", params={"query": query})
            labels = {b["label"]["value"] for b in r.json()["results"]["bindings"]}
            assert {"黄芪", "huang qi", "Astragali Radix"} <= labels
            as_csv = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
            assert "黄芪" in {row[0] for row in csv.reader(io.StringIO(as_csv.text))}
            found = client.get("/search", params={"q": "fang ji"}).json()
            assert {h["id"] for h in found["hits"] if h["match"] == "exact"} == {
                STEPHANIA,
                ARISTOLOCHIA,
            }
            too_many = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
            assert too_many.status_code == 422
            dataset = client.get(
                "/sparql", params={"query": query, "default-graph-uri": "http://example.org/g"}
            )
            assert dataset.status_code == 400
            assert "FROM" in dataset.json()["detail"]
    finally:
        server.stop()
