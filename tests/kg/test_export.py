"""Exports: RDF dumps a SPARQL user can load elsewhere, and KGX files Translator tools read."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from kg import iri
from kg.export import atomic_output, export, export_format, export_rdf, kgx_edges, kgx_nodes
from kg.model import (
    AgentType,
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    KnowledgeLevel,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore, StoreError, open_store
from kg.writer import bundle_quads
from tests.conftest import shared_data

HERB = iri.herb_curie("Astragali Radix")
COMPOUND = "PUBCHEM.COMPOUND:5281614"  # unchecked here: only used as an identifier shape
TARGET = "NCBIGene:7124"
T2DM = "MESH:D003924"
TABLE = "TCMKG.TABLE:illustrative/herb_target"


def _table_bundle() -> RecordBundle:
    """An illustrative database-derived record: herb contains compound, compound inhibits TNF."""
    item = EvidenceItem(
        source=TABLE,
        design=StudyDesign.DATABASE,
        method="illustrative",
        knowledge_level=KnowledgeLevel.PREDICTION,
        agent_type=AgentType.COMPUTATIONAL_MODEL,
    )
    return RecordBundle(
        record=SourceRecord(id=TABLE, kind=RecordKind.TABLE, illustrative=True),
        entities=(
            Entity(id=HERB, kind=EntityKind.HERB, label="黄芪"),
            Entity(id=COMPOUND, kind=EntityKind.COMPOUND, label="an illustrative compound"),
            Entity(id=TARGET, kind=EntityKind.TARGET, label="TNF"),
        ),
        claims=(
            Claim(HERB, Predicate.CONTAINS, COMPOUND, (item,)),
            Claim(COMPOUND, Predicate.INHIBITS, TARGET, (item,)),
        ),
    )


def _literature_bundle(record: str) -> RecordBundle:
    """A text-mined claim from a document: herb treats T2DM."""
    item = EvidenceItem(
        source=record,
        design=StudyDesign.RCT,
        direction=Direction.BENEFIT,
        sentence="The herb lowered fasting glucose.",
        start=0,
        end=33,
        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
        agent_type=AgentType.TEXT_MINING_AGENT,
    )
    return RecordBundle(
        record=SourceRecord(id=record, kind=RecordKind.DOCUMENT, illustrative=True),
        entities=(
            Entity(id=HERB, kind=EntityKind.HERB, label="黄芪"),
            Entity(id=T2DM, kind=EntityKind.DISEASE, label="Diabetes Mellitus, Type 2"),
        ),
        claims=(Claim(HERB, Predicate.TREATS, T2DM, (item,)),),
    )


def _store(*bundles: RecordBundle) -> GraphStore:
    store = open_store("memory:")
    for b in bundles:
        store.replace_graph(iri.graph_iri(b.record.id), bundle_quads(b))
    return store


def test_kgx_edges_carry_biolink_slots_per_claim() -> None:
    store = _store(_table_bundle(), _literature_bundle("TCMKG.DOC:export-1"))
    edges = {(e["subject"], e["predicate"], e["object"]): e for e in kgx_edges(store)}
    assert set(edges) == {
        (HERB, "biolink:has_constituent", COMPOUND),
        (COMPOUND, "biolink:decreases_activity_of", TARGET),
        (HERB, "biolink:treats", T2DM),
    }
    treats = edges[(HERB, "biolink:treats", T2DM)]
    assert treats["id"] == iri.claim_curie(HERB, "treats", T2DM)
    assert treats["category"] == ["biolink:Association"]
    assert treats["primary_knowledge_source"] == "infores:tcmkg"
    assert treats["knowledge_level"] == "knowledge_assertion"
    assert treats["agent_type"] == "text_mining_agent"
    assert treats["publications"] == []  # a user document is not a publication
    inhibits = edges[(COMPOUND, "biolink:decreases_activity_of", TARGET)]
    assert inhibits["knowledge_level"] == "prediction"
    assert inhibits["agent_type"] == "computational_model"


def test_kgx_edge_takes_strongest_level_and_agent_of_mixed_evidence() -> None:
    curated = EvidenceItem(
        source="TCMKG.DOC:export-2",
        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
        agent_type=AgentType.MANUAL_AGENT,
    )
    mined = _literature_bundle("TCMKG.DOC:export-1")
    second = RecordBundle(
        record=SourceRecord(id="TCMKG.DOC:export-2", kind=RecordKind.DOCUMENT),
        claims=(Claim(HERB, Predicate.TREATS, T2DM, (curated,)),),
    )
    [edge] = list(kgx_edges(_store(mined, second)))
    assert edge["agent_type"] == "manual_agent"
    assert edge["knowledge_level"] == "knowledge_assertion"


def test_kgx_nodes_have_biolink_categories_and_names() -> None:
    store = _store(_table_bundle(), _literature_bundle("TCMKG.DOC:export-1"))
    nodes = {n["id"]: n for n in kgx_nodes(store)}
    assert set(nodes) == {HERB, COMPOUND, TARGET, T2DM}
    assert nodes[HERB]["category"] == ["biolink:ComplexMolecularMixture"]
    assert nodes[HERB]["name"] == "黄芪"
    assert nodes[TARGET]["category"] == ["biolink:Gene"]
    assert nodes[T2DM]["category"] == ["biolink:Disease"]


def test_kgx_publications_are_the_pmids_of_the_evidence() -> None:
    from ingest.problems import ProblemLog
    from ingest.readers.table import read_table

    table = shared_data("dfi_pubmed_abstracts", "dfi_pubmed_abstracts.tsv")
    docs = list(islice(read_table(table, ProblemLog()), 2))
    pmids = [d.id for d in docs]
    assert all(p.startswith("PMID:") for p in pmids)
    bundles = []
    for pmid in pmids:
        b = _literature_bundle(pmid)
        bundles.append(
            RecordBundle(
                record=SourceRecord(id=pmid, kind=RecordKind.PUBLICATION),
                entities=b.entities,
                claims=b.claims,
            )
        )
    [edge] = list(kgx_edges(_store(*bundles)))
    assert edge["publications"] == sorted(pmids)


def test_kgx_export_writes_two_json_lines_files(tmp_path: Path) -> None:
    store = _store(_table_bundle(), _literature_bundle("TCMKG.DOC:export-1"))
    counts = export(store, "kgx", tmp_path / "kgx")
    nodes = [json.loads(line) for line in (tmp_path / "kgx" / "nodes.jsonl").open()]
    edges = [json.loads(line) for line in (tmp_path / "kgx" / "edges.jsonl").open()]
    assert counts == (len(nodes), len(edges)) == (4, 3)
    node_ids = {n["id"] for n in nodes}
    assert all(e["subject"] in node_ids and e["object"] in node_ids for e in edges)


@pytest.mark.parametrize(
    ("name", "fmt", "suffix"),
    [
        ("nquads", RdfFormat.N_QUADS, "nq.gz"),
        ("trig", RdfFormat.TRIG, "trig"),
        ("jsonld", RdfFormat.JSON_LD, "jsonld"),
    ],
)
def test_dataset_dump_keeps_record_graphs(
    tmp_path: Path, name: str, fmt: RdfFormat, suffix: str
) -> None:
    bundles = (_table_bundle(), _literature_bundle("TCMKG.DOC:export-1"))
    store = _store(*bundles)
    out = tmp_path / f"dump.{suffix}"
    export(store, name, out)
    data = out.read_bytes()
    if suffix.endswith(".gz"):
        data = gzip.decompress(data)
    assert set(parse(data, format=fmt)) == {q for b in bundles for q in bundle_quads(b)}


def test_triple_dump_without_graph_is_the_union_graph(tmp_path: Path) -> None:
    bundles = (_table_bundle(), _literature_bundle("TCMKG.DOC:export-1"))
    store = _store(*bundles)
    out = io.BytesIO()
    export_rdf(store, out, RdfFormat.TURTLE)
    triples = {q.triple for q in parse(out.getvalue(), format=RdfFormat.TURTLE)}
    assert triples == {q.triple for b in bundles for q in bundle_quads(b)}


def test_failed_export_keeps_the_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "dump.ttl"
    out.write_bytes(b"previous export\n")
    with pytest.raises(RuntimeError), atomic_output(out) as stream:
        stream.write(b"<http://example.org/half")
        raise RuntimeError("store went away mid-export")
    assert out.read_bytes() == b"previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["dump.ttl"]


def test_unknown_format_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown export format 'rdfa'"):
        export(_store(_table_bundle()), "rdfa", tmp_path / "dump.rdfa")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.virtuoso
def test_kgx_export_is_the_same_from_a_remote_store(virtuoso_store: GraphStore) -> None:
    bundles = (_table_bundle(), _literature_bundle("TCMKG.DOC:export-1"))
    for b in bundles:
        virtuoso_store.replace_graph(iri.graph_iri(b.record.id), bundle_quads(b))
    local = _store(*bundles)

    def by_id(records: list[dict[str, object]]) -> dict[object, dict[str, object]]:
        return {r["id"]: r for r in records}

    assert by_id(list(kgx_edges(virtuoso_store))) == by_id(list(kgx_edges(local)))
    assert by_id(list(kgx_nodes(virtuoso_store))) == by_id(list(kgx_nodes(local)))


def test_a_claim_many_records_report_is_one_edge_and_its_ends_one_node_each() -> None:
    # Over the union of graphs each of this claim's triples repeats once per record: the export
    # queries match inside each record's graph, so 25 reports stay 25 rows, not 25⁴.
    store = _store(*(_literature_bundle(f"TCMKG.DOC:export-{i}") for i in range(25)))
    [edge] = list(kgx_edges(store))
    assert (edge["subject"], edge["object"]) == (HERB, T2DM)
    assert edge["agent_type"] == "text_mining_agent"
    nodes = [n["id"] for n in kgx_nodes(store)]
    assert sorted(nodes) == sorted([HERB, T2DM])


def _edge_lines(records: Iterable[dict[str, object]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in records]


def test_streamed_kgx_edges_are_the_query_s_edges_batch_by_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An embedded store streams the edges in batches of claims; each line must be the line the
    # whole-store query (what a SPARQL server answers) gives, whatever the batch boundaries:
    # a claim in many graphs, mixed evidence, an item with no level or agent, several claims.
    bare = EvidenceItem(source="TCMKG.DOC:export-bare")
    bundles = [
        _table_bundle(),
        *(_literature_bundle(f"TCMKG.DOC:export-{i}") for i in range(5)),
        RecordBundle(
            record=SourceRecord(id="TCMKG.DOC:export-bare", kind=RecordKind.DOCUMENT),
            claims=(
                Claim(HERB, Predicate.TREATS, T2DM, (bare,)),
                Claim(COMPOUND, Predicate.CAUSES, T2DM, (bare,)),
            ),
        ),
    ]
    store = _store(*bundles)
    from kg.export import _edge_record, _paged_edge_groups

    queried = _edge_lines(_edge_record(g) for g in _paged_edge_groups(store))
    assert len(queried) == 4
    for batch in (1, 2, 500):
        monkeypatch.setattr("kg.export.CLAIM_BATCH", batch)
        streamed = _edge_lines(kgx_edges(store))
        assert sorted(streamed) == sorted(queried)
        assert streamed == _edge_lines(kgx_edges(store))  # the same order on every export


def test_kgx_edges_download_is_the_streamed_edges() -> None:
    store = _store(_table_bundle(), _literature_bundle("TCMKG.DOC:export-1"))
    out = io.BytesIO()
    export_format("kgx_edges").write(store, out, None)
    lines = out.getvalue().decode("utf-8").splitlines()
    assert lines == _edge_lines(kgx_edges(store))
