"""The `.rq` files documented for SPARQL users run as they are and agree with each other."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

import ontologies
from ingest.vocabulary.tcm_theory import (
    Concept,
    ConceptKind,
    TheoryClaim,
    TheoryPredicate,
    claim_quads,
    concept_quads,
)
from kg import iri
from kg.iri import contract
from kg.model import (
    EntityKind,
    EvidenceItem,
    Label,
    Predicate,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore
from kg.terms import DESIGN_OF_IRI, DIRECTION_OF_IRI
from kg.writer import record_quads
from queries.evidence import value_of
from queries.library import query_text
from tests.queries.conftest import GraphBuilder
from tests.queries.test_rank_cache import _build


def _graph(store: GraphStore) -> None:
    """The ranking tests' graph plus a formula, so that every query has something to find."""
    herb = _build(store)
    g = GraphBuilder(store)
    g.entity(herb, EntityKind.HERB, "Specific herb")
    wan = g.entity("TCMKG.FORMULA:test-wan", EntityKind.FORMULA, "Test Wan")
    g.claim("TCMKG.TABLE:formulas", wan, Predicate.HAS_PART, herb, design=StudyDesign.TRADITIONAL)
    g.write()
    # TCM theory: the ontology's closed schemes, a syndrome and the formula indicated for it.
    store.load(ontologies.ontology_bytes(), RdfFormat.TURTLE, graph=iri.ONTOLOGY_GRAPH)
    syndrome = Concept(
        "TCMKG.SYNDROME:qi-xu", ConceptKind.SYNDROME, "qi deficiency", (Label("气虚证", "zh"),)
    )
    vocabulary = iri.vocabulary_graph("library-test")
    store.replace_graph(vocabulary, list(concept_quads([syndrome], vocabulary)))
    record = SourceRecord("TCMKG.TABLE:theory-test", RecordKind.TABLE)
    graph = iri.graph_iri(record.id)
    item = EvidenceItem(source=record.id)
    claim = TheoryClaim(wan, TheoryPredicate.INDICATED_FOR, syndrome.id, (item,))
    store.replace_graph(graph, [*record_quads(record, graph), *claim_quads(claim, graph, record)])


RQ = Path(__file__).resolve().parents[2] / "queries" / "rq"


def _declared_columns(text: str) -> list[str]:
    """The variables a file's header promises under ``Returns:``."""
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    found = re.search(r"Returns:(.*?)(?:\n#\s*$|\Z|\n#\s*[A-Z][a-z]+:)", header, re.S)
    assert found, "every library query documents what it returns"
    return re.findall(r"\?(\w+)", found.group(1))


@pytest.mark.parametrize("path", sorted(RQ.glob("*.rq")), ids=lambda p: p.name)
def test_every_library_query_runs_unbound_and_returns_its_columns(
    path: Path, memory_store: GraphStore
) -> None:
    _graph(memory_store)
    result = memory_store.select(query_text(path.stem))
    assert len(result) > 0, f"{path.name} finds nothing in a graph that has what it asks for"
    declared = _declared_columns(path.read_text(encoding="utf-8"))
    assert set(declared) <= set(result.variables), (path.name, declared, result.variables)


def test_scoring_inputs_repeat_what_the_items_own_triples_say(memory_store: GraphStore) -> None:
    _graph(memory_store)
    full = {
        value_of(r["evidence"]): r
        for r in memory_store.select(query_text("claim_evidence")).dicts()
    }
    inputs = memory_store.select(query_text("claim_scoring_inputs")).dicts()
    seen = 0
    for row in inputs:
        item = full[value_of(row["evidence"])]
        data = json.loads(value_of(row["inputs"]))
        assert data["source"] == contract(value_of(item["source"]))
        assert data.get("design", "unknown") == DESIGN_OF_IRI[value_of(item["design"])].value
        assert (
            data.get("direction", "unknown") == DIRECTION_OF_IRI[value_of(item["direction"])].value
        )
        assert data.get("n") == (int(value_of(item["n"])) if item.get("n") else None)
        assert data.get("year") == (int(value_of(item["year"])) if item.get("year") else None)
        seen += 1
    assert seen == len(full) > 10
