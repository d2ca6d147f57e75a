"""``tcmkg import preparations``: hospital catalogues, names resolved without guessing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from ingest.importers import IMPORTERS
from ingest.importers.preparations import (
    import_preparations,
    parse_composition,
    record_id_for,
)
from ingest.problems import ProblemCode
from ingest.vocabulary import Vocabulary, load_seed
from kg import iri
from kg.model import StudyDesign
from kg.store import GraphStore
from kg.terms import DESIGN_IRI

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "ingest" / "examples" / "preparations_catalogue.csv"
HEADER = "name_zh,name_pinyin,hospital,approval_number,dosage_form,composition,indications\n"
HAS_PART = "https://w3id.org/biolink/vocab/has_part"
TREATS = "https://w3id.org/biolink/vocab/treats"


@pytest.fixture(scope="module")
def seed() -> Vocabulary:
    return load_seed()


def objects(store: GraphStore, subject: str, predicate: str) -> set[str]:
    rows = store.select(
        "SELECT ?o WHERE { ?s ?p ?o }",
        {"s": NamedNode(iri.expand(subject)), "p": NamedNode(predicate)},
    )
    return {iri.contract(r["o"].value) for r in rows.dicts()}


def literal(store: GraphStore, subject: str, name: str) -> set[str]:
    rows = store.select(
        "SELECT ?o WHERE { ?s ?p ?o }",
        {"s": NamedNode(iri.expand(subject)), "p": NamedNode(iri.term(name))},
    )
    return {r["o"].value for r in rows.dicts() if isinstance(r["o"], Literal)}


def test_composition_cells_in_either_language() -> None:
    assert parse_composition("黄芪 30g；丹参15克、甘草，huang qi 2.5 g;大枣 4枚") == [
        ("黄芪", "30 g"),
        ("丹参", "15 g"),
        ("甘草", None),
        ("huang qi", "2.5 g"),
        ("大枣", "4 枚"),
    ]


def test_the_example_catalogue_imports_whole(memory_store: GraphStore, seed: Vocabulary) -> None:
    assert IMPORTERS["preparations"] is import_preparations
    report = import_preparations(EXAMPLE, memory_store, seed)
    assert not report.failed and not report.problems, list(report.problems)
    assert (report.rows, report.entities) == (4, 4)
    prep = iri.preparation_curie("示例中医医院", "Qi Dan Jiang Tang Keli")
    assert objects(memory_store, prep, HAS_PART) == {
        "TCMKG.HERB:astragali-radix",
        "TCMKG.HERB:salviae-miltiorrhizae-radix-et-rhizoma",
        "TCMKG.HERB:puerariae-lobatae-radix",
        "TCMKG.HERB:rehmanniae-radix",
        "TCMKG.HERB:glycyrrhizae-radix-et-rhizoma",
    }
    assert objects(memory_store, prep, TREATS) == {"MESH:D003924", "MESH:D003928"}
    assert literal(memory_store, prep, "approvalNumber") == {"示例药制字Z00000001"}
    assert literal(memory_store, prep, "hospital") == {"示例中医医院"}
    assert literal(memory_store, prep, "dosageForm") == {"颗粒剂"}
    # Stated indications are traditional-use evidence; doses ride on the composition edges.
    designs = memory_store.select(
        "SELECT DISTINCT ?d WHERE { ?e <https://w3id.org/tcmkg/ontology#studyDesign> ?d }"
    )
    assert [r["d"].value for r in designs.dicts()] == [DESIGN_IRI[StudyDesign.TRADITIONAL]]
    doses = memory_store.select(
        "SELECT ?dose WHERE { ?e <https://w3id.org/tcmkg/ontology#dose> ?dose }"
    )
    assert "30 g" in {r["dose"].value for r in doses.dicts()}
    # Pinyin ("huang qi") and Latin ("Astragali Radix") names resolve to the same herb.
    other = iri.preparation_curie("示例中西医结合医院", "Lian Zhu Tiao Tang Wan")
    assert "TCMKG.HERB:astragali-radix" in objects(memory_store, other, HAS_PART)
    # Re-importing replaces the catalogue's graph: nothing doubles.
    before = memory_store.count()
    import_preparations(EXAMPLE, memory_store, seed)
    assert memory_store.count() == before


def test_unknown_ambiguous_and_misspelled_herbs_are_reported_by_row(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(
        HEADER
        + "甲方,Jia Fang,测试医院,示例药制字Z1,颗粒剂,黄芪 30g；fangji 10g,2型糖尿病\n"
        + "乙方,Yi Fang,测试医院,示例药制字Z2,胶囊剂,Astragli Radix 10g；丹参 9g,冠心病\n"
        + "丙方,Bing Fang,测试医院,示例药制字Z3,丸剂,不存在草 5g,失眠\n"
        + "丁方,Ding Fang,测试医院,示例药制字Z4,合剂,甘草 6g,示例虚证\n",
        encoding="utf-8",
    )
    report = import_preparations(path, memory_store, seed)
    found = {(p.code, p.record.split(" (")[0]): p.message for p in report.problems}
    assert "TCMKG.HERB:stephaniae-tetrandrae-radix" in found[(ProblemCode.NAME_AMBIGUOUS, "row 2")]
    assert "TCMKG.HERB:aristolochiae-fangchi-radix" in found[(ProblemCode.NAME_AMBIGUOUS, "row 2")]
    misspelled = found[(ProblemCode.NAME_UNRESOLVED, "row 3")]
    assert "'Astragli Radix'" in misspelled and "did you mean" in misspelled
    assert "Radix Astragali" in misspelled
    assert "'不存在草'" in found[(ProblemCode.NAME_UNRESOLVED, "row 4")]
    assert "preparation skipped" in found[(ProblemCode.RECORD_INVALID, "row 4")]
    assert "示例虚证" in found[(ProblemCode.NAME_UNRESOLVED, "row 5")]  # new indication: warning
    # The rest is imported: three preparations, each with the herbs that resolved.
    assert report.entities == 3
    jia = iri.preparation_curie("测试医院", "Jia Fang")
    assert objects(memory_store, jia, HAS_PART) == {"TCMKG.HERB:astragali-radix"}
    ding = iri.preparation_curie("测试医院", "Ding Fang")
    assert objects(memory_store, ding, TREATS) == {iri.own_curie("TCMKG.DISEASE", "示例虚证")}


def test_xlsx_and_gb18030_catalogues(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["名称", "拼音", "医疗机构", "批准文号", "剂型", "处方组成", "适应症"])
    sheet.append(
        ["甲方", "Jia Fang", "表格医院", "示例药制字Z9", "颗粒剂", "黄芪 30g", "2型糖尿病"]
    )
    xlsx = tmp_path / "catalogue.xlsx"
    book.save(xlsx)
    assert import_preparations(xlsx, memory_store, seed).entities == 1
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + "乙方,Yi Fang,编码医院,Z8,丸剂,丹参 9g,冠心病\n").encode("gb18030"))
    report = import_preparations(gbk, memory_store, seed)
    assert report.entities == 1
    assert [p.code for p in report.problems] == [ProblemCode.ENCODING_INVALID]
    assert report.problems.errors == []


def test_broken_catalogues_fail_cleanly_and_write_nothing(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.csv"
    missing.write_text("name_zh,hospital\n甲方,医院\n", encoding="utf-8")
    report = import_preparations(missing, memory_store, seed)
    assert report.failed and "composition" in next(iter(report.problems)).message
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a zip file")
    report = import_preparations(fake, memory_store, seed)
    assert report.failed and next(iter(report.problems)).code == ProblemCode.FILE_UNREADABLE
    assert iri.graph_iri(record_id_for(fake)) not in memory_store.named_graphs()
    assert memory_store.count() == 0


def test_import_preparations_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tcmkg.cli import app

    path = tmp_path / "catalogue.csv"
    path.write_text(HEADER + "甲方,Jia Fang,测试医院,Z1,颗粒剂,黄芪 30g；mutong 3g,2型糖尿病\n")
    store = f"oxigraph:{tmp_path / 'store'}"
    result = CliRunner().invoke(app, ["import", "preparations", str(path), "--store", store])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert "row 2 (甲方)" in text and "'mutong' is ambiguous" in text
    assert "entities written" in text


def test_demo_shows_the_illustrative_catalogue_and_it_validates() -> None:
    from typer.testing import CliRunner

    from tcmkg.cli import app

    result = CliRunner().invoke(app, ["demo", "--store", "memory:", "--preparations"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "illustrative hospital catalogue: 4 preparations" in text
    assert "0 violation(s)" in text
