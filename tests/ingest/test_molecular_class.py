"""An agent named a member of a target's drug class acts on that target; cell lines, assays and
molecules that induce a model are no genes.

Sentences are quoted from PubMed abstracts (PMID in the comment) of BC5CDR dev, BioRED dev and
the DFI corpus.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from ingest.nlp.pipeline import build_pipeline, run
from kg.model import EntityKind
from tests.ingest.read_claims import claims


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        # PMID 9201797: apposition
        (
            "Therefore, the effects of carteolol, a beta-adrenoceptor antagonist, on "
            "haloperidol-induced catalepsy in rats were behaviorally studied and compared with "
            "those of propranolol and biperiden, a muscarinic receptor antagonist.",
            ("carteolol", "inhibits", "beta-adrenoceptor"),
        ),
        # PMID 1969772: predicate
        (
            "Fenoldopam mesylate is a specific DA1 receptor agonist that lowers blood pressure by "
            "vasodilatation.",
            ("Fenoldopam mesylate", "activates", "DA1 receptor"),
        ),
    ],
)
def test_an_agent_named_a_member_of_a_targets_class_acts_on_it(
    nlp: Language, sentence: str, claim: tuple[str, str, str]
) -> None:
    assert claim in claims(nlp, sentence)


def test_a_list_of_drugs_names_no_class_member(nlp: Language) -> None:
    # PMID 28643219 (DFI abstracts): aspirin is one of three drugs, not the P2Y12 antagonist.
    sentence = (
        "Triple antithrombotic therapy (TAT), consisting of aspirin, a P2Y12 receptor antagonist "
        "and oral anticoagulant (OAC) medication has been considered as an 'unavoidable' "
        "strategy for a 1-12 months for atrial fibrillation (AF) patients post acute coronary "
        "syndrome or percutaneous coronary angioplasty with stenting."
    )
    assert not [c for c in claims(nlp, sentence) if c[0] == "aspirin" and "P2Y12" in c[2]]


def test_cell_lines_are_no_genes(nlp: Language) -> None:
    # BioRED dev (PMID 27509880)
    sentence = (
        "In the present study, we found that a very low concentration of depsipeptide, an HDAC "
        "inhibitor, potentiated the antitumor activity of 5-fluorouracil (5-FU) in a human colon "
        "cancer cell model using HCT-116, HT29, and SW48 cells via the inhibition of colony "
        "formation ability or cellular viability."
    )
    doc = run(nlp, sentence)
    targets = [m.text for m in doc._.tcm_mentions if m.kind is EntityKind.TARGET]
    assert not {"HCT-116", "HT29", "SW48"} & set(targets)


@pytest.mark.parametrize(
    ("sentence", "not_genes"),
    [
        # PMID 16272711 (shortened after the figures): an assay's read-out
        (
            "Among the tested compounds, emodin strongly inhibited the proliferation of each "
            "examined tumor cell line with IC50 values ranged from 2.94 to 3.64 microg/ml.",
            {"IC50"},
        ),
        # PMID 18981568: a molecule that induces the model
        (
            "Catechin isolated from SR inhibited H2O2-induced neuronal death in cultures.",
            {"H2O2"},
        ),
    ],
)
def test_assays_and_inducing_molecules_are_no_genes(
    nlp: Language, sentence: str, not_genes: set[str]
) -> None:
    doc = run(nlp, sentence)
    targets = {m.text for m in doc._.tcm_mentions if m.kind is EntityKind.TARGET}
    assert not not_genes & targets
    assert not [c for c in claims(nlp, sentence) if c[2] in not_genes]


def test_a_catechin_named_by_its_short_name_is_a_compound(nlp: Language) -> None:
    # PMID 9720795
    sentence = (
        "Reverse transcription-polymerase chain reaction analysis of c-fos, c-jun and c-myc mRNA "
        "levels demonstrated that c-jun mRNA level after serum-stimulation was significantly "
        "reduced by 10(-5) M EGC."
    )
    doc = run(nlp, sentence)
    assert [m.kind for m in doc._.tcm_mentions if m.text == "EGC"] == [EntityKind.COMPOUND]
    assert ("EGC", "inhibits", "c-jun") in claims(nlp, sentence)


def test_the_object_of_a_verb_is_not_the_subject_of_the_next(nlp: Language) -> None:
    # PMID 27018796: resveratrol activates AMPK; calcium, the object of "increases", does not.
    found = claims(
        nlp,
        "Resveratrol increases intracellular calcium and activates AMP-activated protein "
        "kinase (AMPK), all of which could increase NO production.",
    )
    assert not [c for c in found if c[0] == "calcium"]
    assert [c for c in found if c[0] == "Resveratrol" and c[1] == "activates"]
    # PMID 23043630
    found = claims(
        nlp,
        "Treatment with CCl4 significantly (P<0.01) reduced the levels of T3 and T4 and "
        "increased TSH levels.",
    )
    assert not [c for c in found if c[0] in ("T3", "T4")]


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        # PMID 17876860: "the inhibitory action of X on A"
        (
            "The inhibitory action of green tea on SULT1A3 was competitive, while that of black "
            "tea and oolong tea was mixed competitive/non-competitive.",
            ("green tea", "inhibits", "SULT1A3"),
        ),
        # PMID 16046213: "activation of A by X"
        (
            "Activation of the aryl hydrocarbon receptor by berberine in HepG2 and H4IIE cells: "
            "Biphasic effect on CYP1A1.",
            ("berberine", "activates", "aryl hydrocarbon receptor"),
        ),
    ],
)
def test_a_noun_phrase_says_what_the_agent_does(
    nlp: Language, sentence: str, claim: tuple[str, str, str]
) -> None:
    assert claim in claims(nlp, sentence)


def test_acting_on_a_targets_breakdown_is_read_no_way(nlp: Language) -> None:
    # PMID 24885446: promoting Nrf2 degradation is no activation of Nrf2.
    found = claims(
        nlp,
        "In addition, PV promoted eNOS phosphorylation, Nrf2 degradation, and HO-1 protein "
        "expression according to a Western blot analysis.",
    )
    assert not [c for c in found if c[2] == "Nrf2"]


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        # PMID 11705464 (DFI abstracts)
        (
            "Further, resveratrol blocked the activation of the transcription factor NF-kappaB "
            "without affecting basal NF-kappaB activity.",
            ("resveratrol", "inhibits", "NF-kappaB"),
        ),
        # PMID 29452068 (DFI abstracts)
        (
            "The glycyrrhizin treatment inhibited histamine-induced expressions of p-NF-κB p65 "
            "and p-IκBα in HNEpCs, indicating that glycyrrhizin inhibited the activation of "
            "NF-κB pathway in histamine-induced HNEpCs.",
            ("glycyrrhizin", "inhibits", "NF-κB"),
        ),
        # PMID 23170834 (DFI abstracts)
        (
            "Notoginsenoside R1 (NG-R1), a novel phytoestrogen isolated from Panax notoginseng, "
            "is believed to have anti-inflammatory, anti-oxidative and anti-apoptotic "
            "properties. NG-R1 also improved the imbalance between iNOS and eNOS, prevented "
            "activation of NF-κB and the subsequent myocardial inflammatory and apoptotic "
            "responses in endotoxemic mice.",
            ("NG-R1", "inhibits", "NF-κB"),
        ),
        # PMID 21600888 (DFI abstracts): the second object of "blocked"
        (
            "Both ginsenoside Rb1 and compound K blocked the TNBS-induced expressions of COX-2 "
            "and iNOS and the activation of NF-κB in mice.",
            ("ginsenoside Rb1", "inhibits", "NF-κB"),
        ),
    ],
)
def test_stopping_a_targets_activation_inhibits_it(
    nlp: Language, sentence: str, claim: tuple[str, str, str]
) -> None:
    subject, _, target = claim
    read = claims(nlp, sentence)
    assert claim in read
    assert (subject, "activates", target) not in read


def test_undoing_anothers_induction_is_not_the_inducers_inhibition(nlp: Language) -> None:
    # PMID 24842412 (DFI abstracts): arctigenin induces apoptosis; the caspase inhibitor
    # undoes it. Arctigenin inhibits nothing here.
    sentence = (
        "Pre-treatment with Ac-DEVD-CHO, a specific inhibitor of caspase-3, counteracted the "
        "induction of apoptosis by arctigenin."
    )
    assert not [c for c in claims(nlp, sentence) if c[0] == "arctigenin" and c[1] == "inhibits"]


def test_a_verb_stops_at_a_clause_that_says_otherwise(nlp: Language) -> None:
    # PMID 23790948 and PMID 22935222 (DFI abstracts): what "however" or "but not" follows is
    # unchanged, not increased or inhibited.
    read = claims(
        nlp,
        "In gastrocnemius muscle, resveratrol increased the gene expression of TFAM and COX2; "
        "however, no changes were observed in levels of SIRT1, PGC-1α and PPARβ/δ.",
    )
    assert ("resveratrol", "activates", "TFAM") in read
    assert not [c for c in read if c[2] in {"SIRT1", "PGC-1α"} or c[2].startswith("PPAR")]
    read = claims(
        nlp,
        "Enzyme inhibition assays revealed that naringenin inhibited CYP1B1 at or above 5 μm but "
        "not CYP1A1 activity.",
    )
    assert ("naringenin", "inhibits", "CYP1B1") in read
    assert ("naringenin", "inhibits", "CYP1A1") not in read


def test_the_agent_before_the_verb_is_its_subject(nlp: Language) -> None:
    # PMID 21048310 (DFI abstracts): agents listed together are subjects together.
    read = claims(
        nlp,
        "Arctiin, arctigenin (1.0 µM) and matairesinol (10 µM) inhibited the expression of iNOS "
        "by 37.71±2.86%, 32.51±4.28%, and 27.44±2.65%, respectively.",
    )
    assert {(agent, "inhibits", "iNOS") for agent in ("Arctiin", "arctigenin")} <= read
    # PMID 28881290 (DFI abstracts): STZ made the model; GA raised GLP-1.
    read = claims(
        nlp,
        "In type 1-like diabetic rats induced by streptozotocin (STZ-treated rats), GA increased "
        "the level of plasma GLP-1, which was blocked by triamterene.",
    )
    assert not [c for c in read if c[0] in {"STZ", "streptozotocin"} and c[2] == "GLP-1"]


def test_a_short_form_before_induced_is_the_inducer(nlp: Language) -> None:
    # PMID 21048310 (DFI abstracts): "(LPS)-induced" names LPS, not a mention "LPS)-induced".
    doc = run(
        nlp,
        "In addition, DBLLs potently inhibited the lipopolysaccharide (LPS)-induced activation "
        "of MAPKs (SAPK/c-Jun NH(2)-terminal kinase (JNK), p38, and extracellular signal "
        "receptor-activated kinase (ERK)1/2).",
    )
    texts = [m.text for m in doc._.tcm_mentions]
    assert "LPS" in texts
    assert not [t for t in texts if ")" in t and "(" not in t]
