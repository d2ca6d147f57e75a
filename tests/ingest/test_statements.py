"""Sentence roles: aims, background and traditional use are marked and weigh less than results."""

from __future__ import annotations

import dataclasses

import pytest

from ingest.document import Document
from ingest.extract import Extractor, extraction_bundle
from ingest.nlp.pipeline import build_pipeline, make_doc
from ingest.nlp.statements import heading_role
from kg.model import Direction, Predicate, StudyDesign
from kg.scoring_inputs import decode, encode, inputs_of
from queries.config import ScoringConfig, config_from_mapping
from queries.scoring import Evidence, evidence_weight

TITLE = "Berberine lowers fasting glucose in type 2 diabetes."
STRUCTURED = (
    f"{TITLE} ETHNOPHARMACOLOGICAL RELEVANCE: Coptis chinensis has been used in traditional "
    "Chinese medicine to treat diabetes. AIM OF THE STUDY: To evaluate whether berberine "
    "improves glycaemic control. MATERIALS AND METHODS: Patients received berberine for 12 "
    "weeks. RESULTS: Berberine significantly reduced fasting glucose compared with placebo "
    "(P<0.01). CONCLUSIONS: These results suggest that berberine lowers glucose."
)


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return build_pipeline(ner=False)


def roles(nlp, text: str, title_end: int | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    doc = nlp(make_doc(nlp, text, (), title_end))
    return list(doc._.tcm_statements)


def test_structured_abstract_sections_give_each_sentence_its_role(nlp) -> None:  # type: ignore[no-untyped-def]
    assert roles(nlp, STRUCTURED, len(TITLE)) == [
        "title",
        "traditional_use",
        "aim",
        "method",
        "result",
        "conclusion",
    ]


def test_cues_mark_aims_background_and_traditional_use_in_plain_abstracts(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The aim of this study was to investigate whether ginseng reduces fatigue. "
        "Ginkgo biloba has been reported to improve memory in older adults. "
        "Licorice root has been used in folk medicine for centuries against cough. "
        "Ginseng reduced fatigue scores in 40 patients. "
        "In conclusion, ginseng relieves fatigue."
    )
    assert roles(nlp, text) == ["aim", "background", "traditional_use", "result", "conclusion"]


def test_studies_conducted_to_evaluate_and_effects_investigated_are_aims(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The present study was conducted to evaluate the effect of ginkgo on platelets. "
        "In this study, we investigated the effects of berberine on insulin resistance. "
        "Berberine lowered insulin resistance in 30 rats."
    )
    assert roles(nlp, text) == ["aim", "aim", "result"]


def test_a_finding_is_a_result_even_when_it_cites_earlier_work(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "As previously reported, berberine significantly reduced HbA1c compared with "
        "placebo (P<0.05)."
    )
    assert roles(nlp, text) == ["result"]


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("BACKGROUND", "background"),
        ("Objective", "aim"),
        ("MATERIALS AND METHODS", "method"),
        ("Main outcome measures", "method"),
        ("FINDINGS", "result"),
        ("CONCLUSIONS AND RELEVANCE", "conclusion"),
        ("ETHNOPHARMACOLOGICAL RELEVANCE", "traditional_use"),
        ("Acknowledgements", None),
    ],
)
def test_heading_roles(label: str, role: str | None) -> None:
    assert heading_role(label) == role


def test_evidence_items_carry_the_role_and_an_aim_weighs_less_than_a_result() -> None:
    document = Document(
        id="PMID:1",
        title="Effects of ginseng on fatigue.",
        abstract=(
            "The aim of this study was to investigate whether ginseng reduces fatigue. "
            "Ginseng significantly reduced fatigue compared with placebo in 40 patients."
        ),
    )
    extraction = Extractor(ner=False).extract(document)
    bundle, _ = extraction_bundle(document, extraction)
    by_role = {
        item.statement: item
        for claim in bundle.claims
        if claim.predicate is Predicate.TREATS
        for item in claim.evidence
    }
    assert {"aim", "result"} <= set(by_role), by_role
    config = ScoringConfig()
    weights = {}
    for role, item in by_role.items():
        literal = decode(encode(inputs_of(item)))
        assert literal.statement == role  # the role survives the scoring literal
        weights[role] = evidence_weight(
            Evidence(
                evidence=f"urn:{role}",
                subject="s",
                predicate=Predicate.TREATS,
                object="o",
                **{f.name: getattr(literal, f.name) for f in dataclasses.fields(literal)},
            ),
            config,
        )
    assert weights["aim"] < weights["result"]


def test_statement_factors_are_a_setting() -> None:
    base = Evidence(
        evidence="urn:e",
        subject="s",
        predicate=Predicate.TREATS,
        object="o",
        source="PMID:1",
        design=StudyDesign.RCT,
        direction=Direction.BENEFIT,
        year=2020,
        statement="background",
    )
    default = evidence_weight(base, ScoringConfig())
    tuned = evidence_weight(base, config_from_mapping({"statement_factors": {"background": 1.0}}))
    assert default == pytest.approx(tuned * 0.5)
