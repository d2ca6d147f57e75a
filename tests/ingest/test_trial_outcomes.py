"""Outcome measures of trial result sentences: the phrases no vocabulary names ("the total
effective rate", "waist-to-hip ratio"), read by ``tcm_effect`` in the real pipeline.

Sentences with a PMID are quoted from that abstract; those marked "written in the style of a
TCM trial report" are written for these tests and taken from no paper.
"""

from __future__ import annotations

import pytest

from ingest.document import Document
from ingest.extract import Extraction, Extractor
from ingest.nlp.effect import phrase_features
from ingest.nlp.outcomes import outcome_phrases
from kg.iri import is_ungrounded
from kg.model import EntityKind


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _extract(extractor: Extractor, sentence: str) -> Extraction:
    return extractor.extract(Document(id="TCMKG.DOC:outcome-test", title=sentence, abstract=""))


def _relations(extraction: Extraction) -> set[tuple[str, str, str, str]]:
    m = extraction.mentions
    return {
        (m[r.subject].text, r.predicate.value, m[r.object].text, r.direction.value)
        for r in extraction.relations
    }


def _phrases(sentence: str) -> list[str]:
    return [sentence[s:e] for s, e in outcome_phrases(sentence, 0, len(sentence))]


# --- the phrases --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        # PMID 20064151
        (
            "Marrow response rates and duration were improved with azacitidine + etanercept "
            "compared to azacitidine alone.",
            "Marrow response rates",
        ),
        # PMID 28111973
        (
            "Results obtained demonstrated significant reductions in the incidence of "
            "micronucleated polychromatic erythrocytes in the bone marrow of mice.",
            "incidence of micronucleated polychromatic erythrocytes",
        ),
        # written in the style of a TCM trial report
        (
            "Compared with the control group, the TCM syndrome scores of the Jinlida group "
            "decreased significantly after treatment (P<0.01).",
            "TCM syndrome scores",
        ),
    ],
)
def test_a_measure_is_read_with_its_qualifiers(sentence: str, phrase: str) -> None:
    assert phrase in _phrases(sentence)


def test_a_phrase_that_runs_on_is_no_measure() -> None:
    # PMID 23179953: "myocardial risk" is part of "myocardial risk areas", a place, not a risk
    sentence = (
        "Berberine treatment significantly decreased AMPK protein concentration, and the ratio "
        "of ADP/ATP and AMP/ATP in the myocardial risk areas."
    )
    assert not any("risk" in p for p in _phrases(sentence))


def test_a_drug_level_is_no_health_outcome() -> None:
    # PMID 23952676: pharmacokinetic measures of carbamazepine with Nigella sativa
    sentence = (
        "No significant difference was observed in the maximum concentration (Cmax), area under "
        "concentration curve (AUC), half-life (T1/2), clearance (Cl/F) and volume of "
        "distribution (Vz/F) of CBZ following Nigella sativa treatment."
    )
    assert _phrases(sentence) == []


def test_a_phrase_never_overlaps_a_mention_already_found() -> None:
    sentence = "The angina attack frequency was lower in the treated group."
    start = sentence.index("angina")
    assert _phrases(sentence) == ["angina attack frequency"]
    assert outcome_phrases(sentence, 0, len(sentence), [(start, start + 6)]) == []


# --- in the pipeline ----------------------------------------------------------------------------


def test_an_outcome_no_vocabulary_names_gets_a_claim_and_an_ungrounded_id(
    extractor: Extractor,
) -> None:
    # PMID 22019891 (the second sentence shortened at its first p-value): berberine against
    # metformin
    text = (
        "Berberine (BBR) is an isoquinoline derivative alkaloid. "
        "Treatment with BBR in comparison to MET showed decrease in waist circumference and "
        "waist-to-hip ratio (WHR; P<0.01)."
    )
    extraction = _extract(extractor, text)
    assert ("BBR", "treats", "waist-to-hip ratio", "benefit") in _relations(extraction)
    outcome = next(m for m in extraction.mentions if m.text == "waist-to-hip ratio")
    assert outcome.kind is EntityKind.OUTCOME
    assert is_ungrounded(outcome.ids[0])


def test_the_total_effective_rate_higher_than_control_is_a_benefit(extractor: Extractor) -> None:
    # written in the style of a TCM trial report
    sentence = (
        "The total effective rate in the treatment group receiving Tongxinluo capsules was "
        "92.5%, significantly higher than that of the control group (75.0%, P<0.05)."
    )
    assert ("Tongxinluo capsules", "treats", "total effective rate", "benefit") in _relations(
        _extract(extractor, sentence)
    )


def test_a_measure_of_unknown_polarity_gets_no_claim_and_no_mention(
    extractor: Extractor,
) -> None:
    # PMID 23179953: a fall of the ADP/ATP ratio is neither good nor bad by itself
    sentence = (
        "Berberine treatment significantly decreased AMPK protein concentration, and the ratio "
        "of ADP/ATP and AMP/ATP in the myocardial risk areas."
    )
    extraction = _extract(extractor, sentence)
    assert not any("ratio" in m.text for m in extraction.mentions)
    assert not any(o.startswith("ratio") for _, _, o, _ in _relations(extraction))


def test_relations_point_at_the_right_mentions_once_outcomes_are_added(
    extractor: Extractor,
) -> None:
    # PMID 22019891, three of its sentences (the second shortened at its first p-value): the
    # outcome added in the second comes before the third's mentions, which move up by one
    text = (
        "Berberine (BBR) is an isoquinoline derivative alkaloid extracted from Chinese medicinal "
        "herbs that has been used as an insulin sensitizer. "
        "Treatment with BBR in comparison to MET showed decrease in waist circumference and "
        "waist-to-hip ratio (WHR; P<0.01). "
        "Intake of BBR improved some of the metabolic and hormonal derangements in a group of "
        "treated Chinese women with PCOS."
    )
    extraction = _extract(extractor, text)
    starts = [m.start for m in extraction.mentions]
    assert starts == sorted(starts)
    for r in extraction.relations:
        for index in (r.subject, r.object):
            mention = extraction.mentions[index]
            assert r.sentence[0] <= mention.start < r.sentence[1]
    read = _relations(extraction)
    assert ("BBR", "treats", "waist-to-hip ratio", "benefit") in read
    assert ("BBR", "treats", "PCOS", "benefit") in read


# --- the comparison's reference arm -------------------------------------------------------------


def test_a_sentence_opening_with_compared_with_names_the_reference_arm() -> None:
    # PMID 26066525
    sentence = (
        "Compared with the placebo group, the zinc group presented higher SOD values before the "
        "first, second, and fourth chemotherapy cycles and lower GPx values before the third "
        "cycle."
    )
    assert "cmp_ref" in phrase_features(sentence, "zinc", "SOD values", "placebo")


def test_than_that_of_the_control_group_names_the_reference_arm() -> None:
    # written in the style of a TCM trial report
    sentence = (
        "The total effective rate of the Tongxinluo group was significantly higher than that of "
        "the control group (P<0.05)."
    )
    assert "cmp_ref" in phrase_features(sentence, "Tongxinluo", "total effective rate", "control")


def test_compared_with_control_lower_in_the_formula_group_is_a_benefit(
    extractor: Extractor,
) -> None:
    # written in the style of a TCM trial report
    sentence = (
        "Compared with the control group, the angina attack frequency was significantly lower "
        "in the Xuefu Zhuyu decoction group (P<0.05)."
    )
    assert ("Xuefu Zhuyu decoction", "treats", "angina", "benefit") in _relations(
        _extract(extractor, sentence)
    )
