"""Ranking and explanations on small hand-built graphs in a real (in-memory) Oxigraph store."""

from __future__ import annotations

import math

import pytest

from kg.model import Direction, EntityKind, Label, Predicate, StudyDesign
from queries.explain import UnknownCandidateError, explain_candidate
from queries.indications import UnknownIndicationError, resolve_indication
from queries.mechanism import hub_factor
from queries.rank import CandidateKind, rank_candidates
from queries.scoring import Certainty
from tests.queries.conftest import CONFIG, GraphBuilder

DM = "MESH:D003920"  # diabetes mellitus
DN = "MESH:D003928"  # diabetic nephropathies (narrower)
T2 = "MESH:D003924"  # type 2 diabetes (narrower)


def diseases(g: GraphBuilder) -> None:
    g.entity(DM, EntityKind.DISEASE, "Diabetes mellitus", labels=(Label("糖尿病", "zh"),))
    g.entity(DN, EntityKind.DISEASE, "Diabetic nephropathies", broader=(DM,))
    g.entity(
        T2,
        EntityKind.DISEASE,
        "Diabetes Mellitus, Type 2",
        labels=(Label("type 2 diabetes", "en"),),
        broader=(DM,),
    )


def test_indication_covers_synonyms_and_narrower_terms(graph: GraphBuilder) -> None:
    diseases(graph)
    graph.write()
    wide = resolve_indication(graph.store, "Diabetes  Mellitus")
    assert set(wide.terms) == {DM, DN, T2}
    assert set(resolve_indication(graph.store, "糖尿病").terms) == {DM, DN, T2}
    assert set(resolve_indication(graph.store, "TYPE-2 diabetes").terms) == {T2}
    assert set(resolve_indication(graph.store, DN).terms) == {DN}
    with pytest.raises(UnknownIndicationError, match="no indication named 'gout'"):
        resolve_indication(graph.store, "gout")


def test_narrower_term_evidence_counts_for_the_broad_indication(graph: GraphBuilder) -> None:
    diseases(graph)
    herb = graph.entity("TCMKG.HERB:astragali-radix", EntityKind.HERB, "Astragali Radix")
    graph.claim("TCMKG.DOC:t-1", herb, Predicate.TREATS, DN, n=100)
    graph.write()
    rows = rank_candidates(graph.store, "diabetes mellitus", config=CONFIG)
    assert [r.candidate.id for r in rows] == [herb]
    r = 0.8 * (0.5 + 0.5 * (1 - math.exp(-1))) * (0.7 + 0.3 * math.exp(-math.log(2) * 5 / 15))
    assert rows[0].clinical == pytest.approx(1 - (0.01 + 0.99 * (1 - r)))
    assert rank_candidates(graph.store, "type 2 diabetes", config=CONFIG) == []


def test_drug_induced_harm_lowers_the_rank_and_is_shown(graph: GraphBuilder) -> None:
    diseases(graph)
    safe = graph.entity("TCMKG.HERB:a-safe", EntityKind.HERB, "Safe herb")
    toxic = graph.entity("TCMKG.HERB:b-toxic", EntityKind.HERB, "Toxic herb")
    aki = graph.entity("MESH:D058186", EntityKind.DISEASE, "Acute kidney injury")
    for herb in (safe, toxic):
        graph.claim(f"TCMKG.DOC:rct-{herb[-4:]}", herb, Predicate.TREATS, T2, n=200)
    graph.claim(
        "TCMKG.DOC:case-1",
        toxic,
        Predicate.CAUSES,
        aki,
        design=StudyDesign.CASE_REPORT,
        direction=Direction.HARM,
        n=1,
    )
    graph.write()
    rows = rank_candidates(graph.store, "diabetes mellitus", config=CONFIG)
    assert [r.candidate.id for r in rows] == [safe, toxic]
    assert rows[0].clinical == pytest.approx(rows[1].clinical)
    flag = rows[1].safety[0]
    assert (flag.kind, flag.object, flag.object_label) == ("toxicity", aki, "Acute kidney injury")
    assert rows[1].score == pytest.approx(rows[0].score * (1 - 0.5 * flag.belief))
    assert rows[0].safety == ()


def test_harm_to_the_indication_counts_against_the_candidate(graph: GraphBuilder) -> None:
    diseases(graph)
    herb = graph.entity("TCMKG.HERB:h", EntityKind.HERB, "Herb")
    graph.claim("TCMKG.DOC:1", herb, Predicate.TREATS, T2, n=200)
    graph.claim("TCMKG.DOC:2", herb, Predicate.TREATS, T2, direction=Direction.HARM, n=200)
    graph.write()
    (row,) = rank_candidates(graph.store, "diabetes mellitus", config=CONFIG)
    assert (row.supporting, row.contradicting) == (1, 1)
    alone = 0.01 + 0.99 * (1 - row.evidence[0].weight)
    assert row.clinical == pytest.approx((1 - alone) * alone)


def mechanism_graph(g: GraphBuilder, hub_degree: int) -> tuple[str, str, str]:
    diseases(g)
    specific_herb = g.entity("TCMKG.HERB:specific", EntityKind.HERB, "Specific herb")
    hub_herb = g.entity("TCMKG.HERB:hubby", EntityKind.HERB, "Hub herb")
    c1 = g.entity("PUBCHEM.COMPOUND:1", EntityKind.COMPOUND, "compound one")
    c2 = g.entity("PUBCHEM.COMPOUND:2", EntityKind.COMPOUND, "compound two")
    specific = g.entity("NCBIGene:100", EntityKind.TARGET, "SPECIFIC1")
    hub = g.entity("NCBIGene:7124", EntityKind.TARGET, "TNF")
    rec = "TCMKG.TABLE:test"
    lit = {"design": StudyDesign.IN_VITRO, "n": None}
    g.claim(rec, specific_herb, Predicate.CONTAINS, c1, design=StudyDesign.DATABASE)
    g.claim(rec, hub_herb, Predicate.CONTAINS, c2, design=StudyDesign.DATABASE)
    g.claim("TCMKG.DOC:m1", c1, Predicate.INHIBITS, specific, **lit)  # type: ignore[arg-type]
    g.claim("TCMKG.DOC:m2", c2, Predicate.INHIBITS, hub, **lit)  # type: ignore[arg-type]
    for i in range(hub_degree - 1):
        other = g.entity(f"PUBCHEM.COMPOUND:{1000 + i}", EntityKind.COMPOUND, f"other {i}")
        g.claim(rec, other, Predicate.INHIBITS, hub, design=StudyDesign.DATABASE)
    for target in (specific, hub):
        g.claim(rec, target, Predicate.ASSOCIATED_WITH, T2, design=StudyDesign.DATABASE)
    return specific_herb, hub_herb, hub


def test_hub_target_contributes_less_than_a_specific_one(graph: GraphBuilder) -> None:
    specific_herb, hub_herb, _ = mechanism_graph(graph, hub_degree=20)
    graph.write()
    rows = rank_candidates(graph.store, "diabetes mellitus", CandidateKind.HERB, config=CONFIG)
    by_id = {r.candidate.id: r for r in rows}
    assert [r.candidate.id for r in rows] == [specific_herb, hub_herb]
    # Both paths have the same edge beliefs; only the hub factor of TNF differs.
    ratio = by_id[hub_herb].mechanistic / by_id[specific_herb].mechanistic
    assert ratio == pytest.approx(hub_factor(20, CONFIG)) and ratio == pytest.approx(
        math.sqrt(5 / 20)
    )
    assert by_id[specific_herb].clinical == 0.0
    assert by_id[specific_herb].certainty is Certainty.VERY_LOW


def test_mechanistic_support_is_the_product_of_edge_beliefs(graph: GraphBuilder) -> None:
    specific_herb, _, _ = mechanism_graph(graph, hub_degree=1)
    graph.write()
    rows = rank_candidates(graph.store, DM, CandidateKind.HERB, config=CONFIG)
    rec = 0.7 + 0.3 * math.exp(-math.log(2) * 5 / 15)

    def belief(prior: float) -> float:
        return 1 - (0.01 + 0.99 * (1 - prior * 0.5 * rec))

    expected = belief(0.05) * belief(0.15) * belief(0.05)
    row = next(r for r in rows if r.candidate.id == specific_herb)
    assert row.mechanistic == pytest.approx(expected)
    assert row.score == pytest.approx(0.3 * expected)


def test_formula_keeps_its_own_clinical_evidence(graph: GraphBuilder) -> None:
    specific_herb, _, _ = mechanism_graph(graph, hub_degree=1)
    formula = graph.entity("TCMKG.FORMULA:test-wan", EntityKind.FORMULA, "Test Wan")
    graph.claim("TCMKG.TABLE:formulas", formula, Predicate.HAS_PART, specific_herb)
    graph.claim("TCMKG.DOC:rct-herb", specific_herb, Predicate.TREATS, T2, n=400)
    graph.write()
    rows = rank_candidates(graph.store, "diabetes mellitus", config=CONFIG)
    by_id = {r.candidate.id: r for r in rows}
    assert by_id[formula].clinical == 0.0 and by_id[specific_herb].clinical > 0.5
    herb_paths = by_id[specific_herb].mechanistic
    assert by_id[formula].mechanistic == pytest.approx(0.5 * herb_paths)
    only_formulas = rank_candidates(graph.store, DM, CandidateKind.FORMULA, config=CONFIG)
    assert [r.candidate.id for r in only_formulas] == [formula]


def test_min_certainty_and_top(graph: GraphBuilder) -> None:
    diseases(graph)
    strong = graph.entity("TCMKG.HERB:strong", EntityKind.HERB, "Strong")
    weak = graph.entity("TCMKG.HERB:weak", EntityKind.HERB, "Weak")
    for i in range(2):
        graph.claim(f"TCMKG.DOC:s{i}", strong, Predicate.TREATS, T2, n=300)
    graph.claim("TCMKG.DOC:w", weak, Predicate.TREATS, T2, design=StudyDesign.CASE_REPORT, n=1)
    graph.write()
    rows = rank_candidates(graph.store, DM, config=CONFIG)
    assert [r.certainty for r in rows] == [Certainty.HIGH, Certainty.VERY_LOW]
    high = rank_candidates(graph.store, DM, min_certainty=Certainty.MODERATE, config=CONFIG)
    assert [r.candidate.id for r in high] == [strong]
    assert len(rank_candidates(graph.store, DM, top=1, config=CONFIG)) == 1


def test_explain_lists_evidence_paths_and_what_counts_against(graph: GraphBuilder) -> None:
    specific_herb, _, _ = mechanism_graph(graph, hub_degree=3)
    graph.claim(
        "TCMKG.DOC:neg",
        specific_herb,
        Predicate.TREATS,
        T2,
        design=StudyDesign.COHORT,
        negated=True,
        n=500,
        sentence="Specific herb did not improve glycaemic control.",
    )
    graph.claim("TCMKG.DOC:pos", specific_herb, Predicate.TREATS, DN, n=120, year=2021)
    graph.write()
    exp = explain_candidate(graph.store, "specific herb", "diabetes mellitus", CONFIG)
    data = exp.to_json()
    assert data["candidate"] == {"id": specific_herb, "label": "Specific herb", "kind": "Herb"}
    assert [e["source"] for e in data["evidence"]] == ["TCMKG.DOC:pos", "TCMKG.DOC:neg"]
    neg = data["evidence"][1]
    assert neg["sentence"] == "Specific herb did not improve glycaemic control."
    assert (neg["design"], neg["sample_size"], neg["counts"]) == ("cohort", 500, "against")
    assert data["evidence"][0]["year"] == 2021
    assert [e["source"] for e in data["against"]["evidence"]] == ["TCMKG.DOC:neg"]
    (path,) = data["paths"]
    assert [n["label"] for n in path["nodes"]] == [
        "Specific herb",
        "compound one",
        "SPECIFIC1",
        "Diabetes Mellitus, Type 2",
    ]
    with pytest.raises(UnknownCandidateError, match="no herb"):
        explain_candidate(graph.store, "nothing", "diabetes mellitus", CONFIG)


def test_ambiguous_candidate_name_is_refused(graph: GraphBuilder) -> None:
    diseases(graph)
    graph.entity("TCMKG.HERB:aconiti-radix", EntityKind.HERB, "Fuzi")
    graph.entity("TCMKG.HERB:other-fuzi", EntityKind.HERB, "Fuzi")
    graph.write()
    with pytest.raises(UnknownCandidateError, match="ambiguous"):
        explain_candidate(graph.store, "fuzi", "diabetes mellitus", CONFIG)
