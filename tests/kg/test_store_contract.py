"""The store contract, run unchanged against every backend.

Embedded Oxigraph in memory and on disk, and Virtuoso Open Source from Debian over the SPARQL
1.1 Protocol (a private server on loopback, see ``tests/virtuoso.py``): write a record, replace
it, withdraw it, count, query over the union of graphs, export and load.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse

from kg import iri
from kg.model import (
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore, QuerySyntaxError, StoreError, open_store
from kg.writer import bundle_quads

HERB = iri.herb_curie("Astragali Radix")
OTHER_HERB = iri.herb_curie("Coptidis Rhizoma")
T2DM = "MESH:D003924"
TREATS = "https://w3id.org/biolink/vocab/treats"


def bundle(record: str, herb: str, n_evidence: int = 1, label: str = "黄芪") -> RecordBundle:
    """A small record: one claim herb → treats → T2DM with ``n_evidence`` evidence items."""
    evidence = tuple(
        EvidenceItem(
            source=record,
            design=StudyDesign.RCT,
            direction=Direction.BENEFIT,
            sentence=f"Sentence {i} of {record}: the herb lowered HbA1c.",
            start=10 * i,
            end=10 * i + 9,
            sample_size=120,
            year=2020,
        )
        for i in range(n_evidence)
    )
    return RecordBundle(
        record=SourceRecord(id=record, kind=RecordKind.DOCUMENT, title="Illustrative", year=2020),
        entities=(
            Entity(id=herb, kind=EntityKind.HERB, label=label),
            Entity(id=T2DM, kind=EntityKind.DISEASE, label="Diabetes Mellitus, Type 2"),
        ),
        claims=(Claim(herb, Predicate.TREATS, T2DM, evidence),),
    )


def write(store: GraphStore, b: RecordBundle) -> tuple[str, set[Quad]]:
    quads = bundle_quads(b)
    graph = iri.graph_iri(b.record.id)
    store.replace_graph(graph, quads)
    return graph, set(quads)


@pytest.fixture(params=["memory", "oxigraph", pytest.param("virtuoso", marks=pytest.mark.virtuoso)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The same contract on every backend."""
    if request.param == "virtuoso":
        remote: GraphStore = request.getfixturevalue("virtuoso_store")
        yield remote
        return
    location = "memory:" if request.param == "memory" else f"oxigraph:{tmp_path / 'store'}"
    st = open_store(location)
    yield st
    st.close()


def test_written_record_reads_back_exactly(store: GraphStore) -> None:
    graph, quads = write(store, bundle("TCMKG.DOC:contract-1", HERB))
    assert set(store.quads(graph)) == quads
    assert store.count(graph) == len(quads)
    assert store.count() == len(quads)
    assert store.named_graphs() == [graph]


def test_replacing_a_record_leaves_only_its_new_version(store: GraphStore) -> None:
    graph, old = write(store, bundle("TCMKG.DOC:contract-1", HERB, n_evidence=3))
    other_graph, other = write(store, bundle("TCMKG.DOC:contract-2", OTHER_HERB))
    _, new = write(store, bundle("TCMKG.DOC:contract-1", HERB, n_evidence=1, label="Huangqi"))
    assert set(store.quads(graph)) == new
    assert old - new, "the old version had quads the new one drops"
    assert set(store.quads(other_graph)) == other
    assert store.count() == len(new) + len(other)


def test_withdrawing_a_record_removes_exactly_its_graph(store: GraphStore) -> None:
    graph, _ = write(store, bundle("TCMKG.DOC:contract-1", HERB))
    other_graph, other = write(store, bundle("TCMKG.DOC:contract-2", OTHER_HERB))
    store.drop_graph(graph)
    assert store.count(graph) == 0
    assert store.named_graphs() == [other_graph]
    assert store.count() == len(other)
    # The shared disease is still described by the remaining record.
    assert store.query("ASK { ?d a ?c }", {"d": NamedNode(iri.expand(T2DM))}) is True
    store.drop_graph(other_graph)
    assert store.count() == 0


def test_queries_run_over_the_union_of_record_graphs(store: GraphStore) -> None:
    write(store, bundle("TCMKG.DOC:contract-1", HERB, n_evidence=2))
    write(store, bundle("TCMKG.DOC:contract-2", OTHER_HERB, n_evidence=1))
    write(store, bundle("TCMKG.DOC:contract-3", HERB, n_evidence=1))
    result = store.select(
        """
        PREFIX biolink: <https://w3id.org/biolink/vocab/>
        PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
        SELECT ?herb (COUNT(DISTINCT ?ev) AS ?n) WHERE {
            ?claim biolink:subject ?herb ; biolink:object ?disease ; tcm:hasEvidence ?ev .
        } GROUP BY ?herb ORDER BY DESC(?n)
        """,
        {"disease": NamedNode(iri.expand(T2DM))},
    )
    counts = {row["herb"]: row["n"] for row in result.dicts()}
    assert {k.value: int(v.value) for k, v in counts.items()} == {
        iri.expand(HERB): 3,
        iri.expand(OTHER_HERB): 1,
    }
    # The direct triple is in two graphs but is one statement of the union graph.
    direct = store.select(
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
        {"s": NamedNode(iri.expand(HERB)), "p": NamedNode(TREATS)},
    )
    assert direct.rows[0][0] == Literal("1", datatype=NamedNode(iri.XSD + "integer"))


def test_bound_parameters_cannot_change_the_query(store: GraphStore) -> None:
    write(store, bundle("TCMKG.DOC:contract-1", HERB))
    hostile = Literal('黄芪" } } ; DROP ALL ; SELECT * WHERE { ?s ?p "')
    result = store.select(
        "SELECT ?h WHERE { ?h <http://www.w3.org/2000/01/rdf-schema#label> ?l }", {"l": hostile}
    )
    assert len(result) == 0
    found = store.select(
        "SELECT ?h WHERE { ?h <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
        {"l": Literal("黄芪")},
    )
    assert [row[0] for row in found.rows] == [NamedNode(iri.expand(HERB))]
    assert store.count() > 0


def test_construct_and_ask_return_graph_and_boolean(store: GraphStore) -> None:
    write(store, bundle("TCMKG.DOC:contract-1", HERB))
    herb = NamedNode(iri.expand(HERB))
    triples = store.query("CONSTRUCT { ?h ?p ?o } WHERE { ?h ?p ?o }", {"h": herb})
    assert isinstance(triples, list)
    assert Triple(herb, NamedNode(TREATS), NamedNode(iri.expand(T2DM))) in triples
    assert store.query("ASK { ?h ?p ?o }", {"h": herb}) is True
    assert store.query("ASK { ?h ?p ?o }", {"h": NamedNode("http://example.org/none")}) is False


def test_syntax_error_is_reported_not_swallowed(store: GraphStore) -> None:
    with pytest.raises(QuerySyntaxError):
        store.query("SELEC ?s WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("fmt", [RdfFormat.N_QUADS, RdfFormat.TRIG, RdfFormat.JSON_LD])
def test_dataset_export_round_trips(store: GraphStore, fmt: RdfFormat) -> None:
    _, a = write(store, bundle("TCMKG.DOC:contract-1", HERB))
    _, b = write(store, bundle("TCMKG.DOC:contract-2", OTHER_HERB))
    out = io.BytesIO()
    store.dump(out, fmt)
    assert set(parse(out.getvalue(), format=fmt)) == a | b


def test_graph_export_as_turtle(store: GraphStore) -> None:
    graph, quads = write(store, bundle("TCMKG.DOC:contract-1", HERB))
    write(store, bundle("TCMKG.DOC:contract-2", OTHER_HERB))
    out = io.BytesIO()
    store.dump(out, RdfFormat.TURTLE, graph=graph)
    parsed = {q.triple for q in parse(out.getvalue(), format=RdfFormat.TURTLE)}
    assert parsed == {q.triple for q in quads}
    with pytest.raises(StoreError, match="name the graph"):
        store.dump(io.BytesIO(), RdfFormat.TURTLE)


def test_loading_files_into_a_graph(store: GraphStore, tmp_path: Path) -> None:
    _, quads = write(store, bundle("TCMKG.DOC:contract-1", HERB))
    nt = tmp_path / "record.nt.gz"
    with gzip.open(nt, "wb") as f:
        f.write(b"".join(f"{q.triple} .\n".encode() for q in quads))
    target = iri.graph_iri("TCMKG.DOC:loaded")
    assert store.load_file(nt, graph=target) == len(quads)
    assert {q.triple for q in store.quads(target)} == {q.triple for q in quads}
    nq = tmp_path / "bulk.nq"
    other = bundle_quads(bundle("TCMKG.DOC:contract-9", OTHER_HERB))
    nq.write_bytes(b"".join(f"{q} .\n".encode() for q in other))
    assert store.load_file(nq, bulk=True) == len(other)
    assert set(store.quads(iri.graph_iri("TCMKG.DOC:contract-9"))) == set(other)
    assert store.count() == 2 * len(quads) + len(other)


@pytest.mark.parametrize("bulk", [False, True])
def test_malformed_file_writes_nothing(store: GraphStore, tmp_path: Path, bulk: bool) -> None:
    write(store, bundle("TCMKG.DOC:contract-1", HERB))
    before = store.count()
    good = "".join(
        f'<https://w3id.org/tcmkg/id/s{i}> <http://example.org/p> "{i}" '
        f"<https://w3id.org/tcmkg/id/graph/x> .\n"
        for i in range(500)
    )
    bad = tmp_path / "broken.nq"
    bad.write_text(good + "<https://w3id.org/tcmkg/id/s> <http://example.org/p> .\n")
    with pytest.raises(StoreError, match=r"broken\.nq.*line 501"):
        store.load_file(bad, bulk=bulk)
    assert store.count() == before


def test_a_graph_larger_than_a_result_page_reads_back_whole(store: GraphStore) -> None:
    # A table record can hold more quads than one server response allows (Virtuoso: 10,000).
    graph = iri.graph_iri("TCMKG.TABLE:contract/large")
    g = NamedNode(graph)
    quads = {
        Quad(
            NamedNode(f"{iri.ID}compound/c{i}"), NamedNode(iri.RDFS + "label"), Literal(f"c{i}"), g
        )
        for i in range(12_500)
    }
    store.replace_graph(graph, list(quads))
    assert store.count(graph) == len(quads)
    assert set(store.quads(graph)) == quads


def test_select_all_returns_every_row_of_a_result_longer_than_a_page(store: GraphStore) -> None:
    # A job that must see every row (tcmkg load's fill) asks for them all, with bound values,
    # whatever the server's cut; a result exactly one page long must not be read twice.
    graph = iri.graph_iri("TCMKG.TABLE:contract/select-all")
    g = NamedNode(graph)
    label = NamedNode(iri.RDFS + "label")
    nodes = [NamedNode(f"{iri.ID}compound/s{i}") for i in range(23)]
    store.replace_graph(graph, [Quad(n, label, Literal(f"s{i}"), g) for i, n in enumerate(nodes)])
    query = "SELECT ?s ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    for page in (5, 23, 100):
        rows = store.select_all(query, {"g": g, "p": label}, page=page).rows
        assert sorted(rows, key=str) == sorted(
            ((n, Literal(f"s{i}")) for i, n in enumerate(nodes)), key=str
        )


def test_objects_reads_an_items_sentence_once(store: GraphStore) -> None:
    b = bundle("TCMKG.DOC:contract-1", HERB, n_evidence=2)
    write(store, b)
    write(store, bundle("TCMKG.DOC:contract-2", OTHER_HERB))
    sentence = iri.term("sentence")
    items = [
        q.subject.value
        for q in bundle_quads(b)
        if q.predicate.value == sentence and isinstance(q.subject, NamedNode)
    ]
    assert len(items) == 2
    found = {item: store.objects(item, sentence) for item in items}
    assert sorted(str(v[0].value) for v in found.values()) == [
        "Sentence 0 of TCMKG.DOC:contract-1: the herb lowered HbA1c.",
        "Sentence 1 of TCMKG.DOC:contract-1: the herb lowered HbA1c.",
    ]
    assert all(len(v) == 1 for v in found.values())
    assert store.objects(items[0], iri.term("noSuchProperty")) == []


def test_state_token_changes_with_every_write_and_only_then(store: GraphStore) -> None:
    graph, _ = write(store, bundle("TCMKG.DOC:contract-1", HERB))
    token = store.state_token()
    store.select("SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert store.state_token() == token, "reading changes nothing"
    write(store, bundle("TCMKG.DOC:contract-1", HERB, n_evidence=2))
    revised = store.state_token()
    assert revised != token, "a record replaced by a revised version"
    # A revision of the same size (another label, as many triples) is a change too.
    same_size = bundle("TCMKG.DOC:contract-1", HERB, n_evidence=2, label="Huangqi")
    assert len(bundle_quads(same_size)) == store.count(graph)
    write(store, same_size)
    relabelled = store.state_token()
    assert relabelled not in (token, revised)
    store.drop_graph(graph)
    assert store.state_token() not in (token, revised, relabelled)


def test_blank_nodes_load_as_one_node_each(store: GraphStore) -> None:
    # An OWL list (blank nodes) as the ontology writes them; a server that refuses blank nodes
    # in INSERT DATA receives them as skolem IRIs, one per node.
    turtle = b"""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        <https://w3id.org/tcmkg/ontology#Grade> owl:oneOf (
            <https://w3id.org/tcmkg/ontology#A> <https://w3id.org/tcmkg/ontology#B> ) .
    """
    target = iri.graph_iri("TCMKG.DOC:blank-nodes")
    assert store.load(turtle, RdfFormat.TURTLE, graph=target) == 5
    members = store.select(
        """SELECT ?m WHERE { <https://w3id.org/tcmkg/ontology#Grade>
             <http://www.w3.org/2002/07/owl#oneOf>/
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*/
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?m }"""
    )
    assert sorted(r["m"].value for r in members.dicts()) == [
        "https://w3id.org/tcmkg/ontology#A",
        "https://w3id.org/tcmkg/ontology#B",
    ]
