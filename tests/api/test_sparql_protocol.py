"""W3C SPARQL 1.1 Protocol tests, ported by hand, run against a real uvicorn server.

Each test names the W3C test it ports (``protocol/manifest.ttl`` of the SPARQL 1.1 test suite).
The W3C dataset tests load remote RDF documents with FROM; here the same graphs are named
graphs of the store, since the endpoint never fetches remote data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.api.support import API_KEY, LiveServer

EX = "http://example.org/protocol/"
G1, G2, G3 = EX + "g1", EX + "g2", EX + "g3"
P = f"<{EX}p>"
SELECT_S = f"SELECT ?s WHERE {{ ?s {P} ?o }} ORDER BY ?s"
SELECT_GS = f"SELECT ?g ?s WHERE {{ GRAPH ?g {{ ?s {P} ?o }} }} ORDER BY ?g ?s"
JSON_RESULTS = "application/sparql-results+json"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
Q = f"<{EX}q>"  # updates write with this predicate, so the queries on P see fixed data


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client for the live server, with three protocol graphs in its store."""
    live.store.update(
        f"INSERT DATA {{ GRAPH <{G1}> {{ <{EX}s1> {P} 1 }} "
        f"GRAPH <{G2}> {{ <{EX}s2> {P} 2 }} GRAPH <{G3}> {{ <{EX}s3> {P} 3 }} }}"
    )
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def values(response: httpx.Response, var: str) -> list[str]:
    """The values of ``var`` in a SPARQL JSON results response."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(JSON_RESULTS)
    bindings = response.json()["results"]["bindings"]
    return [b[var]["value"] for b in bindings if var in b]


def test_query_get(client: httpx.Client) -> None:
    """W3C query_get: a query by GET answers 200 with SPARQL results."""
    r = client.get("/sparql", params={"query": f"ASK {{ <{EX}s1> {P} ?o }}"})
    assert r.status_code == 200
    assert r.json() == {"head": {}, "boolean": True}


def test_query_post_form(client: httpx.Client) -> None:
    """W3C query_post_form: a query by form-encoded POST."""
    r = client.post("/sparql", data={"query": SELECT_S})
    assert values(r, "s") == [EX + "s1", EX + "s2", EX + "s3"]


def test_query_post_direct(client: httpx.Client) -> None:
    """W3C query_post_direct: a query as the POST body (application/sparql-query)."""
    r = client.post(
        "/sparql",
        content=SELECT_S.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert values(r, "s") == [EX + "s1", EX + "s2", EX + "s3"]


def test_query_dataset_default_graph(client: httpx.Client) -> None:
    """W3C query_dataset_default_graph: default-graph-uri sets the default graph."""
    r = client.get("/sparql", params={"query": SELECT_S, "default-graph-uri": G1})
    assert values(r, "s") == [EX + "s1"]


def test_query_dataset_default_graphs_get(client: httpx.Client) -> None:
    """W3C query_dataset_default_graphs_get: several default-graph-uri are merged."""
    r = client.get(
        "/sparql",
        params=[("query", SELECT_S), ("default-graph-uri", G1), ("default-graph-uri", G2)],
    )
    assert values(r, "s") == [EX + "s1", EX + "s2"]


def test_query_dataset_default_graphs_post(client: httpx.Client) -> None:
    """W3C query_dataset_default_graphs_post: the same with a form POST."""
    r = client.post(
        "/sparql",
        content=httpx.QueryParams(
            [("query", SELECT_S), ("default-graph-uri", G2), ("default-graph-uri", G3)]
        ).__str__(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert values(r, "s") == [EX + "s2", EX + "s3"]


def test_query_dataset_named_graphs_post(client: httpx.Client) -> None:
    """W3C query_dataset_named_graphs_post: named-graph-uri limits GRAPH ?g; default is empty."""
    form = [("query", SELECT_GS), ("named-graph-uri", G1), ("named-graph-uri", G2)]
    r = client.post("/sparql", data=dict(form[:1]), params=form[1:])
    assert values(r, "g") == [G1, G2]
    empty = client.post("/sparql", data={"query": SELECT_S}, params=form[1:])
    assert values(empty, "s") == []


def test_query_dataset_named_graphs_get(client: httpx.Client) -> None:
    """W3C query_dataset_named_graphs_get: the same with GET."""
    r = client.get("/sparql", params=[("query", SELECT_GS), ("named-graph-uri", G3)])
    assert values(r, "s") == [EX + "s3"]


def test_query_dataset_full(client: httpx.Client) -> None:
    """W3C query_dataset_full: default and named graphs given together."""
    query = f"SELECT ?s ?g ?t WHERE {{ ?s {P} ?o . GRAPH ?g {{ ?t {P} ?x }} }}"
    r = client.get(
        "/sparql",
        params=[("query", query), ("default-graph-uri", G1), ("named-graph-uri", G2)],
    )
    assert values(r, "s") == [EX + "s1"]
    assert values(r, "g") == [G2]
    assert values(r, "t") == [EX + "s2"]


def test_query_multiple_dataset(client: httpx.Client) -> None:
    """W3C query_multiple_dataset: the protocol dataset overrides FROM in the query."""
    query = f"SELECT ?s FROM <{G3}> WHERE {{ ?s {P} ?o }}"
    assert values(client.get("/sparql", params={"query": query}), "s") == [EX + "s3"]
    r = client.get("/sparql", params={"query": query, "default-graph-uri": G1})
    assert values(r, "s") == [EX + "s1"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (JSON_RESULTS, JSON_RESULTS),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/html, text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql"),
    ],
)
def test_query_content_type_select(client: httpx.Client, accept: str, expected: str) -> None:
    """W3C query_content_type_select: SELECT answers in a negotiated result format."""
    r = client.get("/sparql", params={"query": SELECT_S}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(expected)
    assert EX + "s2" in r.text


def test_query_content_type_ask(client: httpx.Client) -> None:
    """W3C query_content_type_ask: ASK answers in SPARQL results XML when asked."""
    r = client.get(
        "/sparql",
        params={"query": f"ASK {{ <{EX}s9> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    assert "<boolean>false</boolean>" in r.text


def test_query_content_type_describe(client: httpx.Client) -> None:
    """W3C query_content_type_describe: DESCRIBE answers with an RDF graph (Turtle default)."""
    r = client.get("/sparql", params={"query": f"DESCRIBE <{EX}s1>"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    assert f"{EX}s1" in r.text


def test_query_content_type_construct(client: httpx.Client) -> None:
    """W3C query_content_type_construct: CONSTRUCT answers in the RDF format asked for."""
    query = f"CONSTRUCT {{ ?s {P} ?o }} WHERE {{ ?s {P} ?o }}"
    r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    ids = {node["@id"] for node in json.loads(r.text)}
    assert ids == {EX + "s1", EX + "s2", EX + "s3"}


def test_update_post_form(client: httpx.Client) -> None:
    """W3C update_post_form: an update by form POST (with the key) changes the store."""
    update = f"INSERT DATA {{ GRAPH <{EX}u1> {{ <{EX}u1> {Q} 'form' }} }}"
    r = client.post("/sparql", data={"update": update}, headers=AUTH)
    assert r.status_code in (200, 204)
    ask = client.get("/sparql", params={"query": f"ASK {{ <{EX}u1> {Q} 'form' }}"})
    assert ask.json()["boolean"] is True


def test_update_post_direct(client: httpx.Client) -> None:
    """W3C update_post_direct: an update as the POST body (application/sparql-update)."""
    update = f"INSERT DATA {{ GRAPH <{EX}u2> {{ <{EX}u2> {Q} 'direct' }} }}"
    r = client.post(
        "/sparql",
        content=update.encode(),
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )
    assert r.status_code in (200, 204)
    ask = client.get("/sparql", params={"query": f"ASK {{ <{EX}u2> {Q} 'direct' }}"})
    assert ask.json()["boolean"] is True


def test_bad_query_method(client: httpx.Client) -> None:
    """W3C bad_query_method: a query by PUT is refused."""
    r = client.put("/sparql", params={"query": "ASK {}"})
    assert r.status_code == 405


def test_bad_multiple_queries(client: httpx.Client) -> None:
    """W3C bad_multiple_queries: two query parameters are refused."""
    r = client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK { ?s ?p ?o }")])
    assert r.status_code == 400
    assert "given 2 times" in r.json()["detail"]


def test_bad_query_wrong_media_type(client: httpx.Client) -> None:
    """W3C bad_query_wrong_media_type: a query POSTed as text/plain is refused."""
    r = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_bad_query_missing_form_type(client: httpx.Client) -> None:
    """W3C bad_query_missing_form_type: a form body without its content type is refused."""
    r = client.post("/sparql", content=b"query=ASK%20%7B%7D")
    assert r.status_code == 415


def test_bad_query_non_utf8(client: httpx.Client) -> None:
    """W3C bad_query_non_utf8: a query body that is not UTF-8 is refused."""
    body = "ASK { ?s ?p 'é' }".encode("latin-1")
    r = client.post("/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    assert "UTF-8" in r.json()["detail"]


def test_bad_query_syntax(client: httpx.Client) -> None:
    """W3C bad_query_syntax: a syntax error is a 400 carrying the parser's message."""
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "error" in r.json()["detail"].lower()
    assert "1:" in r.json()["detail"]  # the parser's line:column


def test_bad_update_get(client: httpx.Client) -> None:
    """W3C bad_update_get: an update by GET is refused, even with the key."""
    r = client.get("/sparql", params={"update": "CLEAR ALL"}, headers=AUTH)
    assert r.status_code == 400
    assert client.get("/sparql", params={"query": f"ASK {{ ?s {P} ?o }}"}).json()["boolean"]


def test_bad_multiple_updates(client: httpx.Client) -> None:
    """W3C bad_multiple_updates: two update parameters are refused."""
    r = client.post(
        "/sparql",
        content="update=CLEAR%20ALL&update=CLEAR%20DEFAULT",
        headers={"Content-Type": "application/x-www-form-urlencoded", **AUTH},
    )
    assert r.status_code == 400


def test_bad_update_wrong_media_type(client: httpx.Client) -> None:
    """W3C bad_update_wrong_media_type: an update POSTed as text/plain is refused."""
    r = client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 415


def test_bad_update_non_utf8(client: httpx.Client) -> None:
    """W3C bad_update_non_utf8: an update body that is not UTF-8 is refused."""
    body = f"INSERT DATA {{ <{EX}x> {P} 'é' }}".encode("latin-1")
    r = client.post(
        "/sparql", content=body, headers={"Content-Type": "application/sparql-update", **AUTH}
    )
    assert r.status_code == 400


def test_bad_update_syntax(client: httpx.Client) -> None:
    """W3C bad_update_syntax: an update syntax error is a 400 with the parser's message."""
    r = client.post("/sparql", data={"update": "INSERT DATA { <a> }"}, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["detail"]


def test_bad_update_dataset_conflict(client: httpx.Client) -> None:
    """W3C bad_update_dataset_conflict: using-graph-uri beside USING is refused."""
    update = f"DELETE {{ ?s {P} ?o }} USING <{G1}> WHERE {{ ?s {P} ?o }}"
    r = client.post("/sparql", data={"update": update, "using-graph-uri": G2}, headers=AUTH)
    assert r.status_code == 400
    assert values(client.get("/sparql", params={"query": SELECT_S}), "s")[:1] == [EX + "s1"]


def test_query_and_update_together_refused(client: httpx.Client) -> None:
    """A request carrying both a query and an update is ambiguous and refused."""
    r = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}, headers=AUTH)
    assert r.status_code == 400


def test_unknown_parameters_are_ignored(client: httpx.Client) -> None:
    """Clients add format=/output=; the endpoint ignores them and negotiates by Accept."""
    r = client.get(
        "/sparql", params={"query": SELECT_S, "format": "json", "output": "xml", "x": "1"}
    )
    assert values(r, "s") == [EX + "s1", EX + "s2", EX + "s3"]


def test_no_acceptable_format_is_406(client: httpx.Client) -> None:
    """An Accept header the server cannot satisfy gets 406 naming the formats it writes."""
    r = client.get("/sparql", params={"query": SELECT_S}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/csv" in r.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(client: httpx.Client, query: str) -> None:
    """Federated SERVICE calls would make the server reach other hosts: refused with 400."""
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 400
    assert "SERVICE" in r.json()["detail"]


def test_bad_graph_iri_is_400(client: httpx.Client) -> None:
    """A default-graph-uri that is not an IRI is a clear 400, not a server error."""
    r = client.get("/sparql", params={"query": SELECT_S, "default-graph-uri": "not an iri"})
    assert r.status_code == 400
    assert "default-graph-uri" in r.json()["detail"]
