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
from dataclasses import dataclass

from kg.model import AgentType, Direction, EvidenceItem, StudyDesign

VERSION = 1


@dataclass(frozen=True, slots=True)
class ScoringInputs:
    """What the scoring formula reads from one evidence item."""

    source: str  # CURIE of the source record
    design: StudyDesign = StudyDesign.UNKNOWN
    direction: Direction = Direction.UNKNOWN
    sample_size: int | None = None
    year: int | None = None  # the item's year, else its record's
    confidence: float = 1.0
    negated: bool = False
    hedged: bool = False
    species: str | None = None
    agent: AgentType = AgentType.NOT_PROVIDED
    trials: tuple[str, ...] = ()  # sorted CURIEs: the item's and its record's trial ids


def inputs_of(
    item: EvidenceItem, record_year: int | None = None, record_trials: Iterable[str] = ()
) -> ScoringInputs:
    """The scoring inputs of ``item``, its record's year and trials filling what it lacks."""
    return ScoringInputs(
        source=item.source,
        design=item.design,
        direction=item.direction,
        sample_size=item.sample_size,
        year=item.year if item.year is not None else record_year,
        confidence=float(item.confidence),
        negated=item.negated,
        hedged=item.hedged,
        species=item.species or None,
        agent=item.agent_type,
        trials=tuple(sorted({*item.trial_ids, *record_trials})),
    )


def encode(inputs: ScoringInputs) -> str:
    """The JSON text of ``inputs`` (stable: equal inputs give equal text)."""
    data: dict[str, object] = {"v": VERSION, "source": inputs.source}
    if inputs.design is not StudyDesign.UNKNOWN:
        data["design"] = inputs.design.value
    if inputs.direction is not Direction.UNKNOWN:
        data["direction"] = inputs.direction.value
    if inputs.sample_size is not None:
        data["n"] = inputs.sample_size
    if inputs.year is not None:
        data["year"] = inputs.year
    if inputs.confidence != 1.0:
        data["confidence"] = inputs.confidence
    if inputs.negated:
        data["negated"] = True
    if inputs.hedged:
        data["hedged"] = True
    if inputs.species:
        data["species"] = inputs.species
    if inputs.agent is not AgentType.NOT_PROVIDED:
        data["agent"] = inputs.agent.value
    if inputs.trials:
        data["trials"] = list(inputs.trials)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# Enum members by value: a plain dict lookup is several times faster than the enum call, and
# a ranking decodes one literal per evidence item.
_DESIGNS = {d.value: d for d in StudyDesign}
_DIRECTIONS = {d.value: d for d in Direction}
_AGENTS = {a.value: a for a in AgentType}


class MalformedInputsError(ValueError):
    """A ``tcm:scoringInputs`` literal that is not what :func:`encode` writes."""


def _optional_int(data: dict[str, object], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedInputsError(f"{key!r} is not a number: {value!r}")
    return int(value)


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
    source = data.get("source")
    if not isinstance(source, str) or not source:
        raise MalformedInputsError("no source record")
    try:
        design = _DESIGNS.get(data.get("design", StudyDesign.UNKNOWN.value))
        direction = _DIRECTIONS.get(data.get("direction", Direction.UNKNOWN.value))
        agent = _AGENTS.get(data.get("agent", AgentType.NOT_PROVIDED.value))
    except TypeError:  # a list or object where a word belongs: not hashable
        raise MalformedInputsError("design, direction or agent is not a word") from None
    if design is None or direction is None or agent is None:
        which = "design" if design is None else "direction" if direction is None else "agent"
        raise MalformedInputsError(f"unknown {which} {data.get(which)!r}")
    confidence = data.get("confidence", 1.0)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not math.isfinite(confidence)
    ):
        raise MalformedInputsError(f"confidence is not a number: {confidence!r}")
    trials = data.get("trials", ())
    if trials and (not isinstance(trials, list) or not all(isinstance(t, str) for t in trials)):
        raise MalformedInputsError("trials is not a list of ids")
    species = data.get("species")
    return ScoringInputs(
        source=source,
        design=design,
        direction=direction,
        sample_size=_optional_int(data, "n"),
        year=_optional_int(data, "year"),
        confidence=float(confidence),
        negated=data.get("negated") is True,
        hedged=data.get("hedged") is True,
        species=species if isinstance(species, str) and species else None,
        agent=agent,
        trials=tuple(sorted(set(trials))) if trials else (),
    )
