"""Dictionary matching: what a reader of the extract output relies on for every mention."""

from __future__ import annotations

from ingest.nlp.matcher import DictionaryMatcher, fold
from kg.model import EntityKind as K

TERMS = [
    ("Huang Qi", "TCMKG.HERB:astragali-radix", K.HERB),
    ("黄芪", "TCMKG.HERB:astragali-radix", K.HERB),
    ("Ginkgo biloba", "TCMKG.HERB:ginkgo-folium", K.HERB),
    ("Ginkgo biloba", "TCMKG.HERB:ginkgo-semen", K.HERB),
    ("St John's wort", "TCMKG.HERB:hyperici-perforati-herba", K.HERB),
    ("seizure", "MESH:D012640", K.DISEASE),
    ("diabetes", "MESH:D003920", K.DISEASE),
    ("type 2 diabetes", "MESH:D003924", K.DISEASE),
    ("MET", "NCBIGene:4233", K.TARGET),
    ("IL-6", "NCBIGene:3569", K.TARGET),
]


def found(text: str) -> list[tuple[str, tuple[str, ...]]]:
    matcher = DictionaryMatcher(TERMS)
    return [(text[m.start : m.end], m.curies) for m in matcher.find(text)]


def test_case_and_hyphen_variants_match_and_offsets_index_the_original_text() -> None:
    text = "huang-qi, HUANG QI and Huang Qi"
    assert [s for s, _ in found(text)] == ["huang-qi", "HUANG QI", "Huang Qi"]


def test_chinese_names_match_without_word_boundaries() -> None:
    assert found("黄芪汤加减治疗") == [("黄芪", ("TCMKG.HERB:astragali-radix",))]


def test_names_inside_longer_words_do_not_match() -> None:
    assert found("xhuang qi, huang qiy, prediabetesx") == []


def test_longest_match_wins() -> None:
    assert found("patients with type 2 diabetes") == [("type 2 diabetes", ("MESH:D003924",))]


def test_plural_of_a_name_is_the_name() -> None:
    assert found("Seizures were rare.") == [("Seizures", ("MESH:D012640",))]


def test_short_capitalised_names_need_their_case() -> None:
    # "met" the verb is not the MET gene; IL-6 written "IL 6" still is IL-6.
    assert found("They met MET and IL 6.") == [
        ("MET", ("NCBIGene:4233",)),
        ("IL 6", ("NCBIGene:3569",)),
    ]


def test_ambiguous_name_keeps_every_candidate() -> None:
    matcher = DictionaryMatcher(TERMS)
    (match,) = matcher.find("Ginkgo biloba was given.")
    assert match.ambiguous
    assert set(match.curies) == {"TCMKG.HERB:ginkgo-folium", "TCMKG.HERB:ginkgo-semen"}


def test_name_of_a_disease_and_its_kegg_pathway_is_a_disease_with_both_candidates() -> None:
    matcher = DictionaryMatcher(
        [
            ("Hepatitis B", "KEGG.PATHWAY:hsa05161", K.PATHWAY),
            ("hepatitis B", "MESH:D006509", K.DISEASE),
        ]
    )
    (match,) = matcher.find("Patients with chronic hepatitis B were enrolled.")
    assert match.kind is K.DISEASE
    assert set(match.curies) == {"KEGG.PATHWAY:hsa05161", "MESH:D006509"}


def test_abbreviated_genus_and_full_stops_in_names() -> None:
    assert [s for s, _ in found("G. biloba and St. John's wort")] == [
        "G. biloba",
        "St. John's wort",
    ]


def test_fold_keeps_length_even_for_characters_that_lower_case_to_two() -> None:
    text = "İstanbul Huang-Qi"
    assert len(fold(text)) == len(text)
    matcher = DictionaryMatcher(TERMS)
    (match,) = matcher.find(text)
    assert text[match.start : match.end] == "Huang-Qi"


def test_empty_dictionary_and_empty_text() -> None:
    assert DictionaryMatcher([]).find("Huang Qi") == []
    assert DictionaryMatcher(TERMS).find("") == []


def test_kampo_and_korean_names_and_dosage_form_variants_find_the_formula() -> None:
    # The shipped vocabulary: Kampo and Korean readings are aliases of the Chinese formulas,
    # and a name matches with its dosage form in English or pinyin and its syllables joined.
    from ingest.nlp.pipeline import build_pipeline, run

    nlp = build_pipeline()
    text = (
        "Yokukansan and Hochuekkito are Kampo medicines used for dementia and fatigue; "
        "So-Cheong-Ryong-Tang was given for allergic rhinitis, and Xiaoyao san and "
        "Xiaoyaosan for depression."
    )
    doc = run(nlp, text)
    formulas = [(m.text, m.ids) for m in doc._.tcm_mentions if m.kind is K.FORMULA]
    assert formulas == [
        ("Yokukansan", ("TCMKG.FORMULA:yi-gan-san",)),
        ("Hochuekkito", ("TCMKG.FORMULA:bu-zhong-yi-qi-tang",)),
        ("So-Cheong-Ryong-Tang", ("TCMKG.FORMULA:xiao-qing-long-tang",)),
        ("Xiaoyao san", ("TCMKG.FORMULA:xiao-yao-san",)),
        ("Xiaoyaosan", ("TCMKG.FORMULA:xiao-yao-san",)),
    ]


def test_joined_syllables_are_not_made_of_short_formula_names() -> None:
    matcher = DictionaryMatcher([("Er Chen Tang", "TCMKG.FORMULA:er-chen-tang", K.FORMULA)])
    text = "Er Chen decoction, Erchen Tang and erchentang; but not erchen alone"
    assert [text[m.start : m.end] for m in matcher.find(text)] == [
        "Er Chen decoction",
        "Erchen Tang",
        "erchentang",
    ]


def test_a_species_becomes_the_herb_of_the_part_the_sentence_names() -> None:
    # Lycium barbarum gives Lycii Fructus (fruit) and Lycii Cortex (root bark); persimmon
    # leaves are not Kaki Calyx; ginseng leaves are not Ginseng Radix.
    from ingest.nlp.pipeline import build_pipeline, run

    nlp = build_pipeline()
    text = (
        "The fruit of Lycium barbarum and Lycium barbarum root bark were extracted, as were "
        "persimmon leaves, Panax ginseng leaves and Cassia obtusifolia seeds; Lycium barbarum "
        "extract was also tested."
    )
    doc = run(nlp, text)
    herbs = [(m.text, m.ids, m.candidates) for m in doc._.tcm_mentions if m.kind is K.HERB]
    assert herbs == [
        ("Lycium barbarum", ("TCMKG.HERB:lycii-fructus",), ()),
        ("Lycium barbarum", ("TCMKG.HERB:lycii-cortex",), ()),
        ("Cassia obtusifolia", ("TCMKG.HERB:cassiae-semen",), ()),
        # No part named: every herb of the species stays a candidate.
        ("Lycium barbarum", (), ("TCMKG.HERB:lycii-fructus", "TCMKG.HERB:lycii-cortex")),
    ]
