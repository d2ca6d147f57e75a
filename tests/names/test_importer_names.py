"""The importers read a table's names by the one name rule, and never pick among candidates.

``ingest/importers/resolve.py`` looks names up in the shipped vocabulary by
:func:`kg.names.normalise_name` (the key the resolver of ``rank``, the API and the page
compares), takes a species written with its authority as its binomial, and leaves a name
several herbs share (fangji, mu tong) ambiguous unless it is one entry's own preferred label
as the pharmacopoeia writes it.
"""

from __future__ import annotations

import pytest

from ingest.importers.resolve import resolve
from ingest.vocabulary import Vocabulary
from ingest.vocabulary.loader import load_seed
from kg.model import EntityKind

HQ = "TCMKG.HERB:astragali-radix"
FJ = {"TCMKG.HERB:aristolochiae-fangchi-radix", "TCMKG.HERB:stephaniae-tetrandrae-radix"}


@pytest.fixture(scope="module")
def seed() -> Vocabulary:
    return load_seed()


@pytest.mark.parametrize(
    "typed",
    [
        "黄芪",
        "黃芪",  # traditional characters
        "Huáng-qí",
        "Radix Astragali",
        "ASTRAGALI RADIX",
        "Astragalus membranaceus",
        "Astragalus membranaceus (Fisch.) Bunge",  # with its authority
    ],
)
def test_a_table_name_finds_its_herb_by_the_one_rule(seed: Vocabulary, typed: str) -> None:
    found = resolve(seed, typed, EntityKind.HERB)
    assert found.entity is not None and found.entity.id == HQ


@pytest.mark.parametrize("typed", ["fangji", "Fang Ji", "fáng jǐ"])
def test_a_shared_pinyin_name_stays_ambiguous(seed: Vocabulary, typed: str) -> None:
    found = resolve(seed, typed, EntityKind.HERB)
    assert found.entity is None and found.ambiguous
    assert {c.id for c in found.candidates} == FJ


def test_the_pharmacopoeia_characters_pick_their_entry_and_keep_the_others(
    seed: Vocabulary,
) -> None:
    found = resolve(seed, "防己", EntityKind.HERB)
    assert found.entity is not None
    assert found.entity.id == "TCMKG.HERB:stephaniae-tetrandrae-radix"
    assert {c.id for c in found.candidates} == FJ  # the other candidate is still reported
