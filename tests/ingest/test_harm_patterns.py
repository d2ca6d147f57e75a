"""Sentence patterns that made wrong safety flags on the DFI abstracts (bench/harm_review.md).

Each test runs the real pipeline on a short sentence written like the abstract it comes from
(PMID in the comment; paraphrased and shortened) and checks which harm claims — ``causes`` and
``interacts_with`` of a herb — it reads, and that the real harm next to each pattern is still
read. A wrong red flag at the top of a dossier is worse than none, but so is a lost warning.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from ingest.nlp.mentions import Mention
from ingest.nlp.pipeline import build_pipeline, run
from ingest.nlp.relations import Relation


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


def read(
    nlp: Language, text: str, predicate: str, title_end: int | None = None
) -> set[tuple[str, str, bool]]:
    """(subject, object, negated) of every ``predicate`` relation whose subject has an id."""
    doc = run(nlp, text, title_end=title_end)
    ms: list[Mention] = doc._.tcm_mentions
    rs: list[Relation] = doc._.tcm_relations
    return {
        (ms[r.subject].text, ms[r.object].text, r.negated)
        for r in rs
        if r.predicate.value == predicate and ms[r.subject].ids
    }


def interactions(nlp: Language, text: str, title_end: int | None = None) -> set[tuple[str, str]]:
    """The (exposure, drug) interactions read as asserted (not negated)."""
    return {(s, o) for s, o, neg in read(nlp, text, "interacts_with", title_end) if not neg}


def harms(nlp: Language, text: str) -> set[tuple[str, str]]:
    """The (exposure, condition) harms read as asserted (not negated)."""
    return {(s, o) for s, o, neg in read(nlp, text, "causes") if not neg}


def test_a_list_of_herbs_with_a_list_of_drugs_pairs_none_of_them(nlp: Language) -> None:
    # PMID 22139684
    sentence = (
        "Interactions of herbal medicines, such as milk thistle and St. John's wort, with drugs "
        "including warfarin, midazolam, digoxin and cyclosporine have been reported."
    )
    assert interactions(nlp, sentence) == set()


def test_one_herb_with_a_list_of_drugs_is_still_read(nlp: Language) -> None:
    # PMID 18367983
    sentence = (
        "Reduced concentrations of digoxin, cyclosporine and warfarin are observed due to "
        "interaction of these drugs with St. John's wort."
    )
    found = interactions(nlp, sentence)
    assert {("St. John's wort", "digoxin"), ("St. John's wort", "warfarin")} <= found


def test_a_null_pharmacokinetic_result_is_a_negated_interaction(nlp: Language) -> None:
    # PMID 23952676
    sentence = (
        "No significant difference was observed in the Cmax and AUC of carbamazepine following "
        "Nigella sativa treatment."
    )
    assert interactions(nlp, sentence) == set()
    assert ("Nigella sativa", "carbamazepine", True) in read(nlp, sentence, "interacts_with")


def test_an_aim_or_method_sentence_makes_no_interaction(nlp: Language) -> None:
    # PMID 18713456: the aim, a method and the null results; nothing asserted remains.
    text = (
        "We evaluated potential pharmacokinetic interactions between indinavir and American "
        "ginseng. Indinavir pharmacokinetics were assessed before and after American ginseng "
        "co-administration. American ginseng does not significantly affect indinavir "
        "pharmacokinetics."
    )
    assert interactions(nlp, text) == set()


def test_an_aim_is_kept_when_a_result_reports_the_kinetic_change(nlp: Language) -> None:
    # PMID 24719213: the drug is named only in the aim; the result names the herb and the AUC.
    text = (
        "The present study was conducted to investigate the effects of Nigella sativa on the "
        "pharmacokinetics of sildenafil in dogs. Oral administration of Nigella sativa resulted "
        "in reduction of AUC and Cmax as compared to the control."
    )
    assert ("Nigella sativa", "sildenafil") in interactions(nlp, text)


def test_a_harm_conceded_before_another_agent_is_blamed_is_not_the_herbs(
    nlp: Language,
) -> None:
    # PMID 29523613
    sentence = (
        "While H. perforatum could trigger DILI itself, flupirtine appears to have triggered "
        "the DILI."
    )
    assert not any(exposure == "H. perforatum" for exposure, _ in harms(nlp, sentence))


def test_a_concession_then_the_same_herb_keeps_its_harm(nlp: Language) -> None:
    sentence = "Although licorice is widely used, it caused hypokalemia in two patients."
    assert ("licorice", "hypokalemia") in harms(nlp, sentence)


def test_leading_to_a_remedy_is_no_harm(nlp: Language) -> None:
    # PMID 28610577
    sentence = (
        "Nigella sativa might lead to a new promising preventive and therapeutic agent of the "
        "ischemic heart disease."
    )
    assert harms(nlp, sentence) == set()


@pytest.mark.parametrize(
    "sentence",
    [
        # PMID 27307703: an authority without its dot, then the model.
        "Wound healing properties of an aqueous fraction from Moringa oleifera Lam on "
        "experimentally induced diabetic animal model.",
        "Effects of Moringa oleifera on experimentally induced diabetes in rats.",
    ],
)
def test_a_disease_model_with_no_named_inducer_is_no_harm(nlp: Language, sentence: str) -> None:
    assert harms(nlp, sentence) == set()


def test_a_drug_that_makes_the_disease_model_is_no_co_medication(nlp: Language) -> None:
    # PMID 18806958
    sentence = (
        "We studied the immunostimulating effect of red ginseng extract in "
        "cyclophosphamide-treated mice, which showed increased plasma levels of IL-2."
    )
    assert interactions(nlp, sentence) == set()


def test_protection_against_the_drugs_own_toxicity_is_no_interaction(nlp: Language) -> None:
    # PMID 18801029
    sentence = (
        "Co-administration of N. sativa oil and cyclosporine A abrogated the cyclosporine "
        "A-induced MDA increase compared to the cyclosporine A group."
    )
    assert interactions(nlp, sentence) == set()


def test_wanted_synergy_against_cancer_cells_is_no_interaction_harm(nlp: Language) -> None:
    # PMID 23957955
    sentence = (
        "Moringa oleifera leaf extract in combination with cisplatin synergistically enhanced "
        "the cytotoxic effect of cisplatin on Panc-1 cells."
    )
    assert interactions(nlp, sentence) == set()


def test_a_lowered_drug_effect_is_still_an_interaction(nlp: Language) -> None:
    # PMID 17978499
    sentence = (
        "The combination of the licorice extract and cisplatin diminished the therapeutic "
        "efficacy of cisplatin."
    )
    assert ("licorice", "cisplatin") in interactions(nlp, sentence)


def test_the_herb_a_compound_comes_from_does_not_take_its_interaction(nlp: Language) -> None:
    # PMID 25359200
    sentence = (
        "Berberine, the main active component of the herbal medicine Rhizoma Coptidis, could "
        "be combined with metformin therapy."
    )
    assert not any(exposure == "Rhizoma Coptidis" for exposure, _ in interactions(nlp, sentence))


def test_two_arms_joined_by_and_are_no_combination(nlp: Language) -> None:
    # PMID 31414619
    sentence = (
        "In addition, treatment with P. oleracea extract and valsartan decreased NO "
        "metabolite level."
    )
    assert not any(exposure == "P. oleracea" for exposure, _ in interactions(nlp, sentence))


def test_a_warning_against_co_use_is_an_asserted_interaction(nlp: Language) -> None:
    # PMID 9818800: the "not" belongs to the recommendation.
    sentence = (
        "Feverfew, garlic, Ginkgo and ginseng may alter bleeding time and should not be used "
        "concomitantly with warfarin sodium."
    )
    found = interactions(nlp, sentence)
    # the salt is named whole ("warfarin sodium") and grounded as warfarin
    assert {("garlic", "warfarin sodium"), ("ginseng", "warfarin sodium")} <= found


def test_a_herb_that_worsens_the_drugs_own_toxicity_still_interacts(nlp: Language) -> None:
    # The protective pattern above, turned round: a worsened drug harm is an interaction harm.
    worse = "Co-administration of licorice aggravated cisplatin-induced nephrotoxicity in rats."
    better = "Co-administration of licorice attenuated cisplatin-induced nephrotoxicity in rats."
    assert ("licorice", "cisplatin") in interactions(nlp, worse)
    assert interactions(nlp, better) == set()
