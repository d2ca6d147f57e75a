"""Browsing the materia medica by TCM theory: herbs and formulas by action, nature, flavour,
meridian or syndrome, and syndromes by name in any language.

Filters are names in characters, pinyin or English (活血化瘀, "huo xue hua yu", "activate blood
and resolve stasis"), or ids. A filter covers its narrower concepts: the action 补虚 finds herbs
that 补气, the nature 寒 finds 微寒 herbs. What each entity is said to be comes from the store's
TCM theory claims (:mod:`queries.traditional`), with every source table kept.

A herb matches an action it has. A formula or preparation has no action of its own in the
tables; it matches an action through its classical indications: a formula indicated for a
syndrome whose treatment principle calls for that action (血府逐瘀汤 → 气滞血瘀证 → 活血化瘀).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kg.names import normalise_name
from kg.store import GraphStore
from queries.config import ScoringConfig
from queries.mechanism import mechanism_layer
from queries.resolve import NameIndex, UnknownNameError, did_you_mean
from queries.traditional import (
    ENTERS_MERIDIAN,
    HAS_ACTION,
    HAS_FLAVOUR,
    HAS_NATURE,
    INDICATED_FOR,
    TheoryConcept,
    TheoryLayer,
    graded_toxicity,
    iri_of,
    resolve_syndrome,
    theory_layer,
)

DEFAULT_LIMIT = 100


class BrowseKind(StrEnum):
    """Which entities to list."""

    HERB = "herb"
    FORMULA = "formula"
    PREPARATION = "preparation"
    ALL = "all"

    def entity_kinds(self) -> set[str]:
        """The entity kind values (``Herb`` …) this choice covers."""
        table = {
            BrowseKind.HERB: {"Herb"},
            BrowseKind.FORMULA: {"Formula"},
            BrowseKind.PREPARATION: {"HospitalPreparation"},
        }
        return table.get(self, {"Herb", "Formula", "HospitalPreparation"})


# Filter name -> (the theory predicate it reads, the concept kind its value names)
FILTERS: dict[str, tuple[str, str]] = {
    "action": (HAS_ACTION, "ActionCategory"),
    "nature": (HAS_NATURE, "HerbNature"),
    "flavour": (HAS_FLAVOUR, "Flavour"),
    "meridian": (ENTERS_MERIDIAN, "Meridian"),
}


class UnknownTheoryNameError(UnknownNameError):
    """A filter value names no concept of its kind."""


@dataclass(frozen=True)
class BrowseResult:
    """The entities that pass every filter, the filters as resolved, and how many there are."""

    filters: dict[str, dict[str, Any]]
    total: int
    items: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """``{"filters", "total", "items"}``."""
        return {"filters": self.filters, "total": self.total, "items": self.items}


def _concepts_of_kind(layer: TheoryLayer, kind: str) -> list[TheoryConcept]:
    pool = layer.concepts if kind == "ActionCategory" else layer.members
    return sorted((c for c in pool.values() if c.kind == kind), key=lambda c: c.label.lower())


def resolve_concept(layer: TheoryLayer, kind: str, name: str) -> TheoryConcept:
    """The concept of ``kind`` named ``name`` (any language, or its id)."""
    options = _concepts_of_kind(layer, kind)
    for concept in options:
        if name.strip() in (concept.id, iri_of(concept.id)):
            return concept
    index = NameIndex.build(
        (iri_of(c.id), n) for c in options for n in (*c.names, c.label, c.zh or "") if n
    )
    resolution = index.resolve(name)
    found = sorted(resolution.found)
    if not found:
        offer = did_you_mean([s.name for s in resolution.suggestions])
        words = {"ActionCategory": "action", "HerbNature": "nature"}.get(kind, kind.lower())
        raise UnknownTheoryNameError(f"no {words} named {name!r}" + (f"; {offer}" if offer else ""))
    by_iri = {iri_of(c.id): c for c in options}
    return by_iri[found[0]]


def _matches(layer: TheoryLayer, subject: str, predicate: str, wanted: set[str]) -> bool:
    return any(f.object in wanted for f in layer.of(subject, predicate))


def _formula_actions(layer: TheoryLayer, subject: str) -> set[str]:
    """Actions a formula or preparation has through the principles of its indications."""
    out: set[str] = set()
    for fact in layer.of(subject, INDICATED_FOR):
        found = layer.concepts.get(fact.object)
        if found is not None:
            for action in found.principle_actions:
                out.add(action)
                out |= layer.ancestors(action)
    return out


def describe(layer: TheoryLayer, subject: str) -> dict[str, Any]:
    """What the theory tables say of one entity, each concept named in three scripts."""

    def named(predicate: str) -> list[dict[str, Any]]:
        objects = dict.fromkeys(f.object for f in layer.of(subject, predicate))
        return [layer.concept_json(o) for o in objects]

    return {
        "actions": named(HAS_ACTION),
        "natures": named(HAS_NATURE),
        "flavours": named(HAS_FLAVOUR),
        "meridians": named(ENTERS_MERIDIAN),
        "toxicity": [
            {**layer.concept_json(g.grade), "source": g.source}
            for g in graded_toxicity(layer, subject)
        ],
        "indicated_for": named(INDICATED_FOR),
    }


def browse(
    store: GraphStore,
    kind: BrowseKind = BrowseKind.HERB,
    *,
    action: str | None = None,
    nature: str | None = None,
    flavour: str | None = None,
    meridian: str | None = None,
    syndrome: str | None = None,
    limit: int = DEFAULT_LIMIT,
    config: ScoringConfig | None = None,
) -> BrowseResult:
    """Entities of ``kind`` that pass every filter given, by English name.

    Kinds and labels come from the ranking projection (:func:`queries.mechanism.mechanism_layer`);
    ``config`` is the caller's scoring configuration, so that the projection its rankings keep
    is the one read, not a second one built for the defaults.

    Raises :class:`UnknownTheoryNameError` or
    :class:`queries.traditional.UnknownSyndromeError` for a value that names nothing.
    """
    state = store.state_token()
    layer = theory_layer(store, state)
    entities = mechanism_layer(store, config or ScoringConfig(), state).entities
    wanted_kinds = kind.entity_kinds()
    given = {"action": action, "nature": nature, "flavour": flavour, "meridian": meridian}
    filters: dict[str, dict[str, Any]] = {}
    tests: list[tuple[str, str, set[str]]] = []
    for name, value in given.items():
        if value is None or not value.strip():
            continue
        predicate, concept_kind = FILTERS[name]
        concept = resolve_concept(layer, concept_kind, value)
        filters[name] = concept.to_json()
        tests.append((name, predicate, layer.descendants(concept.id)))
    covered: set[str] | None = None
    if syndrome is not None and syndrome.strip():
        query = resolve_syndrome(store, syndrome, state=state)
        filters["syndrome"] = query.concept.to_json()
        covered = set(query.covered)
    subjects: Iterable[str] = layer.facts
    out: list[dict[str, Any]] = []
    for subject in subjects:
        found = entities.get(subject)
        if found is None or found[0] not in wanted_kinds:
            continue
        ok = True
        for name, predicate, wanted in tests:
            if name == "action" and found[0] != "Herb":
                ok = bool(_formula_actions(layer, subject) & wanted)
            else:
                ok = _matches(layer, subject, predicate, wanted)
            if not ok:
                break
        if ok and covered is not None:
            ok = _matches(layer, subject, INDICATED_FOR, covered)
        if ok and (tests or covered is not None or layer.facts.get(subject)):
            out.append(
                {"id": subject, "label": found[1], "kind": found[0], **describe(layer, subject)}
            )
    out.sort(key=lambda e: (normalise_name(e["label"]), e["id"]))
    return BrowseResult(filters, len(out), out[:limit])


def search_syndromes(store: GraphStore, text: str = "", limit: int = 10) -> list[dict[str, Any]]:
    """Syndromes whose names (characters, pinyin, English) match ``text``; all when empty.

    Names that begin with what was typed come first, then names containing it, then near
    names (a few typing errors), as the page's suggestions list them.
    """
    layer = theory_layer(store)
    syndromes = layer.syndromes()
    key = normalise_name(text)
    if not key:
        chosen = syndromes
    else:
        scored: list[tuple[int, int, str, TheoryConcept]] = []
        for concept in syndromes:
            names = [normalise_name(n) for n in (*concept.names, concept.pinyin or "") if n]
            compact = [n.replace(" ", "") for n in names]
            bare = key.replace(" ", "")
            if any(
                n.startswith(key) or c.startswith(bare) for n, c in zip(names, compact, strict=True)
            ):
                rank = 0
            elif any(key in n or bare in c for n, c in zip(names, compact, strict=True)):
                rank = 1
            else:
                continue
            scored.append((rank, min(len(n) for n in names), concept.label, concept))
        scored.sort(key=lambda t: (t[0], t[1], t[2]))
        chosen = [t[3] for t in scored]
        if not chosen:
            index = layer.syndrome_names()
            near = [s.iri for s in index.resolve(text).suggestions]
            by_iri = {iri_of(c.id): c for c in syndromes}
            chosen = [by_iri[i] for i in dict.fromkeys(near) if i in by_iri]
    return [
        {**c.to_json(), "principle": {"zh": c.principle_zh, "en": c.principle_en}}
        for c in chosen[:limit]
    ]


def schemes(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    """Every action category, nature, flavour and meridian: the browse filters' choices."""
    layer = theory_layer(store)
    return {
        "actions": [c.to_json() for c in _concepts_of_kind(layer, "ActionCategory")],
        "natures": [c.to_json() for c in _concepts_of_kind(layer, "HerbNature")],
        "flavours": [c.to_json() for c in _concepts_of_kind(layer, "Flavour")],
        "meridians": [c.to_json() for c in _concepts_of_kind(layer, "Meridian")],
    }
