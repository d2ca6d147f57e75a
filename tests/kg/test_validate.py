"""SHACL validation: writer output conforms, broken records fail and the report names the shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

import ontologies
from ingest.examples.illustrative import (
    HUANGQI,
    PREPARATION,
    VOCABULARY_SOURCE,
    illustrative_bundles,
    illustrative_entities,
)
from kg import iri
from kg.iri import PROV, XSD, biolink, term
from kg.model import (
    Claim,
    EvidenceItem,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore
from kg.validate import ValidationInputError, validate_file, validate_quads, validate_store
from kg.writer import bundle_quads, vocabulary_quads

RECORD = SourceRecord("TCMKG.DOC:test-broken", RecordKind.DOCUMENT, title="t", illustrative=True)
MESH_T2DM = "MESH:D003924"


def all_quads() -> list[Quad]:
    quads = [q for b in illustrative_bundles() for q in bundle_quads(b)]
    quads += vocabulary_quads(illustrative_entities(), VOCABULARY_SOURCE)
    return quads


def bundle_with(*items: EvidenceItem, record: SourceRecord = RECORD) -> list[Quad]:
    claim = Claim(HUANGQI.id, Predicate.TREATS, MESH_T2DM, items)
    return bundle_quads(RecordBundle(record, (HUANGQI,), (claim,)))


def ok_item(**kw: object) -> EvidenceItem:
    return replace(EvidenceItem(source=RECORD.id, design=StudyDesign.RCT), **kw)  # type: ignore[arg-type]


def without(quads: list[Quad], predicate: str) -> list[Quad]:
    kept = [q for q in quads if q.predicate.value != predicate]
    assert len(kept) < len(quads)
    return kept


def test_writer_output_for_the_rich_graph_conforms() -> None:
    report = validate_quads(all_quads(), "illustrative")
    assert report.conforms, report.results
    assert report.results == ()
    assert report.triples > 500


def test_a_clean_single_record_conforms() -> None:
    report = validate_quads(bundle_with(ok_item(sample_size=30, start=0, end=5)), "one")
    assert report.conforms, report.results


BROKEN: dict[str, tuple[Callable[[], list[Quad]], str, str]] = {
    "evidence with no source": (
        lambda: without(bundle_with(ok_item()), PROV + "wasDerivedFrom"),
        "EvidenceItemShape",
        "EvidenceItemShape-source",
    ),
    "evidence whose source is not a record": (
        lambda: bundle_with(ok_item(source="TCMKG.DOC:somewhere-else")),
        "EvidenceItemShape",
        "EvidenceItemShape-source",
    ),
    "claim with no subject": (
        lambda: without(bundle_with(ok_item()), biolink("subject")),
        "ClaimShape",
        "ClaimShape-subject",
    ),
    "negative sample size": (
        lambda: bundle_with(ok_item(sample_size=-5)),
        "EvidenceItemShape",
        "EvidenceItemShape-sampleSize",
    ),
    "population syndrome that is not a syndrome id": (
        lambda: bundle_with(ok_item(population_syndromes=("MESH:D003920",))),
        "EvidenceItemShape",
        "EvidenceItemShape-populationSyndrome",
    ),
    "confidence above 1": (
        lambda: bundle_with(ok_item(confidence=1.5)),
        "EvidenceItemShape",
        "EvidenceItemShape-confidence",
    ),
    "evidence item with two designs": (
        # Same claim, source and sentence: one evidence node, now carrying two designs.
        lambda: bundle_with(ok_item(), ok_item(design=StudyDesign.ANIMAL)),
        "EvidenceItemShape",
        "EvidenceItemShape-studyDesign",
    ),
    "sentence end before start": (
        lambda: bundle_with(ok_item(start=50, end=10)),
        "EvidenceItemShape",
        "EvidenceItemShape-sentenceStart",
    ),
    "orphan evidence": (
        lambda: without(bundle_with(ok_item()), term("hasEvidence")),
        "EvidenceItemShape",
        "EvidenceItemShape-claim",
    ),
    "malformed DOI": (
        lambda: bundle_with(ok_item(), record=replace(RECORD, doi="doi:not-a-doi")),
        "SourceRecordShape",
        "SourceRecordShape-doi",
    ),
    "herb without its Biolink category": (
        lambda: [
            q
            for q in bundle_with(ok_item())
            if q.object != NamedNode(biolink("ComplexMolecularMixture"))
        ],
        "HerbShape",
        "HerbShape-category",
    ),
    "claim that is not a Biolink association": (
        lambda: [
            q for q in bundle_with(ok_item()) if q.object != NamedNode(biolink("Association"))
        ],
        "ClaimShape",
        "ClaimShape-association",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_record_fails_and_names_the_shape(case: str) -> None:
    make, shape, rule = BROKEN[case]
    report = validate_quads(make(), case)
    assert not report.conforms
    assert (shape, rule) in {(r.shape, r.rule) for r in report.violations}
    assert shape in report.by_shape()


def test_a_result_names_the_focus_node_path_value_and_record() -> None:
    report = validate_quads(bundle_with(ok_item(sample_size=-5)), "x")
    [result] = report.violations
    assert result.focus.startswith("TCMKG.EVIDENCE:")
    assert result.path == "tcm:sampleSize"
    assert result.value == "-5"
    assert result.graphs == (RECORD.id,)
    assert "sample size" in result.message
    assert result.constraint == "sh:MinInclusiveConstraintComponent"


def test_a_predicate_outside_the_model_fails() -> None:
    quads = [
        Quad(q.subject, q.predicate, NamedNode(biolink("related_to")), q.graph_name)
        if q.predicate.value == biolink("predicate")
        else q
        for q in bundle_with(ok_item())
    ]
    report = validate_quads(quads, "x")
    assert "ClaimShape-predicate" in {r.rule for r in report.violations}


def test_an_ill_typed_literal_fails() -> None:
    quads = [
        Quad(
            q.subject,
            q.predicate,
            Literal("many", datatype=NamedNode(XSD + "integer")),
            q.graph_name,
        )
        if q.predicate.value == term("sampleSize")
        else q
        for q in bundle_with(ok_item(sample_size=3))
    ]
    report = validate_quads(quads, "x")
    assert "EvidenceItemShape-sampleSize" in {r.rule for r in report.violations}


def test_a_preparation_with_two_hospitals_fails_but_one_without_details_passes() -> None:
    quads = list(vocabulary_quads([PREPARATION], VOCABULARY_SOURCE))
    assert validate_quads(quads, "x").conforms
    bare = replace(PREPARATION, hospital=None, approval_number=None, dosage_form=None)
    assert validate_quads(list(vocabulary_quads([bare], VOCABULARY_SOURCE)), "x").conforms
    g = quads[0].graph_name
    extra = Quad(
        NamedNode(iri.expand(PREPARATION.id)), NamedNode(term("hospital")), Literal("B"), g
    )
    report = validate_quads([*quads, extra], "x")
    assert "HospitalPreparationShape-hospital" in {r.rule for r in report.violations}


def test_two_preferred_labels_in_one_language_warn_without_failing() -> None:
    second = replace(HUANGQI, labels=(*HUANGQI.labels, replace(HUANGQI.labels[0], text="北芪")))
    report = validate_quads(list(vocabulary_quads([second], VOCABULARY_SOURCE)), "x")
    assert report.conforms
    assert [r.rule for r in report.warnings] == ["EntityShape-prefLabel"]


@pytest.mark.parametrize("fixture", ["memory_store", "disk_store"])
def test_a_store_is_validated_without_its_ontology_graph(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    store: GraphStore = request.getfixturevalue(fixture)
    store.load(ontologies.ontology_bytes(), RdfFormat.TURTLE, graph=iri.ONTOLOGY_GRAPH)
    for bundle in illustrative_bundles():
        store.replace_graph(iri.graph_iri(bundle.record.id), bundle_quads(bundle))
    report = validate_store(store)
    assert report.conforms, report.results
    data = len({q.triple for q in store.quads() if q.graph_name != NamedNode(iri.ONTOLOGY_GRAPH)})
    assert report.triples == data
    store.replace_graph(iri.graph_iri(RECORD.id), bundle_with(ok_item(confidence=-0.1)))
    broken = validate_store(store)
    assert not broken.conforms
    assert {r.graphs for r in broken.violations} == {(RECORD.id,)}


def _write(path: Path, quads: list[Quad], fmt: RdfFormat) -> Path:
    if fmt.supports_datasets:
        path.write_bytes(serialize(quads, format=fmt) or b"")
    else:
        path.write_bytes(serialize((q.triple for q in quads), format=fmt) or b"")
    return path


def test_files_in_triple_and_quad_formats(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.ttl", all_quads(), RdfFormat.TURTLE)
    assert validate_file(good).conforms
    bad = _write(tmp_path / "bad.nq", bundle_with(ok_item(sample_size=0)), RdfFormat.N_QUADS)
    report = validate_file(bad)
    assert not report.conforms
    assert report.source == str(bad)
    assert report.violations[0].graphs == (RECORD.id,)


def test_malformed_turtle_names_the_file_and_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n ex:d .\n")
    with pytest.raises(ValidationInputError) as err:
        validate_file(path)
    assert str(path) in str(err.value)
    assert "malformed TURTLE" in str(err.value) or "Turtle" in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("latin1.nt", '<http://a/é> <http://b/> "café" .\n'.encode("latin-1"), "latin1.nt"),
        ("data.csv", b"a,b\n", "unknown RDF file extension"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    tmp_path: Path, name: str, content: bytes, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationInputError, match=needle):
        validate_file(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationInputError, match="no such file"):
        validate_file(tmp_path / "absent.ttl")
