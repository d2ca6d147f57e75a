"""``tcmkg import preparations``: hospital catalogues, names resolved without guessing."""

from __future__ import annotations

import hashlib
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
from kg.store import GraphStore, open_store
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
    assert (report.rows, report.entities) == (5, 5)
    # The hospital, named in characters, is keyed on its pinyin column and a digest.
    prep = "TCMKG.PREP:shili-zhongyi-yiyuan-ff7301fe--qi-dan-jiang-tang-keli"
    assert prep == iri.preparation_curie(
        "示例中医医院", "Qi Dan Jiang Tang Keli", "Shili Zhongyi Yiyuan"
    )
    assert objects(memory_store, prep, HAS_PART) == {
        "TCMKG.HERB:astragali-radix",
        "TCMKG.HERB:salviae-miltiorrhizae-radix-et-rhizoma",
        "TCMKG.HERB:puerariae-lobatae-radix",
        "TCMKG.HERB:rehmanniae-radix",
        "TCMKG.HERB:glycyrrhizae-radix-et-rhizoma",
    }
    assert objects(memory_store, prep, TREATS) == {"MESH:D003924", "MESH:D003928"}
    assert literal(memory_store, prep, "approvalNumber") == {"示例药制字Z00000001"}
    # 用于气虚血瘀型糖尿病肾病: the disease, with the syndrome the preparation is indicated for.
    qi_zhi = iri.preparation_curie(
        "示例中医医院", "Qi Zhi Yi Shen Jiaonang", "Shili Zhongyi Yiyuan"
    )
    assert objects(memory_store, qi_zhi, TREATS) == {"MESH:D003928"}
    assert objects(memory_store, qi_zhi, iri.term("indicatedFor")) == {
        "TCMKG.SYNDROME:qi-xu-xue-yu"
    }
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
    other = iri.preparation_curie(
        "示例中西医结合医院", "Lian Zhu Tiao Tang Wan", "Shili Zhongxiyi Jiehe Yiyuan"
    )
    assert other.startswith("TCMKG.PREP:shili-zhongxiyi-jiehe-yiyuan-")
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
    assert "illustrative hospital catalogue: 5 preparations" in text
    assert "0 violation(s)" in text


# Texts below are written for these tests: illustrative, not real studies; their ids are the
# project's own (TCMKG.DOC:), never PMIDs.
ENGLISH_ABSTRACT = (
    "METHODS: In this randomised controlled trial, 120 patients with diabetic retinopathy "
    "received Qi Dan Glucose-Lowering Granules or placebo for 24 weeks. RESULTS: Qi Dan "
    "Glucose-Lowering Granules improved diabetic retinopathy compared with placebo. "
    "Illustrative abstract written for a tcmkg test; not a real study, its figures are invented."
)
CLAIM_SOURCES = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?source WHERE {
  ?claim biolink:subject ?subject ; biolink:predicate biolink:treats ; biolink:object ?object ;
         tcm:hasEvidence ?evidence .
  ?evidence prov:wasDerivedFrom ?source .
}
"""


def labels(store: GraphStore, subject: str) -> set[tuple[str, str | None]]:
    """(text, language) of every skos:prefLabel of an entity."""
    rows = store.select(
        "SELECT ?o WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?o }",
        {"s": NamedNode(iri.expand(subject))},
    )
    return {(r["o"].value, r["o"].language) for r in rows.dicts() if isinstance(r["o"], Literal)}


def test_a_paper_naming_a_preparation_in_english_gives_it_a_claim(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tcmkg.cli import app

    runner = CliRunner()
    location = f"oxigraph:{tmp_path / 'store'}"
    done = runner.invoke(app, ["import", "preparations", str(EXAMPLE), "--store", location])
    assert done.exit_code == 0, done.output
    corpus = tmp_path / "papers.tsv"
    corpus.write_text(
        "id\tyear\ttitle\tabstract\n"
        "prep-en-001\t2023\t[Illustrative, not a real study] Qi Dan Glucose-Lowering Granules"
        f" in diabetic retinopathy\t{ENGLISH_ABSTRACT}\n",
        encoding="utf-8",
    )
    done = runner.invoke(app, ["ingest", str(corpus), "--store", location])
    assert done.exit_code == 0, done.output
    prep = iri.preparation_curie("示例中医医院", "Qi Dan Jiang Tang Keli", "Shili Zhongyi Yiyuan")
    with open_store(location) as store:
        assert ("Qi Dan Glucose-Lowering Granules", "en") in labels(store, prep)
        rows = store.select(
            CLAIM_SOURCES,
            {
                "subject": NamedNode(iri.expand(prep)),
                "object": NamedNode(iri.expand("MESH:D003930")),  # diabetic retinopathy
            },
        )
        sources = {iri.contract(r["source"].value) for r in rows.dicts()}
    assert sources == {"TCMKG.DOC:prep-en-001"}


def test_rows_with_and_without_an_english_name(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(
        "名称,拼音,英文名,医疗机构,医疗机构拼音,处方组成\n"
        "甲方,Jia Fang,Jia Fang Granules,测试医院,Ceshi Yiyuan,黄芪 30g\n"
        "乙方,Yi Fang,,测试医院,Ceshi Yiyuan,丹参 9g\n"
        ",,Bing Formula Pills,测试医院,Ceshi Yiyuan,甘草 6g\n",
        encoding="utf-8",
    )
    report = import_preparations(path, memory_store, seed)
    assert not report.problems, list(report.problems)
    assert report.entities == 3
    jia = iri.preparation_curie("测试医院", "Jia Fang", "Ceshi Yiyuan")
    assert labels(memory_store, jia) == {
        ("甲方", "zh"),
        ("jia fang", "zh-latn-pinyin"),
        ("Jia Fang Granules", "en"),
    }
    yi = iri.preparation_curie("测试医院", "Yi Fang", "Ceshi Yiyuan")
    assert labels(memory_store, yi) == {("乙方", "zh"), ("yi fang", "zh-latn-pinyin")}
    # A preparation the catalogue names in English only is keyed and labelled on that name.
    bing = iri.preparation_curie("测试医院", "Bing Formula Pills", "Ceshi Yiyuan")
    assert bing.endswith("--bing-formula-pills")
    assert labels(memory_store, bing) == {("Bing Formula Pills", "en")}


def test_a_hospital_named_in_characters_gets_a_readable_id(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(
        "name_zh,name_pinyin,hospital,hospital_pinyin,hospital_en,composition\n"
        "甲方,Jia Fang,测试医院,Cèshì Yīyuàn,Test Hospital,黄芪 30g\n"
        "甲方,Jia Fang,英文医院,,Example English Hospital,黄芪 30g\n"
        "甲方,Jia Fang,无拼音医院,,,黄芪 30g\n",
        encoding="utf-8",
    )
    report = import_preparations(path, memory_store, seed)
    assert not report.problems, list(report.problems)
    ids = {
        r["s"].value
        for r in memory_store.select(
            "SELECT DISTINCT ?s WHERE { ?s a ?cls }",
            {"cls": NamedNode(iri.term("HospitalPreparation"))},
        ).dicts()
    }
    keys = sorted(iri.contract(i).removeprefix("TCMKG.PREP:") for i in ids)
    # Pinyin first (tone marks dropped), else the English name, each with a digest of the
    # characters; a hospital with neither keeps the digest alone.
    assert [k.split("--")[1] for k in keys] == ["jia-fang"] * 3
    hospitals = [k.split("--")[0] for k in keys]
    assert hospitals[0] == "ceshi-yiyuan-" + hashlib.sha1("测试医院".encode()).hexdigest()[:8]
    assert hospitals[1] == (
        "example-english-hospital-" + hashlib.sha1("英文医院".encode()).hexdigest()[:8]
    )
    assert hospitals[2] == "u" + hashlib.sha1("无拼音医院".encode()).hexdigest()[:16]
    # A hospital already named in Latin letters keeps its plain key, whatever the columns say.
    assert iri.preparation_curie("Example Hospital", "Jia Fang", "Shili Yiyuan") == (
        "TCMKG.PREP:example-hospital--jia-fang"
    )


def test_hospitals_whose_pinyin_collides_stay_apart(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    # 中医医院 and 中一医院 are both "Zhongyi Yiyuan" once tones are dropped.
    path = tmp_path / "catalogue.csv"
    path.write_text(
        "name_zh,name_pinyin,hospital,hospital_pinyin,composition,indications\n"
        "甲方,Jia Fang,中医医院,Zhongyi Yiyuan,黄芪 30g,2型糖尿病\n"
        "甲方,Jia Fang,中一医院,Zhōngyī Yīyuàn,丹参 9g,冠心病\n",
        encoding="utf-8",
    )
    report = import_preparations(path, memory_store, seed)
    assert not report.problems, list(report.problems)
    assert report.entities == 2
    first = iri.preparation_curie("中医医院", "Jia Fang", "Zhongyi Yiyuan")
    second = iri.preparation_curie("中一医院", "Jia Fang", "Zhōngyī Yīyuàn")
    assert first != second
    assert first.startswith("TCMKG.PREP:zhongyi-yiyuan-")
    assert second.startswith("TCMKG.PREP:zhongyi-yiyuan-")
    assert literal(memory_store, first, "hospital") == {"中医医院"}
    assert literal(memory_store, second, "hospital") == {"中一医院"}
    assert objects(memory_store, first, HAS_PART) == {"TCMKG.HERB:astragali-radix"}
    assert objects(memory_store, second, HAS_PART) == {
        "TCMKG.HERB:salviae-miltiorrhizae-radix-et-rhizoma"
    }


def test_romanisations_that_cannot_key_an_id_are_reported(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(
        "name_zh,name_pinyin,hospital,hospital_pinyin,composition\n"
        "甲方,Jia Fang,测试医院,测试医院,黄芪 30g\n"
        "乙方,Yi Fang,示例医院,Shili Yiyuan,丹参 9g\n"
        "丙方,Bing Fang,示例医院,,甘草 6g\n",
        encoding="utf-8",
    )
    report = import_preparations(path, memory_store, seed)
    assert report.entities == 3 and report.problems.errors == []
    found = {p.record.split(" (")[0]: p for p in report.problems}
    assert found["row 2"].code == ProblemCode.FIELD_INVALID
    assert "hospital_pinyin '测试医院' is not a name in Latin letters" in found["row 2"].message
    assert found["row 4"].code == ProblemCode.FIELD_INVALID
    assert "'示例医院' is not romanised here but otherwise in row 3" in found["row 4"].message
    # The row whose pinyin is in characters falls back to the digest key.
    jia = iri.preparation_curie("测试医院", "Jia Fang")
    assert jia.startswith("TCMKG.PREP:u")
    assert objects(memory_store, jia, HAS_PART) == {"TCMKG.HERB:astragali-radix"}


def test_romanising_a_hospital_later_replaces_the_catalogue_ids(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    # The same catalogue file, first without the hospital's pinyin (ids keyed on a digest, as
    # stores built by earlier releases hold them), then with it.
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    column = lines[header].split(",").index("hospital_pinyin")

    def without_pinyin(line: str) -> str:
        cells = line.split(",")
        return ",".join(cells[:column] + cells[column + 1 :])

    path = tmp_path / EXAMPLE.name
    path.write_text(
        "".join(lines[:header] + [without_pinyin(line) for line in lines[header:]]),
        encoding="utf-8",
    )
    import_preparations(path, memory_store, seed)
    old = iri.preparation_curie("示例中医医院", "Qi Dan Jiang Tang Keli")
    assert old == "TCMKG.PREP:uff7301fe8718af3a--qi-dan-jiang-tang-keli"
    assert literal(memory_store, old, "hospital") == {"示例中医医院"}

    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    import_preparations(path, memory_store, seed)
    after = memory_store.count()
    new = iri.preparation_curie("示例中医医院", "Qi Dan Jiang Tang Keli", "Shili Zhongyi Yiyuan")
    # The catalogue's record and vocabulary graphs are replaced whole: no old id is left.
    assert literal(memory_store, new, "hospital") == {"示例中医医院"}
    assert not memory_store.select(
        "SELECT ?p WHERE { ?s ?p ?o }", {"s": NamedNode(iri.expand(old))}
    ).rows
    assert not memory_store.select(
        "SELECT ?s WHERE { ?s ?p ?o }", {"o": NamedNode(iri.expand(old))}
    ).rows
    # Importing the same catalogue again changes nothing, and the store holds what a fresh
    # import writes.
    import_preparations(path, memory_store, seed)
    assert memory_store.count() == after
    with open_store("memory:") as fresh:
        import_preparations(path, fresh, seed)
        assert fresh.count() == after
