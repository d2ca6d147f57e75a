"""The REST resources over the real HTTP stack: health, entities, search, claims, candidates."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.support import (
    ARISTOLOCHIA,
    ASTRAGALUS,
    FATIGUE,
    KIDNEY,
    OEDEMA,
    STEPHANIA,
    LiveServer,
)


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client for the live server."""
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def test_health(client: httpx.Client) -> None:
    """/health reports the store backend without its path, and that writes are enabled."""
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["store"] == "memory"
    assert body["writes_enabled"] is True


def test_openapi_and_docs(client: httpx.Client) -> None:
    """OpenAPI lists every resource with stable operation ids; /docs serves the UI."""
    spec = client.get("/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "get_health",
        "sparql_query",
        "sparql_post",
        "get_entity",
        "search_entities",
        "list_claims",
        "rank_candidates",
        "explain_candidate",
    } <= ops
    docs = client.get("/docs")
    assert docs.status_code == 200
    # The explorer's script and styles come from this server, so /docs works offline.
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert "cdn." not in docs.text
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "黄芪",
        "huang qi",
        "huangqi",
        "Huáng Qí",
        "HUANG-QI",
        "Astragali Radix",
        "Radix Astragali",
        "radix   astragali",
        "Astragalus root",
        "Astragalus membranaceus",
    ],
)
def test_search_by_any_name(client: httpx.Client, name: str) -> None:
    """Characters, pinyin with or without spaces and tones, Latin both orders, English, species."""
    body = client.get("/search", params={"q": name}).json()
    exact = [h for h in body["hits"] if h["match"] == "exact"]
    assert [h["id"] for h in exact] == [ASTRAGALUS]
    assert exact[0]["kind"] == "Herb"
    assert body["ambiguous"] is False


def test_search_ambiguous_name_returns_every_candidate(client: httpx.Client) -> None:
    """Pinyin "fang ji" names two different herbs: both come back, flagged ambiguous."""
    body = client.get("/search", params={"q": "fangji"}).json()
    assert body["ambiguous"] is True
    exact = {h["id"] for h in body["hits"] if h["match"] == "exact"}
    assert exact == {STEPHANIA, ARISTOLOCHIA}


def test_search_prefix_and_kind(client: httpx.Client) -> None:
    """A name prefix finds by prefix; ``kind`` filters; nothing found is an empty list."""
    body = client.get("/search", params={"q": "guang fang"}).json()
    assert [(h["id"], h["match"]) for h in body["hits"]] == [(ARISTOLOCHIA, "prefix")]
    assert client.get("/search", params={"q": "huang qi", "kind": "Disease"}).json()["hits"] == []
    assert client.get("/search", params={"q": "no such herb"}).json()["hits"] == []


def test_search_validates_input(client: httpx.Client) -> None:
    """An empty or huge query, or an unknown kind, is a 422 naming the parameter."""
    assert client.get("/search", params={"q": ""}).status_code == 422
    assert client.get("/search", params={"q": "x" * 500}).status_code == 422
    assert client.get("/search", params={"q": "x", "kind": "Spaceship"}).status_code == 422


def test_entity_lookup(client: httpx.Client) -> None:
    """/entities/{curie} gives every name with its language, the kind and the types."""
    body = client.get(f"/entities/{ASTRAGALUS}").json()
    assert body["id"] == ASTRAGALUS
    assert body["kinds"] == ["Herb"]
    assert body["label"] == "Astragali Radix"
    names = {(lb["text"], lb["lang"]) for lb in body["labels"]}
    assert ("黄芪", "zh") in names
    assert ("Radix Astragali", "la") in names
    assert "biolink:ComplexMolecularMixture" in body["types"]


def test_entity_errors(client: httpx.Client) -> None:
    """Unknown entity is 404; unknown prefix or an invalid IRI is 400 with the reason."""
    assert client.get("/entities/TCMKG.HERB:no-such-herb").status_code == 404
    r = client.get("/entities/NOPE:1")
    assert r.status_code == 400
    assert "NOPE" in r.json()["detail"]
    assert client.get("/entities/MESH:a%20b%3E").status_code == 400


def test_claims_with_evidence(client: httpx.Client) -> None:
    """Claims by subject carry every evidence item: supporting and null results both."""
    body = client.get("/claims", params={"subject": ASTRAGALUS}).json()
    (claim,) = body["items"]
    assert (claim["subject"], claim["predicate"], claim["object"]) == (
        ASTRAGALUS,
        "treats",
        FATIGUE,
    )
    by_source = {e["source"]: e for e in claim["evidence"]}
    assert by_source["TCMKG.DOC:api-test-1"]["design"] == "rct"
    assert by_source["TCMKG.DOC:api-test-1"]["sample_size"] == 120
    assert by_source["TCMKG.DOC:api-test-2"]["direction"] == "null"
    assert body["next_offset"] is None


def test_claims_filters_and_paging(client: httpx.Client) -> None:
    """Filters combine; pages of one claim walk through all claims without repeats."""
    harms = client.get("/claims", params={"predicate": "causes"}).json()["items"]
    assert {(c["subject"], c["object"]) for c in harms} == {
        (ARISTOLOCHIA, OEDEMA),
        (STEPHANIA, KIDNEY),
    }
    one = client.get("/claims", params={"predicate": "causes", "object": OEDEMA}).json()
    assert [c["subject"] for c in one["items"]] == [ARISTOLOCHIA]
    same = client.get("/claims", params={"predicate": "biolink:causes"}).json()["items"]
    assert same == harms
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get("/claims", params={"limit": 1, "offset": offset}).json()
        seen.extend(c["id"] for c in page["items"])
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == 4
    assert client.get("/claims", params={"subject": "bad curie"}).status_code == 400
    assert client.get("/claims", params={"limit": 0}).status_code == 422


def test_candidates_ranking(client: httpx.Client) -> None:
    """/candidates ranks for an indication by name: both axes, certainty, counts for/against."""
    body = client.get(
        "/candidates", params={"indication": "illustrative fatigue", "kind": "herb"}
    ).json()
    (row,) = body["rows"]
    assert row["candidate"]["id"] == ASTRAGALUS
    assert row["supporting"] == 1 and row["contradicting"] == 1
    assert 0 < row["clinical"] <= 1 and row["mechanistic"] >= 0
    assert row["certainty"] in {"High", "Moderate", "Low", "Very low"}
    assert {e["counts"] for e in row["top_evidence"]} == {"for", "against"}


def test_candidates_safety_flag_shown(client: httpx.Client) -> None:
    """A harm claim about a candidate is shown beside its row, never hidden."""
    body = client.get("/candidates", params={"indication": "illustrative oedema"}).json()
    rows = {r["candidate"]["id"]: r for r in body["rows"]}
    flags = rows[STEPHANIA]["safety"]
    assert [(f["kind"], f["object"]["id"]) for f in flags] == [("toxicity", KIDNEY)]
    assert rows[STEPHANIA]["safety_belief"] > 0


def test_candidates_unknown_indication(client: httpx.Client) -> None:
    """An indication that is not in the graph is a 404 saying so."""
    r = client.get("/candidates", params={"indication": "no such disease at all"})
    assert r.status_code == 404
    assert "no such disease" in r.json()["detail"]


def test_candidate_evidence(client: httpx.Client) -> None:
    """/candidates/{id}/evidence explains: evidence items and what argues against."""
    r = client.get(
        f"/candidates/{ASTRAGALUS}/evidence", params={"indication": "illustrative fatigue"}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["candidate"]["id"] == ASTRAGALUS
    assert {e["source"] for e in body["evidence"]} == {
        "TCMKG.DOC:api-test-1",
        "TCMKG.DOC:api-test-2",
    }
    assert [e["source"] for e in body["against"]["evidence"]] == ["TCMKG.DOC:api-test-2"]
    unknown = client.get(
        "/candidates/TCMKG.HERB:nothing/evidence", params={"indication": "illustrative fatigue"}
    )
    assert unknown.status_code == 404
