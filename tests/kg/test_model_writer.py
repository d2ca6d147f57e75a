"""The graph model, IRI minting and the RDF writer: what every other part relies on."""

from __future__ import annotations

import pytest
from pyoxigraph import NamedNode

from kg import iri
from kg.model import (
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
from kg.terms import PREDICATE_IRI
from kg.writer import bundle_quads, vocabulary_quads

HERB = iri.herb_curie("Astragali Radix")
T2DM = "MESH:D003924"


def _bundle(
    pmid: str, *, n: int = 120, sentence: str = "Astragalus improved HbA1c."
) -> RecordBundle:
    record = SourceRecord(id=pmid, kind=RecordKind.PUBLICATION, title="A trial", year=2020)
    evidence = EvidenceItem(
        source=pmid,
        design=StudyDesign.RCT,
        direction=Direction.BENEFIT,
        sentence=sentence,
        start=0,
        end=len(sentence),
        sample_size=n,
        year=2020,
    )
    return RecordBundle(
        record=record,
        entities=(
            Entity(id=HERB, kind=EntityKind.HERB, label="Astragali Radix"),
            Entity(id=T2DM, kind=EntityKind.DISEASE, label="Diabetes Mellitus, Type 2"),
        ),
        claims=(Claim(HERB, Predicate.TREATS, T2DM, (evidence,)),),
    )


def test_curies_expand_and_contract_round_trip() -> None:
    for curie in ("PMID:12345", "MESH:D003920", "NCBIGene:7124", HERB, "PUBCHEM.COMPOUND:2353"):
        assert iri.contract(iri.expand(curie)) == curie


def test_unknown_prefix_is_refused() -> None:
    with pytest.raises(iri.CurieError, match="unknown CURIE prefix"):
        iri.expand("FOO:1")


def test_herb_and_formula_keys_are_normalised() -> None:
    assert iri.herb_curie("Astragali  Radix") == iri.herb_curie("astragali radix")
    assert iri.formula_curie("Liù Wèi Dì Huáng Wán") == "TCMKG.FORMULA:liu-wei-di-huang-wan"
    # A name in characters only still gets a stable, IRI-safe key.
    assert iri.slug("六味地黄丸") == iri.slug("六味地黄丸")
    assert iri.slug("六味地黄丸").isascii()


def test_claim_iri_is_deterministic_and_part_sensitive() -> None:
    a = iri.claim_curie(HERB, "treats", T2DM)
    assert a == iri.claim_curie(HERB, "treats", T2DM)
    assert a != iri.claim_curie(HERB, "causes", T2DM)
    assert a != iri.claim_curie(T2DM, "treats", HERB)


def test_graph_iri_round_trips_to_record_id() -> None:
    assert iri.record_id_of_graph(iri.graph_iri("PMID:42")) == "PMID:42"
    assert iri.record_id_of_graph("http://example.org/other") is None


def test_claim_is_written_as_direct_triple_and_association_node() -> None:
    quads = bundle_quads(_bundle("PMID:1"))
    graph = NamedNode(iri.graph_iri("PMID:1"))
    assert all(q.graph_name == graph for q in quads)
    direct = [q for q in quads if q.predicate.value == PREDICATE_IRI[Predicate.TREATS]]
    assert [(q.subject.value, q.object.value) for q in direct] == [
        (iri.expand(HERB), iri.expand(T2DM))
    ]
    claim = iri.expand(iri.claim_curie(HERB, "treats", T2DM))
    assert any(
        q.subject.value == claim and q.predicate.value.endswith("hasEvidence") for q in quads
    )


def test_same_record_gives_identical_quads() -> None:
    assert bundle_quads(_bundle("PMID:1")) == bundle_quads(_bundle("PMID:1"))


def test_rewriting_a_record_changes_nothing(memory_store: GraphStore) -> None:
    graph = iri.graph_iri("PMID:1")
    memory_store.replace_graph(graph, bundle_quads(_bundle("PMID:1")))
    before = sorted(map(str, memory_store.quads()))
    memory_store.replace_graph(graph, bundle_quads(_bundle("PMID:1")))
    assert sorted(map(str, memory_store.quads())) == before


def test_revised_record_replaces_its_old_version(memory_store: GraphStore) -> None:
    graph = iri.graph_iri("PMID:1")
    memory_store.replace_graph(graph, bundle_quads(_bundle("PMID:1", n=120)))
    memory_store.replace_graph(graph, bundle_quads(_bundle("PMID:1", n=300)))
    sizes = memory_store.select(
        "SELECT ?n WHERE { ?e <https://w3id.org/tcmkg/ontology#sampleSize> ?n }"
    )
    assert [row[0].value for row in sizes.rows if row[0] is not None] == ["300"]


def test_withdrawing_a_record_removes_exactly_its_triples(memory_store: GraphStore) -> None:
    memory_store.replace_graph(iri.graph_iri("PMID:1"), bundle_quads(_bundle("PMID:1")))
    kept = bundle_quads(_bundle("PMID:2", sentence="Huangqi lowered glucose."))
    memory_store.replace_graph(iri.graph_iri("PMID:2"), kept)
    memory_store.drop_graph(iri.graph_iri("PMID:1"))
    assert sorted(map(str, memory_store.quads())) == sorted(map(str, kept))
    # The claim survives with the evidence of the record that is left.
    evidence = memory_store.select(
        "SELECT ?e WHERE { ?c <https://w3id.org/tcmkg/ontology#hasEvidence> ?e }"
    )
    assert len(evidence) == 1


def test_vocabulary_quads_carry_every_name_system() -> None:
    herb = Entity(
        id=HERB,
        kind=EntityKind.HERB,
        label="Astragali Radix",
        labels=(
            Label("黄芪", "zh", preferred=True),
            Label("huang qi", "zh-Latn-pinyin", preferred=True),
            Label("Radix Astragali", "la"),
            Label("Astragalus membranaceus", "la"),
        ),
    )
    quads = list(vocabulary_quads([herb], "seed"))
    # Language tags are case-insensitive; the store keeps them in lower case.
    langs = {q.object.language for q in quads if getattr(q.object, "language", None)}
    assert {"zh", "zh-latn-pinyin", "la"} <= langs
    assert all(q.graph_name.value == iri.vocabulary_graph("seed") for q in quads)
