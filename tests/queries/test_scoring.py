"""Scoring formulas against numbers computed by hand from DESIGN §5 (docs/scoring.md)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from kg.model import AgentType, Direction, Predicate, StudyDesign
from queries.config import ScoringConfigError, load_config
from queries.scoring import (
    Certainty,
    Evidence,
    Polarity,
    certainty,
    claim_belief,
    evidence_weight,
    polarity,
)
from tests.queries.conftest import CONFIG


def item(
    source: str,
    design: StudyDesign = StudyDesign.RCT,
    direction: Direction = Direction.BENEFIT,
    n: int | None = None,
    year: int | None = 2025,
    **extra: object,
) -> Evidence:
    return Evidence(
        evidence=f"urn:ev:{source}:{design}:{direction}:{n}",
        subject="TCMKG.HERB:h",
        predicate=extra.pop("predicate", Predicate.TREATS),  # type: ignore[arg-type]
        object="MESH:D003920",
        source=source,
        design=design,
        direction=direction,
        sample_size=n,
        year=year,
        agent=extra.pop("agent", AgentType.MANUAL_AGENT),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def test_evidence_weight_is_prior_times_size_recency_and_confidence() -> None:
    e = item("PMID:1", n=200, year=2015, confidence=0.9)
    size = 0.5 + 0.5 * (1 - math.exp(-200 / 100))
    rec = 0.7 + 0.3 * math.exp(-math.log(2) * 10 / 15)
    assert evidence_weight(e, CONFIG) == pytest.approx(0.80 * size * rec * 0.9)


def test_unknown_size_gives_half_and_animal_studies_saturate_sooner() -> None:
    assert evidence_weight(item("PMID:1", n=None), CONFIG) == pytest.approx(0.80 * 0.5)
    rats = item("PMID:2", StudyDesign.ANIMAL, n=20)
    assert evidence_weight(rats, CONFIG) == pytest.approx(
        0.25 * (0.5 + 0.5 * (1 - math.exp(-20 / 10)))
    )


def test_two_rcts_and_one_null_cohort_give_the_formula_belief() -> None:
    rct1 = item("PMID:1", n=100)
    rct2 = item("PMID:2", n=300)
    cohort = item("PMID:3", StudyDesign.COHORT, Direction.NULL, n=1000)
    r1 = 0.8 * (0.5 + 0.5 * (1 - math.exp(-1)))
    r2 = 0.8 * (0.5 + 0.5 * (1 - math.exp(-3)))
    r3 = 0.55 * (0.5 + 0.5 * (1 - math.exp(-10)))
    s = 0.01  # curated by hand
    b_for = 1 - (s + (1 - s) * (1 - r1)) * (s + (1 - s) * (1 - r2))
    b_against = 1 - (s + (1 - s) * (1 - r3))
    got = claim_belief([rct1, rct2, cohort], CONFIG)
    assert got.b_for == pytest.approx(b_for)
    assert got.b_against == pytest.approx(b_against)
    assert got.belief == pytest.approx(b_for * (1 - b_against))
    assert got.consistency == pytest.approx((r1 + r2) / (r1 + r2 + r3))
    assert (got.units_for, got.units_against) == (2, 1)
    assert got.by_design == {"rct": 2, "cohort": 1}


def test_two_papers_about_one_trial_count_once() -> None:
    a = item("PMID:1", n=100, trials=("NCT:NCT01234567",))
    b = item("PMID:2", n=100, trials=("NCT:NCT01234567",))
    r = 0.8 * (0.5 + 0.5 * (1 - math.exp(-1)))
    s = 0.01
    one_unit = 1 - (s + (1 - s) * (1 - r) * (1 - r))
    got = claim_belief([a, b], CONFIG)
    assert got.units_for == 1
    assert got.belief == pytest.approx(one_unit)
    two_units = claim_belief([a, item("PMID:2", n=100)], CONFIG)
    assert two_units.units_for == 2 and two_units.belief > got.belief


def test_systematic_error_depends_on_how_evidence_was_obtained() -> None:
    r = 0.8 * 0.5
    for agent, s in [
        (AgentType.MANUAL_AGENT, 0.01),
        (AgentType.NOT_PROVIDED, 0.05),
        (AgentType.TEXT_MINING_AGENT, 0.10),
    ]:
        got = claim_belief([item("PMID:1", agent=agent)], CONFIG)
        assert got.belief == pytest.approx(1 - (s + (1 - s) * (1 - r)))


def test_negated_benefit_and_harm_count_against_treatment_but_for_toxicity() -> None:
    assert polarity(item("PMID:1", negated=True)) is Polarity.AGAINST
    assert polarity(item("PMID:1", direction=Direction.HARM)) is Polarity.AGAINST
    assert polarity(item("PMID:1", direction=Direction.NULL)) is Polarity.AGAINST
    toxic = item("PMID:1", direction=Direction.HARM, predicate=Predicate.CAUSES)
    assert polarity(toxic) is Polarity.FOR
    assert polarity(item("PMID:1", negated=True, predicate=Predicate.CAUSES)) is Polarity.AGAINST


def test_certainty_grades() -> None:
    big = [item(f"PMID:{i}", n=300) for i in range(2)]
    assert certainty(big, CONFIG) is Certainty.HIGH
    # One small trial: imprecise, one level down.
    assert certainty([item("PMID:1", n=60)], CONFIG) is Certainty.MODERATE
    # Observational start Low; inconsistent evidence goes down to Very low.
    obs = [
        item("PMID:1", StudyDesign.COHORT, n=500),
        item("PMID:2", StudyDesign.COHORT, Direction.NULL, n=500),
    ]
    assert certainty(obs, CONFIG) is Certainty.VERY_LOW
    # Animal studies alone say nothing certain about people.
    assert certainty([item("PMID:1", StudyDesign.ANIMAL, n=50)], CONFIG) is Certainty.VERY_LOW
    assert Certainty.parse("very-low") is Certainty.VERY_LOW
    with pytest.raises(ValueError, match="unknown certainty"):
        Certainty.parse("excellent")


def test_config_file_overrides_and_refuses_unknown_keys(tmp_path: Path) -> None:
    good = tmp_path / "scoring.toml"
    good.write_text("reference_year = 2030\n[design_prior]\nrct = 0.7\n", encoding="utf-8")
    config = load_config(good)
    assert config.reference_year == 2030 and config.prior("rct") == 0.7
    assert config.prior("meta_analysis") == 0.9
    assert evidence_weight(item("PMID:1", year=2030), config) == pytest.approx(0.7 * 0.5)
    bad = tmp_path / "typo.toml"
    bad.write_text("clinical_wieght = 1\n", encoding="utf-8")
    with pytest.raises(ScoringConfigError, match=r"typo\.toml.*clinical_wieght"):
        load_config(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[design_prior\n", encoding="utf-8")
    with pytest.raises(ScoringConfigError, match="not valid TOML"):
        load_config(broken)
    negative = tmp_path / "neg.toml"
    negative.write_text("[design_prior]\nrct = -1\n", encoding="utf-8")
    with pytest.raises(ScoringConfigError, match=r"design_prior\.rct"):
        load_config(negative)
