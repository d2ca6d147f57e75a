"""What the API says about the name it was given: what a ranking covered, what a miss is near.

``GET /candidates`` lists the terms the indication covered (``covers``, as ``tcmkg rank``
prints them), and ``GET /search`` answers a name that matches nothing with the resolver's
suggestions and their scores, as the 404 of ``GET /candidates`` does. The store is the demo
graph (the illustrative data with the shipped vocabulary).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.examples.demo import load_demo
from kg.iri import own_curie, vocabulary_graph
from kg.model import Entity, EntityKind, Label
from kg.store import open_store
from kg.writer import vocabulary_quads
from tests.api.support import settings

DM, T2, DN = "MESH:D003920", "MESH:D003924", "MESH:D003928"
GC = "TCMKG.HERB:glycyrrhizae-radix-et-rhizoma"
# A compound a paper's extraction may file under the herb's English name (as on the DFI
# abstracts, where "licorice" found this kind of compound rather than the herb).
LICORICE_COMPOUND = Entity(
    own_curie("TCMKG.COMPOUND", "licorice"),
    EntityKind.COMPOUND,
    "licorice",
    (Label("licorice", "en", True),),
)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    store = open_store("memory:")
    load_demo(store)
    store.replace_graph(
        vocabulary_graph("api-name-tests"),
        list(vocabulary_quads([LICORICE_COMPOUND], "api-name-tests")),
    )
    with TestClient(create_app(store, settings())) as c:
        yield c
    store.close()


def test_candidates_say_what_the_indication_covered(client: TestClient) -> None:
    wide = client.get("/candidates", params={"indication": "diabetes"})
    assert wide.status_code == 200, wide.text
    body = wide.json()
    assert [t["id"] for t in body["matched"]] == [DM]
    covers = {t["id"]: t["label"] for t in body["covers"]}
    assert {DM, T2, DN} <= set(covers)
    assert covers[DM] == "Diabetes Mellitus"
    assert body["covers"][0]["id"] == DM  # the matched term first
    narrow = client.get("/candidates", params={"indication": "diabetes", "exact": True}).json()
    assert [t["id"] for t in narrow["covers"]] == [DM]


def test_covers_is_in_the_openapi_answer(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"matched", "covers"} <= set(schema["CandidatesOut"]["properties"])
    assert "suggestions" in schema["SearchOut"]["properties"]


def test_search_suggests_near_names_when_nothing_matches(client: TestClient) -> None:
    answer = client.get("/search", params={"q": "diabtes"}).json()
    assert answer["hits"] == []
    ids = [s["id"] for s in answer["suggestions"]]
    assert DM in ids and len(ids) <= 5
    assert all(0 < s["score"] <= 100 for s in answer["suggestions"])
    # The same suggestions as the 404 of /candidates, best first.
    missed = client.get("/candidates", params={"indication": "diabtes"})
    assert missed.status_code == 404
    assert DM in [s["id"] for s in missed.json()["suggestions"]]


def test_search_suggestions_keep_to_the_kind_asked(client: TestClient) -> None:
    diseases = client.get("/search", params={"q": "diabtes", "kind": "Disease"}).json()
    assert DM in [s["id"] for s in diseases["suggestions"]]
    herbs = client.get("/search", params={"q": "diabtes", "kind": "Herb"}).json()
    assert DM not in [s["id"] for s in herbs["suggestions"]]


def test_search_gives_no_suggestions_beside_hits(client: TestClient) -> None:
    answer = client.get("/search", params={"q": "diabetes"}).json()
    assert DM in [h["id"] for h in answer["hits"]] and answer["suggestions"] == []


def test_a_name_of_two_kinds_explains_the_herb_and_names_the_other(client: TestClient) -> None:
    answer = client.get("/candidates/licorice/evidence", params={"indication": "diabetes"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["candidate"]["id"] == GC
    assert body["also_named"] == [
        {"id": LICORICE_COMPOUND.id, "label": "licorice", "kind": "Compound"}
    ]
    by_id = client.get(f"/candidates/{GC}/evidence", params={"indication": "diabetes"}).json()
    assert by_id["also_named"] == []  # asked by id: nothing else was meant
    hits = client.get("/search", params={"q": "licorice"}).json()["hits"]
    exact = [h["id"] for h in hits if h["match"] == "exact"]
    assert exact == [GC, LICORICE_COMPOUND.id]  # the herb first, the compound listed
