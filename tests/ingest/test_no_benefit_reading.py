"""Benefits the words around an agent do not state: an agent stopped, an agent that names the
kind of the condition, and the parent of the agent. A benefit read there turns a harm the
abstract reports (a drug-induced condition) into a treatment.

Sentences are quoted from PubMed abstracts (PMID in the comment) of BC5CDR dev and the DFI
corpus.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from ingest.nlp.pipeline import build_pipeline
from tests.ingest.read_claims import directed_claims


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


@pytest.mark.parametrize(
    ("sentence", "agent"),
    [
        # PMID 19203554: the fever followed the drug, and went when it was stopped
        (
            "Although cessation of sulphasalazine treatment resulted in improvements in fever, "
            "red eyes, chest pain, titer of C-reactive protein and volume of the pleural "
            "effusions, we initiated steroid therapy.",
            "sulphasalazine",
        ),
        # PMID 15517885: the analogues are the agents, not resveratrol
        (
            "Currently, structural analogues of resveratrol with improved bioavailability are "
            "being pursued as potential therapeutic agents for cancer.",
            "resveratrol",
        ),
    ],
)
def test_no_benefit_is_read_for_an_agent_stopped_or_a_parent_compound(
    nlp: Language, sentence: str, agent: str
) -> None:
    assert not [c for c in directed_claims(nlp, sentence) if c[0] == agent and c[1] == "treats"]


def test_a_harm_that_outlasts_the_agent_is_still_read(nlp: Language) -> None:
    # PMID 12640291
    sentence = (
        "Note that renal potassium wasting and hypertension persisted for 2 weeks after "
        "discontinuing licorice consumption along with KCl supplement and spironolactone."
    )
    assert ("licorice", "causes", "hypertension", "harm") in directed_claims(nlp, sentence)


def test_an_agent_that_names_the_kind_of_pain_does_not_treat_it(nlp: Language) -> None:
    # PMID 18006530: remifentanil, which the recogniser does not name here, is the agent
    sentence = (
        "CONCLUSIONS: During induction of anaesthesia with TCI of propofol and remifentanil, a "
        "significant reduction in propofol infusion pain was achieved without significant "
        "complications by prior administration of remifentanil at a target Ce of 4 ng ml(-1)."
    )
    assert not [
        c for c in directed_claims(nlp, sentence) if c[:3] == ("propofol", "treats", "pain")
    ]


@pytest.mark.parametrize(
    ("sentence", "agents"),
    [
        # PMID 6433367 (BC5CDR dev): the convulsants induced the seizures
        (
            "To investigate the relationship of prostaglandins (PGs) to seizure induction, the "
            "effects of six PG synthetase inhibitors on convulsions induced by flurothyl, "
            "picrotoxin, pentetrazol (PTZ), electroshock or bicuculline were evaluated.",
            {"flurothyl", "picrotoxin", "pentetrazol", "PTZ", "bicuculline"},
        ),
        # PMID 18684219 (DFI abstracts): bleomycin made the fibrosis and the inflammation
        (
            "These results suggested that oxymatrine may attenuate pulmonary fibrosis induced by "
            "bleomycin in mice, partly through inhibition of inflammatory response and lipid "
            "peroxidation in lung induced by bleomycin.",
            {"bleomycin"},
        ),
    ],
)
def test_what_induced_a_condition_does_not_treat_one(
    nlp: Language, sentence: str, agents: set[str]
) -> None:
    read = directed_claims(nlp, sentence)
    assert not [c for c in read if c[0] in agents and c[1] == "treats"]


def test_an_agent_after_the_inducers_clause_is_read(nlp: Language) -> None:
    # PMID 20187987 (DFI abstracts): MPTP made the model; the mulberry extract protects.
    sentence = (
        "The present study examined the protective effects of 70 % ethanol extract of mulberry "
        "fruit (ME) against neurotoxicity in in vitro and in vivo PD models. In the sub-acute "
        "mouse PD model induced by 1-methyl-4-phenyl-1,2,3,6-tetrahydropyridine (MPTP), ME "
        "showed a preventative effect against PD-like symptoms (bradykinesia) in the "
        "behavioural test and prevented MPTP-induced dopaminergic neuronal damage in an "
        "immunocytochemical analysis of the SNpc and ST."
    )
    read = directed_claims(nlp, sentence)
    assert not [c for c in read if c[0] == "MPTP" and c[1] == "treats"]
    assert ("ME", "treats", "bradykinesia", "benefit") in read


def test_a_treatments_drawback_is_not_treated_by_it(nlp: Language) -> None:
    # PMID 10027919 (BC5CDR dev)
    sentence = (
        "BACKGROUND: Calcitriol therapy suppresses serum levels of parathyroid hormone (PTH) in "
        "patients with renal failure but has several drawbacks, including hypercalcemia and/or "
        "marked suppression of bone turnover, which may lead to adynamic bone disease."
    )
    assert not [
        c
        for c in directed_claims(nlp, sentence)
        if c[:3] == ("Calcitriol", "treats", "hypercalcemia")
    ]
