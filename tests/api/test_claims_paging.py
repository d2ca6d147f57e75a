"""Paging ``GET /claims``: one stable order, ``next_offset``, each claim once however many records
report it, over the embedded store and over a SPARQL server (Virtuoso, where installed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyoxigraph import NamedNode, Quad

from api.app import create_app
from api.routers.entities import entity_iri
from kg.iri import ID
from kg.store import GraphStore, open_store
from tests.api.support import (
    ASTRAGALUS,
    FATIGUE,
    OEDEMA,
    LiveServer,
    fill,
    settings,
    start_server,
)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TCM_CLAIM = "https://w3id.org/tcmkg/ontology#Claim"
BIOLINK = "https://w3id.org/biolink/vocab/"

# Filters a user pages through: none, a predicate alone (by name and by CURIE), an object.
FILTERS: list[dict[str, str]] = [
    {},
    {"predicate": "causes"},
    {"predicate": "biolink:treats"},
    {"object": OEDEMA},
    {"subject": ASTRAGALUS, "predicate": "treats"},
]


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client for the live server over the embedded store."""
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def walk(client: httpx.Client, limit: int, **filters: str) -> list[dict[str, Any]]:
    """Every matching claim, page by page as a user follows ``next_offset`` from 0."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        r = client.get("/claims", params={**filters, "limit": limit, "offset": offset})
        assert r.status_code == 200, r.text
        page = r.json()
        assert (page["limit"], page["offset"]) == (limit, offset)
        # A next page is announced only after a full one, and starts right after it.
        if page["next_offset"] is not None:
            assert len(page["items"]) == limit
            assert page["next_offset"] == offset + limit
        items.extend(page["items"])
        offset = page["next_offset"]
    return items


def whole(client: httpx.Client, **filters: str) -> list[dict[str, Any]]:
    """Every matching claim in one page (the illustrative graph has four claims)."""
    page = client.get("/claims", params={**filters, "limit": 200}).json()
    assert page["next_offset"] is None
    items: list[dict[str, Any]] = page["items"]
    return items


def test_pages_walk_every_claim_once_in_id_order(client: httpx.Client) -> None:
    """Pages of any size give the one-page answer: same claims, same order, no repeat, no gap."""
    claims = whole(client)
    ids = [c["id"] for c in claims]
    assert len(ids) == len(set(ids)) == 4
    assert ids == sorted(ids)
    for limit in (1, 3, 4):
        assert walk(client, limit) == claims
    for filters in FILTERS[1:]:
        matching = whole(client, **filters)
        assert matching == [c for c in claims if c["id"] in {m["id"] for m in matching}]
        assert walk(client, 1, **filters) == matching
    past = client.get("/claims", params={"offset": 4}).json()
    assert past["items"] == [] and past["next_offset"] is None


def test_claim_reported_by_two_records_is_one_item(client: httpx.Client) -> None:
    """A claim two records report is listed once, on one page, with both records' evidence."""
    pages = [
        client.get("/claims", params={"limit": 1, "offset": n}).json()["items"] for n in range(4)
    ]
    astragalus = [c for page in pages for c in page if c["subject"] == ASTRAGALUS]
    (claim,) = astragalus
    assert (claim["predicate"], claim["object"]) == ("treats", FATIGUE)
    sources = [e["source"] for e in claim["evidence"]]
    assert sorted(sources) == ["TCMKG.DOC:api-test-1", "TCMKG.DOC:api-test-2"]
    # Evidence items come in a stable order too: by their id.
    evidence_ids = [e["id"] for e in claim["evidence"]]
    assert evidence_ids == sorted(evidence_ids)


@pytest.mark.virtuoso
@pytest.mark.slow
def test_server_store_pages_alike(client: httpx.Client, virtuoso_store: GraphStore) -> None:
    """Over a SPARQL server every page, filtered or not, is the embedded store's page."""
    fill(virtuoso_store)
    server = start_server(create_app(virtuoso_store, settings()), virtuoso_store)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as remote:
            for filters in FILTERS:
                assert whole(remote, **filters) == whole(client, **filters)
            for limit in (1, 3):
                assert walk(remote, limit) == walk(client, limit)
    finally:
        server.stop()


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_a_write_shows_in_the_listing_at_once(tmp_path: Path, where: str) -> None:
    """The ordered listing is kept between pages, and a write renews it: the new claim is
    listed on the next request, in its place in the order."""
    store = open_store("memory:" if where == "memory" else f"oxigraph:{tmp_path / 'store'}")
    fill(store)
    server = start_server(create_app(store, settings()), store)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            before = walk(client, 1)
            assert walk(client, 3) == before  # the same listing, read from what was kept
            claim = f"{ID}claim/0000-added-between-pages"
            graph = f"{ID}graph/claims-paging-added"
            store.replace_graph(
                graph,
                [
                    Quad(NamedNode(claim), NamedNode(p), o, NamedNode(graph))
                    for p, o in (
                        (RDF_TYPE, NamedNode(TCM_CLAIM)),
                        (BIOLINK + "subject", NamedNode(entity_iri(ASTRAGALUS))),
                        (BIOLINK + "predicate", NamedNode(BIOLINK + "treats")),
                        (BIOLINK + "object", NamedNode(entity_iri(OEDEMA))),
                    )
                ],
            )
            after = walk(client, 2)
            assert [c["id"] for c in after] == sorted(c["id"] for c in after)
            added = [c for c in after if c["id"] not in {b["id"] for b in before}]
            assert [(c["subject"], c["predicate"], c["object"]) for c in added] == [
                (ASTRAGALUS, "treats", OEDEMA)
            ]
            assert len(after) == len(before) + 1
    finally:
        server.stop()
        store.close()
