"""Species binomials the vocabulary does not know become Organism mentions.

Sentences are quoted from abstracts of the DFI corpus (PubMed).
"""

from __future__ import annotations

import pytest

from ingest.document import Document
from ingest.extract import Extraction, Extractor, extraction_json
from ingest.nlp.organisms import is_binomial, known_genera
from kg.iri import is_ungrounded, ungrounded_curie
from kg.model import EntityKind

K = EntityKind


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ner=False)


def _extract(extractor: Extractor, text: str) -> Extraction:
    return extractor.extract(Document(id="PMID:1", title=text, abstract=""))


def _organisms(extraction: Extraction) -> list[str]:
    return [m.text for m in extraction.mentions if m.kind is K.ORGANISM]


def test_a_species_the_vocabulary_lacks_is_an_organism(extractor: Extractor) -> None:
    extraction = _extract(
        extractor,
        "Structural determination and functional analysis of a soluble matrix protein "
        "associated with calcification of the exoskeleton of the crayfish, Procambarus clarkii.",
    )
    crayfish = next(m for m in extraction.mentions if m.text == "Procambarus clarkii")
    assert crayfish.kind is K.ORGANISM
    assert crayfish.ids == (ungrounded_curie("Organism", "procambarusclarkii"),)
    entity = next(
        e for e in extraction_json(extraction)["entities"] if e["text"] == "Procambarus clarkii"
    )
    assert entity["type"] == "Organism" and entity["ids"] == list(crayfish.ids)


def test_a_species_has_one_id_across_documents_and_without_its_authority(
    extractor: Extractor,
) -> None:
    one = _extract(
        extractor,
        "Hydroxylation activities toward steroid hormones were determined for eleven forms of "
        "human hepatic cytochrome P450s expressed in yeast Saccharomyces cerevisiae cells.",
    )
    two = _extract(
        extractor,
        "Physicochemical characterization of pomegranate wines fermented with three different "
        "Saccharomyces cerevisiae yeast strains.",
    )
    ids = {m.ids for e in (one, two) for m in e.mentions if m.text == "Saccharomyces cerevisiae"}
    assert len(ids) == 1
    fish = _extract(
        extractor,
        "In this study, concentrations of heavy metals were determined by ICP-MS in the edible "
        "tissues of common sole (Solea solea Linnaeus, 1758), whiting (Merlangius merlangus "
        "Linnaeus, 1758), silver sillago (Sillago sihama Forsskål, 1775).",
    )
    merlangius = next(m for m in fish.mentions if m.text.startswith("Merlangius"))
    assert merlangius.text == "Merlangius merlangus"  # the authority is no part of the name
    assert merlangius.ids == (ungrounded_curie("Organism", "merlangiusmerlangus"),)
    assert "Solea solea" in _organisms(fish)


def test_an_abbreviated_genus_after_the_full_name_is_the_same_organism(
    extractor: Extractor,
) -> None:
    extraction = _extract(
        extractor,
        "In present study, we investigated the synergic effect of berberine against "
        "disseminated candidiasis caused by the pathogenic fungus, Candida albicans. Berberine "
        "inhibited the growth of C. albicans under in-vitro condition.",
    )
    full = next(m for m in extraction.mentions if m.text == "Candida albicans")
    short = next(m for m in extraction.mentions if m.text == "C. albicans")
    assert full.kind is short.kind is K.ORGANISM and full.ids == short.ids


def test_a_species_the_dictionary_reads_is_left_to_it(extractor: Extractor) -> None:
    extraction = _extract(
        extractor,
        "Hypoglycemic and pancreatic protective effects of Portulaca oleracea extract in "
        "alloxan induced diabetic rats.",
    )
    portulaca = next(m for m in extraction.mentions if m.text.startswith("Portulaca"))
    assert portulaca.kind is K.HERB


def test_sentence_starts_and_latin_phrases_are_no_species(extractor: Extractor) -> None:
    extraction = _extract(
        extractor,
        "The patients, currently using Met, were randomly grouped into those treated with "
        "either GKB extract (120 mg/day) or placebo (starch, 120 mg/day) for 90 days. "
        "In vitro, cell culture studies were carried out in human hepatocyte (HuH-7) cells.",
    )
    assert _organisms(extraction) == []
    assert not is_binomial("The", "patients")
    assert not is_binomial("In", "vitro")
    assert not is_binomial("Adhesion", "assays")
    assert not is_binomial("Radix", "astragali")  # a herb's pharmaceutical name
    assert not is_binomial("Diabetes", "mellitus")
    assert is_binomial("Nigella", "sativa")  # a Latin-looking genus the vocabulary lacks
    assert is_binomial("Panax", "vietnamensis")  # a genus of the vocabulary's species
    assert "Panax" in known_genera()


def _relations(extraction: Extraction) -> set[tuple[str, str, str]]:
    m = extraction.mentions
    return {(m[r.subject].text, r.predicate.value, m[r.object].text) for r in extraction.relations}


def test_a_plant_the_vocabulary_lacks_takes_part_in_treats_relations(
    extractor: Extractor,
) -> None:
    extraction = _extract(
        extractor,
        "Tamarindus indica seed extract significantly reduced blood glucose in diabetic rats.",
    )
    assert ("Tamarindus indica", "treats", "blood glucose") in _relations(extraction)


def test_an_organism_beside_a_drug_is_no_herb_drug_interaction(extractor: Extractor) -> None:
    extraction = _extract(
        extractor,
        "Ginkgo biloba extract and Candida albicans were co-administered with warfarin.",
    )
    assert "Candida albicans" in _organisms(extraction)
    relations = _relations(extraction)
    assert ("Ginkgo biloba", "interacts_with", "warfarin") in relations
    assert not any(s == "Candida albicans" for s, _, _ in relations)


def test_a_plant_named_by_its_common_name_is_an_organism_of_its_species(
    extractor: Extractor,
) -> None:
    # PMID 16989032: foods are no herbs of the vocabulary; the plant is still named.
    extraction = _extract(
        extractor,
        "Food supplements based on cranberries are said to prevent recurrent urinary tract "
        "infections.",
    )
    cranberry = next(m for m in extraction.mentions if m.text == "cranberries")
    assert cranberry.kind is K.ORGANISM
    assert ("cranberries", "treats", "urinary tract infections") in _relations(extraction)
    # PMID 25741817: the abstract names the species, and the plants by their common names.
    title = _extract(
        extractor,
        "The purpose of this study was to evaluate the effect of the consumption of seed oils "
        "from Vitis vinifera and Arachis hypogaea in platelet aggregation.",
    )
    text = _extract(
        extractor,
        "Consumption of plant oils from grape seeds and peanuts had a lowering effect on "
        "platelet aggregation, in addition to containing a high content of unsaturated fatty "
        "acids.",
    )
    species = {m.text: m.ids for m in title.mentions if m.kind is K.ORGANISM}
    common = {m.text: m.ids for m in text.mentions if m.kind is K.ORGANISM}
    # ("Vitis", ending as "-itis" diseases do, is no genus the binomial rule reads alone)
    assert set(common) == {"grape", "peanuts"}
    assert common["peanuts"] == species["Arachis hypogaea"]


def test_the_longest_common_name_decides_the_species(extractor: Extractor) -> None:
    # PMID 24968200: a Jerusalem artichoke is Helianthus tuberosus, not the artichoke Cynara
    extraction = _extract(
        extractor,
        "Beneficial effects of soluble dietary Jerusalem artichoke (Helianthus tuberosus) in the "
        "prevention of the onset of type 2 diabetes and non-alcoholic fatty liver disease in "
        "high-fructose diet-fed rats.",
    )
    ids = {m.text: m.ids for m in extraction.mentions if m.kind is K.ORGANISM}
    assert ids["Jerusalem artichoke"] == ids["Helianthus tuberosus"]
    assert ("Jerusalem artichoke", "treats", "type 2 diabetes") in _relations(extraction)


def test_common_plant_names_need_their_own_word_and_leave_vocabulary_herbs_alone(
    extractor: Extractor,
) -> None:
    # PMID 10907671: "grapefruit" is not "grape"; PMID 12640291: licorice is the herb's name.
    extraction = _extract(
        extractor,
        "In study 2, 11 patients with anxiety disorders receiving alprazolam (0.8-2.4 mg/day) "
        "ingested grapefruit juice (600 ml/day) for 7 days.",
    )
    assert _organisms(extraction) == ["grapefruit"]
    herb = _extract(
        extractor,
        "Long-term licorice ingestion is a well-known cause of secondary hypertension and "
        "hypokalemia.",
    )
    assert [m.kind for m in herb.mentions if m.text == "licorice"] == [K.HERB]


def test_a_pharmaceutical_latin_name_the_vocabulary_lacks_is_a_herb(
    extractor: Extractor,
) -> None:
    # PMID 16193818: two drugs of European pharmacopoeias the vocabulary does not list.
    extraction = _extract(
        extractor,
        "The extract from Cortex Quercus showed the highest activation when added to the "
        "culture with cefuroxime, whereas cefoperazone best stimulation demonstrated when "
        "combined with the extract from Rhizoma Tormentillae, and doxycycline with the extract "
        "from Folium Uvae ursi.",
    )
    herbs = {m.text: m for m in extraction.mentions if m.kind is K.HERB}
    assert {"Cortex Quercus", "Rhizoma Tormentillae", "Folium Uvae ursi"} <= set(herbs)
    # a herb the vocabulary lacks: a stable ungrounded id, the same for the other word order
    (quercus,) = herbs["Cortex Quercus"].ids
    assert is_ungrounded(quercus)
    reordered = _extract(extractor, "An extract of Quercus Cortex was tested.")
    assert [m.ids for m in reordered.mentions if m.kind is K.HERB] == [(quercus,)]
    # English words with a part word are no drug name: "Semen Analysis", "Prefrontal Cortex".
    other = _extract(extractor, "Semen Analysis and Prefrontal Cortex thickness were measured.")
    assert not [m for m in other.mentions if m.kind is K.HERB]


def test_a_species_given_as_a_remedy_is_a_herb(extractor: Extractor) -> None:
    # PMID 31533701: a part and an extract of a plant the vocabulary lacks name a herbal drug;
    # PMID 25256382: so does "the sclerotium of".
    extraction = _extract(
        extractor,
        "Ethanolic extract of Tamarindus indica L. leaves at 500 mg kg- 1 and 1000 mg kg- 1 "
        "produced anti-arthritic effects against S. aureus induced septic arthritis in rabbits.",
    )
    kinds = {m.text: m.kind for m in extraction.mentions}
    assert kinds["Tamarindus indica"] is K.HERB
    mushroom = _extract(
        extractor,
        "The sclerotium of Lignosus rhinocerotis (Cooke) Ryvarden (Tiger Milk mushroom) is used "
        "as a traditional medicine to relieve cough, asthma and chronic hepatitis.",
    )
    assert {m.text: m.kind for m in mushroom.mentions}["Lignosus rhinocerotis"] is K.HERB
    # A microbe named without a part or preparation stays an organism (PMID 22248145).
    microbe = _extract(
        extractor, "Oral candidiasis is a common fungal disease mainly caused by Candida albicans."
    )
    assert {m.text: m.kind for m in microbe.mentions}["Candida albicans"] is K.ORGANISM
