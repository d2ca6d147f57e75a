"""TCM syndromes (证候) in abstracts and Chinese text, and the population syndromes of evidence.

Every sentence here is written by the project for these tests, in the style of trial abstracts
that state their population by disease and syndrome (病证结合); none is quoted from a paper.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode
from typer.testing import CliRunner

from ingest.document import Document
from ingest.extract import JSON_SCHEMA, Extraction, Extractor, extraction_bundle, extraction_json
from ingest.nlp.pipeline import build_pipeline, run
from ingest.nlp.syndromes import SyndromeMention, find_syndromes, recogniser
from kg import iri
from kg.model import RecordKind
from kg.store import open_store
from tcmkg.cli import app
from tests.ingest.test_extract import schema_errors

QI_YIN = "TCMKG.SYNDROME:qi-yin-liang-xu"
QDBS = "TCMKG.SYNDROME:qi-xu-xue-yu"
SPLEEN_KIDNEY_YANG = "TCMKG.SYNDROME:pi-shen-yang-xu"
LIVER_QI = "TCMKG.SYNDROME:gan-qi-yu-jie"
DAMP_HEAT = "TCMKG.SYNDROME:shi-re"
BLOOD_STASIS = "TCMKG.SYNDROME:xue-yu"
YANG = "TCMKG.SYNDROME:yang-xu"

# (sentence, the syndrome's text as found, its CURIE): one row per written form.
FORMS = [
    (
        "Sixty patients with diabetic nephropathy and qi-yin deficiency were randomised.",
        "qi-yin deficiency",
        QI_YIN,
    ),
    (
        "Eligible patients had type 2 diabetes with qi and yin deficiency.",
        "qi and yin deficiency",
        QI_YIN,
    ),
    (
        "Patients with early DN and deficiency of qi and yin received the granules for 12 weeks.",
        "deficiency of qi and yin",
        QI_YIN,
    ),
    (
        "Patients with deficiency of both qi and yin were enrolled.",
        "deficiency of both qi and yin",
        QI_YIN,
    ),
    (
        "A total of 120 patients with DN of qi–yin deficiency syndrome were enrolled.",
        "qi–yin deficiency syndrome",
        QI_YIN,
    ),
    (
        "Participants met the criteria of Qi-Yin Deficiency Pattern.",
        "Qi-Yin Deficiency Pattern",
        QI_YIN,
    ),
    ("Patients of the qi yin deficiency type were included.", "qi yin deficiency type", QI_YIN),
    (
        "Patients with Qi Deficiency and Blood Stasis were treated with Buyang Huanwu decoction.",
        "Qi Deficiency and Blood Stasis",
        QDBS,
    ),
    (
        "Eighty patients with heart failure of qi deficiency with blood stasis were included.",
        "qi deficiency with blood stasis",
        QDBS,
    ),
    (
        "The trial enrolled patients with CKD of spleen–kidney yang deficiency type.",
        "spleen–kidney yang deficiency type",
        SPLEEN_KIDNEY_YANG,
    ),
    (
        "Patients with spleen and kidney yang deficiency syndrome were randomised.",
        "spleen and kidney yang deficiency syndrome",
        SPLEEN_KIDNEY_YANG,
    ),
    (
        "Women with functional dyspepsia of Liver-Qi stagnation were randomised to two arms.",
        "Liver-Qi stagnation",
        LIVER_QI,
    ),
    (
        "Patients with ulcerative colitis of damp-heat pattern received the enema.",
        "damp-heat pattern",
        DAMP_HEAT,
    ),
    ("Patients with chronic hepatitis B and damp heat were enrolled.", "damp heat", DAMP_HEAT),
    (
        "The score of diabetic blood-stasis syndrome fell after treatment.",
        "blood-stasis syndrome",
        BLOOD_STASIS,
    ),
    (
        "In TCM, blood stasis is the main pattern of patients with stable angina.",
        "blood stasis",
        BLOOD_STASIS,
    ),
    ("纳入气阴两虚证糖尿病肾病患者60例。", "气阴两虚证", QI_YIN),
    ("选取气阴两虚型2型糖尿病患者。", "气阴两虚型", QI_YIN),
    ("气虚血瘀型糖尿病肾病患者随机分为两组。", "气虚血瘀型", QDBS),
    ("脾肾阳虚证慢性肾衰竭患者80例。", "脾肾阳虚证", SPLEEN_KIDNEY_YANG),
    ("观察肝郁气滞证功能性消化不良患者。", "肝郁气滞证", LIVER_QI),
    ("湿热证溃疡性结肠炎患者。", "湿热证", DAMP_HEAT),
]

# Sentences that name no syndrome, though some hold a word of one.
NEGATIVES = [
    "Heat stress raised serum cortisol in the rats.",
    "Venous stasis and blood stasis in the deep veins predispose to thrombosis.",
    "Stasis of bile was seen in two patients.",
    "Fluid retention occurred in three patients of the treatment group.",
    "The yin and yang of the immune response to ginseng extract.",
    "Dampness of the room was measured with a hygrometer.",
    "Qi was measured as the quantity index of the sample.",
    "Iron deficiency anaemia was corrected by oral iron.",
    "Lung heat transfer was modelled by the finite element method.",
    "The decoction activates blood circulation and removes blood stasis.",
    "Yiqi Yangyin granules tonify qi and nourish yin.",
    "清热利湿，活血化瘀。",
    "2型糖尿病患者120例。",
]


@pytest.mark.parametrize(("sentence", "surface", "curie"), FORMS)
def test_each_written_form_is_found_and_grounded(sentence: str, surface: str, curie: str) -> None:
    found = [(m.text, m.id) for m in find_syndromes(sentence)]
    assert found == [(surface, curie)]


@pytest.mark.parametrize("sentence", NEGATIVES)
def test_no_syndrome_where_none_is_named(sentence: str) -> None:
    assert find_syndromes(sentence) == []


def test_every_seed_syndrome_is_found_by_its_chinese_and_english_name() -> None:
    from ingest.vocabulary import load_seed
    from ingest.vocabulary.tcm_theory import ConceptKind

    theory = load_seed().theory
    assert theory is not None
    syndromes = theory.by_kind(ConceptKind.SYNDROME)
    assert len(syndromes) >= 118
    for concept in syndromes:
        chinese = concept.preferred("zh")
        assert chinese is not None
        assert [m.id for m in find_syndromes(f"纳入{chinese}患者。")] == [concept.id]
        # an English name needs a syndrome word after it when it is also a plain medical word
        assert [m.id for m in find_syndromes(f"Patients with {concept.label} syndrome.")] == [
            concept.id
        ], concept.label


def test_a_short_form_defined_for_a_syndrome_names_it_later() -> None:
    text = (
        "Qi deficiency and blood stasis (QDBS) is the commonest syndrome of ischaemic stroke. "
        "We enrolled 90 QDBS patients; the QDBS score fell by 30%."
    )
    found = find_syndromes(text)
    assert [(m.text, m.id, m.abbreviation) for m in found] == [
        ("Qi deficiency and blood stasis", QDBS, False),
        ("QDBS", QDBS, True),
        ("QDBS", QDBS, True),
    ]
    # a short form whose letters are not the syndrome's is no definition
    assert [m.text for m in find_syndromes("qi deficiency (QX) and QX patients")] == [
        "qi deficiency"
    ]


def test_a_syndrome_set_against_the_population_is_marked() -> None:
    found = find_syndromes("Unlike yang deficiency, qi-yin deficiency responded to the granules.")
    assert [(m.id, m.contrast) for m in found] == [(YANG, True), (QI_YIN, False)]
    (excluded,) = find_syndromes("Patients with yang deficiency syndrome were excluded.")
    assert excluded.contrast


def test_names_of_two_syndromes_are_left_out() -> None:
    # every kept name grounds to one syndrome
    names = recogniser().names
    assert len(names) > 1000
    assert names["qi yin deficiency"] == QI_YIN
    assert names["气虚血瘀"] == QDBS


# --- in the pipeline and in evidence items ------------------------------------------------

TITLE = "Yiqi Yangyin granules in diabetic nephropathy of qi–yin deficiency syndrome"
ABSTRACT = (
    "OBJECTIVE: To evaluate berberine in patients with diabetic nephropathy (DN) of qi-yin "
    "deficiency. "
    "METHODS: A total of 120 patients with DN of qi–yin deficiency syndrome were enrolled. "
    "RESULTS: Berberine reduced proteinuria in diabetic nephropathy. "
    "In the subgroup with qi deficiency and blood stasis, Huang Qi reduced diabetic nephropathy. "
    "Unlike yang deficiency, the qi-yin deficiency group responded."
)


def syndrome_document(doc_id: str = "TCMKG.DOC:syndrome-test") -> Document:
    return Document(
        id=doc_id,
        title=TITLE,
        abstract=ABSTRACT,
        year=2024,
        kind=RecordKind.DOCUMENT,
        trial_ids=(),
        source="test",
        record_index=1,
        illustrative=True,
    )


@pytest.fixture(scope="module")
def extraction() -> Iterator[Extraction]:
    yield Extractor(models=False).extract(syndrome_document())


def test_the_pipeline_keeps_syndromes_apart_from_the_entity_mentions() -> None:
    nlp = build_pipeline(models=False)
    doc = run(nlp, TITLE + " " + ABSTRACT, title_end=len(TITLE))
    found: list[SyndromeMention] = doc._.tcm_syndromes
    assert {m.id for m in found} == {QI_YIN, QDBS, YANG}
    syndrome_spans = {(m.start, m.end) for m in found}
    assert not any((m.start, m.end) in syndrome_spans for m in doc._.tcm_mentions)
    assert not any(
        str(c).startswith("TCMKG.SYNDROME") for m in doc._.tcm_mentions for c in m.curies
    )
    # the relations are those the pipeline reads with the syndrome component off
    nlp.get_pipe("tcm_syndromes").enabled = False
    plain = run(nlp, TITLE + " " + ABSTRACT, title_end=len(TITLE))
    assert plain._.tcm_syndromes == []
    assert plain._.tcm_relations == doc._.tcm_relations


def test_evidence_items_carry_the_population_syndromes(extraction: Extraction) -> None:
    assert extraction.population_syndromes == (QI_YIN,)
    bundle, _ = extraction_bundle(syndrome_document(), extraction)
    by_sentence = {
        item.sentence: item.population_syndromes for c in bundle.claims for item in c.evidence
    }
    # the document's population (title, aim, methods) …
    assert by_sentence["RESULTS: Berberine reduced proteinuria in diabetic nephropathy."] == (
        QI_YIN,
    )
    # … unless the evidence sentence names its own syndrome
    subgroup = next(s for s in by_sentence if s.startswith("In the subgroup"))
    assert by_sentence[subgroup] == (QDBS,)


def test_the_extract_json_lists_syndromes_and_the_population(extraction: Extraction) -> None:
    # What a held-out evaluation reads from `tcmkg extract`: every syndrome named, with its
    # offsets in the text, and the population's.
    out = extraction_json(extraction)
    assert schema_errors(out, JSON_SCHEMA) == []
    assert out["population_syndromes"] == [QI_YIN]
    named = {(m["id"], m["contrast"]) for m in out["syndromes"]}
    assert {(QI_YIN, False), (QDBS, False), (YANG, True)} <= named
    for m in out["syndromes"]:
        assert out["text"][m["start"] : m["end"]] == m["text"]


def test_a_document_without_a_syndrome_gives_none() -> None:
    document = Document(
        id="TCMKG.DOC:no-syndrome",
        title="Berberine in type 2 diabetes",
        abstract="Berberine reduced HbA1c in 60 patients with type 2 diabetes.",
        year=2024,
        kind=RecordKind.DOCUMENT,
        trial_ids=(),
        source="test",
        record_index=1,
        illustrative=True,
    )
    extraction = Extractor(models=False).extract(document)
    bundle, _ = extraction_bundle(document, extraction)
    assert extraction.population_syndromes == ()
    assert bundle.claims and all(
        item.population_syndromes == () for c in bundle.claims for item in c.evidence
    )


def test_background_syndromes_are_not_the_population() -> None:
    document = Document(
        id="TCMKG.DOC:background-syndrome",
        title="Berberine in type 2 diabetes",
        abstract=(
            "Damp-heat has been reported to be common in patients with type 2 diabetes. "
            "Berberine reduced HbA1c in 60 patients with type 2 diabetes."
        ),
        year=2024,
        kind=RecordKind.DOCUMENT,
        trial_ids=(),
        source="test",
        record_index=1,
        illustrative=True,
    )
    extraction = Extractor(models=False).extract(document)
    assert [m.id for m in extraction.syndromes] == [DAMP_HEAT]
    assert extraction.population_syndromes == ()


def test_tcmkg_ingest_writes_the_population_syndrome(tmp_path: Path) -> None:
    table = tmp_path / "docs.tsv"
    table.write_text(f"id\ttitle\tabstract\nsyn-1\t{TITLE}\t{ABSTRACT}\n", encoding="utf-8")
    location = f"oxigraph:{tmp_path / 'store'}"
    result = CliRunner().invoke(app, ["ingest", str(table), "--store", location])
    assert result.exit_code == 0, result.output
    store = open_store(location)
    try:
        rows = store.select(
            "SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?e ?p ?s } }",
            {"p": NamedNode(iri.term("populationSyndrome"))},
        )
        found = {(iri.contract(r["s"].value), r["g"].value) for r in rows.dicts()}
    finally:
        store.close()
    graph = iri.graph_iri("TCMKG.DOC:syn-1")
    assert (QI_YIN, graph) in found and (QDBS, graph) in found


def test_a_syndromes_words_are_no_disease_of_a_claim() -> None:
    # The recogniser reads "deficiency and blood stasis syndrome" as a disease; the text names
    # the syndrome, which the evidence carries as the population's.
    text = (
        "Conclusion Buyang Huanwu decoction is effective for ischemic stroke with qi deficiency "
        "and blood stasis syndrome."
    )
    doc = run(build_pipeline(), text)
    syndrome = doc._.tcm_syndromes[0]
    assert syndrome.id == QDBS
    mentions = doc._.tcm_mentions
    assert not [m for m in mentions if m.start < syndrome.end and syndrome.start < m.end]
    objects = {mentions[r.object].text for r in doc._.tcm_relations}
    assert objects == {"ischemic stroke"}
