"""The scoring inputs of an evidence item, kept beside it as one compact literal.

Ranking an indication reads every evidence item of hundreds of claims, and projecting the
mechanism layer reads tens of thousands of claims. Reading each item's dozen properties means a
dozen joins per item, several of them optional, which an embedded store answers by scanning.
So the writer gives every evidence item one more triple, ``tcm:scoringInputs``: a JSON literal
(datatype ``rdf:JSON``) holding exactly what the scoring formula needs — source record, design,
direction, sample size, year, confidence, negation, hedging, agent type, species and trial ids.
The item's own triples stay the source of truth; this literal is a copy made from them in the
same write, and SHACL checks it is present.

Two things are resolved at write time that a reader would otherwise have to join for: the year
is the item's, else its source record's; the trial ids are the item's together with those its
record reports (several papers on one trial count once).

The keys are short but plain words, sorted, with defaults left out, so that the literal of a
curated table's edges is the same string for every edge (the store keeps that string once).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import MISSING, dataclass, fields
from enum import Enum
from typing import Any

from kg.model import (
    SCORING_FIELDS,
    AgentType,
    Direction,
    EvidenceField,
    EvidenceItem,
    StudyDesign,
    is_enum,
)

VERSION = 1


@dataclass(frozen=True, slots=True)
class ScoringInputs:
    """What the scoring formula reads from one evidence item.

    The typed projection of :class:`~kg.model.EvidenceItem` onto its scoring fields (those
    declared with a ``score`` name, under that name): checked against them when this module
    is imported, so the two cannot drift apart.
    """

    source: str  # CURIE of the source record
    design: StudyDesign = StudyDesign.UNKNOWN
    direction: Direction = Direction.UNKNOWN
    sample_size: int | None = None
    species: str | None = None
    negated: bool = False
    hedged: bool = False
    statement: str | None = None  # the sentence's role in its paper (None: a result)
    year: int | None = None  # the item's, else its record's
    confidence: float = 1.0
    agent: AgentType = AgentType.NOT_PROVIDED
    trials: tuple[str, ...] = ()  # sorted CURIEs: the item's and its record's trial ids
    syndromes: tuple[str, ...] = ()  # sorted CURIEs: the study population's TCM syndromes


SCORING_NAMES: tuple[str, ...] = tuple(str(f.score) for f in SCORING_FIELDS)
"""The scoring inputs' attribute names, in the record's declaration order."""


def _check_projection() -> None:
    """Fail at import when :class:`ScoringInputs` and the record's scoring fields differ."""
    declared = {f.name: f for f in fields(ScoringInputs)}
    wanted = {str(f.score): f for f in SCORING_FIELDS}
    if list(declared) != list(wanted):
        raise TypeError(
            f"ScoringInputs declares {sorted(declared)}, but EvidenceItem's scoring fields are "
            f"{sorted(wanted)}: declare each scoring field once in both, in the same order"
        )
    for name, spec in wanted.items():
        default = declared[name].default
        if (None if default is MISSING else default) != spec.default:
            raise TypeError(f"ScoringInputs.{name}: default differs from EvidenceItem's")


_check_projection()


RANKED_NAMES: tuple[str, ...] = tuple(str(f.score) for f in SCORING_FIELDS if f.ranked)
"""The scoring inputs shown with each evidence item of a ranking (JSON names)."""


def json_value(value: object) -> object:
    """A model value as JSON has it: an enumeration's value, a list for a tuple."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def ranked_json(inputs: ScoringInputs) -> dict[str, object]:
    """The inputs shown with an evidence item of a ranking, as JSON (see :data:`RANKED_NAMES`)."""
    return {name: json_value(getattr(inputs, name)) for name in RANKED_NAMES}


def inputs_of(
    item: EvidenceItem, record_year: int | None = None, record_trials: Iterable[str] = ()
) -> ScoringInputs:
    """The scoring inputs of ``item``, its record's year and trials filling what it lacks."""
    values: dict[str, Any] = {}
    for spec in SCORING_FIELDS:
        value = getattr(item, spec.name)
        if spec.type is str and spec.optional:
            value = value or None
        elif spec.type is float:
            value = float(value)
        values[str(spec.score)] = value
    # Resolved at write time, so that a reader need not join for them (see the module docs).
    if values["year"] is None:
        values["year"] = record_year
    values["trials"] = tuple(sorted({*item.trial_ids, *record_trials}))
    values["syndromes"] = tuple(sorted(set(item.population_syndromes)))
    return ScoringInputs(**values)


def encode(inputs: ScoringInputs) -> str:
    """The JSON text of ``inputs`` (stable: equal inputs give equal text)."""
    data: dict[str, object] = {"v": VERSION}
    for spec in SCORING_FIELDS:
        value = getattr(inputs, str(spec.score))
        # Defaults are left out: a table's edges then share one literal text.
        if value is None or (spec.default is not None and value == spec.default):
            continue
        if spec.type is str and spec.optional and not value:
            continue
        data[str(spec.literal_key)] = json_value(value)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class MalformedInputsError(ValueError):
    """A ``tcm:scoringInputs`` literal that is not what :func:`encode` writes."""


# Enum members by value: a plain dict lookup is several times faster than the enum call, and
# a ranking decodes one literal per evidence item.
_MEMBERS: dict[str, dict[Any, Enum]] = {
    spec.name: {m.value: m for m in spec.type} for spec in SCORING_FIELDS if is_enum(spec)
}


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedInputsError(f"{key!r} is not a number: {value!r}")
    return value


def _decoded(spec: EvidenceField, key: str, value: Any) -> Any:
    """The value of one field read from the literal (``value`` is not None)."""
    if is_enum(spec):
        try:
            member = _MEMBERS[spec.name].get(value)
        except TypeError:  # a list or object where a word belongs: not hashable
            raise MalformedInputsError(f"{key!r} is not a word") from None
        if member is None:
            raise MalformedInputsError(f"unknown {key} {value!r}")
        return member
    if spec.type is int:
        return int(_number(key, value))
    if spec.type is float:
        return float(_number(key, value))
    if spec.type is bool:
        return value is True
    if spec.type is tuple:
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise MalformedInputsError(f"{key!r} is not a list of ids")
        return tuple(sorted(set(value)))
    if spec.optional:  # free text: anything else reads as not given
        return value if isinstance(value, str) and value else None
    if not isinstance(value, str) or not value:
        raise MalformedInputsError(f"no {spec.label} record")
    return value


def decode(text: str) -> ScoringInputs:
    """Read a literal written by :func:`encode`; :class:`MalformedInputsError` says what is off."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedInputsError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedInputsError("not a JSON object")
    if data.get("v") != VERSION:
        raise MalformedInputsError(f"version {data.get('v')!r}, expected {VERSION}")
    values: dict[str, Any] = {}
    for spec in SCORING_FIELDS:
        key = str(spec.literal_key)
        value = data.get(key)
        if value is None or (spec.type is tuple and not value):
            if spec.default is None and not spec.optional:
                raise MalformedInputsError(f"no {spec.label} record")
            continue
        values[str(spec.score)] = _decoded(spec, key, value)
    return ScoringInputs(**values)
