"""After a write, the ranking's projection is patched where the write touched it, and ranks
exactly as a projection built afresh does.

A small store written through the project's writer: herbs, a formula, compounds (one in most
herbs), targets (one hit by most compounds, a hub), a pathway and a disease with narrower
terms. A sequence of writes — a new record, the same record replaced with changed claims, a
record touching the hub target, a record that raises a target a level, a composition, a new
entity, dropped records, a cycle and its removal — is made; after each, the projection held
in memory (patched) and one built afresh must give the same candidates with the same scores,
and their edges, hub factors and support must agree.
"""

from __future__ import annotations

from collections.abc import Iterator
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

HERBS = [Entity(f"TCMKG.HERB:patch-{i}", EntityKind.HERB, f"Patch herb {i}") for i in range(8)]
FORMULA = Entity("TCMKG.FORMULA:patch", EntityKind.FORMULA, "Patch formula")
COMPOUNDS = [
    Entity(f"TCMKG.COMPOUND:patch-{i}", EntityKind.COMPOUND, f"patch compound {i}")
    for i in range(12)
]
TARGETS = [Entity(f"TCMKG.TARGET:PATCH{i}", EntityKind.TARGET, f"PATCH{i}") for i in range(4)]
PATHWAY = Entity("KEGG.PATHWAY:patch00001", EntityKind.PATHWAY, "patch pathway")
TOP = Entity("TCMKG.DISEASE:patch", EntityKind.DISEASE, "patch disease")
CHILDREN = [
    Entity(f"TCMKG.DISEASE:patch-{i}", EntityKind.DISEASE, f"patch disease {i}", broader=(TOP.id,))
    for i in range(2)
]
EVERYTHING = [*HERBS, FORMULA, *COMPOUNDS, *TARGETS, PATHWAY, TOP, *CHILDREN]
HUB = TARGETS[0].id  # hit by most compounds: its hub factor is well below 1
UBIQUITOUS = COMPOUNDS[0].id  # in most herbs


def _table_item(record: str) -> EvidenceItem:
    return EvidenceItem(record, StudyDesign.DATABASE, method="test-import", year=2020)


def _paper_item(record: str, design: StudyDesign, size: int = 120) -> EvidenceItem:
    return EvidenceItem(
        record,
        design,
        Direction.BENEFIT,
        sentence=f"Synthetic sentence of {record}.",
        sample_size=size,
        year=2021,
        confidence=0.9,
        method="test",
    )


def _table(name: str, triples: list[tuple[str, Predicate, str]]) -> tuple[str, RecordBundle]:
    record = f"TCMKG.TABLE:patch/{name}"
    source = SourceRecord(record, RecordKind.TABLE, year=2020)
    claims = tuple(Claim(s, p, o, (_table_item(record),)) for s, p, o in triples)
    return record, RecordBundle(source, (), claims)


def _paper(
    name: str,
    triples: list[tuple[str, Predicate, str]],
    design: StudyDesign = StudyDesign.RCT,
    entities: tuple[Entity, ...] = (),
) -> tuple[str, RecordBundle]:
    record = f"TCMKG.DOC:patch-{name}"
    source = SourceRecord(record, RecordKind.PUBLICATION, title=f"paper {name}", year=2021)
    claims = tuple(Claim(s, p, o, (_paper_item(record, design),)) for s, p, o in triples)
    return record, RecordBundle(source, entities, claims)


def _base() -> Iterator[tuple[str, RecordBundle]]:
    contains = [(h.id, Predicate.CONTAINS, UBIQUITOUS) for h in HERBS[:7]]
    contains += [(h.id, Predicate.CONTAINS, COMPOUNDS[1 + i].id) for i, h in enumerate(HERBS)]
    yield _table("herb_compound", contains)
    acts = [(c.id, Predicate.INHIBITS, HUB) for c in COMPOUNDS[:8]]
    acts += [(COMPOUNDS[i].id, Predicate.ACTIVATES, TARGETS[1 + i % 3].id) for i in range(1, 9)]
    yield _table("compound_target", acts)
    links = [(t.id, Predicate.ASSOCIATED_WITH, CHILDREN[i % 2].id) for i, t in enumerate(TARGETS)]
    links += [
        (TARGETS[1].id, Predicate.PARTICIPATES_IN, PATHWAY.id),
        (PATHWAY.id, Predicate.ASSOCIATED_WITH, TOP.id),
    ]
    yield _table("target_disease", links)
    yield _table("formula_herb", [(FORMULA.id, Predicate.HAS_PART, h.id) for h in HERBS[:3]])
    for i, candidate in enumerate([*HERBS, FORMULA]):
        design = StudyDesign.RCT if i % 2 else StudyDesign.COHORT
        yield _paper(f"base-{i}", [(candidate.id, Predicate.TREATS, CHILDREN[i % 2].id)], design)
    yield _paper(
        "base-harm", [(HERBS[2].id, Predicate.CAUSES, CHILDREN[0].id)], StudyDesign.CASE_REPORT
    )


NEW = Entity("TCMKG.COMPOUND:patch-new", EntityKind.COMPOUND, "patch compound only a paper knows")

# (what the step does, records written (bundle) or dropped (None)); a later step may replace or
# drop what an earlier one wrote.
STEPS: list[tuple[str, list[tuple[str, RecordBundle | None]]]] = [
    (
        "a new record: a herb gains a compound that acts on a target",
        [
            _paper(
                "one",
                [
                    (HERBS[7].id, Predicate.CONTAINS, COMPOUNDS[9].id),
                    (COMPOUNDS[9].id, Predicate.INHIBITS, TARGETS[2].id),
                    (HERBS[7].id, Predicate.TREATS, CHILDREN[1].id),
                ],
            )
        ],
    ),
    (
        "the same record replaced: another design, the compound acts on another target",
        [
            _paper(
                "one",
                [
                    (HERBS[7].id, Predicate.CONTAINS, COMPOUNDS[9].id),
                    (COMPOUNDS[9].id, Predicate.INHIBITS, TARGETS[3].id),
                ],
                StudyDesign.ANIMAL,
            )
        ],
    ),
    (
        "a record touching the hub: two more compounds hit it, a herb gains the ubiquitous one",
        [
            _paper(
                "hub",
                [
                    (COMPOUNDS[10].id, Predicate.INHIBITS, HUB),
                    (COMPOUNDS[11].id, Predicate.BINDS, HUB),
                    (HERBS[7].id, Predicate.CONTAINS, UBIQUITOUS),
                    (HERBS[7].id, Predicate.CONTAINS, COMPOUNDS[10].id),
                ],
            )
        ],
    ),
    (
        "a target raised a level: it now takes part in the pathway",
        [_paper("level", [(TARGETS[2].id, Predicate.PARTICIPATES_IN, PATHWAY.id)])],
    ),
    (
        "a composition and a new entity only this record knows",
        [
            _paper(
                "new",
                [
                    (FORMULA.id, Predicate.HAS_PART, HERBS[5].id),
                    (HERBS[6].id, Predicate.CONTAINS, NEW.id),
                    (NEW.id, Predicate.ACTIVATES, TARGETS[1].id),
                    (HERBS[6].id, Predicate.CAUSES, CHILDREN[1].id),
                ],
                entities=(NEW,),
            )
        ],
    ),
    ("records dropped", [("TCMKG.DOC:patch-one", None), ("TCMKG.DOC:patch-base-3", None)]),
    (
        "the hub record replaced with fewer claims (the hub loses edges, a level falls)",
        [
            _paper("hub", [(COMPOUNDS[10].id, Predicate.INHIBITS, HUB)]),
            ("TCMKG.DOC:patch-level", None),
        ],
    ),
    (
        "a cycle: a target said to act back on a compound",
        [_paper("cycle", [(TARGETS[1].id, Predicate.ACTIVATES, COMPOUNDS[3].id)])],
    ),
    (
        "a write away from the cycle, with the cycle in the layer",
        [_paper("away", [(HERBS[4].id, Predicate.CONTAINS, COMPOUNDS[11].id)])],
    ),
    ("the cycle dropped", [("TCMKG.DOC:patch-cycle", None)]),
]


def _write(store: GraphStore, record: str, bundle: RecordBundle | None) -> None:
    if bundle is None:
        store.drop_graph(graph_iri(record))
    else:
        store.replace_graph(graph_iri(record), bundle_quads(bundle))


def _same_layer(patched: MechanismLayer, fresh: MechanismLayer) -> None:
    assert patched.adj == fresh.adj
    assert patched.hub == fresh.hub
    assert patched.entities == fresh.entities
    assert patched.harms == fresh.harms
    assert patched.shares == fresh.shares
    assert patched.dropped == fresh.dropped
    for terms in ({TOP.id, *(c.id for c in CHILDREN)}, {CHILDREN[1].id}, {TARGETS[1].id}):
        support = MechanismGraph(patched, terms).support
        expected = MechanismGraph(fresh, terms).support
        assert support.keys() == expected.keys()
        for node, value in expected.items():
            assert support[node] == pytest.approx(value, abs=1e-12), node


def _ranks(store: GraphStore) -> list[list[tuple[str, float, float, float]]]:
    return [
        [
            (r.candidate.id, r.score, r.mechanistic, r.safety_belief)
            for r in rank_candidates(store, name, CandidateKind.ALL, top=50, config=CONFIG)
        ]
        for name in ("patch disease", "patch disease 1")
    ]


def _same_ranks(
    patched: list[list[tuple[str, float, float, float]]],
    fresh: list[list[tuple[str, float, float, float]]],
) -> None:
    for got, want in zip(patched, fresh, strict=True):
        assert [row[0] for row in got] == [row[0] for row in want]
        for row, expected in zip(got, want, strict=True):
            assert row[1:] == pytest.approx(expected[1:], abs=1e-9), row[0]


@pytest.mark.parametrize("location", ["memory", "disk"])
def test_each_write_patches_the_projection_to_rank_as_a_fresh_build(
    tmp_path: Path, location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store("memory:" if location == "memory" else f"oxigraph:{tmp_path / 'store'}")
    store.replace_graph(vocabulary_graph("test"), list(vocabulary_quads(EVERYTHING, "test")))
    for record, bundle in _base():
        _write(store, record, bundle)
    mechanism._CACHE.clear()
    mechanism_layer(store, CONFIG)  # the projection every write below patches

    # Which path each update takes: patched in place, or assembled again (a cycle involved).
    assembled: list[int] = []
    real_assemble = mechanism._assemble

    def counting_assemble(*args: object, **kwargs: object) -> MechanismLayer:
        assembled.append(1)
        return real_assemble(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mechanism, "_assemble", counting_assemble)
    paths: list[str] = []
    for what, writes in STEPS:
        for record, bundle in writes:
            _write(store, record, bundle)
        assembled.clear()
        patched = mechanism_layer(store, CONFIG)
        paths.append("assembled" if assembled else "patched")
        patched_ranks = _ranks(store)
        fresh = build_layer(store, CONFIG)
        _same_layer(patched, fresh)
        # What a fresh build ranks: nothing held in memory, nothing saved on disk.
        mechanism.wait_for_saves()
        mechanism._CACHE.clear()
        for file in (tmp_path / "store" / "tcmkg" / "cache").glob("layer-*.npz"):
            file.unlink()
        fresh_ranks = _ranks(store)
        assert fresh_ranks[0], f"{what}: the broad indication ranks candidates"
        _same_ranks(patched_ranks, fresh_ranks)
        # The next step patches the patched projection, not the fresh one: put it back.
        mechanism._CACHE.clear()
        mechanism._CACHE[(id(store), store.location)] = (store.state_token(), CONFIG, patched)
    assert paths == [
        *(["patched"] * 7),
        "assembled",  # the write closes a cycle
        "patched",  # away from the cycle: the dropped edge stays dropped
        "assembled",  # the write touches the cycle
    ]
    store.close()


def test_the_hub_factor_follows_the_hub_through_writes() -> None:
    store = open_store("memory:")
    store.replace_graph(vocabulary_graph("test"), list(vocabulary_quads(EVERYTHING, "test")))
    for record, bundle in _base():
        _write(store, record, bundle)
    mechanism._CACHE.clear()
    before = mechanism_layer(store, CONFIG).hub[HUB]
    _write(store, *STEPS[2][1][0])  # two more compounds hit the hub
    after = mechanism_layer(store, CONFIG)
    assert after.hub[HUB] < before  # 10 compounds instead of 8: each passes on less
    assert after.hub[HUB] == mechanism.hub_factor(10, CONFIG)
    hub_rows = after.arrays.dst == after.arrays.index[HUB]
    assert set(after.arrays.hub[hub_rows].tolist()) == {after.hub[HUB]}
    store.close()
