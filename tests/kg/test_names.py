"""The one name rule: every spelling of a name gives one key, and every lookup that compares
names (the vocabulary, the ranking's indication and candidate lookups, the API's search) finds
the same entities for the same spelling, on a real in-memory store."""

from __future__ import annotations

import pytest

from api.label_index import LabelIndex
from ingest.importers.symmap import modern_latin
from ingest.vocabulary import load_seed
from kg.model import EntityKind, Label, Predicate
from kg.names import PART_WORDS, QUALIFIERS, normalise_name
from kg.store import GraphStore
from queries.explain import UnknownCandidateError, resolve_candidate
from queries.indications import UnknownIndicationError, resolve_indication
from tests.queries.conftest import GraphBuilder

HQ = "TCMKG.HERB:astragali-radix"
DM = "MESH:D003920"
T2 = "MESH:D003924"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Huáng-qí", "huang qi"),
        ("HuangQi", "huang qi"),
        ("Diabetes  Mellitus", "diabetes mellitus"),
        ("TYPE-2 diabetes", "type 2 diabetes"),
        ("Radix Astragali", "Astragali Radix"),
        ("Calculus Bovis", "Bovis Calculus"),
        ("Carapax et Plastrum Testudinis", "Testudinis Carapax et Plastrum"),
        ("ＨＵＡＮＧ　ＱＩ", "huang qi"),
    ],
)
def test_every_spelling_of_one_name_has_one_key(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Paeoniae Radix Alba", "Paeoniae Radix Rubra"),
        ("Diabetes Mellitus, Type 2", "diabetes mellitus"),
        ("麻黄", "麻黄根"),
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


def test_one_part_word_list_for_normalising_and_for_word_order() -> None:
    # Part words make a Latin name modern-order when last; qualifiers only travel with them.
    assert not PART_WORDS & QUALIFIERS
    assert modern_latin(["Cacumen Tamaricis", "Tamaricis Cacumen"]) == "Tamaricis Cacumen"
    assert modern_latin(["Radix Paeoniae Alba", "Paeoniae Radix Alba"]) == "Paeoniae Radix Alba"
    # Every part word of the seed's Latin herb names is in the list.
    herbs = load_seed().by_kind(EntityKind.HERB)
    last_words = {e.label.split()[-1].lower() for e in herbs if len(e.label.split()) > 1}
    assert {"radix", "rhizoma", "calyx", "carapax", "calculus"} <= last_words & PART_WORDS


def _names(store: GraphStore) -> None:
    g = GraphBuilder(store)
    g.entity(HQ, EntityKind.HERB, "Astragali Radix", labels=(Label("Huáng Qí", "zh-Latn-pinyin"),))
    g.entity(DM, EntityKind.DISEASE, "Diabetes mellitus", labels=(Label("糖尿病", "zh"),))
    g.entity(T2, EntityKind.DISEASE, "Type 2 diabetes", broader=(DM,))
    g.claim("TCMKG.DOC:names-1", HQ, Predicate.TREATS, T2)
    g.write()


@pytest.mark.parametrize("typed", ["Huáng-qí", "huangqi", "HUANG QI", "Radix Astragali"])
def test_search_explain_and_rank_find_the_same_herb(memory_store: GraphStore, typed: str) -> None:
    _names(memory_store)
    hits = LabelIndex(memory_store).search(typed, generation=0).hits
    assert [h.id for h in hits if h.match == "exact"] == [HQ]
    assert resolve_candidate(memory_store, typed).id == HQ
    assert resolve_candidate(memory_store, typed, state=memory_store.state_token()).id == HQ


@pytest.mark.parametrize(
    ("typed", "matched", "terms"),
    [
        ("Diabetes-Mellitus", DM, {DM, T2}),
        ("糖尿病", DM, {DM, T2}),
        ("type2 diabetes", T2, {T2}),
    ],
)
def test_indications_are_found_by_the_same_rule(
    memory_store: GraphStore, typed: str, matched: str, terms: set[str]
) -> None:
    _names(memory_store)
    found = resolve_indication(memory_store, typed)
    assert (found.matched, set(found.terms)) == ((matched,), terms)
    cached = resolve_indication(memory_store, typed, state=memory_store.state_token())
    assert cached.matched == (matched,)
    hits = LabelIndex(memory_store).search(typed, generation=0).hits
    assert [h.id for h in hits if h.match == "exact"] == [matched]


def test_unknown_names_are_refused(memory_store: GraphStore) -> None:
    _names(memory_store)
    with pytest.raises(UnknownIndicationError, match="no indication named 'gout'"):
        resolve_indication(memory_store, "gout")
    with pytest.raises(UnknownIndicationError, match="empty indication name"):
        resolve_indication(memory_store, " - ")
    with pytest.raises(UnknownCandidateError, match="no herb, formula, preparation or compound"):
        resolve_candidate(memory_store, "huang")
