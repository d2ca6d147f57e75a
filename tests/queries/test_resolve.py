"""The resolver on a real in-memory store: exact names, species with authority, pinyin of
characters, traditional characters, suggestions for unknown names, herbs before compounds,
and ambiguous names returning every candidate."""

from __future__ import annotations

import time

import pytest

from kg.model import EntityKind, Label, Predicate
from kg.names import normalise_name
from kg.store import GraphStore
from queries.explain import UnknownCandidateError, candidates_named, resolve_candidate
from queries.indications import UnknownIndicationError, resolve_indication
from tests.queries.conftest import GraphBuilder

HQ = "TCMKG.HERB:astragali-radix"
GC = "TCMKG.HERB:glycyrrhizae-radix-et-rhizoma"
LIC = "PUBCHEM.COMPOUND:99000001"
FJ1 = "TCMKG.HERB:stephaniae-tetrandrae-radix"
FJ2 = "TCMKG.HERB:aristolochiae-fangchi-radix"
DM = "MESH:D003920"
T2 = "MESH:D003924"
HT = "MESH:D006973"


def _store(store: GraphStore) -> None:
    g = GraphBuilder(store)
    g.entity(HQ, EntityKind.HERB, "Astragali Radix", labels=(Label("黄芪", "zh"),))
    g.entity(GC, EntityKind.HERB, "Glycyrrhizae Radix et Rhizoma", labels=(Label("licorice"),))
    g.entity(LIC, EntityKind.COMPOUND, "licorice", labels=())
    g.entity(FJ1, EntityKind.HERB, "Stephaniae Tetrandrae Radix", labels=(Label("fang ji"),))
    g.entity(FJ2, EntityKind.HERB, "Aristolochiae Fangchi Radix", labels=(Label("fang ji"),))
    g.entity(HQ + "-species", EntityKind.HERB, "Astragalus membranaceus", labels=(Label("x"),))
    g.entity(DM, EntityKind.DISEASE, "Diabetes Mellitus", labels=(Label("糖尿病", "zh"),))
    g.entity(T2, EntityKind.DISEASE, "Diabetes Mellitus, Type 2", broader=(DM,))
    g.entity(HT, EntityKind.DISEASE, "Hypertension", labels=(Label("高血压", "zh"),))
    g.claim("TCMKG.DOC:resolve-1", HQ, Predicate.TREATS, T2)
    g.claim("TCMKG.DOC:resolve-2", HQ, Predicate.TREATS, HT)
    g.write()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("高血壓", "高血压"),
        ("黃芪", "黄芪"),
        ("Tumours", "tumor"),
        ("anaemia", "anemia"),
        ("St John's wort", "St Johns Wort"),
        ("Diabetic Nephropathies", "diabetic nephropathy"),
        ("Six-Ingredient Rehmannia Pills", "six ingredient rehmannia pill"),
    ],
)
def test_spelling_variants_fold_onto_one_key(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("黃芪", HQ),  # traditional characters
        ("huangqi", HQ),  # pinyin of a name the store holds in characters only
        ("Huáng Qí", HQ),
        ("Astragalus membranaceus (Fisch.) Bunge", HQ + "-species"),  # with authority
    ],
)
def test_candidates_by_any_spelling(memory_store: GraphStore, typed: str, expected: str) -> None:
    _store(memory_store)
    assert resolve_candidate(memory_store, typed).id == expected


def test_a_herb_comes_before_a_compound_of_the_same_name(memory_store: GraphStore) -> None:
    _store(memory_store)
    assert [c.id for c in candidates_named(memory_store, "Licorice")] == [GC, LIC]
    assert resolve_candidate(memory_store, "licorice").id == GC


def test_an_ambiguous_herb_name_lists_every_candidate(memory_store: GraphStore) -> None:
    _store(memory_store)
    with pytest.raises(UnknownCandidateError, match="ambiguous") as err:
        resolve_candidate(memory_store, "fangji")
    assert {c.id for c in err.value.candidates} == {FJ1, FJ2}


@pytest.mark.parametrize(("typed", "matched"), [("高血壓", HT), ("糖尿病", DM), ("diabetes", DM)])
def test_indications_in_traditional_characters(
    memory_store: GraphStore, typed: str, matched: str
) -> None:
    _store(memory_store)
    if typed == "diabetes":
        g = GraphBuilder(memory_store)
        g.entity(DM, EntityKind.DISEASE, "Diabetes Mellitus", labels=(Label("diabetes"),))
        g.write()
    assert resolve_indication(memory_store, typed).matched == (matched,)


@pytest.mark.parametrize(("typed", "first"), [("diabtes mellitus", DM), ("Diabe", DM)])
def test_unknown_indications_give_suggestions_fast(
    memory_store: GraphStore, typed: str, first: str
) -> None:
    _store(memory_store)
    state = memory_store.state_token()
    with pytest.raises(UnknownIndicationError, match="did you mean"):
        resolve_indication(memory_store, typed, state=state)
    started = time.perf_counter()
    with pytest.raises(UnknownIndicationError) as err:
        resolve_indication(memory_store, typed, state=state)
    assert time.perf_counter() - started < 0.1
    assert err.value.suggestions[0].iri.endswith(first.split(":")[1])
    assert len(err.value.suggestions) <= 5


def test_a_misspelt_candidate_is_suggested_never_taken(memory_store: GraphStore) -> None:
    _store(memory_store)
    with pytest.raises(UnknownCandidateError, match="did you mean") as err:
        resolve_candidate(memory_store, "Astragli Radix")
    assert err.value.suggestions[0].name == "Astragali Radix"
