"""A compound's evidence is the compound's, not the plant it is named as coming from.

Every sentence is quoted from a PubMed abstract of the DFI corpus (PMID in the comment). Before
this rule the plant named as the source ("Bilobalide, a unique constituent of Ginkgo biloba,
inhibits …") was written as the agent, so a herb's dossier counted its compounds' studies as its
own; the compound itself was often left without the claim. A plant's own preparation ("the
ethanol fraction of Aralia elata") stays the plant's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from ingest.nlp.pipeline import build_pipeline
from tests.ingest.read_claims import claims


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


@pytest.mark.parametrize(
    ("sentence", "compound", "plant"),
    [
        # PMID 23838965
        (
            "Bilobalide, a unique constituent of Ginkgo biloba, inhibits inflammatory pain in "
            "rats.",
            "Bilobalide",
            "Ginkgo biloba",
        ),
        # PMID 9055991
        (
            "Glycyrrhizin, an active component of licorice roots, reduces morbidity and mortality "
            "of mice infected with lethal doses of influenza virus.",
            "Glycyrrhizin",
            "licorice",
        ),
        # PMID 16999937
        (
            "Cryptotanshinone from Salvia miltiorrhiza BUNGE has an inhibitory effect on "
            "TNF-alpha-induced matrix metalloproteinase-9 production and HASMC migration via "
            "down-regulated NF-kappaB and AP-1.",
            "Cryptotanshinone",
            "Salvia miltiorrhiza",
        ),
        # PMID 24842412: "X is a … lignan extracted from the seeds of Y"
        (
            "Arctigenin is a biologically active lignan extracted from the seeds of Arctium "
            "lappa and shows anticancer activity against a variety of human cancers.",
            "Arctigenin",
            "Arctium lappa",
        ),
        # PMID 24096536
        (
            "Crocins, the active constituents of Crocus Sativus L., counteracted ketamine-induced "
            "behavioural deficits in rats.",
            "Crocins",
            "Crocus Sativus",
        ),
    ],
)
def test_the_effect_is_the_compounds(
    nlp: Language, sentence: str, compound: str, plant: str
) -> None:
    found = claims(nlp, sentence)
    effects = {(s, o) for s, p, o in found if p != "contains"}
    assert not [pair for pair in effects if pair[0] == plant], found
    assert any(s == compound for s, _ in effects), found


def test_the_plant_contains_the_compound_it_is_named_as_the_source_of(nlp: Language) -> None:
    # PMID 23838965: "constituent of" is a composition cue; a bare "of" is one too when the
    # plant is named as the source ("ginsenoside Rb1 of Panax ginseng").
    found = claims(
        nlp, "Bilobalide, a unique constituent of Ginkgo biloba, inhibits inflammatory pain."
    )
    assert ("Ginkgo biloba", "contains", "Bilobalide") in found


@pytest.mark.parametrize(
    ("sentence", "plant"),
    [
        # PMID 14519964: a solvent fraction is the plant's preparation.
        (
            "The ethanol fraction of Aralia elata Seemann decreased total serum cholesterol.",
            "Aralia elata",
        ),
        # PMID 26370834
        (
            "Ethanol extract from Gynostemma pentaphyllum (GP) shows anti-stress and anxiolytic "
            "functions in mice, and also protects dopamine neurons in 6-hydroxydopamine-lesioned "
            "rat model of Parkinson's disease.",
            "Gynostemma pentaphyllum",
        ),
        # PMID 25256382: a part of the plant is the plant's.
        (
            "The sclerotium of Lignosus rhinocerotis (Cooke) Ryvarden (Tiger Milk mushroom) is "
            "used as a traditional medicine to relieve cough, asthma and chronic hepatitis.",
            "Lignosus rhinocerotis",
        ),
    ],
)
def test_a_preparation_or_part_stays_the_plants(nlp: Language, sentence: str, plant: str) -> None:
    found = claims(nlp, sentence)
    assert any(s == plant and p in ("treats", "causes") for s, p, _ in found), found
