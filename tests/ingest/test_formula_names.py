"""Formulas and patent medicines named in pinyin with a dosage form, which the vocabulary
lacks, are Formula mentions.

Sentences are quoted from abstracts of the DFI corpus (PMID in the comment).
"""

from __future__ import annotations

import pytest

from ingest.document import Document
from ingest.extract import Extraction, Extractor
from ingest.nlp.formula_names import formula_name, syllable_count
from kg.model import EntityKind


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ner=False)


def _extract(extractor: Extractor, text: str) -> Extraction:
    return extractor.extract(Document(id="PMID:1", title=text, abstract=""))


def _formulas(extraction: Extraction) -> dict[str, tuple[str, ...]]:
    return {m.text: m.ids for m in extraction.mentions if m.kind is EntityKind.FORMULA}


def test_a_pinyin_name_with_a_dosage_form_is_a_formula(extractor: Extractor) -> None:
    # PMID 29793324
    extraction = _extract(
        extractor,
        "Evaluation of the antithrombotic activity of Zhi-Xiong Capsules, a Traditional Chinese "
        "Medicinal formula, via the pathway of anti-coagulation, anti-platelet activation and "
        "anti-fibrinolysis.",
    )
    assert list(_formulas(extraction)) == ["Zhi-Xiong Capsules"]


def test_spellings_of_one_name_are_one_formula(extractor: Extractor) -> None:
    # PMID 29793324's neighbour on clopidogrel and herbs, and the name run together as other
    # papers write it.
    one = _extract(
        extractor,
        "Some herbs can increase the AUC or Cmax of clopidogrel, such as Scutellarin, Danggui, "
        "Gegen, Sauchinone and Dengzhan Shengmai capsules.",
    )
    two = _extract(extractor, "Dengzhanshengmai capsule")
    assert (
        _formulas(one)["Dengzhan Shengmai capsules"] == _formulas(two)["Dengzhanshengmai capsule"]
    )


def test_english_words_before_a_form_word_are_no_formula(extractor: Extractor) -> None:
    # PMID 29793324 (the formula's description) and words that split into pinyin syllables.
    extraction = _extract(
        extractor,
        "Zhi-Xiong Capsules (ZXC) is an empirical prescription used in Chinese clinics.",
    )
    assert "Chinese clinics" not in _formulas(extraction)
    assert formula_name(["Chinese"]) is None and formula_name(["Saline"]) is None
    assert formula_name(["Gelatin"]) is None  # no syllable "n" alone
    assert formula_name(["The", "Qili", "Qiangxin"]) == ["Qili", "Qiangxin"]
    assert syllable_count("Naoxintong") == 3


def test_a_formula_named_after_its_chief_herb_is_the_formula(extractor: Extractor) -> None:
    # Written in the style of a paper: Huangqin Tang (黄芩汤) holds four herbs, so its
    # evidence is the formula's, not Scutellaria's; a herb's own injection stays the herb's.
    formula = _extract(
        extractor, "Huangqin Tang attenuated dextran sulfate sodium-induced colitis."
    )
    assert list(_formulas(formula)) == ["Huangqin Tang"]
    assert not [m for m in formula.mentions if m.kind is EntityKind.HERB]
    herb = _extract(extractor, "Danshen injection improved angina in patients.")
    assert [m.kind for m in herb.mentions if m.text == "Danshen"] == [EntityKind.HERB]
    assert not _formulas(herb)


def test_a_kampo_name_in_hyphenated_parts_is_the_vocabularys_formula(extractor: Extractor) -> None:
    # PMID 19571387 and PMID 2172509: the vocabulary writes them whole (Hangekobokuto, Maoto)
    formulas = _formulas(
        _extract(
            extractor,
            "Anti-clastogenic effect of magnolol-containing Hange-koboku-to, Dai-joki-to, "
            "Goshaku-san, and Magnoliae Cortex on benzo(a)pyrene-induced clastogenicity in mice.",
        )
    )
    assert formulas["Hange-koboku-to"] == ("TCMKG.FORMULA:ban-xia-hou-po-tang",)
    assert formulas["Dai-joki-to"] == ("TCMKG.FORMULA:da-cheng-qi-tang",)
    mao = _formulas(
        _extract(
            extractor,
            "Mao-to, a Chinese herbal medicinal prescription was studied for the inhibitory "
            "activity of adenosine 3',5'-cyclic monophosphate (cAMP) phosphodiesterase.",
        )
    )
    assert mao == {"Mao-to": ("TCMKG.FORMULA:ma-huang-tang",)}
    # a hyphenated word the vocabulary does not hold is no formula by its shape
    assert not _formulas(_extract(extractor, "Long-term use of Dai-kenchu-to was studied."))
