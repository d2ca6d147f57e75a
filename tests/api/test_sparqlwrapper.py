"""SPARQLWrapper, a widely used SPARQL client, against the real server in every result format."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
import rdflib
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.iri import expand
from tests.api.support import API_KEY, ASTRAGALUS, LiveServer

# SPARQLWrapper builds rdflib ConjunctiveGraphs, which rdflib 7 marks deprecated: not ours.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

HERB = expand(ASTRAGALUS)
LABELS = f"""
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label ?lang WHERE {{ <{HERB}> skos:prefLabel ?label BIND(LANG(?label) AS ?lang) }}
ORDER BY ?lang
"""
EXPECTED_LABELS = {"Astragalus root", "Astragali Radix", "黄芪", "huang qi"}
CONSTRUCT = f"""
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT {{ <{HERB}> skos:prefLabel ?label }} WHERE {{ <{HERB}> skos:prefLabel ?label }}
"""


def as_graph(result: object) -> rdflib.Graph:
    """SPARQLWrapper's converted CONSTRUCT result as an rdflib graph.

    It parses RDF/XML and JSON-LD itself and hands Turtle/N3 back as bytes, parsed here.
    """
    if isinstance(result, bytes):
        return rdflib.Graph().parse(data=result.decode("utf-8"), format="turtle")
    assert isinstance(result, rdflib.Graph)
    return result


def wrapper(live: LiveServer, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    """A SPARQLWrapper client for the live endpoint."""
    sw = SPARQLWrapper(f"{live.url}/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(method)
    return sw


@pytest.mark.parametrize("method", [None, POST])
def test_select_json(live: LiveServer, method: str | None) -> None:
    """SELECT as SPARQL JSON, by GET and by POST: every preferred label, with its language."""
    result = wrapper(live, LABELS, JSON, method).queryAndConvert()
    assert isinstance(result, dict)
    rows = result["results"]["bindings"]
    assert {r["label"]["value"] for r in rows} == EXPECTED_LABELS
    chinese = next(r for r in rows if r["lang"]["value"] == "zh")
    assert chinese["label"] == {"type": "literal", "value": "黄芪", "xml:lang": "zh"}


def test_select_xml(live: LiveServer) -> None:
    """SELECT as SPARQL XML, parsed by SPARQLWrapper into a DOM."""
    doc = wrapper(live, LABELS, XML).queryAndConvert()
    literals = {node.firstChild.data for node in doc.getElementsByTagName("literal")}
    assert literals >= EXPECTED_LABELS


def test_select_csv(live: LiveServer) -> None:
    """SELECT as CSV: header of variable names, plain values."""
    data = wrapper(live, LABELS, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == ["label", "lang"]
    assert {r[0] for r in rows[1:]} == EXPECTED_LABELS


def test_select_tsv(live: LiveServer) -> None:
    """SELECT as TSV: ``?var`` header, terms in Turtle syntax with language tags."""
    data = wrapper(live, LABELS, TSV).queryAndConvert().decode("utf-8")
    lines = data.strip("\n").split("\n")
    assert lines[0] == "?label\t?lang"
    assert '"黄芪"@zh\t"zh"' in lines


@pytest.mark.parametrize(
    ("fmt", "truth"), [(JSON, "json"), (XML, "xml"), (CSV, "csv"), (TSV, "tsv")]
)
def test_ask_every_format(live: LiveServer, fmt: str, truth: str) -> None:
    """ASK in JSON, XML, CSV and TSV gives the right truth value for a true and a false ASK."""
    for query, expected in (
        (f"ASK {{ <{HERB}> ?p ?o }}", True),
        ("ASK { <http://example.org/nothing> ?p ?o }", False),
    ):
        result = wrapper(live, query, fmt).queryAndConvert()
        if truth == "json":
            assert result["boolean"] is expected
        elif truth == "xml":
            node = result.getElementsByTagName("boolean")[0]
            assert node.firstChild.data == ("true" if expected else "false")
        else:
            lines = result.decode("utf-8").split()
            assert lines[-1] == ("true" if expected else "false")


@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML, XML])
def test_construct_every_format(live: LiveServer, fmt: str) -> None:
    """CONSTRUCT in Turtle, N3, JSON-LD and RDF/XML: SPARQLWrapper parses each into rdflib."""
    graph = as_graph(wrapper(live, CONSTRUCT, fmt).queryAndConvert())
    labels = {str(o) for o in graph.objects(rdflib.URIRef(HERB), rdflib.SKOS.prefLabel)}
    assert labels == EXPECTED_LABELS
    assert len(graph) == len(EXPECTED_LABELS)


def test_construct_ntriples(live: LiveServer) -> None:
    """CONSTRUCT as N-Triples (no SPARQLWrapper constant for it): parsed by rdflib."""
    r = httpx.get(
        f"{live.url}/sparql",
        params={"query": CONSTRUCT},
        headers={"Accept": "application/n-triples"},
    )
    assert r.headers["content-type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=r.text, format="nt")
    assert {str(o) for o in graph.objects()} == EXPECTED_LABELS


def test_describe_turtle(live: LiveServer) -> None:
    """DESCRIBE through SPARQLWrapper returns the resource's triples."""
    graph = as_graph(wrapper(live, f"DESCRIBE <{HERB}>", TURTLE).queryAndConvert())
    assert (rdflib.URIRef(HERB), rdflib.RDFS.label, rdflib.Literal("Astragali Radix")) in graph


def test_syntax_error_surfaces_as_bad_query(live: LiveServer) -> None:
    """A syntax error reaches SPARQLWrapper as QueryBadFormed with the parser's message."""
    with pytest.raises(QueryBadFormed, match="error"):
        wrapper(live, "SELECT ?x WHERE { ?x }", JSON).query()


def test_update_through_sparqlwrapper(live: LiveServer) -> None:
    """An update sent by SPARQLWrapper with the key in the Authorization header is applied."""
    sw = SPARQLWrapper(f"{live.url}/sparql", updateEndpoint=f"{live.url}/sparql")
    sw.addCustomHttpHeader("Authorization", f"Bearer {API_KEY}")
    sw.setMethod(POST)
    sw.setQuery(
        "INSERT DATA { GRAPH <http://example.org/sw> { <http://example.org/sw> "
        "<http://example.org/q> 'sparqlwrapper' } }"
    )
    sw.query()
    ask = wrapper(
        live, "ASK { <http://example.org/sw> <http://example.org/q> 'sparqlwrapper' }", JSON
    ).queryAndConvert()
    assert ask["boolean"] is True


def test_select_json_is_standard(live: LiveServer) -> None:
    """Typed literals keep their datatype; plain strings carry none (SPARQL 1.1 JSON)."""
    r = httpx.get(
        f"{live.url}/sparql",
        params={"query": "SELECT ?n ?s WHERE { BIND(42 AS ?n) BIND('x' AS ?s) }"},
    )
    row = json.loads(r.text)["results"]["bindings"][0]
    assert row["n"] == {
        "type": "literal",
        "value": "42",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert row["s"] == {"type": "literal", "value": "x"}
