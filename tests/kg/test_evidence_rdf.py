"""An evidence item's attributes written as RDF read back as the same values, by the field table."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from kg import iri
from kg.evidence_rdf import PREDICATES, predicate_iri, read_value, wire_fields
from kg.model import (
    EVIDENCE_FIELDS,
    AgentType,
    Direction,
    EvidenceItem,
    KnowledgeLevel,
    StudyDesign,
)
from kg.scoring_inputs import json_value
from kg.store import Term
from kg.writer import evidence_quads

CLAIM = NamedNode(iri.expand(iri.claim_curie("TCMKG.HERB:h", "treats", "MESH:D003924")))
GRAPH = iri.graph_iri("TCMKG.DOC:evidence-rdf")

# Every attribute away from its default (a test below checks that it is so).
FULL = EvidenceItem(
    source="TCMKG.DOC:evidence-rdf",
    design=StudyDesign.RCT,
    direction=Direction.BENEFIT,
    sentence="Astragalus lowered HbA1c in 120 patients.",
    start=10,
    end=52,
    sample_size=120,
    species="human",
    negated=True,
    hedged=True,
    statement="result",
    year=2021,
    method="manual",
    method_version="2",
    confidence=0.75,
    knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
    agent_type=AgentType.MANUAL_AGENT,
    trial_ids=("NCT:NCT-SYNTHETIC-1", "NCT:NCT-SYNTHETIC-2"),
    population_syndromes=("TCMKG.SYNDROME:qi-yin-liang-xu",),
    dose="24 g",
)


def written(item: EvidenceItem) -> list[tuple[str, Term]]:
    return [
        (q.predicate.value, q.object)
        for q in evidence_quads(CLAIM, item, GRAPH)
        if q.predicate.value in PREDICATES
    ]


def test_the_full_item_sets_every_attribute() -> None:
    defaults = EvidenceItem(source="TCMKG.DOC:x")
    for spec in EVIDENCE_FIELDS:
        assert getattr(FULL, spec.name) != getattr(defaults, spec.name), spec.name


def test_every_attribute_reads_back_as_written() -> None:
    terms: dict[str, list[Term]] = {}
    for predicate, value in written(FULL):
        terms.setdefault(predicate, []).append(value)
    problems: list[str] = []
    for spec in EVIDENCE_FIELDS:
        found = terms.get(predicate_iri(spec), [])
        value = read_value(spec, found, problems.append)
        assert value == getattr(FULL, spec.name), spec.name
    assert problems == []


def test_the_wire_shows_every_attribute_under_the_records_name() -> None:
    shown = wire_fields(written(FULL))
    assert shown == {f.name: json_value(getattr(FULL, f.name)) for f in EVIDENCE_FIELDS}


def test_unreadable_values_fall_back_to_the_default_and_are_reported() -> None:
    size = next(f for f in EVIDENCE_FIELDS if f.name == "sample_size")
    design = next(f for f in EVIDENCE_FIELDS if f.name == "design")
    confidence = next(f for f in EVIDENCE_FIELDS if f.name == "confidence")
    said: list[str] = []
    assert read_value(size, [Literal("0")], said.append) is None
    assert read_value(design, [NamedNode("https://example.org/x")], said.append) is (
        StudyDesign.UNKNOWN
    )
    assert read_value(confidence, [Literal("NaN")], said.append) == 1.0
    assert read_value(size, [Literal("3"), Literal("4")], said.append) is None
    assert said == [
        'sample size "0" is not valid: left out',
        "study design <https://example.org/x> is not valid: read as unknown",
        'confidence "NaN" is not valid: read as 1.0',
        'several sample size values ("3", "4"): none used',
    ]
