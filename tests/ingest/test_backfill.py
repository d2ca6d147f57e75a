"""``tcmkg load`` gives evidence items without ``tcm:scoringInputs`` the literal the writer makes.

The files loaded here are the writer's own output with the literals taken out, as RDF from an
older tcmkg or from another tool that follows the model would be; the fill must put back
exactly what the writer wrote, on every backend, and say what it could not read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize
from typer.testing import CliRunner

import ingest.load.backfill
from ingest.load.backfill import FillReport, fill_scoring_inputs
from kg import iri
from kg.iri import PROV, term
from kg.model import (
    AgentType,
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    Label,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.scoring_inputs import encode, inputs_of
from kg.store import GraphStore, open_store
from kg.writer import bundle_quads, vocabulary_quads
from queries.evidence import fetch_evidence
from queries.rank import CandidateKind, rank_candidates
from tcmkg.cli import app
from tests.queries.conftest import CONFIG
from tests.virtuoso import VirtuosoServer

HERB = iri.herb_curie("Astragali Radix")
T2DM = "MESH:D003924"
RECORD = "TCMKG.DOC:backfill-1"
OTHER = "TCMKG.DOC:backfill-2"
SCORING_INPUTS = term("scoringInputs")

# The record gives its year and trial to items that have none of their own.
ITEM_A = EvidenceItem(
    source=RECORD,
    design=StudyDesign.RCT,
    direction=Direction.BENEFIT,
    sentence="Astragalus lowered HbA1c in 120 patients with type 2 diabetes.",
    start=0,
    end=62,
    sample_size=120,
    species="human",
    hedged=True,
    confidence=0.87,
    agent_type=AgentType.TEXT_MINING_AGENT,
)
ITEM_B = EvidenceItem(
    source=RECORD,
    design=StudyDesign.COHORT,
    direction=Direction.NULL,
    sentence="In the follow-up cohort fasting glucose did not change.",
    start=63,
    end=118,
    year=2021,
    trial_ids=("NCT:NCT-SYNTHETIC-2",),
    negated=True,
)
# A record without a year; a species in characters (kept as written, not escaped).
ITEM_C = EvidenceItem(
    source=OTHER,
    design=StudyDesign.ANIMAL,
    direction=Direction.BENEFIT,
    sentence="黄芪降低了糖尿病大鼠的血糖。",
    start=0,
    end=14,
    species="大鼠",
    confidence=0.5,
    agent_type=AgentType.MANUAL_AGENT,
)

runner = CliRunner()


def bundles() -> list[RecordBundle]:
    entities = (
        Entity(id=HERB, kind=EntityKind.HERB, label="Astragali Radix"),
        Entity(id=T2DM, kind=EntityKind.DISEASE, label="Diabetes Mellitus, Type 2"),
    )
    return [
        RecordBundle(
            record=SourceRecord(
                RECORD,
                RecordKind.PUBLICATION,
                title="Astragalus in type 2 diabetes",
                year=2019,
                trial_ids=("NCT:NCT-SYNTHETIC-1",),
            ),
            entities=entities,
            claims=(Claim(HERB, Predicate.TREATS, T2DM, (ITEM_A, ITEM_B)),),
        ),
        RecordBundle(
            record=SourceRecord(OTHER, RecordKind.DOCUMENT, title="黄芪与糖尿病大鼠"),
            entities=entities,
            claims=(Claim(HERB, Predicate.TREATS, T2DM, (ITEM_C,)),),
        ),
    ]


def written() -> list[Quad]:
    """Everything the writer writes for the two records, with the vocabulary to rank by."""
    vocabulary = [
        Entity(id=HERB, kind=EntityKind.HERB, label="Astragali Radix"),
        Entity(
            id=T2DM,
            kind=EntityKind.DISEASE,
            label="Diabetes Mellitus, Type 2",
            labels=(Label("type 2 diabetes", "en"),),
        ),
    ]
    quads = list(vocabulary_quads(vocabulary, "test"))
    for bundle in bundles():
        quads += bundle_quads(bundle)
    return quads


def is_inputs(q: Quad) -> bool:
    return q.predicate.value == SCORING_INPUTS


def without_inputs(quads: list[Quad]) -> list[Quad]:
    """The quads as an older tcmkg, or another tool following the model, writes them."""
    return [q for q in quads if not is_inputs(q)]


def nquads(quads: list[Quad]) -> bytes:
    data = serialize(quads, format=RdfFormat.N_QUADS)
    assert data is not None
    return data


def inputs_in(store: GraphStore) -> set[tuple[str, str, str]]:
    """(graph, item, literal text) of every scoringInputs quad in the store's named graphs."""
    rows = store.select(
        f"SELECT ?g ?e ?inputs WHERE {{ GRAPH ?g {{ ?e <{SCORING_INPUTS}> ?inputs }} }}"
    ).rows
    out = set()
    for g, e, text in rows:
        assert isinstance(g, NamedNode) and isinstance(e, NamedNode)
        assert isinstance(text, Literal) and text.datatype.value == iri.RDF + "JSON"
        out.add((g.value, e.value, text.value))
    return out


def expected(quads: list[Quad]) -> set[tuple[str, str, str]]:
    out = set()
    for q in quads:
        if is_inputs(q):
            assert isinstance(q.graph_name, NamedNode) and isinstance(q.subject, NamedNode)
            out.add((q.graph_name.value, q.subject.value, q.object.value))
    return out


def item_node(item: EvidenceItem) -> NamedNode:
    claim = iri.claim_curie(HERB, Predicate.TREATS.value, T2DM)
    return NamedNode(
        iri.expand(iri.evidence_curie(claim, item.source, item.start, item.end, item.sentence))
    )


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


@pytest.fixture(params=["memory", "oxigraph", pytest.param("virtuoso", marks=pytest.mark.virtuoso)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A fresh store of each kind (the remote one emptied of the project's graphs)."""
    if request.param == "virtuoso":
        remote: GraphStore = request.getfixturevalue("virtuoso_store")
        yield remote
        return
    location = "memory:" if request.param == "memory" else f"oxigraph:{tmp_path / 'store'}"
    st = open_store(location)
    yield st
    st.close()


@pytest.fixture(params=["oxigraph", pytest.param("virtuoso", marks=pytest.mark.virtuoso)])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a command line finds a store: on disk, or the private Virtuoso server."""
    if request.param == "virtuoso":
        request.getfixturevalue("virtuoso_store")  # empties it before and after the test
        server: VirtuosoServer = request.getfixturevalue("virtuoso_server")
        return server.location
    return f"oxigraph:{tmp_path / 'store'}"


def test_fill_writes_what_the_writer_writes_and_a_second_fill_nothing(store: GraphStore) -> None:
    quads = written()
    store.load(nquads(without_inputs(quads)), RdfFormat.N_QUADS)
    report = fill_scoring_inputs(store)
    assert report == FillReport(filled=3, skipped=0, graphs=2, problems=[])
    assert inputs_in(store) == expected(quads)
    assert fill_scoring_inputs(store) == FillReport()


def test_load_adds_the_literals_and_the_items_are_ranked(location: str, tmp_path: Path) -> None:
    quads = written()
    source = tmp_path / "old.nq"
    source.write_bytes(nquads(without_inputs(quads)))
    code, _, err = run("load", str(source), "--store", location)
    assert code == 0, err
    assert "added scoring inputs to 3 evidence items in 2 graphs" in err
    with open_store(location) as st:
        assert inputs_in(st) == expected(quads)
        found = {e.evidence: e for e in fetch_evidence(st, [Predicate.TREATS], objects=[T2DM])}
        assert set(found) == {item_node(i).value for i in (ITEM_A, ITEM_B, ITEM_C)}
        a, b = found[item_node(ITEM_A).value], found[item_node(ITEM_B).value]
        assert (a.year, a.trials, a.sample_size) == (2019, ("NCT:NCT-SYNTHETIC-1",), 120)
        assert (b.year, b.trials) == (2021, ("NCT:NCT-SYNTHETIC-1", "NCT:NCT-SYNTHETIC-2"))
        assert found[item_node(ITEM_C).value].species == "大鼠"
        if location.startswith("oxigraph:"):
            # (Rankings are run on the embedded store: on Virtuoso the indication query that
            # precedes them finds no indication, a matter of that query, not of the items.)
            rows = rank_candidates(st, "type 2 diabetes", CandidateKind.HERB, config=CONFIG)
            assert [r.candidate.id for r in rows] == [HERB]
            assert len(rows[0].evidence) == 3


def test_loading_complete_data_adds_nothing(location: str, tmp_path: Path) -> None:
    quads = written()
    complete = tmp_path / "complete.nq"
    complete.write_bytes(nquads(quads))
    old = tmp_path / "old.nq"
    old.write_bytes(nquads(without_inputs(quads)))
    code, _, err = run("load", str(complete), "--store", location)
    assert code == 0, err
    assert "scoring inputs" not in err
    # The same items again without their literals: they have them in the store already.
    code, _, err = run("load", str(old), "--store", location)
    assert code == 0, err
    assert "scoring inputs" not in err
    with open_store(location) as st:
        assert inputs_in(st) == expected(quads)


def test_no_scoring_inputs_option_leaves_items_as_loaded(tmp_path: Path) -> None:
    old = tmp_path / "old.nq"
    old.write_bytes(nquads(without_inputs(written())))
    location = f"oxigraph:{tmp_path / 'store'}"
    code, _, err = run("load", str(old), "--no-scoring-inputs", "--store", location)
    assert code == 0, err
    with open_store(location) as st:
        assert inputs_in(st) == set()


def damaged() -> list[Quad]:
    """The records without literals; item A has unreadable values, item B no source record."""
    a, b = item_node(ITEM_A), item_node(ITEM_B)
    out = []
    for q in without_inputs(written()):
        if q.subject == a and q.predicate.value == term("sampleSize"):
            q = Quad(q.subject, q.predicate, Literal("about a hundred"), q.graph_name)
        elif q.subject == a and q.predicate.value == term("studyDesign"):
            design = NamedNode("https://example.org/design/PragmaticTrial")
            q = Quad(q.subject, q.predicate, design, q.graph_name)
        elif q.subject == b and q.predicate.value == PROV + "wasDerivedFrom":
            continue
        out.append(q)
    return out


def test_bad_values_are_defaulted_and_reported_and_the_run_goes_on(
    location: str, tmp_path: Path
) -> None:
    source = tmp_path / "damaged.nq"
    source.write_bytes(nquads(damaged()))
    code, _, err = run("load", str(source), "--store", location)
    assert code == 0, err
    assert (
        "added scoring inputs to 2 evidence items in 2 graphs; 1 left without (not ranked)" in err
    )
    graph = iri.graph_iri(RECORD)
    a = iri.contract(item_node(ITEM_A).value)
    b = iri.contract(item_node(ITEM_B).value)
    assert f'graph <{graph}>, item {a}: sample size "about a hundred" is not valid' in err
    assert (
        f"graph <{graph}>, item {a}: study design <https://example.org/design/PragmaticTrial> "
        "is not valid: read as unknown"
    ) in err
    assert f"graph <{graph}>, item {b}: no source record (prov:wasDerivedFrom)" in err
    # Item A scores as the writer would score it without the values it could not read.
    a_read = dataclasses.replace(ITEM_A, design=StudyDesign.UNKNOWN, sample_size=None)
    a_text = encode(inputs_of(a_read, 2019, ("NCT:NCT-SYNTHETIC-1",)))
    complete = expected(written())
    with open_store(location) as st:
        assert inputs_in(st) == {
            (graph, item_node(ITEM_A).value, a_text),
            *(x for x in complete if x[0] == iri.graph_iri(OTHER)),
        }


def test_an_item_complete_in_one_graph_is_filled_in_another(store: GraphStore) -> None:
    quads = written()
    store.load(nquads(quads), RdfFormat.N_QUADS)
    # Another graph repeats item C's description without the literal: that graph, replaced or
    # withdrawn on its own, needs its own.
    copy = NamedNode(iri.graph_iri("TCMKG.DOC:backfill-copy"))
    c = item_node(ITEM_C)
    repeated = [
        Quad(q.subject, q.predicate, q.object, copy)
        for q in quads
        if q.subject == c and not is_inputs(q)
    ]
    repeated += [
        Quad(q.subject, q.predicate, q.object, copy)
        for q in quads
        if q.subject == NamedNode(iri.expand(OTHER)) and q.graph_name.value == iri.graph_iri(OTHER)
    ]
    store.load(nquads(repeated), RdfFormat.N_QUADS)
    report = fill_scoring_inputs(store)
    assert (report.filled, report.graphs, report.problems) == (1, 1, [])
    (text,) = [x[2] for x in expected(quads) if x[1] == c.value]
    assert (copy.value, c.value, text) in inputs_in(store)


def test_big_graphs_are_read_in_batches_with_the_same_result(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A curated table is one graph of a hundred thousand items: it is read a batch of items
    # at a time, and a result as long as a server's row cap is read again in smaller parts.
    monkeypatch.setattr(ingest.load.backfill, "BATCH", 2)
    monkeypatch.setattr(ingest.load.backfill, "PAGE", 5)
    record = SourceRecord(
        "TCMKG.TABLE:backfill-table",
        RecordKind.TABLE,
        year=2018,
        trial_ids=("NCT:NCT-SYNTHETIC-3",),
    )
    item = EvidenceItem(source=record.id, design=StudyDesign.DATABASE, sample_size=30)
    claims = tuple(
        Claim(
            iri.own_curie("TCMKG.COMPOUND", f"c{i}"), Predicate.INHIBITS, f"NCBIGene:{i}", (item,)
        )
        for i in range(1, 12)
    )
    quads = bundle_quads(RecordBundle(record, (), claims)) + written()
    store.load(nquads(without_inputs(quads)), RdfFormat.N_QUADS)
    report = fill_scoring_inputs(store)
    assert (report.filled, report.graphs, report.problems) == (14, 3, [])
    assert inputs_in(store) == expected(quads)
