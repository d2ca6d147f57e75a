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
