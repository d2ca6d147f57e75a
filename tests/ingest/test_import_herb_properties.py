"""``tcmkg import herb-properties FILE``: herbs' nature, flavours and meridians as theory claims.

Small tables in the Pharmacopoeia table's own column layout are written by the tests; one test
reads the real table beside the development checkout and skips without it.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode
from typer.testing import CliRunner

from ingest.importers import import_herb_properties
from ingest.importers.herb_properties import record_id_for
from ingest.importers.report import ImportReport
from ingest.importers.symmap import read_symmap
from ingest.vocabulary import load_seed
from kg import iri
from kg.iri import term
from kg.store import GraphStore, open_store
from kg.writer import node
from tcmkg.cli import app
from tests.conftest import shared_data

runner = CliRunner()

HEADER = "Herb_cn_name\tHerb_name_pinyin\tProperty\tFlavor\tMeridian\n"
ROWS = [
    "黄芪\thuang qi\tmildly warm\tsweet\tlung,spleen",
    "黄芩\thuang qin\tcold\tbitter\tlargeintestine,gallbladder,lung,spleen,smallintestineothers",
    "无名草\twu ming cao\tcold\tbitter\tliver",
    "乌梅\twu mei\teven\tastringent,sour,smoky\tlargeintestine,lung,liver,spleen",
]
BIOLINK = "https://w3id.org/biolink/vocab/"
PROV = "http://www.w3.org/ns/prov#"


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


def herb(chinese: str) -> str:
    (found,) = load_seed().find_herb(chinese)
    return found.id


def test_cli_imports_nature_flavours_and_meridians_naming_the_table(tmp_path: Path) -> None:
    table = tmp_path / "herb_property_flavor_meridian.tsv"
    table.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    location = f"oxigraph:{tmp_path / 'store'}"
    result = runner.invoke(app, ["import", "herb-properties", str(table), "--store", location])
    assert result.exit_code == 0, result.output
    source = record_id_for(table)
    with open_store(location) as store:
        huangqi = herb("黄芪")
        assert claim_objects(store, huangqi, "hasNature") == {term("NatureSlightlyWarm"): source}
        assert claim_objects(store, huangqi, "hasFlavour") == {term("FlavourSweet"): source}
        assert set(claim_objects(store, huangqi, "entersMeridian")) == {
            term("MeridianLung"),
            term("MeridianSpleen"),
        }
        # "smallintestineothers": the table's run-together form of the small intestine.
        assert term("MeridianSmallIntestine") in claim_objects(
            store, herb("黄芩"), "entersMeridian"
        )
        # An unknown word is reported; the rest of the row is imported ("even" is neutral).
        wumei = herb("乌梅")
        assert set(claim_objects(store, wumei, "hasFlavour")) == {
            term("FlavourAstringent"),
            term("FlavourSour"),
        }
        assert set(claim_objects(store, wumei, "hasNature")) == {term("NatureNeutral")}
    assert "line 5" in result.output and "'smoky'" in result.output
    # A herb the vocabulary does not know is reported with its line and skipped.
    assert "line 4" in result.output and "无名草" in result.output


def test_reimport_replaces_the_tables_graph(tmp_path: Path) -> None:
    table = tmp_path / "properties.tsv"
    table.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    store = open_store("memory:")
    import_herb_properties(table, store, load_seed())
    count = store.count()
    import_herb_properties(table, store, load_seed())
    assert store.count() == count
    table.write_text(HEADER + ROWS[0] + "\n", encoding="utf-8")
    report = import_herb_properties(table, store, load_seed())
    assert report.entities == 1
    assert not claim_objects(store, herb("黄芩"), "hasNature")
    assert claim_objects(store, herb("黄芪"), "hasNature")


def test_a_table_without_its_columns_imports_nothing(tmp_path: Path) -> None:
    table = tmp_path / "bad.tsv"
    table.write_text("Herb_cn_name\tProperty\n黄芪\twarm\n", encoding="utf-8")
    location = f"oxigraph:{tmp_path / 'store'}"
    result = runner.invoke(app, ["import", "herb-properties", str(table), "--store", location])
    assert result.exit_code == 2
    assert "column.missing" in result.output and "flavor" in result.output


def test_real_table_gives_properties_of_400_herbs() -> None:
    table = shared_data("tcmnp_tcmsp", "herb_property_flavor_meridian.tsv")
    symmap = shared_data("symmap_v2", "symmap_v2_SMHB.tsv")
    vocabulary = load_seed()
    # SymMap's herb names first, as `--symmap` does: the seed alone holds about 330 of them.
    read_symmap(symmap.parent, vocabulary, ImportReport("symmap", ""), tables=(symmap.name,))
    store = open_store("memory:")
    report = import_herb_properties(table, store, vocabulary)
    assert not report.failed
    assert report.entities >= 400
    graph = NamedNode(iri.graph_iri(record_id_for(table)))
    for predicate, least in (("hasNature", 400), ("hasFlavour", 400), ("entersMeridian", 400)):
        result = store.select(
            "SELECT (COUNT(DISTINCT ?h) AS ?n) WHERE { GRAPH ?g { ?h ?p ?x } }",
            {"g": graph, "p": NamedNode(term(predicate))},
        )
        assert int(next(iter(result.rows))[0].value) >= least, predicate
