"""Builders for small hand-made evidence graphs, written through the real writer and store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from kg.iri import vocabulary_graph
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
from kg.store import GraphStore
from kg.writer import bundle_quads, vocabulary_quads
from queries.config import ScoringConfig

# Recency depends on "now": tests pin it so hand computations hold in any year.
CONFIG = ScoringConfig(reference_year=2025)


class GraphBuilder:
    """Collects entities and claims, then writes one named graph per record into a store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.entities: dict[str, Entity] = {}
        self.claims: dict[str, list[Claim]] = defaultdict(list)
        self.records: dict[str, SourceRecord] = {}

    def entity(
        self,
        curie: str,
        kind: EntityKind,
        label: str,
        *,
        labels: tuple[Label, ...] = (),
        broader: tuple[str, ...] = (),
    ) -> str:
        self.entities[curie] = Entity(curie, kind, label, labels=labels, broader=broader)
        return curie

    def record(self, record_id: str, year: int = 2020, trials: tuple[str, ...] = ()) -> str:
        self.records[record_id] = SourceRecord(
            record_id,
            RecordKind.PUBLICATION,
            title=f"record {record_id}",
            year=year,
            trial_ids=trials,
        )
        return record_id

    def claim(
        self,
        record_id: str,
        subject: str,
        predicate: Predicate,
        obj: str,
        *,
        design: StudyDesign = StudyDesign.RCT,
        direction: Direction = Direction.BENEFIT,
        n: int | None = None,
        year: int | None = 2020,
        confidence: float = 1.0,
        negated: bool = False,
        trials: tuple[str, ...] = (),
        agent: AgentType = AgentType.MANUAL_AGENT,
        sentence: str | None = None,
        start: int = 0,
    ) -> None:
        if record_id not in self.records:
            self.record(record_id, year or 2020, trials)
        item = EvidenceItem(
            source=record_id,
            design=design,
            direction=direction,
            sample_size=n,
            year=year,
            confidence=confidence,
            negated=negated,
            trial_ids=trials,
            agent_type=agent,
            sentence=sentence or f"{subject} {predicate.value} {obj}.",
            start=start,
            end=start + 10,
        )
        self.claims[record_id].append(Claim(subject, predicate, obj, (item,)))

    def write(self) -> GraphStore:
        self.store.replace_graph(
            vocabulary_graph("test"), list(vocabulary_quads(self.entities.values(), "test"))
        )
        for record_id, record in self.records.items():
            bundle = RecordBundle(
                record, tuple(self.entities.values()), tuple(self.claims[record_id])
            )
            quads = bundle_quads(bundle)
            from kg.iri import graph_iri

            self.store.replace_graph(graph_iri(record_id), quads)
        return self.store


@pytest.fixture
def graph(memory_store: GraphStore) -> Iterator[GraphBuilder]:
    """A graph builder over a fresh in-memory store."""
    yield GraphBuilder(memory_store)
