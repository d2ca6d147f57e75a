"""Browsing by TCM theory over the shipped seed: herbs and formulas by action, nature or
syndrome, syndromes by name in characters, pinyin and English — through the query layer, the
CLI and a real HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import RdfFormat
from typer.testing import CliRunner

import ontologies
from api.app import create_app
from ingest.examples import EXAMPLE_CATALOGUE
from ingest.examples.demo import seed_theory
from ingest.importers.preparations import import_preparations
from ingest.vocabulary import load_seed
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from ingest.vocabulary.tcm_theory import (
    TheoryClaim,
    TheoryPredicate,
    claim_quads,
    table_graphs,
)
from kg import iri
from kg.iri import term
from kg.model import AgentType, EvidenceItem, RecordKind, SourceRecord
from kg.store import GraphStore, open_store
from kg.writer import record_quads
from queries.browse import BrowseKind, UnknownTheoryNameError, browse, search_syndromes
from queries.rank import CandidateKind, rank_candidates
from queries.traditional import UnknownSyndromeError
from tcmkg.cli import build_app
from tests.api.support import LiveServer, settings, start_server

DANSHEN = "TCMKG.HERB:salviae-miltiorrhizae-radix-et-rhizoma"
XUE_FU = "TCMKG.FORMULA:xue-fu-zhu-yu-tang"
SHENG_MAI = "TCMKG.FORMULA:sheng-mai-san"
HUANGLIAN = "TCMKG.HERB:coptidis-rhizoma"
PROPERTY_TABLE = "TCMKG.TABLE:property-test"


def _fill(store: GraphStore) -> None:
    """The ontology, the seed vocabulary with its syndromes and actions, the seed theory
    tables, and one property table written here (coptis: cold, bitter, heart and liver)."""
    store.load(ontologies.ontology_bytes(), RdfFormat.TURTLE, graph=iri.ONTOLOGY_GRAPH)
    ensure_seed_vocabulary(store)
    for graph, quads in table_graphs(seed_theory()):
        store.replace_graph(graph, quads)
    record = SourceRecord(PROPERTY_TABLE, RecordKind.TABLE, title="property test table")
    graph = iri.graph_iri(PROPERTY_TABLE)
    item = EvidenceItem(source=PROPERTY_TABLE, agent_type=AgentType.MANUAL_AGENT)
    facts = [
        (TheoryPredicate.HAS_NATURE, term("NatureCold")),
        (TheoryPredicate.HAS_FLAVOUR, term("FlavourBitter")),
        (TheoryPredicate.ENTERS_MERIDIAN, term("MeridianHeart")),
        (TheoryPredicate.ENTERS_MERIDIAN, term("MeridianLiver")),
    ]
    quads = list(record_quads(record, graph))
    for predicate, obj in facts:
        quads.extend(claim_quads(TheoryClaim(HUANGLIAN, predicate, obj, (item,)), graph, record))
    store.replace_graph(graph, quads)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An on-disk store (so the CLI can open it) holding the seed's TCM theory."""
    location = f"oxigraph:{tmp_path_factory.mktemp('browse') / 'store'}"
    store = open_store(location)
    _fill(store)
    store.close()
    yield location


@pytest.fixture(scope="module")
def store(seeded: str) -> Iterator[GraphStore]:
    opened = open_store(seeded)
    yield opened
    opened.close()


def test_herbs_and_formulas_by_action_in_any_language(store: GraphStore) -> None:
    herbs = browse(store, BrowseKind.HERB, action="活血化瘀")
    same = browse(store, BrowseKind.HERB, action="activate blood and resolve stasis")
    assert DANSHEN in {i["id"] for i in herbs.items}
    assert [i["id"] for i in herbs.items] == [i["id"] for i in same.items]
    assert herbs.filters["action"]["zh"] == "活血化瘀"
    # The seed's herb actions are the evidence: every listed herb names the action.
    for item in herbs.items:
        assert "活血化瘀" in {a["zh"] for a in item["actions"]}, item["label"]
    # 血府逐瘀汤 treats 气滞血瘀证, whose principle calls for 活血化瘀.
    formulas = browse(store, BrowseKind.FORMULA, action="huo xue hua yu")
    assert XUE_FU in {i["id"] for i in formulas.items}
    assert SHENG_MAI not in {i["id"] for i in formulas.items}


def test_a_broader_action_covers_its_narrower_ones(store: GraphStore) -> None:
    tonify = {i["id"] for i in browse(store, BrowseKind.HERB, action="补虚", limit=2000).items}
    qi = {i["id"] for i in browse(store, BrowseKind.HERB, action="补气", limit=2000).items}
    assert qi and qi < tonify


def test_nature_flavour_and_meridian_filters_combine(store: GraphStore) -> None:
    found = browse(store, BrowseKind.HERB, nature="寒", flavour="bitter", meridian="liver")
    assert [i["id"] for i in found.items] == [HUANGLIAN]
    (item,) = found.items
    assert {m["zh"] for m in item["meridians"]} == {"心", "肝"}
    # 微寒 is narrower than 寒: asking for "slightly cold" does not find a cold herb.
    assert browse(store, BrowseKind.HERB, nature="slightly cold", flavour="bitter").total == 0
    assert browse(store, BrowseKind.HERB, nature="cold", meridian="lung").total == 0


def test_formulas_by_syndrome_and_unknown_names(store: GraphStore) -> None:
    found = browse(store, BrowseKind.FORMULA, syndrome="qi-yin deficiency")
    assert SHENG_MAI in {i["id"] for i in found.items}
    for item in found.items:
        assert any(s["zh"] == "气阴两虚证" for s in item["indicated_for"]), item["label"]
    with pytest.raises(UnknownTheoryNameError, match="no action named 'activate bloood'"):
        browse(store, BrowseKind.HERB, action="activate bloood")
    with pytest.raises(UnknownSyndromeError, match="did you mean"):
        browse(store, BrowseKind.FORMULA, syndrome="qi yin defficiency")


def test_syndromes_by_name_in_characters_pinyin_and_english(store: GraphStore) -> None:
    for typed in ("气阴", "qi yin", "qiyin", "qi-yin deficiency", "QI AND YIN"):
        found = search_syndromes(store, typed)
        assert found and found[0]["zh"] == "气阴两虚证", typed
        assert found[0]["principle"]["zh"] == "益气养阴"
    spleen = [s["zh"] for s in search_syndromes(store, "spleen-kidney yang")]
    assert spleen[0] == "脾肾阳虚证"
    assert len(search_syndromes(store, "", limit=500)) >= 80


def test_cli_browse_and_syndromes(seeded: str) -> None:
    runner = CliRunner()
    app = build_app()
    out = runner.invoke(
        app, ["browse", "herb", "--action", "活血化瘀", "--format", "json", "--store", seeded]
    )
    assert out.exit_code == 0, out.output
    assert DANSHEN in {i["id"] for i in json.loads(out.stdout)["items"]}
    out = runner.invoke(app, ["syndromes", "qi yin", "--store", seeded])
    assert out.exit_code == 0 and "气阴两虚证" in out.stdout and "益气养阴" in out.stdout
    out = runner.invoke(app, ["browse", "--action", "activate bloood", "--store", seeded])
    assert out.exit_code == 2 and "no action named 'activate bloood'" in out.output


@pytest.fixture(scope="module")
def server(store: GraphStore) -> Iterator[LiveServer]:
    live = start_server(create_app(store, settings()), store)
    yield live
    live.stop()


def test_http_syndromes_browse_and_schemes(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        found = client.get("/syndromes", params={"q": "qi yin liang"}).json()
        assert found["syndromes"][0]["id"] == "TCMKG.SYNDROME:qi-yin-liang-xu"
        herbs = client.get("/browse", params={"kind": "herb", "action": "活血化瘀"})
        assert herbs.status_code == 200 and DANSHEN in {i["id"] for i in herbs.json()["items"]}
        missing = client.get("/browse", params={"action": "activate bloood"})
        assert missing.status_code == 404 and "activate bloood" in missing.json()["detail"]
        schemes = client.get("/theory/schemes").json()
        assert {n["zh"] for n in schemes["natures"]} >= {"寒", "热", "温", "凉", "平"}
        assert len(schemes["meridians"]) == 12 and len(schemes["actions"]) >= 30


def test_the_catalogue_is_ranked_for_a_disease_within_a_syndrome() -> None:
    # The illustrative catalogue's 芪蛭益肾胶囊 is "用于气虚血瘀型糖尿病肾病" and holds leech (水蛭,
    # 有小毒): within 气虚血瘀证 its catalogue evidence counts fully and it is indicated for it.
    store = open_store("memory:")
    try:
        _fill(store)
        report = import_preparations(EXAMPLE_CATALOGUE, store, load_seed())
        assert not report.failed
        rows = {
            r.candidate.label: r
            for r in rank_candidates(
                store,
                "diabetic nephropathy",
                CandidateKind.PREPARATION,
                syndrome="qi deficiency and blood stasis",
            )
        }
        capsules = rows["Qi Zhi Kidney-Tonifying Capsules"]
        assert capsules.traditional == 1.0
        assert [(g.herb_label, g.grade_zh) for g in capsules.grades] == [("leech", "有小毒")]
        assert [e.population.match.value for e in capsules.evidence] == ["queried"]
        other = rows["Qi Dan Glucose-Lowering Granules"]
        assert [e.population.match.value for e in other.evidence] == ["not_said"]
    finally:
        store.close()
