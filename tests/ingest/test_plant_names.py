"""Plants and herbs as papers write them, read by the real pipeline and the shipped vocabulary.

Each test runs sentences written in the style of abstracts through the dictionary pipeline
(no trained recogniser) and checks which herb or formula each name becomes: species with
their botanical authority, abbreviated genus, common English names, the plant part a sentence
names, species of one genus kept apart, and Kampo / Korean formula names.
"""

from __future__ import annotations

from functools import cache

import pytest
from spacy.language import Language

from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.pipeline import build_pipeline
from kg.iri import is_ungrounded
from kg.model import EntityKind

HERB = "TCMKG.HERB:"
FORMULA = "TCMKG.FORMULA:"


@cache
def pipeline() -> Language:
    return build_pipeline(ner=False)


def mentions(text: str, kind: EntityKind | None = None) -> list[Mention]:
    found = mentions_of(pipeline()(text))
    return [m for m in found if kind is None or m.kind is kind]


def herbs(text: str) -> list[tuple[str, set[str]]]:
    """(surface, herb slugs it may name) for every herb mention of ``text``."""
    return [
        (m.text, {c.removeprefix(HERB) for c in m.curies}) for m in mentions(text, EntityKind.HERB)
    ]


# --- species binomials ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "surface", "herb"),
    [
        (
            "The roots of Astragalus membranaceus (Fisch.) Bunge were extracted with 70% ethanol.",
            "Astragalus membranaceus",
            "astragali-radix",
        ),
        (
            "Salvia miltiorrhiza Bge. is widely used for cardiovascular diseases in China.",
            "Salvia miltiorrhiza",
            "salviae-miltiorrhizae-radix-et-rhizoma",
        ),
        (
            "Ginsenosides are the main constituents of Panax ginseng C.A. Meyer.",
            "Panax ginseng",
            "ginseng-radix-et-rhizoma",
        ),
        (
            "Astragalus membranaceus var. mongholicus was collected in Inner Mongolia.",
            "Astragalus membranaceus var. mongholicus",
            "astragali-radix",
        ),
    ],
)
def test_a_species_with_its_authority_names_the_herb_without_the_authority(
    sentence: str, surface: str, herb: str
) -> None:
    assert herbs(sentence)[0] == (surface, {herb})


def test_an_epithet_in_another_gender_is_the_same_species() -> None:
    text = "Panax quinquefolium, Alisma orientalis and Salvia miltiorrhizae were compared."
    assert herbs(text) == [
        ("Panax quinquefolium", {"panacis-quinquefolii-radix"}),
        ("Alisma orientalis", {"alismatis-rhizoma"}),
        ("Salvia miltiorrhizae", {"salviae-miltiorrhizae-radix-et-rhizoma"}),
    ]


def test_a_species_names_the_raw_drug_not_its_processed_forms() -> None:
    # 炙甘草 (honey-fried) and 红参 (steamed) are made from the same plants, but a paper that
    # names the plant means the plant.
    assert herbs("Glycyrrhiza glabra and Panax ginseng were studied.") == [
        ("Glycyrrhiza glabra", {"glycyrrhizae-radix-et-rhizoma"}),
        ("Panax ginseng", {"ginseng-radix-et-rhizoma"}),
    ]


def test_the_part_after_the_authority_still_decides_the_herb() -> None:
    found = herbs("Zingiber officinale Roscoe rhizome was purchased from a local market.")
    assert found == [("Zingiber officinale", {"zingiberis-rhizoma-recens", "zingiberis-rhizoma"})]


def test_abbreviated_genus_after_the_full_name() -> None:
    text = (
        "Hypericum perforatum is used for depression. H. perforatum extract induced CYP3A4. "
        "A. membranaceus var. mongholicus roots were dried."
    )
    assert herbs(text) == [
        ("Hypericum perforatum", {"hyperici-perforati-herba"}),
        ("H. perforatum", {"hyperici-perforati-herba"}),
        ("A. membranaceus var. mongholicus", {"astragali-radix"}),
    ]


def test_an_abbreviated_genus_is_the_species_the_abstract_wrote_out() -> None:
    # "C. sinensis" alone may be Camellia, Citrus, Cordyceps or Cyclina sinensis ...
    ((_, alone),) = herbs("C. sinensis was given orally.")
    assert {"camelliae-sinensis-folium", "cordyceps"} <= alone
    # ... after "Camellia sinensis" it is the tea plant,
    text = "Camellia sinensis leaves were brewed. C. sinensis extract reduced body weight."
    assert herbs(text) == [
        ("Camellia sinensis", {"camelliae-sinensis-folium"}),
        ("C. sinensis", {"camelliae-sinensis-folium"}),
    ]
    # and after a species the vocabulary does not hold it is that species, no herb of ours
    # (its extract is a herbal drug the vocabulary lacks: an ungrounded herb).
    text = "Spiraea japonica was collected in Yunnan. S. japonica extract inhibited NO release."
    found = [slugs for _, slugs in herbs(text)]
    assert found and all(is_ungrounded(s) for slugs in found for s in slugs)


def test_abbreviated_pharmaceutical_latin_only_after_its_full_name() -> None:
    text = "Dioscoreae Rhizoma was extracted with water. D. rhizoma extract inhibited CYP2C19."
    assert herbs(text) == [
        ("Dioscoreae Rhizoma", {"dioscoreae-rhizoma"}),
        ("D. rhizoma", {"dioscoreae-rhizoma"}),
    ]
    # Without the full name before it, "D. rhizoma" could be any D-genus rhizome.
    assert herbs("D. rhizoma extract inhibited CYP2C19.") == []


def test_latin_pharmaceutical_names_in_both_orders() -> None:
    assert herbs("Radix Astragali and Astragali Radix were decocted together.") == [
        ("Radix Astragali", {"astragali-radix"}),
        ("Astragali Radix", {"astragali-radix"}),
    ]


def test_latin_names_shortened_by_their_epithet_keep_every_drug_of_the_genus() -> None:
    assert herbs("Fructus Schisandrae and Dioscoreae Rhizoma were decocted.") == [
        (
            "Fructus Schisandrae",
            {"schisandrae-chinensis-fructus", "schisandrae-sphenantherae-fructus"},
        ),
        # A name spelt in full is that drug only, though it is also a shortened form of others.
        ("Dioscoreae Rhizoma", {"dioscoreae-rhizoma"}),
    ]


# --- common English names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "herb"),
    [
        ("licorice", "glycyrrhizae-radix-et-rhizoma"),
        ("liquorice", "glycyrrhizae-radix-et-rhizoma"),
        ("St John's wort", "hyperici-perforati-herba"),
        ("St. John's wort", "hyperici-perforati-herba"),
        ("garlic", "allii-sativi-bulbus"),
        ("green tea", "camelliae-sinensis-folium"),
        ("turmeric", "curcumae-longae-rhizoma"),
        ("danshen", "salviae-miltiorrhizae-radix-et-rhizoma"),
        ("astragalus", "astragali-radix"),
        ("milk thistle", "silybi-fructus"),
        ("valerian", "valerianae-radix"),
        ("ashwagandha", "withaniae-somniferae-radix"),
    ],
)
def test_common_names_name_the_herb(name: str, herb: str) -> None:
    text = f"Patients taking {name} should be monitored for interactions with warfarin."
    assert herbs(text) == [(name, {herb})]


def test_a_longer_common_name_is_not_the_shorter_one_inside_it() -> None:
    text = "Star anise, anise and Korean red ginseng were sold as supplements."
    assert herbs(text) == [
        ("Star anise", {"anisi-stellati-fructus"}),
        ("anise", {"anisi-fructus"}),
        ("Korean red ginseng", {"ginseng-radix-et-rhizoma-rubra"}),
    ]


def test_licorice_is_the_herb_and_glycyrrhizin_its_compound() -> None:
    text = "Glycyrrhizin, an active component of licorice roots, reduces inflammation."
    found = mentions(text)
    assert [(m.text, m.kind) for m in found] == [
        ("Glycyrrhizin", EntityKind.COMPOUND),
        ("licorice", EntityKind.HERB),
    ]
    assert found[1].ids == (HERB + "glycyrrhizae-radix-et-rhizoma",)


@pytest.mark.parametrize(
    ("sentence", "surface", "herb"),
    [
        # The mention is the plant; the part beside it decides which drug of the plant it is.
        ("The licorice root extract was given daily.", "licorice", "glycyrrhizae-radix-et-rhizoma"),
        ("Ginkgo biloba leaf extract improved memory.", "Ginkgo biloba", "ginkgo-folium"),
        # English "root" is also said of rhizomes.
        ("The turmeric root extract inhibited growth.", "turmeric", "curcumae-longae-rhizoma"),
        ("Mulberry leaves lowered postprandial glucose.", "Mulberry", "mori-folium"),
    ],
)
def test_x_part_extract_names_the_plant_and_the_drug_of_that_part(
    sentence: str, surface: str, herb: str
) -> None:
    assert herbs(sentence) == [(surface, {herb})]


def test_berries_are_the_fruit_and_plural_names_still_match() -> None:
    assert herbs("Goji berries were eaten daily.") == [("Goji berries", {"lycii-fructus"})]
    assert herbs("An extract of the berries of Schisandra chinensis was used.") == [
        ("Schisandra chinensis", {"schisandrae-chinensis-fructus"})
    ]


def test_short_form_of_a_plant_and_part_is_the_same_herb() -> None:
    text = "Hawthorn fruit (HF) lowered serum lipids; HF also reduced body weight."
    assert herbs(text) == [
        ("Hawthorn", {"crataegi-fructus"}),
        ("HF", {"crataegi-fructus"}),
        ("HF", {"crataegi-fructus"}),
    ]


# --- the plant part decides the herb --------------------------------------------------------


def test_persimmon_leaves_are_not_persimmon_calyx() -> None:
    text = (
        "The leaves of Diospyros kaki are used as tea in Korea; persimmon leaves lowered "
        "blood pressure in hypertensive rats."
    )
    assert all("kaki-calyx" not in slugs for _, slugs in herbs(text))


def test_a_species_without_its_part_keeps_every_herb_of_it() -> None:
    ((surface, slugs),) = herbs("Morus alba has been used to treat diabetes.")
    assert surface == "Morus alba"
    assert slugs == {"mori-folium", "mori-cortex", "mori-ramulus", "mori-fructus"}
    (mention,) = mentions("Morus alba has been used to treat diabetes.", EntityKind.HERB)
    assert mention.ambiguous and not mention.ids


def test_the_part_named_picks_one_herb_of_the_species() -> None:
    assert herbs("Morus alba leaves were extracted with methanol.") == [
        ("Morus alba", {"mori-folium"})
    ]
    assert herbs("The root bark of Morus alba was studied.") == [("Morus alba", {"mori-cortex"})]


def test_leaves_or_flowers_of_a_herba_drug_are_that_herb() -> None:
    # A Herba drug is the aerial parts; its root is not.
    assert herbs("Andrographis paniculata leaves were dried in the shade.") == [
        ("Andrographis paniculata", {"andrographis-herba"})
    ]
    assert herbs("Andrographis paniculata roots were discarded.") == []


# --- species of one genus stay apart --------------------------------------------------------


def test_ceylon_cinnamon_is_not_cassia_bark() -> None:
    found = herbs("Cinnamomum zeylanicum bark extract improved insulin sensitivity.")
    assert found == [("Cinnamomum zeylanicum", {"cinnamomi-zeylanici-cortex"})]
    assert herbs("Cinnamomum cassia bark was powdered.") == [
        ("Cinnamomum cassia", {"cinnamomi-cortex"})
    ]
    # The English word belongs to both barks: both stay candidates, none is chosen.
    ((_, slugs),) = herbs("Cinnamon supplementation lowered fasting glucose.")
    assert slugs == {"cinnamomi-cortex", "cinnamomi-zeylanici-cortex"}


def test_cannabidiol_is_a_compound_never_hemp_seed() -> None:
    text = "Cannabidiol reduced seizure frequency in patients with Dravet syndrome."
    assert herbs(text) == []
    assert herbs("Hemp seed oil was given to rats.") == [("Hemp seed", {"cannabis-fructus"})]


# --- what is not a herb ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "A ginger-colored precipitate formed after 2 h.",
        "The sample was stained with turmeric yellow.",
        "Mr. Ginger reported the case to the committee.",
        "Onion and grapefruit juice were given with the meal.",
        "Wheat flour and honey were mixed into the diet.",
        "The MINT trial enrolled 300 patients.",
    ],
)
def test_colours_people_acronyms_and_foods_are_not_herbs(sentence: str) -> None:
    assert herbs(sentence) == []


def test_a_clove_of_garlic_is_garlic_not_cloves() -> None:
    assert herbs("Each day the men ate two cloves of raw garlic.") == [
        ("garlic", {"allii-sativi-bulbus"})
    ]


# --- Kampo and Korean formula names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "formula"),
    [
        ("Yokukansan", "yi-gan-san"),
        ("Hochuekkito", "bu-zhong-yi-qi-tang"),
        ("So-Cheong-Ryong-Tang", "xiao-qing-long-tang"),
        ("Liuwei Dihuang pill", "liu-wei-di-huang-wan"),
        ("Liuwei Dihuang Wan", "liu-wei-di-huang-wan"),
        ("Xiaoyao powder", "xiao-yao-san"),
        ("Xiaoyao San", "xiao-yao-san"),
        ("Fufang Danshen Dripping Pill", "fu-fang-dan-shen-di-wan"),
        ("Shenmai injection", "shen-mai-zhu-she-ye"),
        ("Saireito", "chai-ling-tang"),
        ("Xiao Chaihu Tang", "xiao-chai-hu-tang"),
        ("Kami-shoyo-san", "dan-zhi-xiao-yao-san"),
        ("Keishi-bukuryo-gan", "gui-zhi-fu-ling-wan"),
        ("Samul-tang", "si-wu-tang"),
        ("Qiliqiangxin capsule", "qi-li-qiang-xin-jiao-nang"),
    ],
)
def test_kampo_korean_and_dosage_form_variants_name_the_formula(name: str, formula: str) -> None:
    found = mentions(f"{name} was given for 8 weeks.")
    assert [(m.text, m.ids) for m in found] == [(name, (FORMULA + formula,))]


def test_a_formula_short_form_defined_in_the_text_is_the_formula() -> None:
    text = (
        "Buyang Huanwu decoction (BYHWD) is used after stroke. "
        "BYHWD reduced infarct volume in rats."
    )
    found = mentions(text, EntityKind.FORMULA)
    assert [m.text for m in found] == ["Buyang Huanwu decoction", "BYHWD", "BYHWD"]
    assert {m.ids for m in found} == {(FORMULA + "bu-yang-huan-wu-tang",)}
