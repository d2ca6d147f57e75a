"""Binding parameters into SPARQL: values restrict the query and can never rewrite it."""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from kg import iri
from kg.sparql import QueryTextError, bind, paged_query, parse_param, query_form
from kg.store import GraphStore

EX = "http://example.org/"
G = NamedNode(EX + "g")


def _fill(store: GraphStore) -> None:
    label = NamedNode(iri.RDFS + "label")
    store.replace_graph(
        G.value,
        [
            Quad(NamedNode(EX + "a"), label, Literal("alpha"), G),
            Quad(NamedNode(EX + "b"), label, Literal("beta"), G),
            Quad(NamedNode(EX + "c"), label, Literal("黄芪", language="zh"), G),
        ],
    )


def test_bound_value_restricts_before_aggregation(memory_store: GraphStore) -> None:
    _fill(memory_store)
    result = memory_store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?label }", {"label": Literal("beta")}
    )
    assert result.rows[0][0] == Literal("1", datatype=NamedNode(iri.XSD + "integer"))


def test_sequence_value_gives_one_row_per_item(memory_store: GraphStore) -> None:
    _fill(memory_store)
    result = memory_store.select(
        "SELECT ?s WHERE { ?s ?p ?label } ORDER BY ?s",
        {"label": [Literal("alpha"), Literal("黄芪", language="zh")]},
    )
    assert [row[0] for row in result.rows] == [NamedNode(EX + "a"), NamedNode(EX + "c")]


@pytest.mark.parametrize(
    "hostile",
    [
        'x" } ; DROP ALL ; SELECT * WHERE { ?s ?p "',
        "x' } } #",
        '"""triple quoted""" } UNION { ?s ?p ?o',
        'line\nbreak\\" }',
    ],
)
def test_hostile_literal_matches_nothing_and_changes_nothing(
    memory_store: GraphStore, hostile: str
) -> None:
    _fill(memory_store)
    result = memory_store.select("SELECT ?s WHERE { ?s ?p ?label }", {"label": Literal(hostile)})
    assert len(result) == 0
    assert memory_store.count() == 3


def test_bind_skips_braces_in_strings_comments_and_iris() -> None:
    query = (
        "# a { comment\n"
        "PREFIX ex: <http://example.org/{not-a-group}>\n"
        'SELECT ?s WHERE { ?s ?p "{" }'
    )
    bound = bind(query, {"s": NamedNode(EX + "a")})
    assert bound.endswith('WHERE { VALUES (?s) { (<http://example.org/a>) }  ?s ?p "{" }')


def test_bind_in_construct_goes_into_the_where_group() -> None:
    bound = bind("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": NamedNode(EX + "a")})
    assert bound.startswith("CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s)")


def test_blank_nodes_and_bad_names_are_refused() -> None:
    with pytest.raises(TypeError):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s": BlankNode()})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="variable name"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s) } DROP ALL": Literal("x")})
    with pytest.raises(QueryTextError):
        bind("DESCRIBE <http://example.org/a>", {"s": Literal("x")})


def test_query_form_ignores_prefix_names_variables_and_comments() -> None:
    assert query_form("PREFIX ask: <http://x/>\n# SELECT\nCONSTRUCT { ?s ?p ?o } WHERE {}") == (
        "CONSTRUCT"
    )
    assert query_form("select ?ask WHERE { ?s ?p ?o }") == "SELECT"
    assert query_form("ASK { ?select ?p ?o }") == "ASK"
    assert query_form("INSERT DATA { <http://a> <http://b> 'SELECT' }") is None


def test_paged_query_pages_through_ordered_results(memory_store: GraphStore) -> None:
    _fill(memory_store)
    ordered = "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ?p ?o } ORDER BY DESC(?s)"
    pages = [memory_store.select(paged_query(ordered, 2, offset)) for offset in (0, 2, 4)]
    assert [[r["s"].value for r in page.dicts()] for page in pages] == [
        [EX + "c", EX + "b"],
        [EX + "a"],
        [],
    ]


def test_command_line_parameters_parse_to_terms() -> None:
    assert parse_param("herb=TCMKG.HERB:astragali-radix") == (
        "herb",
        NamedNode(iri.expand("TCMKG.HERB:astragali-radix")),
    )
    assert parse_param("?d=<http://id.nlm.nih.gov/mesh/D003924>") == (
        "d",
        NamedNode("http://id.nlm.nih.gov/mesh/D003924"),
    )
    assert parse_param("name=Huang Qi") == ("name", Literal("Huang Qi"))
    assert parse_param("x=unknownprefix:thing") == ("x", Literal("unknownprefix:thing"))
    with pytest.raises(ValueError, match="name=value"):
        parse_param("no-equals-sign")
    with pytest.raises(ValueError, match="invalid IRI"):
        parse_param("x=<not an iri>")
