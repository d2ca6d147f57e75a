"""Harm is read only where a sentence says the exposure caused it.

Every sentence here is quoted from a PubMed abstract of the DFI corpus (PMID in the comment)
where the pipeline once wrote a wrong ``causes`` claim — a protective effect, a disease model or
a measurement read as harm — or where a real harm must stay. A wrong harm claim becomes a red
safety flag at the top of a dossier, so each of these is a regression a user would see.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from ingest.nlp.mentions import Mention
from ingest.nlp.pipeline import build_pipeline, run
from ingest.nlp.relations import Relation
from kg.iri import is_ungrounded
from tests.ingest.read_claims import claims


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


def harms(nlp: Language, text: str) -> set[tuple[str, str]]:
    """The (exposure, condition) pairs the pipeline reads as a harm (not negated) of an exposure
    the vocabulary names. A chemical only the trained model found ("alloxan" of "alloxan
    induced diabetic rats", a true harm) has an ungrounded id: its harm is no safety flag of a
    vocabulary herb or compound."""
    doc = run(nlp, text)
    ms: list[Mention] = doc._.tcm_mentions
    rs: list[Relation] = doc._.tcm_relations
    return {
        (ms[r.subject].text, ms[r.object].text)
        for r in rs
        if r.predicate.value == "causes"
        and not r.negated
        and ms[r.subject].ids
        and not is_ungrounded(ms[r.subject].ids[0])
    }


@pytest.mark.parametrize(
    "sentence",
    [
        # Disease-model phrases name the model's agent, not a harm of the treatment studied.
        # PMID 28077129
        "Hypoglycemic and pancreatic protective effects of Portulaca oleracea extract in "
        "alloxan induced diabetic rats.",
        # PMID 26746431
        "Protective effects of Arctium lappa L. root extracts (AREs) on high fat diet induced "
        "quail atherosclerosis.",
        # PMID 24597148
        "Role of Triticum aestivum aqueous extract in glucocorticoid induced osteoporosis in rats.",
        # PMID 29402262
        "The significant protection effects of Panax notoginseng saponins suggested its "
        "potential in treating taurocholate induced-acute pancreatitis.",
        # PMID 26849937: "after diabetes induction" names the model.
        "Two weeks after diabetes induction, rats were treated with berberine (100 mg/kg) and "
        "rosiglitazone (4 mg/kg) for 24 weeks.",
        # PMID 16595923: what follows "induced by" is the cause.
        "Effects of amelioration of total flavonoids from stems and leaves of Scutellaria "
        "baicalensis Georgi on cognitive deficits, neuronal damage and free radicals disorder "
        "induced by cerebral ischemia in rats.",
        # PMID 31112045: the model's agent holds a vocabulary name (sodium sulfate).
        "Cottonseed Oil Protects Against Intestinal Inflammation in Dextran Sodium "
        "Sulfate-Induced Inflammatory Bowel Disease.",
    ],
)
def test_a_disease_model_is_no_harm_of_the_treatment_studied_in_it(
    nlp: Language, sentence: str
) -> None:
    assert harms(nlp, sentence) == set()


def test_an_outcome_measured_before_and_after_a_treatment_is_not_caused_by_it(
    nlp: Language,
) -> None:
    # PMID 29670330
    sentence = (
        "Blood glycated hemoglobin (HbA1c), fasting serum glucose, serum insulin, body mass "
        "index (BMI), waist circumference (WC), insulin resistance, and visceral adiposity index "
        "(VAI) were determined before (baseline) and after 90 days of Ginkgo biloba extract "
        "treatment."
    )
    assert harms(nlp, sentence) == set()


@pytest.mark.parametrize(
    "sentence",
    [
        # PMID 22640402
        "Saffron extract, a natural product, has been shown to induce apoptosis in several "
        "tumor cell lines.",
        # PMID 16297710
        "Chemopreventive properties of the ethanol extract of chinese licorice (Glycyrrhiza "
        "uralensis) root: induction of apoptosis and G1 cell cycle arrest in MCF-7 human breast "
        "cancer cells.",
        # PMID 20554107
        "Hericium erinaceus enhances doxorubicin-induced apoptosis in human hepatocellular "
        "carcinoma cells.",
    ],
)
def test_killing_tumour_cells_is_no_harm(nlp: Language, sentence: str) -> None:
    assert harms(nlp, sentence) == set()


@pytest.mark.parametrize(
    "sentence",
    [
        # PMID 21584658: "resulted in increased" — the change word says which way, not "result".
        "In summary, consumption of seaweed calcium extract or inorganic calcium carbonate with "
        "magnesium oxide demonstrated the same degree of intestinal calcium absorption, but only "
        "the consumption of seaweed calcium extract resulted in increased femoral bone mineral "
        "density and strength in ovariectomized rats.",
        # PMID 19732471: "tumour-promoting" describes another noun.
        "In conclusion, fermentation of wheat aleurone results in a reduced level of "
        "tumour-promoting DCA, but higher levels of potentially chemopreventive SCFA.",
        # PMID 19181486: "associated with" another agent is a combination.
        "Serenoa repens associated with Urtica dioica (ProstaMEV) and curcumin and quercitin "
        "(FlogMEV) extracts are able to improve the efficacy of prulifloxacin in bacterial "
        "prostatitis patients: results from a prospective randomised study.",
        # PMID 22338546: "produced … inhibition of pain" is an effect against the pain.
        "S. limbata extract produced statistically significant inhibition of pain and "
        "development of morphine dependence in mice.",
        # PMID 29847745: "development" of a treatment is no harm.
        "These data demonstrate the potential application of peanut skin extract in the "
        "development of new therapeutic options for influenza management.",
        # PMID 30270328: "after induction of diabetes" names the model's time.
        "Resveratrol supplementation (10 or 30 mg/kg/d) in drinking water was initiated "
        "immediately after induction of diabetes was confirmed.",
        # PMID 21871761: an association asked about, and not found, is no harm.
        "A large Danish study, however, did not find any association between amount of daily "
        "caffeine consumption and risk of arrhythmia.",
        # PMID 17966824: an inverse association is a lower risk.
        "Several case-control and one prospective study found an inverse association between "
        "intake of folic acid and/or multivitamins and the risk of cleft lip with or without "
        "cleft palate.",
        # PMID 18941913: a title naming the risk studied.
        "Coffee intake, variants in genes involved in caffeine metabolism, and the risk of "
        "epithelial ovarian cancer.",
        # PMID 30605873: the toxicity is deltamethrin's; the herb is what ameliorates it.
        "With the known facts of deltamethrin toxicity in aquaculture, efforts have been made to "
        "ameliorate its toxicity with supplementation of Silybum marianum plant extract in "
        "Cyprinus carpio.",
    ],
)
def test_a_harm_word_near_a_herb_that_did_not_cause_it_is_no_harm(
    nlp: Language, sentence: str
) -> None:
    assert harms(nlp, sentence) == set()


@pytest.mark.parametrize(
    ("sentence", "pair"),
    [
        # PMID 21785655
        (
            "Possible fenugreek induced haemolysis in a patient with previously unknown G6PD "
            "deficiency.",
            ("fenugreek", "haemolysis"),
        ),
        # PMID 25945908
        (
            "It is already known that the ingredients of licorice may induce hypertension.",
            ("licorice", "hypertension"),
        ),
        # PMID 12640291
        (
            "Long-term licorice ingestion is a well-known cause of secondary hypertension and "
            "hypokalemia.",
            ("licorice", "hypertension"),
        ),
        # PMID 1723582: several words may stand between "induced by" and the agent.
        (
            "[Massive pulmonary embolism disclosing thrombocytopenia induced by low molecular "
            "weight heparin.",
            ("heparin", "thrombocytopenia"),
        ),
        # PMID 17142978: the model's agent keeps its harm; the herb studied gets none.
        (
            "Protective effect of the ethanol extract of the roots of Brassica rapa on "
            "cisplatin-induced nephrotoxicity in LLC-PK1 cells and rats.",
            ("cisplatin", "nephrotoxicity"),
        ),
    ],
)
def test_a_real_harm_is_still_read(nlp: Language, sentence: str, pair: tuple[str, str]) -> None:
    found = harms(nlp, sentence)
    assert pair in found
    assert all(exposure in {pair[0]} for exposure, _ in found)


def test_weak_harm_readings_are_not_written_unless_asked_for(nlp: Language) -> None:
    # PMID 25945908: two sentences away from the herb, through "due to … caused by" another
    # compound; the harm reading is weak (0.41) and is not written by default.
    sentence = (
        "Potential spastic reactions, such as a Prinzmetal angina, due to the possible cardiac "
        "effects caused by glycyrrhizin and glycyrrhetinic acid are rare side effects of "
        "licorice ingestion."
    )
    assert ("licorice", "Prinzmetal angina") not in harms(nlp, sentence)
    assert ("licorice", "angina") not in harms(nlp, sentence)
    permissive = build_pipeline()
    permissive.get_pipe("tcm_relations").min_harm_confidence = 0.0  # type: ignore[attr-defined]
    assert any(exposure == "licorice" for exposure, _ in harms(permissive, sentence))


def test_a_disease_name_that_begins_a_protein_name_is_no_disease(nlp: Language) -> None:
    # PMID 21963506: "breast cancer resistance protein" (BCRP) is a transporter.
    doc = run(nlp, "Coffee induces breast cancer resistance protein expression in Caco-2 cells.")
    ms: list[Mention] = doc._.tcm_mentions
    assert not [m for m in ms if m.text.lower() == "breast cancer"]


def test_a_risk_factor_is_still_a_harm(nlp: Language) -> None:
    # PMID 19422396: a risk factor is a harm; only a bare "risk of" asks.
    found = claims(
        nlp,
        "Elevated plasma total homocysteine (tHcy) level has been established as an "
        "independent risk factor for cardiovascular diseases.",
    )
    assert ("homocysteine", "causes", "cardiovascular diseases") in found


def test_what_follows_by_is_the_cause(nlp: Language) -> None:
    # PMID 21660532: the damage is caused by manganese deficiency, not by the maize it is in.
    found = claims(
        nlp,
        "However, cerium addition exerted positively to relieve the damage of nitrogen "
        "metabolism process in maize seedlings caused by exposure to manganese-deficient media.",
    )
    assert not [c for c in found if c[:2] == ("maize", "causes")]
    # PMID 1647798: agents joined by "or" after "by" are each the cause.
    found = claims(
        nlp,
        "The icv infusion of RU28318, a selective mineralocorticoid antagonist, at doses which "
        "are ineffective when administered sc, inhibits the development of hypertension "
        "produced by the sc infusion of aldosterone or deoxycorticosterone, as well as that "
        "produced by the oral administration of a licorice derivative and of a high salt diet "
        "in the Dahl S/JR rat.",
    )
    assert ("deoxycorticosterone", "causes", "hypertension") in found


def test_an_anti_effect_against_a_disease_is_a_treatment(nlp: Language) -> None:
    # PMID 31533701
    found = claims(
        nlp,
        "Ethanolic extract of Tamarindus indica L. leaves at 500 mg kg- 1 and 1000 mg kg- 1 "
        "produced anti-arthritic effects against S. aureus induced septic arthritis in rabbits.",
    )
    assert ("Tamarindus indica", "treats", "septic arthritis") in found
    assert not [c for c in found if c[:2] == ("Tamarindus indica", "causes")]


def test_a_harm_after_but_is_read_beside_the_benefit(nlp: Language) -> None:
    # Written in the style of case series of Tripterygium (illustrative, not quoted): the
    # benefit verb governs the first disease, the harm verb after "but" the second.
    found = claims(
        nlp,
        "Tripterygium wilfordii Hook F was effective for rheumatoid arthritis but caused "
        "menstrual disorders.",
    )
    assert ("Tripterygium wilfordii", "treats", "rheumatoid arthritis") in found
    assert ("Tripterygium wilfordii", "causes", "menstrual disorders") in found
    # … and mixed cues with no second disease between them still give no reading.
    found = claims(
        nlp, "Ginkgo is effective but limited by side effects, the worst being bleeding."
    )
    assert not [c for c in found if c[0] == "Ginkgo"]


def test_an_anti_effect_does_not_reach_into_another_clause(nlp: Language) -> None:
    # PMID 18175944: the anti-hypertensive effect is not one against the hepatic hypertrophy
    # that "occurs" in the next clause.
    found = claims(
        nlp,
        "We previously demonstrated that Ginkgo biloba extract (GBE) produces an "
        "anti-hypertensive effect via enhanced vasodilation responses in young spontaneously "
        "hypertensive rats (SHR) and hepatic hypertrophy occurs with increased cytochrome P450 "
        "(CYP) mRNA expression in young rats.",
    )
    assert ("Ginkgo biloba", "treats", "hepatic hypertrophy") not in found
