"""``tcmkg import symmap DIR`` brings TCM theory: syndromes, TCM symptoms and herb properties.

Small tables in SymMap's own column layout are written by the tests; one test reads the real
SymMap tables beside the development checkout and skips without them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode
from typer.testing import CliRunner

from ingest.importers import import_symmap
from ingest.importers.symmap import THEORY_RECORD
from ingest.vocabulary import load_seed
from kg import iri
from kg.iri import term
from kg.store import GraphStore, open_store
from kg.writer import node
from tcmkg.cli import app
from tests.conftest import shared_data

runner = CliRunner()

SMHB = (
    "Herb_id\tChinese_name\tPinyin_name\tLatin_name\tEnglish_name\tProperties_Chinese\t"
    "Properties_English\tMeridians_Chinese\tMeridians_English\tClass_Chinese\tClass_English\t"
    "UsePart\tTCMID_id\tTCM-ID_id\tTCMSP_id\tLink_herb_id\tAlias\tHERBDB_ID\tSuppress\n"
)
SMHB_ROWS = [
    "1\t黄芪\tHuangqi\tAstragali Radix,Radix Astragali\troot of Membranous Milkvetch\t甘,微温\t"
    "Sweet,Slightly Warm\t肺,脾\tLung,Spleen\t补气药\tQi Reinforcing Drugs\troot\t\t\t\t\t\t\t0",
    "2\t艾叶\tAiye\tFolium Artemisiae Argyi,Artemisiae Argyi Folium\tleaf of Argy Wormwood\t"
    "辛,苦,温,有小毒\tPungent,Bitter,Warm,Slightly Toxic\t肝,脾,肾\tLiver,Spleen,Kidney\t"
    "温经止血药\tChannel-Warming Hemostatic\tleaf\t\t\t\t\t\t\t0",
    "3\t藏菖蒲\tZangchangpu\tAcori Calami Rhizoma\t\t苦,辛,温,燥,锐\t\t胃,肝\t\t开窍药\t"
    "Resuscitative Medicinal\t\t\t\t\t\t\t\t0",
    "4\t炉甘石\tLuganshi\tCalamina\t\t甘,平\t\t肝,脾\t\t拔毒化腐生肌药\t"
    "External Medicinal (Draw Out Toxin, Resolve Putridity)\t\t\t\t\t\t\t\t0",
    "5\t撤回草\tChehuicao\tRevocati Herba\t\t苦,寒\t\t肝\t\t清热药\t\t\t\t\t\t\t\t\t1",
]
SMSY = (
    "Syndrome_id\tSyndrome_name\tSyndrome_English\tSyndrome_PinYin\tSyndrome_definition\t"
    "Version\tType\tSuppress\n"
)
SMSY_ROWS = [
    "1\t下元虚冷\tdeficiency-cold of kidney\tXia Yuan Xu Leng\t肾阳亏虚的证。\tv2\t"
    "Summarized terms\t0",
    "2\t中气下陷\tsinking of the middle qi\tZhong Qi Xia Xian\t脾气虚弱而下陷的证。\tv2\t"
    "Summarized terms\t0",
    "3\t实热\treplete heat\tShi Re\t实热的证。\tv2\tSummarized terms\t0",
    "4\t气阴两虚证\tdual deficiency of qi and yin\tQi Yin Liang Xu\t\tv2\tSummarized terms\t0",
]
SMTS = (
    "TCM_symptom_id\tTCM_symptom_name\tSymptom_pinYin\tSymptom_definition\tSymptom_locus\t"
    "Symptom_property\tType\tVersion\tSuppress\n"
)
SMTS_ROWS = [
    "1\t嗳气\tAi Qi\t胃中气体上出咽喉所发出的声响。\t胃肠\t胃气上逆\tOntological terms\tv1,v2\t0",
    "2\t\tKong\t\t\t\t\tv1\t0",
    "3\t白带淸稀\tBai Dai Qing Xi\t指阴道分泌物的减少\t子宫\t肾阳不足\t\tv1\t1",
]

SKOS = "http://www.w3.org/2004/02/skos/core#"
BIOLINK = "https://w3id.org/biolink/vocab/"
PROV = "http://www.w3.org/ns/prov#"


def write_tables(folder: Path) -> Path:
    """A SymMap folder holding the herb, syndrome and TCM symptom tables only."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("symmap_v2_SMHB.tsv", SMHB, SMHB_ROWS),
        ("symmap_v2_SMSY.tsv", SMSY, SMSY_ROWS),
        ("symmap_v2_SMTS.tsv", SMTS, SMTS_ROWS),
    ):
        (folder / name).write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def names(store: GraphStore, curie: str) -> set[str]:
    """Every label of a concept, in any graph."""
    result = store.select(
        f"SELECT ?n WHERE {{ GRAPH ?g {{ ?c <{SKOS}prefLabel>|<{SKOS}altLabel> ?n }} }}",
        {"c": node(curie)},
    )
    return {row[0].value for row in result.rows if row[0] is not None}


def is_a(store: GraphStore, curie: str, cls: str) -> bool:
    """Whether the store types ``curie`` as the ontology class ``cls``."""
    answer = store.query(
        "ASK { GRAPH ?g { ?c a ?k } }", {"c": node(curie), "k": NamedNode(term(cls))}
    )
    return answer is True


def claim_objects(store: GraphStore, herb: str, predicate: str) -> dict[str, str]:
    """Objects of a herb's theory claims of one predicate, each with its evidence's source."""
    result = store.select(
        f"""SELECT ?o ?src WHERE {{ GRAPH ?g {{
              ?c a <{term("TheoryClaim")}> ; <{BIOLINK}subject> ?h ; <{BIOLINK}predicate> ?p ;
                 <{BIOLINK}object> ?o ; <{term("hasEvidence")}> ?ev .
              ?ev <{PROV}wasDerivedFrom> ?src }} }}""",
        {"h": node(herb), "p": NamedNode(term(predicate))},
    )
    return {row[0].value: iri.contract(row[1].value) for row in result.rows if row[0] and row[1]}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[GraphStore, str]:
    """The small tables imported through the CLI into a store on disk; (store, CLI output)."""
    tmp = tmp_path_factory.mktemp("symmap-theory")
    folder = write_tables(tmp / "symmap")
    location = f"oxigraph:{tmp / 'store'}"
    result = runner.invoke(app, ["import", "symmap", str(folder), "--store", location])
    assert result.exit_code == 0, result.output
    store = open_store(location)
    return store, result.output


def test_syndromes_merge_with_the_seeds_by_name_or_are_new(
    imported: tuple[GraphStore, str],
) -> None:
    store, _ = imported
    seed = load_seed().theory
    assert seed is not None
    # 中气下陷 (without 证) and 气阴两虚证 name seed syndromes: SymMap's names join them.
    (zhong,) = seed.lookup("中气下陷证")
    assert {"中气下陷", "sinking of the middle qi"} <= names(store, zhong.id)
    (qi_yin,) = seed.lookup("气阴两虚证")
    assert "dual deficiency of qi and yin" in names(store, qi_yin.id)
    # A syndrome the seed lacks is a new concept keyed on its pinyin, with its definition.
    new = iri.syndrome_curie("xia yuan xu leng")
    assert is_a(store, new, "Syndrome")
    assert {"下元虚冷", "deficiency-cold of kidney", "xia yuan xu leng"} <= names(store, new)
    definition = store.select(
        f"SELECT ?d WHERE {{ GRAPH ?g {{ ?c <{SKOS}definition> ?d }} }}", {"c": node(new)}
    )
    assert [row[0].value for row in definition.rows if row[0]] == ["肾阳亏虚的证。"]
    # 实热 sounds like the seed's 湿热 (shi re): it must not take 湿热's id.
    (damp_heat,) = seed.lookup("湿热证")
    assert "实热" not in names(store, damp_heat.id)
    assert "实热" in names(store, iri.syndrome_curie("shi re symmap 3"))


def test_tcm_symptoms_are_concepts_and_withdrawn_rows_are_skipped(
    imported: tuple[GraphStore, str],
) -> None:
    store, output = imported
    belching = iri.tcm_symptom_curie("ai qi")
    assert is_a(store, belching, "TcmSymptom")
    assert {"嗳气", "ai qi"} <= names(store, belching)
    assert not names(store, iri.tcm_symptom_curie("bai dai qing xi"))
    # The row without a name is reported with its file and line.
    assert "symmap_v2_SMTS.tsv: line 3" in output and "no name" in output


def test_herb_properties_become_theory_claims_naming_the_herb_table(
    imported: tuple[GraphStore, str],
) -> None:
    store, _ = imported
    vocabulary = load_seed()
    (huangqi,) = vocabulary.find_herb("黄芪")
    source = THEORY_RECORD
    assert claim_objects(store, huangqi.id, "hasNature") == {term("NatureSlightlyWarm"): source}
    assert claim_objects(store, huangqi.id, "hasFlavour") == {term("FlavourSweet"): source}
    assert set(claim_objects(store, huangqi.id, "entersMeridian")) == {
        term("MeridianLung"),
        term("MeridianSpleen"),
    }
    seed = vocabulary.theory
    assert seed is not None
    (bu_qi,) = seed.lookup("补气")
    assert claim_objects(store, huangqi.id, "hasAction") == {iri.expand(bu_qi.id): source}
    # 有小毒 is a toxicity grade; 温经止血药 is a section of the seed's 止血 chapter.
    (aiye,) = vocabulary.find_herb("艾叶")
    assert set(claim_objects(store, aiye.id, "hasToxicityGrade")) == {term("ToxicitySlight")}
    (zhi_xue,) = seed.lookup("止血")
    assert set(claim_objects(store, aiye.id, "hasAction")) == {iri.expand(zhi_xue.id)}
    # A class the seed has no chapter for becomes an action category of its own.
    (luganshi,) = vocabulary.find_herb("炉甘石")
    (own,) = claim_objects(store, luganshi.id, "hasAction")
    own_curie = iri.contract(own)
    assert is_a(store, own_curie, "ActionCategory")
    assert "拔毒化腐生肌药" in names(store, own_curie)


def test_unknown_property_words_are_reported_and_the_rest_imported(
    imported: tuple[GraphStore, str],
) -> None:
    store, output = imported
    assert "symmap_v2_SMHB.tsv: line 4" in output
    assert "'燥'" in output and "'锐'" in output
    zang = iri.herb_curie("Acori Calami Rhizoma")
    assert set(claim_objects(store, zang, "hasFlavour")) == {
        term("FlavourBitter"),
        term("FlavourPungent"),
    }
    assert set(claim_objects(store, zang, "hasNature")) == {term("NatureWarm")}


def test_reimport_replaces_symmaps_graphs(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "symmap")
    store = open_store("memory:")
    import_symmap(folder, store, load_seed())
    count = store.count()
    assert count > 0
    import_symmap(folder, store, load_seed())
    assert store.count() == count
    # A herb dropped from the table loses its claims on the next import.
    (folder / "symmap_v2_SMHB.tsv").write_text(SMHB + SMHB_ROWS[0] + "\n", encoding="utf-8")
    import_symmap(folder, store, load_seed())
    graph = NamedNode(iri.graph_iri(THEORY_RECORD))
    aiye = load_seed().find_herb("艾叶")[0].id
    answer = store.query("ASK { GRAPH ?g { ?h ?p ?o } }", {"g": graph, "h": node(aiye)})
    assert answer is False


@pytest.mark.slow
def test_real_symmap_tables_bring_syndromes_symptoms_and_herb_properties() -> None:
    folder = shared_data("symmap_v2")
    shared_data("symmap_v2", "symmap_v2_SMSY.tsv")
    store = open_store("memory:")
    report = import_symmap(folder, store, load_seed())
    assert not report.failed
    counts = store.select(
        f"""SELECT ?k (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ ?c a ?k }}
              VALUES ?k {{ <{term("Syndrome")}> <{term("TcmSymptom")}> }} }} GROUP BY ?k"""
    )
    by_kind = {row[0].value: int(row[1].value) for row in counts.rows if row[0] and row[1]}
    assert by_kind[term("Syndrome")] >= 200
    assert by_kind[term("TcmSymptom")] >= 2000
    herbs = store.select(
        f"""SELECT (COUNT(DISTINCT ?h) AS ?n) WHERE {{ GRAPH ?g {{
              ?h <{term("hasNature")}> ?x }} }}""",
        {"g": NamedNode(iri.graph_iri(THEORY_RECORD))},
    )
    assert int(next(iter(herbs.rows))[0].value) >= 650
