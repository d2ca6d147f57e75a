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


@pytest.mark.parametrize(
    ("sentence", "not_contained"),
    [
        # PMID 10967716: the extraction solvent
        (
            "We report here the diuretic and hypotensive effects of dichloromethane extract of "
            "Nigella sativa seeds in the spontaneously hypertensive rat (SHR).",
            "dichloromethane",
        ),
        # PMID 16193818: antibiotics beside "the extract from" each herb
        (
            "The extract from Cortex Quercus showed the highest activation when added to the "
            "culture with cefuroxime, whereas cefoperazone best stimulation demonstrated when "
            "combined with the extract from Rhizoma Tormentillae, and doxycycline with the "
            "extract from Folium Uvae ursi.",
            "doxycycline",
        ),
        # PMID 28197528: the agent of the model, after the herb's own extract
        (
            "Antimutagenic Effect of Hibiscus sabdariffa L. Aqueous Extract on Rats Treated with "
            "Monosodium Glutamate.",
            "Monosodium Glutamate",
        ),
        # PMID 31414619: a comparator after the herb's seed extract
        (
            "The present study compared the effects of Portulaca oleracea (P. oleracea) seed "
            "hydro-alcoholic extract, valsartan, and vitamin E on hemodynamic changes, oxidative "
            "stress markers and cardiac hypertrophy in a model of thyrotoxicosis.",
            "vitamin E",
        ),
    ],
)
def test_words_of_a_herbs_own_preparation_state_no_composition(
    nlp: Language, sentence: str, not_contained: str
) -> None:
    assert not [c for c in claims(nlp, sentence) if c[1] == "contains" and c[2] == not_contained]


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        # PMID 16628139
        (
            "Six healthy adult male volunteers were administered a single oral dose of Nature's "
            "Way Bitter Orange, a 900-mg dietary supplement extract standardized to 6% "
            "synephrine.",
            ("Bitter Orange", "contains", "synephrine"),
        ),
        # PMID 31158334
        (
            "Notoginsenoside R1 (NGR1) is the main saponin isolated from the roots of Panax "
            "notoginseng (Burk.) F. H. Chen.",
            ("Panax notoginseng", "contains", "Notoginsenoside R1"),
        ),
    ],
)
def test_a_compound_named_with_its_source_is_contained(
    nlp: Language, sentence: str, claim: tuple[str, str, str]
) -> None:
    assert claim in claims(nlp, sentence)
