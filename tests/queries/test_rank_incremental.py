"""After a write of record graphs, the ranking's projection is updated, not rebuilt.

A write of a record (replaced or withdrawn) changes the projection only where that record's
claims, compositions and entities are; :func:`queries.mechanism.update_layer` recomputes
those from the whole store. These tests check, on a small real store and after random writes
and withdrawals, that the updated projection and the rankings it gives are exactly what a
fresh build gives, and that the update is what runs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kg.iri import graph_iri, vocabulary_graph
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
from kg.store import GraphStore, open_store
from kg.writer import bundle_quads, vocabulary_quads
from queries import mechanism
from queries.mechanism import MechanismGraph, MechanismLayer, build_layer, mechanism_layer
from queries.rank import CandidateKind, rank_candidates
from tests.queries.conftest import CONFIG

HERBS = [Entity(f"TCMKG.HERB:inc-{i}", EntityKind.HERB, f"Incremental herb {i}") for i in range(6)]
FORMULAS = [
    Entity(f"TCMKG.FORMULA:inc-{i}", EntityKind.FORMULA, f"Incremental formula {i}")
    for i in range(2)
]
COMPOUNDS = [
    Entity(f"TCMKG.COMPOUND:inc-{i}", EntityKind.COMPOUND, f"incremental compound {i}")
    for i in range(8)
]
TARGETS = [Entity(f"TCMKG.TARGET:INC{i}", EntityKind.TARGET, f"INC{i}") for i in range(4)]
TOP = Entity("TCMKG.DISEASE:inc", EntityKind.DISEASE, "incremental disease")
DISEASES = [
    TOP,
    *(
        Entity(
            f"TCMKG.DISEASE:inc-{i}",
            EntityKind.DISEASE,
            f"incremental disease {i}",
            broader=(TOP.id,),
        )
        for i in range(3)
    ),
]
EVERYTHING = HERBS + FORMULAS + COMPOUNDS + TARGETS + DISEASES


def _bundle(rng: random.Random, record: str, version: int) -> RecordBundle:
    """A random record: treatment, mechanism, composition and harm claims, maybe a new entity."""
    kind = RecordKind.TABLE if record.startswith("TCMKG.TABLE") else RecordKind.PUBLICATION
    source = SourceRecord(record, kind, title=f"{record} v{version}", year=2020)
    candidates = HERBS + FORMULAS

    def item() -> EvidenceItem:
        if kind is RecordKind.TABLE:
            return EvidenceItem(record, StudyDesign.DATABASE, method="test-import", year=2020)
        return EvidenceItem(
            record,
            rng.choice([StudyDesign.RCT, StudyDesign.COHORT, StudyDesign.ANIMAL]),
            rng.choice([Direction.BENEFIT, Direction.BENEFIT, Direction.NULL, Direction.HARM]),
            sentence=f"Synthetic sentence of {record} v{version}.",
            sample_size=rng.randrange(10, 400),
            year=rng.randrange(2000, 2025),
            confidence=round(rng.uniform(0.5, 1.0), 2),
            method="test",
        )

    claims: list[Claim] = []
    entities: list[Entity] = []
    for _ in range(rng.randrange(1, 5)):
        roll = rng.random()
        if roll < 0.3:
            claims.append(
                Claim(
                    rng.choice(candidates).id, Predicate.TREATS, rng.choice(DISEASES).id, (item(),)
                )
            )
        elif roll < 0.5:
            claims.append(
                Claim(rng.choice(HERBS).id, Predicate.CONTAINS, rng.choice(COMPOUNDS).id, (item(),))
            )
        elif roll < 0.65:
            predicate = rng.choice([Predicate.INHIBITS, Predicate.ACTIVATES])
            claims.append(
                Claim(rng.choice(COMPOUNDS).id, predicate, rng.choice(TARGETS).id, (item(),))
            )
        elif roll < 0.75:
            claims.append(
                Claim(
                    rng.choice(TARGETS).id,
                    Predicate.ASSOCIATED_WITH,
                    rng.choice(DISEASES).id,
                    (item(),),
                )
            )
        elif roll < 0.85:
            claims.append(
                Claim(rng.choice(FORMULAS).id, Predicate.HAS_PART, rng.choice(HERBS).id, (item(),))
            )
        elif roll < 0.93:
            harm = EvidenceItem(
                record, StudyDesign.CASE_REPORT, Direction.HARM, sentence="Synthetic harm."
            )
            claims.append(
                Claim(rng.choice(candidates).id, Predicate.CAUSES, rng.choice(DISEASES).id, (harm,))
            )
        else:
            # An entity only this record knows: it appears and goes with the record.
            new = Entity(
                f"TCMKG.COMPOUND:inc-{record.rsplit(':', 1)[-1]}-v{version}",
                EntityKind.COMPOUND,
                f"compound of {record} v{version}",
            )
            entities.append(new)
            claims.append(Claim(rng.choice(HERBS).id, Predicate.CONTAINS, new.id, (item(),)))
            claims.append(Claim(new.id, Predicate.INHIBITS, rng.choice(TARGETS).id, (item(),)))
    return RecordBundle(source, tuple(entities), tuple(claims))


def _same_layer(updated: MechanismLayer, fresh: MechanismLayer) -> None:
    assert updated.adj == fresh.adj
    assert updated.hub == fresh.hub
    assert updated.entities == fresh.entities
    assert updated.harms == fresh.harms
    assert updated.shares == fresh.shares
    assert updated.dropped == fresh.dropped
    for terms in ({TOP.id, *(d.id for d in DISEASES)}, {DISEASES[1].id}):
        assert MechanismGraph(updated, terms).support == MechanismGraph(fresh, terms).support


def _rankings(store: GraphStore) -> list[list[dict[str, object]]]:
    return [
        [r.to_json() for r in rank_candidates(store, name, CandidateKind.ALL, config=CONFIG)]
        for name in ("incremental disease", "incremental disease 1")
    ]


@pytest.mark.parametrize("location", ["memory", "disk"])
def test_random_writes_update_the_projection_exactly_like_a_fresh_build(
    tmp_path: Path, location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(15)
    store = open_store("memory:" if location == "memory" else f"oxigraph:{tmp_path / 'store'}")
    store.replace_graph(vocabulary_graph("test"), list(vocabulary_quads(EVERYTHING, "test")))
    records = [f"TCMKG.DOC:inc-{i}" for i in range(8)] + ["TCMKG.TABLE:inc/table"]
    versions = dict.fromkeys(records, 0)
    for record in records[:6]:
        store.replace_graph(graph_iri(record), bundle_quads(_bundle(rng, record, 0)))
    mechanism._CACHE.clear()
    mechanism_layer(store, CONFIG)  # the projection every later write updates

    builds: list[int] = []
    real_build = mechanism.build_layer

    def counting_build(*args: object, **kwargs: object) -> MechanismLayer:
        builds.append(1)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mechanism, "build_layer", counting_build)
    for step in range(25):
        written = rng.sample(records, rng.choice([1, 1, 1, 2]))
        for record in written:
            if rng.random() < 0.25:
                store.drop_graph(graph_iri(record))
            else:
                versions[record] += 1
                bundle = _bundle(rng, record, versions[record])
                store.replace_graph(graph_iri(record), bundle_quads(bundle))
        updated = mechanism_layer(store, CONFIG)
        _same_layer(updated, build_layer(store, CONFIG))
        incremental = _rankings(store)
        # What a fresh build ranks: nothing held in memory, nothing saved on disk.
        mechanism._CACHE.clear()
        mechanism.wait_for_saves()
        saved = list((tmp_path / "store" / "tcmkg" / "cache").glob("layer-*.npz"))
        assert len(saved) == (1 if location == "disk" else 0), "the update is saved as a build is"
        for file in saved:
            file.unlink()
        # A fresh build, which the next step's write then updates.
        assert _rankings(store) == incremental, f"step {step}: wrote {written}"
    assert builds == [1] * 25, "one build per step, where the test drops the projection"
    store.close()


def test_a_write_the_journal_cannot_name_rebuilds_the_projection(tmp_path: Path) -> None:
    store = open_store("memory:")
    store.replace_graph(vocabulary_graph("test"), list(vocabulary_quads(EVERYTHING, "test")))
    rng = random.Random(3)
    store.replace_graph(graph_iri("TCMKG.DOC:a"), bundle_quads(_bundle(rng, "TCMKG.DOC:a", 0)))
    mechanism._CACHE.clear()
    before = store.state_token()
    mechanism_layer(store, CONFIG)
    store.update("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }")  # names no graph
    assert store.written_since(before) is None
    assert mechanism_layer(store, CONFIG).adj == {}
    store.replace_graph(graph_iri("TCMKG.DOC:b"), bundle_quads(_bundle(rng, "TCMKG.DOC:b", 0)))
    assert store.written_since(store.state_token()) == frozenset()
