"""Hospital preparations indicated for a disease within a TCM syndrome (病证结合).

The catalogue rows are written by the project for these tests (hospitals and names invented);
the indications are written as catalogues write them, in characters and in English.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from ingest.importers.preparations import import_preparations, read_indication, record_id_for
from ingest.problems import ProblemCode, Severity
from ingest.vocabulary import Vocabulary, load_seed
from kg import iri
from kg.store import GraphStore
from tests.ingest.test_preparations import objects

HEADER = "name_zh,name_pinyin,hospital,approval_number,dosage_form,composition,indications\n"
TREATS = "https://w3id.org/biolink/vocab/treats"
INDICATED_FOR = iri.term("indicatedFor")
DN = "MESH:D003928"  # Diabetic Nephropathies
QI_YIN = "TCMKG.SYNDROME:qi-yin-liang-xu"
QDBS = "TCMKG.SYNDROME:qi-xu-xue-yu"
SPLEEN_KIDNEY_YANG = "TCMKG.SYNDROME:pi-shen-yang-xu"


@pytest.fixture(scope="module")
def seed() -> Vocabulary:
    return load_seed()


def population(store: GraphStore, graph: str) -> set[str]:
    """The population syndromes of the evidence items in one graph."""
    rows = store.select(
        "SELECT ?s WHERE { GRAPH ?g { ?e ?p ?s } }",
        {"g": NamedNode(graph), "p": NamedNode(iri.term("populationSyndrome"))},
    )
    return {iri.contract(r["s"].value) for r in rows.dicts()}


def write(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("indication", "disease", "syndromes"),
    [
        ("用于气虚血瘀型糖尿病肾病", "糖尿病肾病", (QDBS,)),
        ("气阴两虚型糖尿病肾病", "糖尿病肾病", (QI_YIN,)),
        ("糖尿病肾病（气阴两虚证）", "糖尿病肾病", (QI_YIN,)),
        ("用于脾肾阳虚所致的慢性肾衰竭", "慢性肾衰竭", (SPLEEN_KIDNEY_YANG,)),
        ("气阴两虚证", "", (QI_YIN,)),
        (
            "diabetic nephropathy of qi deficiency and blood stasis type",
            "diabetic nephropathy",
            (QDBS,),
        ),
        ("qi–yin deficiency type diabetic nephropathy", "diabetic nephropathy", (QI_YIN,)),
        (
            "diabetic nephropathy with qi and yin deficiency syndrome",
            "diabetic nephropathy",
            (QI_YIN,),
        ),
        # no syndrome: disease names that hold 型 or "syndrome" are left whole
        ("2型糖尿病", "2型糖尿病", ()),
        ("Ⅱ型糖尿病", "Ⅱ型糖尿病", ()),
        ("nephrotic syndrome", "nephrotic syndrome", ()),
        ("type 2 diabetes", "type 2 diabetes", ()),
        ("用于冠心病", "冠心病", ()),
    ],
)
def test_indications_are_read_as_disease_and_syndrome(
    indication: str, disease: str, syndromes: tuple[str, ...]
) -> None:
    reading = read_indication(indication)
    assert (reading.disease, reading.syndromes, reading.unknown_syndrome) == (
        disease,
        syndromes,
        None,
    )


@pytest.mark.parametrize(
    ("indication", "unknown"),
    [
        ("气虚痰阻型糖尿病肾病", "气虚痰阻"),
        ("糖尿病肾病（脾虚痰阻证）", "脾虚痰阻"),
        (
            "diabetic nephropathy of qi deficiency and phlegm obstruction type",
            "qi deficiency and phlegm obstruction",
        ),
    ],
)
def test_a_syndrome_the_seed_does_not_know_is_not_read_in_part(
    indication: str, unknown: str
) -> None:
    # "气虚痰阻" holds 气虚, but is not 气虚: the whole syndrome must be known.
    reading = read_indication(indication)
    assert reading.syndromes == () and reading.unknown_syndrome == unknown
    assert reading.disease in {"糖尿病肾病", "diabetic nephropathy"}


def test_chinese_and_english_indications_carry_their_syndrome(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "syndromes.csv",
        "甲方,Jia Fang,证型医院,示例药制字Z1,颗粒剂,黄芪 30g；丹参 15g,用于气虚血瘀型糖尿病肾病",
        "乙方,Yi Fang,证型医院,示例药制字Z2,胶囊剂,黄芪 30g;地黄 12g,"
        "diabetic nephropathy of qi and yin deficiency type",
        "丙方,Bing Fang,证型医院,示例药制字Z3,丸剂,丹参 9g,糖尿病肾病",
    )
    report = import_preparations(path, memory_store, seed)
    assert not report.failed and not report.problems.errors, list(report.problems)
    jia = iri.preparation_curie("证型医院", "Jia Fang")
    yi = iri.preparation_curie("证型医院", "Yi Fang")
    bing = iri.preparation_curie("证型医院", "Bing Fang")
    # the disease part is resolved as any indication; the syndrome is a theory claim
    assert objects(memory_store, jia, TREATS) == {DN}
    assert objects(memory_store, jia, INDICATED_FOR) == {QDBS}
    assert objects(memory_store, yi, TREATS) == {DN}
    assert objects(memory_store, yi, INDICATED_FOR) == {QI_YIN}
    assert objects(memory_store, bing, TREATS) == {DN}
    assert objects(memory_store, bing, INDICATED_FOR) == set()
    # the treats evidence items name the population's syndrome, in the catalogue's graph
    graph = iri.graph_iri(record_id_for(path))
    assert population(memory_store, graph) == {QDBS, QI_YIN}
    rows = memory_store.select(
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"s": NamedNode(iri.expand(jia)), "p": NamedNode(INDICATED_FOR)},
    )
    assert {r["g"].value for r in rows.dicts()} == {graph}


def test_a_reimport_without_the_syndrome_removes_it(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.csv"
    row = "甲方,Jia Fang,证型医院,示例药制字Z1,颗粒剂,黄芪 30g,{}"
    write(path, row.format("气阴两虚型糖尿病肾病"))
    import_preparations(path, memory_store, seed)
    jia = iri.preparation_curie("证型医院", "Jia Fang")
    assert objects(memory_store, jia, INDICATED_FOR) == {QI_YIN}
    write(path, row.format("糖尿病肾病"))
    import_preparations(path, memory_store, seed)
    assert objects(memory_store, jia, INDICATED_FOR) == set()
    assert population(memory_store, iri.graph_iri(record_id_for(path))) == set()
    assert objects(memory_store, jia, TREATS) == {DN}


def test_an_indication_also_listed_without_a_syndrome_is_for_every_patient(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "both.csv",
        "甲方,Jia Fang,证型医院,示例药制字Z1,颗粒剂,黄芪 30g,气阴两虚型糖尿病肾病；糖尿病肾病",
    )
    import_preparations(path, memory_store, seed)
    jia = iri.preparation_curie("证型医院", "Jia Fang")
    assert objects(memory_store, jia, INDICATED_FOR) == {QI_YIN}
    assert population(memory_store, iri.graph_iri(record_id_for(path))) == set()


def test_an_unknown_syndrome_is_reported_and_the_indication_still_imported(
    memory_store: GraphStore, seed: Vocabulary, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "unknown.csv",
        "甲方,Jia Fang,证型医院,示例药制字Z1,颗粒剂,黄芪 30g,用于气虚痰阻型糖尿病肾病",
    )
    report = import_preparations(path, memory_store, seed)
    (problem,) = [p for p in report.problems if "气虚痰阻" in p.message]
    assert problem.code == ProblemCode.NAME_UNRESOLVED and problem.severity == Severity.WARNING
    assert problem.record.startswith("row 2") and str(path) in str(problem.file)
    assert "imported without it" in problem.message
    jia = iri.preparation_curie("证型医院", "Jia Fang")
    assert objects(memory_store, jia, TREATS) == {DN}
    assert objects(memory_store, jia, INDICATED_FOR) == set()
