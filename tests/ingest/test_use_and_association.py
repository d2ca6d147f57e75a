"""Uses and associations as papers write them: "used to treat Y", "used for the treatment of Y",
"an inverse association with the risk of Y".

Every sentence is quoted from a PubMed abstract of the DFI corpus (PMID in the comment).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from ingest.nlp.pipeline import build_pipeline
from tests.ingest.read_claims import directed_claims as claims


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        # PMID 18520050
        (
            "Berberine is one of the main alkaloids of Rhizoma coptidis which has been used as a "
            "folk medicine to treat diabetes mellitus for more than 1400 years in China.",
            ("Rhizoma coptidis", "treats", "diabetes mellitus", "benefit"),
        ),
        # PMID 30590320
        (
            "Scutellaria baicalensis Georgi is an extensively used medicinal herb for the "
            "treatment of hypertension in traditional Chinese medicine.",
            ("Scutellaria baicalensis", "treats", "hypertension", "benefit"),
        ),
        # PMID 29070038
        (
            "Rumex crispus root has traditionally been used in Asian medicine for the treatment "
            "of hemorrhage and dermatolosis.",
            ("Rumex crispus", "treats", "hemorrhage", "benefit"),
        ),
        # PMID 30021358: a title naming the benefit.
        (
            "Therapeutic effect of vitamin B3 on hyperglycemia, oxidative stress and DNA damage "
            "in alloxan induced diabetic rat model.",
            ("vitamin B3", "treats", "hyperglycemia", "benefit"),
        ),
        # PMID 25867076
        (
            "Anti-hypertensive and renoprotective effects of berberine in spontaneously "
            "hypertensive rats.",
            ("berberine", "treats", "hypertensive", "benefit"),
        ),
        # PMID 28759758: a toxicity named as the agent's.
        (
            "The toxicity of gentamicin is believed to result from oxidative stress, a condition "
            "that could be counteracted by dietary antioxidants.",
            ("gentamicin", "causes", "toxicity", "harm"),
        ),
        # PMID 17966824: an inverse association with a risk is a benefit.
        (
            "Several case-control and one prospective study found an inverse association between "
            "intake of folic acid and/or multivitamins and the risk of cleft lip with or without "
            "cleft palate.",
            ("folic acid", "treats", "cleft lip", "benefit"),
        ),
    ],
)
def test_a_use_or_a_lower_risk_is_read_as_treats(
    nlp: Language, sentence: str, claim: tuple[str, str, str, str]
) -> None:
    assert claim in claims(nlp, sentence)


@pytest.mark.parametrize(
    ("sentence", "exposure"),
    [
        # PMID 9055991: a negated sentence gives a title-like phrase no reading.
        (
            "In addition, the antiviral activities of GR on influenza virus infection in mice "
            "were not demonstrated when it was administered to infected mice in combination with "
            "anti-gamma interferon (anti-IFN-gamma) monoclonal antibody.",
            "GR",
        ),
        # PMID 30551504: the animals treated are the method, not a treated disease.
        (
            "The aqueous extract of PG leaves was used to treat both normal and diabetic animals "
            "(400 mg/kg body weight) for 2 weeks while control animals were treated with the "
            "vehicle.",
            "PG",
        ),
        # PMID 16317106: "ephedra-free" says the herb is absent.
        (
            'The ingredients of numerous "ephedra-free" dietary supplements used for weight loss '
            "include bitter orange, which contains sympathomimetic alkaloids such as synephrine.",
            "ephedra",
        ),
    ],
)
def test_a_method_or_an_absence_is_no_treatment(
    nlp: Language, sentence: str, exposure: str
) -> None:
    assert not [c for c in claims(nlp, sentence) if c[0] == exposure and c[1] == "treats"]
