"""The ontology declares every project term the writer uses, and the shapes agree with the model."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

import ontologies
from ingest.examples.illustrative import (
    VOCABULARY_SOURCE,
    illustrative_bundles,
    illustrative_entities,
)
from kg.iri import ECO, ONTOLOGY, biolink, term
from kg.model import (
    AgentType,
    Direction,
    EntityKind,
    EvidenceItem,
    KnowledgeLevel,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.terms import DESIGN_IRI, DIRECTION_IRI, ENTITY_CLASS, PREDICATE_IRI, RECORD_CLASS
from kg.writer import bundle_quads, vocabulary_quads

TCMSH = rdflib.Namespace("https://w3id.org/tcmkg/shapes#")
DECLARING = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual}


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(data=ontologies.ontology_bytes(), format="turtle")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(data=ontologies.shapes_bytes(), format="turtle")


def declared(ontology: rdflib.Graph) -> set[str]:
    return {str(s) for s, _, o in ontology.triples((None, RDF.type, None)) if o in DECLARING}


def rich_record() -> SourceRecord:
    """A record with every optional field set (10.5555 is Crossref's prefix for test DOIs)."""
    return SourceRecord(
        id="TCMKG.DOC:test-rich",
        kind=RecordKind.PUBLICATION,
        title="Test record with every field",
        year=2020,
        journal="Test journal",
        doi="10.5555/tcmkg-test",
        publication_types=("Review",),
        mesh_terms=("MESH:D003924",),
        trial_ids=("TCMKG.DOC:illustrative-trial-001",),
        revised="2021-02-03",
        retracted=True,
        illustrative=True,
    )


def rich_bundles() -> list[RecordBundle]:
    """The illustrative bundles plus one whose record and evidence set every optional field."""
    base = illustrative_bundles()[0]
    record = rich_record()
    claims = tuple(
        replace(c, evidence=tuple(replace(e, source=record.id) for e in c.evidence))
        for c in base.claims
    )
    return [*illustrative_bundles(), RecordBundle(record, base.entities, claims, base.text)]


def writer_terms() -> tuple[set[str], set[str], set[str]]:
    """(predicates, classes, other IRI objects) the writer emits for the rich data."""
    graph = rdflib.Graph()
    for bundle in rich_bundles():
        for q in bundle_quads(bundle):
            graph.parse(data=f"{q.subject} {q.predicate} {q.object} .", format="nt")
    for q in vocabulary_quads(illustrative_entities(), VOCABULARY_SOURCE):
        graph.parse(data=f"{q.subject} {q.predicate} {q.object} .", format="nt")
    predicates = {str(p) for p in graph.predicates()}
    classes = {str(o) for o in graph.objects(None, RDF.type)}
    objects = {str(o) for o in graph.objects() if isinstance(o, rdflib.URIRef)}
    return predicates, classes, objects - classes


def test_rich_data_sets_every_optional_field() -> None:
    # The coverage the other tests rely on: every field of the model is written at least once.
    bundles = rich_bundles()
    items = [e for b in bundles for c in b.claims for e in c.evidence]
    defaults = EvidenceItem(source="TCMKG.DOC:x")
    for f in fields(EvidenceItem):
        if f.name == "source":
            continue
        assert any(getattr(e, f.name) != getattr(defaults, f.name) for e in items), f.name
    plain = SourceRecord(id="TCMKG.DOC:x", kind=RecordKind.DOCUMENT)
    for f in fields(SourceRecord):
        assert getattr(rich_record(), f.name) != getattr(plain, f.name), f.name
    entities = illustrative_entities()
    prep = next(e for e in entities if e.kind is EntityKind.HOSPITAL_PREPARATION)
    assert prep.hospital and prep.approval_number and prep.dosage_form and prep.description
    assert any(e.xrefs for e in entities) and any(e.broader for e in entities)
    assert {e.kind for e in entities} == set(EntityKind)
    assert {b.record.kind for b in bundles} == set(RecordKind)
    assert {c.predicate for b in bundles for c in b.claims} == set(Predicate)
    assert {e.design for e in items} == set(StudyDesign)
    assert {e.direction for e in items} == set(Direction)
    assert {e.knowledge_level for e in items} == set(KnowledgeLevel)
    assert {e.agent_type for e in items} == set(AgentType)


def test_every_project_term_of_the_term_maps_is_declared(ontology: rdflib.Graph) -> None:
    terms = [cls for cls, _ in ENTITY_CLASS.values()]
    terms += [*DESIGN_IRI.values(), *DIRECTION_IRI.values(), *RECORD_CLASS.values()]
    missing = [t for t in terms if t.startswith(ONTOLOGY) and t not in declared(ontology)]
    assert not missing


def test_every_project_term_the_writer_emits_is_declared(ontology: rdflib.Graph) -> None:
    predicates, classes, objects = writer_terms()
    ours = {t for t in predicates | classes | objects if t.startswith(ONTOLOGY)}
    # Sanity: the collection really reaches the writer's optional properties.
    assert {term("doi"), term("retracted"), term("dose"), term("hospital")} <= ours
    assert not ours - declared(ontology)
    props = {
        str(s)
        for s in ontology.subjects(RDF.type, None)
        if (s, RDF.type, OWL.ObjectProperty) in ontology
        or (s, RDF.type, OWL.DatatypeProperty) in ontology
    }
    assert {p for p in predicates if p.startswith(ONTOLOGY)} <= props
    owl_classes = {str(s) for s in ontology.subjects(RDF.type, OWL.Class)}
    assert {c for c in classes if c.startswith(ONTOLOGY)} <= owl_classes


def test_every_project_term_named_in_code_or_queries_is_declared(ontology: rdflib.Graph) -> None:
    """Terms written by any module (sync state, importers) or read by any .rq file exist."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    named: set[str] = set()
    for folder in ("kg", "ingest", "queries", "api", "tcmkg"):
        for path in (root / folder).rglob("*.py"):
            named |= set(re.findall(r'(?:term|_t)\("([A-Za-z]+)"\)', path.read_text("utf-8")))
        for path in (root / folder).rglob("*.rq"):
            text = re.sub(r"#[^\n]*", "", path.read_text("utf-8"))  # comments may name anything
            named |= set(re.findall(r"\btcm:([A-Za-z]+)", text))
    assert {"Herb", "hasEvidence", "SavedQuery"} <= named  # the scan reaches writer, rq and sync
    missing = sorted(n for n in named if term(n) not in declared(ontology))
    assert not missing, f"used but not declared in ontologies/tcmkg.ttl: {missing}"


def test_project_classes_specialise_their_biolink_category(ontology: rdflib.Graph) -> None:
    for kind, (ours, category) in ENTITY_CLASS.items():
        supers = set(ontology.transitive_objects(rdflib.URIRef(ours), RDFS.subClassOf))
        assert rdflib.URIRef(category) in supers, kind
    claim_supers = set(ontology.transitive_objects(rdflib.URIRef(term("Claim")), RDFS.subClassOf))
    assert rdflib.URIRef(biolink("Association")) in claim_supers
    for cls in RECORD_CLASS.values():
        supers = set(ontology.transitive_objects(rdflib.URIRef(cls), RDFS.subClassOf))
        assert rdflib.URIRef(term("SourceRecord")) in supers, cls


def test_designs_align_with_eco_and_uncertain_ids_say_so(ontology: rdflib.Graph) -> None:
    for design, iri in DESIGN_IRI.items():
        node = rdflib.URIRef(iri)
        assert (node, RDF.type, rdflib.URIRef(term("StudyDesign"))) in ontology, design
        matches = [m for m in ontology.objects(node, SKOS.broadMatch) if str(m).startswith(ECO)]
        assert matches, f"{design} has no ECO alignment"
        for eco in matches:
            assert ontology.value(eco, RDFS.label) is not None, eco
            eco_unchecked = "unchecked" in str(ontology.value(eco, RDFS.comment) or "")
            design_unchecked = "unchecked" in str(ontology.value(node, RDFS.comment) or "")
            assert eco_unchecked == design_unchecked, design


def test_every_project_term_has_an_english_label(ontology: rdflib.Graph) -> None:
    for s in set(ontology.subjects(RDF.type, None)):
        if str(s).startswith(ONTOLOGY):
            langs = {getattr(lit, "language", None) for lit in ontology.objects(s, RDFS.label)}
            assert "en" in langs, s


def test_shapes_use_only_declared_project_terms(
    ontology: rdflib.Graph, shapes: rdflib.Graph
) -> None:
    used = {str(o) for o in shapes.objects() if str(o).startswith(ONTOLOGY)}
    assert used
    assert not used - declared(ontology)


def _in_list(shapes: rdflib.Graph, shape: str) -> set[str]:
    head = shapes.value(TCMSH[shape], SH["in"])
    assert head is not None, shape
    return {str(v) for v in rdflib.collection.Collection(shapes, head)}


def test_shape_value_lists_match_the_model(shapes: rdflib.Graph) -> None:
    assert _in_list(shapes, "ClaimShape-predicate") == set(PREDICATE_IRI.values())
    assert _in_list(shapes, "EvidenceItemShape-studyDesign") == set(DESIGN_IRI.values())
    assert _in_list(shapes, "EvidenceItemShape-direction") == set(DIRECTION_IRI.values())
    assert _in_list(shapes, "EvidenceItemShape-knowledgeLevel") == {k.value for k in KnowledgeLevel}
    assert _in_list(shapes, "EvidenceItemShape-agentType") == {a.value for a in AgentType}


def test_every_node_kind_has_a_shape(shapes: rdflib.Graph) -> None:
    targets = {str(o) for o in shapes.objects(None, SH.targetClass)}
    kinds = {cls for cls, _ in ENTITY_CLASS.values()} | set(RECORD_CLASS.values())
    kinds |= {term("Claim"), term("EvidenceItem")}
    assert kinds <= targets


def test_package_files_are_found() -> None:
    assert ontologies.ontology_path().is_file()
    assert ontologies.shapes_path().is_file()
    assert ontologies.ontology_bytes().startswith(b"#")
