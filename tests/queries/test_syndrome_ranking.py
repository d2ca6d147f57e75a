"""Ranking for a disease within a TCM syndrome (病证结合), with hand-computed figures.

The graphs are small and written by the tests through the real writer into a real store: two
RCTs of one herb for diabetic nephropathy, one enrolling patients of the queried syndrome and
one of another; a formula classically indicated for the syndrome; a toxic herb inside a
formula. The syndromes, principles and grades are those of the shipped seed, written here by
hand so that each figure below can be computed from the documented factors.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

import ontologies
from ingest.vocabulary.tcm_theory import (
    SEED_FORMULA_SYNDROMES_SOURCE,
    SEED_HERB_ACTIONS_SOURCE,
    SEED_HERB_TOXICITY_SOURCE,
    Concept,
    ConceptKind,
    TheoryClaim,
    TheoryPredicate,
    claim_quads,
    concept_quads,
)
from kg import iri
from kg.iri import term
from kg.model import (
    AgentType,
    EntityKind,
    EvidenceItem,
    KnowledgeLevel,
    Label,
    Predicate,
    RecordKind,
    SourceRecord,
)
from kg.store import GraphStore, open_store
from kg.writer import record_quads
from queries.rank import CandidateKind, rank_candidates
from queries.traditional import UnknownSyndromeError, resolve_syndrome
from tests.queries.conftest import CONFIG, GraphBuilder
from tests.queries.test_rank_cli import run

DN = "MESH:D003928"
QI = "TCMKG.ACTION:bu-qi"
YIN = "TCMKG.ACTION:bu-yin"
BLOOD = "TCMKG.ACTION:huo-xue-hua-yu"
QI_DEF = "TCMKG.SYNDROME:qi-xu"
YIN_DEF = "TCMKG.SYNDROME:yin-xu"
QI_YIN = "TCMKG.SYNDROME:qi-yin-liang-xu"
DAMP_HEAT = "TCMKG.SYNDROME:shi-re"
HERB = "TCMKG.HERB:astragali-radix"
FORMULA = "TCMKG.FORMULA:sheng-mai-san"
TOXIC = "TCMKG.HERB:aconiti-lateralis-radix-praeparata"
TOXIC_FORMULA = "TCMKG.FORMULA:jin-gui-shen-qi-wan"


def _names(zh: str, pinyin: str, en: str, *more: str) -> tuple[Label, ...]:
    return (
        Label(zh, "zh", preferred=True),
        Label(pinyin, "zh-Latn-pinyin", preferred=True),
        Label(en, "en", preferred=True),
        *(Label(m, "en") for m in more),
    )


CONCEPTS = [
    Concept(QI, ConceptKind.ACTION, "tonify qi", _names("补气", "bu qi", "tonify qi")),
    Concept(YIN, ConceptKind.ACTION, "tonify yin", _names("补阴", "bu yin", "tonify yin")),
    Concept(BLOOD, ConceptKind.ACTION, "activate blood", _names("活血化瘀", "huo xue", "activate")),
    Concept(
        QI_DEF,
        ConceptKind.SYNDROME,
        "qi deficiency",
        _names("气虚证", "qi xu", "qi deficiency"),
        principle=(Label("补气", "zh"), Label("tonify qi", "en")),
        principle_actions=(QI,),
    ),
    Concept(
        YIN_DEF,
        ConceptKind.SYNDROME,
        "yin deficiency",
        _names("阴虚证", "yin xu", "yin deficiency"),
        principle_actions=(YIN,),
    ),
    Concept(
        QI_YIN,
        ConceptKind.SYNDROME,
        "qi and yin deficiency",
        _names("气阴两虚证", "qi yin liang xu", "qi and yin deficiency", "qi-yin deficiency"),
        broader=(QI_DEF, YIN_DEF),
        principle=(Label("益气养阴", "zh"), Label("tonify qi and nourish yin", "en")),
        principle_actions=(QI, YIN),
    ),
    Concept(
        DAMP_HEAT,
        ConceptKind.SYNDROME,
        "damp-heat",
        _names("湿热证", "shi re", "damp-heat"),
        principle_actions=(BLOOD,),
    ),
]


def _tables(graph: GraphBuilder, claims: list[TheoryClaim]) -> None:
    """Write the concepts, the ontology (scheme names) and the theory claims by source table."""
    store = graph.store
    store.load(ontologies.ontology_bytes(), RdfFormat.TURTLE, graph=iri.ONTOLOGY_GRAPH)
    vocabulary = iri.vocabulary_graph("theory-test")
    store.replace_graph(vocabulary, list(concept_quads(CONCEPTS, vocabulary)))
    for source in sorted({e.source for c in claims for e in c.evidence}):
        record = SourceRecord(source, RecordKind.TABLE, title=source)
        g = iri.graph_iri(source)
        quads = list(record_quads(record, g))
        for c in claims:
            if c.evidence[0].source == source:
                quads.extend(claim_quads(c, g, record))
        store.replace_graph(g, quads)


def _theory(subject: str, predicate: TheoryPredicate, obj: str, source: str) -> TheoryClaim:
    item = EvidenceItem(
        source=source,
        method="seed",
        agent_type=AgentType.MANUAL_AGENT,
        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
    )
    return TheoryClaim(subject, predicate, obj, (item,))


def _with_syndromes(graph: GraphBuilder, record: str, *syndromes: str) -> None:
    """Give the last claim of ``record`` a study population of ``syndromes``."""
    claim = graph.claims[record][-1]
    item = replace(claim.evidence[0], population_syndromes=syndromes)
    graph.claims[record][-1] = replace(claim, evidence=(item,))


@pytest.fixture
def syndrome_graph(graph: GraphBuilder) -> GraphBuilder:
    graph.entity(DN, EntityKind.DISEASE, "Diabetic nephropathies")
    graph.entity(HERB, EntityKind.HERB, "Astragali Radix")
    graph.claim("TCMKG.DOC:rct-qi-yin", HERB, Predicate.TREATS, DN, n=100)
    _with_syndromes(graph, "TCMKG.DOC:rct-qi-yin", QI_YIN)
    graph.claim("TCMKG.DOC:rct-damp-heat", HERB, Predicate.TREATS, DN, n=100)
    _with_syndromes(graph, "TCMKG.DOC:rct-damp-heat", DAMP_HEAT)
    graph.write()
    return graph


# One RCT of n = 100 in 2020, read in 2025: prior 0.8, size 0.5 + 0.5·(1 − e⁻¹), recency
# 0.7 + 0.3·e^(−ln2·5/15); curated (systematic error 0.01).
R = 0.8 * (0.5 + 0.5 * (1 - math.exp(-1))) * (0.7 + 0.3 * math.exp(-math.log(2) * 5 / 15))


def _belief(*weights: float) -> float:
    """Noisy-OR over independent units, each with systematic error 0.01."""
    wrong = 1.0
    for w in weights:
        wrong *= 0.01 + 0.99 * (1 - w)
    return 1 - wrong


def test_evidence_of_the_queried_syndrome_counts_fully_and_of_another_by_half(
    syndrome_graph: GraphBuilder,
) -> None:
    _tables(syndrome_graph, [])
    store = syndrome_graph.store
    (plain,) = rank_candidates(store, "Diabetic nephropathies", config=CONFIG)
    assert plain.clinical == pytest.approx(_belief(R, R))
    assert plain.traditional is None
    (row,) = rank_candidates(
        store, "Diabetic nephropathies", config=CONFIG, syndrome="qi-yin deficiency"
    )
    weights = {e.item.source: e.weight for e in row.evidence}
    assert weights["TCMKG.DOC:rct-qi-yin"] == pytest.approx(R)
    assert weights["TCMKG.DOC:rct-damp-heat"] == pytest.approx(0.5 * R)
    assert CONFIG.syndrome_other_factor == 0.5
    assert row.clinical == pytest.approx(_belief(R, 0.5 * R))
    matches = {e.item.source: (e.population.match.value, e.population.factor) for e in row.evidence}
    assert matches == {
        "TCMKG.DOC:rct-qi-yin": ("queried", 1.0),
        "TCMKG.DOC:rct-damp-heat": ("other", 0.5),
    }
    shown = row.to_json()["top_evidence"]
    names = {e["source"]: [s["zh"] for s in e["population"]["syndromes"]] for e in shown}
    assert names == {"TCMKG.DOC:rct-qi-yin": ["气阴两虚证"], "TCMKG.DOC:rct-damp-heat": ["湿热证"]}


def test_a_broader_syndrome_counts_the_related_factor_and_none_counts_fully(
    graph: GraphBuilder,
) -> None:
    graph.entity(DN, EntityKind.DISEASE, "Diabetic nephropathies")
    graph.entity(HERB, EntityKind.HERB, "Astragali Radix")
    graph.claim("TCMKG.DOC:rct-qi", HERB, Predicate.TREATS, DN, n=100)
    _with_syndromes(graph, "TCMKG.DOC:rct-qi", QI_DEF)
    graph.claim("TCMKG.DOC:rct-none", HERB, Predicate.TREATS, DN, n=100)
    graph.write()
    _tables(graph, [])
    (row,) = rank_candidates(graph.store, DN, config=CONFIG, syndrome="气阴两虚证")
    weights = {e.item.source: e.weight for e in row.evidence}
    assert weights == pytest.approx({"TCMKG.DOC:rct-qi": 0.75 * R, "TCMKG.DOC:rct-none": R})
    # Asked for the broader syndrome, the narrower population is the queried one.
    (row,) = rank_candidates(graph.store, DN, config=CONFIG, syndrome="qi deficiency")
    assert [e.weight for e in row.evidence] == pytest.approx([R, R])


def test_the_traditional_axis_of_a_formula_from_its_classical_indication(
    graph: GraphBuilder,
) -> None:
    graph.entity(DN, EntityKind.DISEASE, "Diabetic nephropathies")
    graph.entity(FORMULA, EntityKind.FORMULA, "Generate the Pulse Powder")
    graph.entity(HERB, EntityKind.HERB, "Astragali Radix")
    graph.claim("TCMKG.DOC:rct-f", FORMULA, Predicate.TREATS, DN, n=100)
    graph.claim("TCMKG.DOC:rct-h", HERB, Predicate.TREATS, DN, n=100)
    graph.write()
    _tables(
        graph,
        [
            _theory(FORMULA, TheoryPredicate.INDICATED_FOR, QI_YIN, SEED_FORMULA_SYNDROMES_SOURCE),
            _theory(HERB, TheoryPredicate.HAS_ACTION, QI, SEED_HERB_ACTIONS_SOURCE),
        ],
    )
    rows = {
        r.candidate.id: r
        for r in rank_candidates(
            graph.store, DN, CandidateKind.TCM, config=CONFIG, syndrome="qi yin liang xu"
        )
    }
    formula, herb = rows[FORMULA], rows[HERB]
    # Indicated for the syndrome: 1 − (1 − 1)·(…) = 1.
    assert formula.traditional == pytest.approx(1.0)
    detail = formula.traditional_detail
    assert detail is not None
    assert [c["zh"] for c in detail["indicated_for"]] == ["气阴两虚证"]
    assert detail["indicated_for"][0]["source"] == SEED_FORMULA_SYNDROMES_SOURCE
    # Not indicated; has one of the two actions 益气养阴 calls for: 0.5 × 1/2.
    assert herb.traditional == pytest.approx(CONFIG.traditional_action_weight * 0.5)
    assert herb.traditional_detail is not None
    assert [c["zh"] for c in herb.traditional_detail["matched_actions"]] == ["补气"]
    # The traditional axis is never folded into the score: the clinical blend alone.
    for row in (formula, herb):
        blend = CONFIG.clinical_weight * row.clinical + CONFIG.mechanistic_weight * row.mechanistic
        assert row.score == pytest.approx(blend)
    # Indicated for another syndrome only: no classical support for this one.
    (other,) = [
        r
        for r in rank_candidates(graph.store, DN, config=CONFIG, syndrome="damp-heat")
        if r.candidate.id == FORMULA
    ]
    assert other.traditional == 0.0


def test_a_toxic_herb_is_flagged_in_the_formula_that_contains_it(graph: GraphBuilder) -> None:
    graph.entity(DN, EntityKind.DISEASE, "Diabetic nephropathies")
    graph.entity(TOXIC_FORMULA, EntityKind.FORMULA, "Kidney Qi Pill")
    graph.entity(TOXIC, EntityKind.HERB, "prepared aconite lateral root")
    graph.claim("TCMKG.DOC:rct-f", TOXIC_FORMULA, Predicate.TREATS, DN, n=100)
    graph.claim("TCMKG.TABLE:composition", TOXIC_FORMULA, Predicate.HAS_PART, TOXIC)
    graph.write()
    grade = term("ToxicityToxic")
    _tables(
        graph,
        [_theory(TOXIC, TheoryPredicate.HAS_TOXICITY_GRADE, grade, SEED_HERB_TOXICITY_SOURCE)],
    )
    (row,) = rank_candidates(graph.store, DN, CandidateKind.FORMULA, config=CONFIG)
    (flag,) = row.grades
    assert (flag.herb, flag.via, flag.grade_zh, flag.grade_label, flag.source) == (
        TOXIC,
        TOXIC,
        "有毒",
        "toxic",
        SEED_HERB_TOXICITY_SOURCE,
    )
    # Shown, not scored: no harm evidence, so no safety belief and an unlowered score.
    assert row.safety == () and row.safety_belief == 0.0
    assert row.to_json()["toxicity_grades"][0]["herb"]["label"] == "prepared aconite lateral root"


def test_an_unknown_syndrome_is_refused_with_suggestions(syndrome_graph: GraphBuilder) -> None:
    _tables(syndrome_graph, [])
    store = syndrome_graph.store
    for typed in ("气阴两虚型", "Qi–Yin deficiency syndrome", "qi and yin deficiency pattern"):
        assert resolve_syndrome(store, typed).concept.id == QI_YIN, typed
    with pytest.raises(UnknownSyndromeError, match="did you mean: qi-yin deficiency") as err:
        rank_candidates(store, DN, config=CONFIG, syndrome="qi-yin defficiency")
    assert err.value.suggestions


def _toxic_formula_graph(graph: GraphBuilder) -> None:
    """A formula indicated for qi-yin deficiency with a toxic herb, two trials of two syndromes."""
    graph.entity(DN, EntityKind.DISEASE, "Diabetic nephropathies")
    graph.entity(TOXIC_FORMULA, EntityKind.FORMULA, "Kidney Qi Pill")
    graph.entity(TOXIC, EntityKind.HERB, "prepared aconite lateral root")
    graph.claim("TCMKG.DOC:rct-a", TOXIC_FORMULA, Predicate.TREATS, DN, n=100)
    _with_syndromes(graph, "TCMKG.DOC:rct-a", QI_YIN)
    graph.claim("TCMKG.DOC:rct-b", TOXIC_FORMULA, Predicate.TREATS, DN, n=60)
    _with_syndromes(graph, "TCMKG.DOC:rct-b", DAMP_HEAT)
    graph.claim("TCMKG.TABLE:composition", TOXIC_FORMULA, Predicate.HAS_PART, TOXIC)
    graph.write()
    grade = term("ToxicityToxic")
    _tables(
        graph,
        [
            _theory(TOXIC, TheoryPredicate.HAS_TOXICITY_GRADE, grade, SEED_HERB_TOXICITY_SOURCE),
            _theory(TOXIC, TheoryPredicate.HAS_ACTION, QI, SEED_HERB_ACTIONS_SOURCE),
            _theory(
                TOXIC_FORMULA, TheoryPredicate.INDICATED_FOR, QI_YIN, SEED_FORMULA_SYNDROMES_SOURCE
            ),
        ],
    )


@pytest.mark.virtuoso
def test_a_server_ranks_within_a_syndrome_exactly_like_the_embedded_store(
    virtuoso_store: GraphStore, memory_store: GraphStore
) -> None:
    _toxic_formula_graph(GraphBuilder(virtuoso_store))
    _toxic_formula_graph(GraphBuilder(memory_store))
    for syndrome in ("气阴两虚证", "damp-heat", None):
        remote = rank_candidates(virtuoso_store, DN, config=CONFIG, syndrome=syndrome)
        local = rank_candidates(memory_store, DN, config=CONFIG, syndrome=syndrome)
        assert [r.to_json() for r in remote] == [r.to_json() for r in local] and remote
    (row,) = rank_candidates(virtuoso_store, DN, config=CONFIG, syndrome="qi-yin deficiency")
    assert row.traditional == 1.0 and row.grades[0].grade_zh == "有毒"


def test_tcmkg_rank_within_a_syndrome(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    _toxic_formula_graph(GraphBuilder(store))
    store.close()
    base = ["rank", DN, "--store", location]
    table = run(*base, "--syndrome", "qi yin liang xu")
    assert table.returncode == 0, table.stderr
    text = " ".join(table.stdout.split())
    assert "within qi and yin deficiency (气阴两虚证)" in text and "traditional" in text
    assert "treatment principle: 益气养阴 tonify qi and nourish yin" in text
    assert "Pharmacopoeia 有毒 toxic: its herb prepared aconite lateral root" in text
    (row,) = csv.DictReader(io.StringIO(run(*base, "--syndrome", QI_YIN, "--format", "csv").stdout))
    assert row["traditional"] == "1"
    assert row["toxicity_grades"].startswith("Pharmacopoeia 有毒 toxic")
    (plain,) = csv.DictReader(io.StringIO(run(*base, "--format", "csv").stdout))
    assert plain["traditional"] == "" and plain["toxicity_grades"] == row["toxicity_grades"]
    unknown = run(*base, "--syndrome", "qi yin defficiency")
    assert unknown.returncode == 2
    assert "no syndrome named 'qi yin defficiency'" in " ".join(unknown.stderr.split())
