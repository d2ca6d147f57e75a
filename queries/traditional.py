"""TCM theory in rankings: syndromes, the traditional axis and Pharmacopoeia toxicity.

Chinese clinical research enrols patients by disease *and* syndrome (病证结合). Three things
here let a ranking for a disease take a syndrome into account (``docs/scoring.md``):

* **resolving a syndrome** typed by a user in characters, pinyin or English ("qi-yin
  deficiency", 气阴两虚证, "qi yin liang xu") to its concept and the concepts it covers (itself
  and its narrower syndromes), with suggestions when nothing matches;
* **the population factor** of an evidence item: a study whose population has the queried
  syndrome (or a narrower one) counts fully; one whose population has a broader syndrome
  (气虚证 when 气虚血瘀证 is asked) counts ``syndrome_related_factor``; one that names any other
  syndrome counts ``syndrome_other_factor``; one that names none counts as without a syndrome;
* **the traditional axis** of a candidate: its classical indication for the syndrome and the
  match of its actions (a formula's or preparation's through its herbs) with the actions the
  syndrome's treatment principle calls for —
  ``1 − (1 − indicated)·(1 − traditional_action_weight·match)`` — shown beside the clinical
  and mechanistic axes and never folded into either.

It also gives the Pharmacopoeia toxicity grade of herbs (有小毒 / 有毒 / 有大毒) with its
source table, which the safety column shows for every herb and, through its herbs, every
formula and preparation.

Everything is read from the store's TCM theory (``tcm:TheoryClaim`` and the theory concepts)
with three library queries, and kept per store state: a few thousand rows.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.iri import SKOS, contract, expand, term
from kg.names import has_cjk, normalise_name
from kg.store import GraphStore, Term, in_process
from queries.config import ScoringConfig
from queries.evidence import value_of
from queries.library import query_text
from queries.resolve import NameIndex, UnknownNameError, did_you_mean

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREF = SKOS + "prefLabel"
ALT = SKOS + "altLabel"
BROADER = SKOS + "broader"
PRINCIPLE = term("treatmentPrinciple")
PRINCIPLE_ACTION = term("principleAction")
SYNDROME_CLASS = term("Syndrome")
ACTION_CLASS = term("ActionCategory")

INDICATED_FOR = term("indicatedFor")
HAS_ACTION = term("hasAction")
HAS_TOXICITY = term("hasToxicityGrade")
HAS_NATURE = term("hasNature")
HAS_FLAVOUR = term("hasFlavour")
ENTERS_MERIDIAN = term("entersMeridian")

# Grades the safety column shows: a non-toxic (无毒) grade is no flag.
FLAGGED_GRADES: tuple[str, ...] = (
    term("ToxicitySlight"),
    term("ToxicityToxic"),
    term("ToxicitySevere"),
)
GRADE_ORDER: dict[str, int] = {g: i for i, g in enumerate(FLAGGED_GRADES)}

# Words a user or a paper adds around a syndrome's name: tried without them when the name as
# typed matches nothing ("qi-yin deficiency syndrome", 气阴两虚型).
_SUFFIX_WORDS = ("syndrome", "pattern", "type", "zheng")
_SUFFIX_CHARS = ("证候", "证型", "证", "型")


class PopulationMatch(StrEnum):
    """How an evidence item's study population relates to the queried syndrome."""

    QUERIED = "queried"  # the queried syndrome or a narrower one
    RELATED = "related"  # a broader syndrome (a component of the queried one)
    OTHER = "other"  # another syndrome
    NOT_SAID = "not_said"  # the population's syndrome is not stated
    NO_QUERY = "no_query"  # no syndrome was asked for


@dataclass(frozen=True, slots=True)
class TheoryConcept:
    """A syndrome or action category: names by language, broader concepts, principle."""

    id: str  # CURIE
    kind: str  # Syndrome | ActionCategory
    label: str  # English preferred name, else any name
    zh: str | None = None
    pinyin: str | None = None
    names: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    principle_en: str | None = None
    principle_zh: str | None = None
    principle_actions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``{"id", "label", "zh", "pinyin"}``: how the API and the page name a concept."""
        return {"id": self.id, "label": self.label, "zh": self.zh, "pinyin": self.pinyin}


@dataclass(frozen=True, slots=True)
class TheoryFact:
    """One theory claim about a subject: its object and the source table of its evidence."""

    object: str  # CURIE, or the full IRI of an ontology member (nature, grade …)
    source: str  # CURIE of the source record


@dataclass
class TheoryLayer:
    """The store's TCM theory: concepts, scheme member names and theory claims."""

    concepts: dict[str, TheoryConcept]
    members: dict[str, TheoryConcept]  # natures, flavours, meridians, grades by IRI
    facts: dict[str, dict[str, list[TheoryFact]]]  # subject -> predicate IRI -> facts
    narrower: dict[str, set[str]] = field(default_factory=dict)  # concept -> direct narrower
    _syndrome_names: NameIndex | None = field(default=None, repr=False)

    def of(self, subject: str, predicate: str) -> list[TheoryFact]:
        """The facts of one predicate about ``subject`` (a CURIE)."""
        return self.facts.get(subject, {}).get(predicate, [])

    def name_of(self, ref: str) -> str:
        """The English name of a concept or scheme member, else its id."""
        found = self.concepts.get(ref) or self.members.get(ref)
        return found.label if found is not None else ref

    def concept_json(self, ref: str) -> dict[str, Any]:
        """A concept or scheme member as the API names it (id, label, zh, pinyin)."""
        found = self.concepts.get(ref) or self.members.get(ref)
        if found is None:
            return {"id": ref, "label": ref, "zh": None, "pinyin": None}
        return found.to_json()

    def descendants(self, concept: str) -> set[str]:
        """``concept`` and every concept narrower than it, at any depth."""
        out = {concept}
        todo = [concept]
        while todo:
            for child in self.narrower.get(todo.pop(), ()):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    def ancestors(self, concept: str) -> set[str]:
        """Every concept broader than ``concept``, at any depth (not itself)."""
        out: set[str] = set()
        todo = [concept]
        while todo:
            found = self.concepts.get(todo.pop())
            for parent in found.broader if found is not None else ():
                if parent not in out:
                    out.add(parent)
                    todo.append(parent)
        return out

    def syndromes(self) -> list[TheoryConcept]:
        """Every syndrome, by English name."""
        out = [c for c in self.concepts.values() if c.kind == "Syndrome"]
        return sorted(out, key=lambda c: (c.label.lower(), c.id))

    def syndrome_names(self) -> NameIndex:
        """The resolver's index of every syndrome name, in any language."""
        if self._syndrome_names is None:
            self._syndrome_names = NameIndex.build(
                (iri_of(c.id), name) for c in self.syndromes() for name in c.names
            )
        return self._syndrome_names


def _lang(value: Term | None) -> str | None:
    # Stores report language tags in their own case (zh-Latn-pinyin, zh-latn-pinyin).
    return value.language.lower() if isinstance(value, Literal) and value.language else None


def _concepts(rows: Iterable[Mapping[str, Term | None]]) -> dict[str, TheoryConcept]:
    """Concepts (or scheme members) from rows of ?concept/?member ?class ?property ?value."""
    props: dict[str, dict[str, Any]] = {}
    for row in rows:
        ref = _ref(value_of(row.get("concept") or row.get("member")))
        entry = props.setdefault(
            ref,
            {"kind": value_of(row.get("class")).rsplit("#", 1)[-1], "names": {}, "broader": []},
        )
        prop, value = value_of(row.get("property")), row.get("value")
        text, lang = value_of(value), _lang(value)
        if prop in (RDFS_LABEL, PREF, ALT):
            entry["names"].setdefault(text, None)
            if prop == PREF and lang is not None:
                entry.setdefault(f"pref:{lang}", text)
            if prop == RDFS_LABEL:
                entry.setdefault("rdfs", text)
        elif prop == BROADER:
            entry["broader"].append(_ref(text))
        elif prop == PRINCIPLE:
            entry["principle_zh" if lang == "zh" else "principle_en"] = text
        elif prop == PRINCIPLE_ACTION:
            entry.setdefault("actions", []).append(_ref(text))
    out: dict[str, TheoryConcept] = {}
    for ref, e in props.items():
        names = tuple(e["names"])
        zh = e.get("pref:zh") or next((n for n in names if has_cjk(n)), None)
        label = e.get("pref:en") or e.get("rdfs") or (names[0] if names else ref)
        out[ref] = TheoryConcept(
            id=ref,
            kind=e["kind"],
            label=label,
            zh=zh,
            pinyin=e.get("pref:zh-latn-pinyin"),
            names=names,
            broader=tuple(sorted(set(e["broader"]))),
            principle_en=e.get("principle_en"),
            principle_zh=e.get("principle_zh"),
            principle_actions=tuple(sorted(set(e.get("actions", ())))),
        )
    return out


def _ref(text: str) -> str:
    """A CURIE for a project IRI, the IRI itself for an ontology member (``tcm:ToxicityToxic``)."""
    return text if text.startswith(term("")) else contract(text)


def iri_of(ref: str) -> str:
    """The IRI of a concept's reference (:func:`_ref`'s inverse): a CURIE expanded, an IRI kept."""
    return ref if "://" in ref else expand(ref)


def read_theory(store: GraphStore, predicates: Sequence[str] | None = None) -> TheoryLayer:
    """Read the store's TCM theory (three library queries).

    ``predicates``: read only the theory claims of these predicates (IRIs); None: all.
    """
    concepts = _concepts(store.select(query_text("theory_concepts")).dicts())
    members = _concepts(store.select(query_text("scheme_labels")).dicts())
    bound = {"predicate": [NamedNode(p) for p in predicates]} if predicates is not None else None
    facts: dict[str, dict[str, list[TheoryFact]]] = defaultdict(lambda: defaultdict(list))
    seen: set[tuple[str, str, str, str]] = set()
    for row in store.select(query_text("theory_claims"), bound).dicts():
        subject = contract(value_of(row["subject"]))
        predicate = value_of(row["predicate"])
        obj = _ref(value_of(row["object"]))
        source = contract(value_of(row["source"]))
        if (subject, predicate, obj, source) in seen:
            continue
        seen.add((subject, predicate, obj, source))
        facts[subject][predicate].append(TheoryFact(obj, source))
    narrower: dict[str, set[str]] = defaultdict(set)
    for concept in (*concepts.values(), *members.values()):
        for parent in concept.broader:
            narrower[parent].add(concept.id)
    return TheoryLayer(
        concepts=concepts,
        members=members,
        facts={s: dict(p) for s, p in facts.items()},
        narrower=dict(narrower),
    )


# Per store: (state token, whether every claim was read, the layer).
_LAYERS: weakref.WeakKeyDictionary[GraphStore, tuple[str, bool, TheoryLayer]] = (
    weakref.WeakKeyDictionary()
)
# What a ranking without a syndrome needs: the Pharmacopoeia grades for the safety column (and
# the concepts, to name the syndromes of study populations). A SymMap import brings thousands of
# property and meridian claims that only a syndrome ranking and the browse views read.
SAFETY_PREDICATES: tuple[str, ...] = (HAS_TOXICITY,)
_LOCK = threading.Lock()


def theory_layer(store: GraphStore, state: str | None = None, *, full: bool = True) -> TheoryLayer:
    """The store's TCM theory, kept until the store changes (its state token).

    ``full=False``: only the claims of :data:`SAFETY_PREDICATES` need be read (a full layer
    already held serves too).
    """
    if state is None:
        state = store.state_token()
    with _LOCK:
        held = _LAYERS.get(store)
    if held is not None and held[0] == state and (held[1] or not full):
        return held[2]
    with in_process():  # kept for the store state: no request's deadline applies
        layer = read_theory(store, None if full else SAFETY_PREDICATES)
    with _LOCK:
        _LAYERS[store] = (state, full, layer)
    return layer


# --- syndromes -------------------------------------------------------------------------------


class UnknownSyndromeError(UnknownNameError):
    """No syndrome in the store has that name; ``suggestions`` are near names."""


@dataclass(frozen=True, slots=True)
class SyndromeQuery:
    """The syndrome a ranking asks for: the concept, what it covers, its broader syndromes."""

    query: str  # as typed
    concept: TheoryConcept
    covered: frozenset[str]  # itself and its narrower syndromes
    related: frozenset[str]  # its broader syndromes

    def to_json(self) -> dict[str, Any]:
        """The syndrome as rankings report it, with its treatment principle."""
        c = self.concept
        return {
            **c.to_json(),
            "query": self.query,
            "principle": {"zh": c.principle_zh, "en": c.principle_en},
        }


def _without_suffix(name: str) -> str:
    text = name.strip()
    for chars in _SUFFIX_CHARS:
        if has_cjk(text) and text.endswith(chars) and len(text) > len(chars):
            return text[: -len(chars)]
    words = text.split()
    while len(words) > 1 and normalise_name(words[-1]) in _SUFFIX_WORDS:
        words.pop()
    return " ".join(words)


def resolve_syndrome(store: GraphStore, name: str, *, state: str | None = None) -> SyndromeQuery:
    """The syndrome ``name`` (characters, pinyin, English or its CURIE) names.

    Raises :class:`UnknownSyndromeError`, with near names, when none does; when several
    syndromes share the name the first by id is taken and the others are covered as well.
    """
    layer = theory_layer(store, state)
    text = name.strip()
    if not normalise_name(text):
        raise UnknownSyndromeError(f"empty syndrome name {name!r}")
    if text in layer.concepts and layer.concepts[text].kind == "Syndrome":
        found: Sequence[str] = (text,)
    else:
        index = layer.syndrome_names()
        resolution = index.resolve(text)
        found = resolution.found
        bare = _without_suffix(text)
        # 气阴两虚型 → 气阴两虚 → 气阴两虚证; "… deficiency syndrome" → "… deficiency"
        for other in (bare, bare + "证" if has_cjk(bare) else bare):
            if not found and other != text:
                found = index.resolve(other).found
        if not found:
            if not layer.syndromes():
                raise UnknownSyndromeError(
                    f"no syndrome named {name!r}: the store holds no TCM syndromes "
                    "(tcmkg demo writes the seed's; tcmkg import symmap adds SymMap's)"
                )
            offer = did_you_mean([s.name for s in resolution.suggestions])
            raise UnknownSyndromeError(
                f"no syndrome named {name!r} in the store" + (f"; {offer}" if offer else ""),
                resolution.suggestions,
            )
    ids = sorted(contract(f) if "://" in f else f for f in found)
    covered: set[str] = set()
    related: set[str] = set()
    for ident in ids:
        covered |= layer.descendants(ident)
        related |= layer.ancestors(ident)
    return SyndromeQuery(
        query=name,
        concept=layer.concepts[ids[0]],
        covered=frozenset(covered),
        related=frozenset(related - covered),
    )


def population_match(syndromes: Sequence[str], query: SyndromeQuery | None) -> PopulationMatch:
    """How a study population with ``syndromes`` (CURIEs) relates to the queried syndrome."""
    if query is None:
        return PopulationMatch.NO_QUERY
    if not syndromes:
        return PopulationMatch.NOT_SAID
    if any(s in query.covered for s in syndromes):
        return PopulationMatch.QUERIED
    if any(s in query.related for s in syndromes):
        return PopulationMatch.RELATED
    return PopulationMatch.OTHER


def population_factor(match: PopulationMatch, config: ScoringConfig) -> float:
    """The factor an evidence item's weight is multiplied by for its population's syndrome."""
    if match is PopulationMatch.RELATED:
        return config.syndrome_related_factor
    if match is PopulationMatch.OTHER:
        return config.syndrome_other_factor
    return 1.0


# --- the traditional axis --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionMatch:
    """An action the syndrome's principle calls for, and the candidate's herbs that have it."""

    action: str  # CURIE of the principle's action category
    herbs: tuple[str, ...]  # the candidate itself (a herb), or its herbs with that action


@dataclass(frozen=True, slots=True)
class TraditionalSupport:
    """A candidate's traditional axis for a syndrome, with what it rests on."""

    score: float
    indicated: tuple[TheoryFact, ...]  # indications for the syndrome (or a narrower one)
    principle_actions: tuple[str, ...]
    matched: tuple[ActionMatch, ...]

    @property
    def match(self) -> float:
        """Share of the principle's actions the candidate has (0 when it calls for none)."""
        if not self.principle_actions:
            return 0.0
        return len(self.matched) / len(self.principle_actions)

    def to_json(self, layer: TheoryLayer) -> dict[str, Any]:
        """The axis with its reasons, named in characters, pinyin and English."""
        return {
            "score": self.score,
            "indicated_for": [
                {**layer.concept_json(f.object), "source": f.source} for f in self.indicated
            ],
            "principle_actions": [layer.concept_json(a) for a in self.principle_actions],
            "matched_actions": [
                {**layer.concept_json(m.action), "via": list(m.herbs)} for m in self.matched
            ],
            "action_match": self.match,
        }


def _actions_with_broader(layer: TheoryLayer, subject: str) -> set[str]:
    """The action categories of a herb and their broader categories (补气 → 补虚)."""
    out: set[str] = set()
    for fact in layer.of(subject, HAS_ACTION):
        out.add(fact.object)
        out |= layer.ancestors(fact.object)
    return out


def traditional_support(
    layer: TheoryLayer,
    query: SyndromeQuery,
    candidate: str,
    parts: Sequence[str],
    config: ScoringConfig,
) -> TraditionalSupport:
    """The traditional axis of ``candidate`` (with its herbs ``parts``) for the syndrome.

    ``indicated`` is 1 when the candidate is indicated for the syndrome or a narrower one.
    ``match`` is the share of the actions the principle calls for that the candidate has —
    a herb's own (or a narrower one: a herb that 补气 matches a principle calling for 补虚), a
    formula's or preparation's through any of its herbs.
    """
    indicated = tuple(f for f in layer.of(candidate, INDICATED_FOR) if f.object in query.covered)
    wanted = query.concept.principle_actions
    holders = [candidate, *parts]
    have = {h: _actions_with_broader(layer, h) for h in holders}
    matched = tuple(
        ActionMatch(action, tuple(h for h in holders if action in have[h]))
        for action in wanted
        if any(action in have[h] for h in holders)
    )
    share = len(matched) / len(wanted) if wanted else 0.0
    score = 1.0 - (1.0 - (1.0 if indicated else 0.0)) * (
        1.0 - config.traditional_action_weight * share
    )
    return TraditionalSupport(score, indicated, wanted, matched)


# --- Pharmacopoeia toxicity ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradedToxicity:
    """A herb's Pharmacopoeia toxicity grade, with the table it comes from."""

    herb: str  # CURIE of the graded herb
    grade: str  # IRI of the grade (tcm:ToxicityToxic …)
    source: str  # CURIE of the source table


def graded_toxicity(layer: TheoryLayer, herb: str) -> list[GradedToxicity]:
    """The flagged toxicity grades of ``herb`` (无毒 is none), most severe first."""
    out = {
        (f.object, f.source): GradedToxicity(herb, f.object, f.source)
        for f in layer.of(herb, HAS_TOXICITY)
        if f.object in GRADE_ORDER
    }
    return sorted(out.values(), key=lambda g: (-GRADE_ORDER[g.grade], g.source))
