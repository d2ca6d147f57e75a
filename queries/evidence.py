"""Reading claim evidence from the store into :class:`queries.scoring.Evidence` records."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from pyoxigraph import Literal, NamedNode

from kg.iri import contract, expand
from kg.model import AgentType, Direction, Predicate, StudyDesign
from kg.sparql import BindValue
from kg.store import GraphStore, Term
from kg.terms import DESIGN_OF_IRI, DIRECTION_OF_IRI, PREDICATE_IRI, PREDICATE_OF_IRI
from queries.library import query_text
from queries.scoring import Evidence

# Large VALUES blocks are split so that one request stays a reasonable size for remote servers.
CHUNK = 2000


def nodes(curies: Iterable[str]) -> list[BindValue]:
    """IRI nodes for CURIEs (or IRIs), de-duplicated, in a stable order."""
    out: dict[str, None] = {}
    for c in curies:
        out[c if c.startswith(("http://", "https://")) else expand(c)] = None
    return [NamedNode(v) for v in out]


def value_of(term: Term | None) -> str:
    """The lexical value of an IRI or literal term ('' for None)."""
    return _text(term) or ""


def _text(term: Term | None) -> str | None:
    if term is None:
        return None
    return term.value if isinstance(term, NamedNode | Literal) else str(term)


def _int(term: Term | None) -> int | None:
    text = _text(term)
    if text is None:
        return None
    try:
        return int(float(text))
    except ValueError:
        return None  # a malformed literal is "not reported", not a crash of the ranking


def _float(term: Term | None, default: float) -> float:
    text = _text(term)
    try:
        return float(text) if text is not None else default
    except ValueError:
        return default


def _agent(text: str | None) -> AgentType:
    try:
        return AgentType(text) if text else AgentType.NOT_PROVIDED
    except ValueError:
        return AgentType.NOT_PROVIDED


def fetch_evidence(
    store: GraphStore,
    predicates: Sequence[Predicate],
    *,
    subjects: Sequence[str] | None = None,
    objects: Sequence[str] | None = None,
) -> list[Evidence]:
    """Evidence items of claims with these predicates and subjects/objects (CURIEs).

    ``None`` leaves subjects (or objects) open; an empty sequence matches nothing. The larger
    of the two bound lists is sent in chunks of :data:`CHUNK`.
    """
    query = query_text("claim_evidence")
    preds: list[BindValue] = [NamedNode(PREDICATE_IRI[p]) for p in predicates]
    subject_values = nodes(subjects) if subjects is not None else None
    object_values = nodes(objects) if objects is not None else None
    if subject_values == [] or object_values == []:
        return []
    fixed: dict[str, BindValue | list[BindValue]] = {"predicate": preds}
    chunked_name, chunked = "object", object_values
    if subject_values is not None and (
        object_values is None or len(subject_values) >= len(object_values)
    ):
        chunked_name, chunked = "subject", subject_values
        if object_values is not None:
            fixed["object"] = object_values
    elif subject_values is not None:
        fixed["subject"] = subject_values
    chunks: list[list[BindValue] | None] = (
        [chunked[i : i + CHUNK] for i in range(0, len(chunked), CHUNK)] if chunked else [None]
    )
    merged: dict[str, Evidence] = {}
    trials: dict[str, set[str]] = {}
    for chunk in chunks:
        bindings = dict(fixed)
        if chunk is not None:
            bindings[chunked_name] = chunk
        result = store.select(query, bindings)
        col = {v: i for i, v in enumerate(result.variables)}
        for row in result.rows:
            ev = _text(row[col["evidence"]]) or ""
            trial = _text(row[col["trial"]])
            if trial:
                trials.setdefault(ev, set()).add(contract(trial))
            if ev in merged:
                continue
            predicate = PREDICATE_OF_IRI.get(_text(row[col["predicate"]]) or "")
            if predicate is None:
                continue
            merged[ev] = Evidence(
                evidence=ev,
                subject=contract(_text(row[col["subject"]]) or ""),
                predicate=predicate,
                object=contract(_text(row[col["object"]]) or ""),
                source=contract(_text(row[col["source"]]) or ""),
                design=DESIGN_OF_IRI.get(_text(row[col["design"]]) or "", StudyDesign.UNKNOWN),
                direction=DIRECTION_OF_IRI.get(
                    _text(row[col["direction"]]) or "", Direction.UNKNOWN
                ),
                sample_size=_int(row[col["n"]]),
                year=_int(row[col["year"]]),
                confidence=_float(row[col["confidence"]], 1.0),
                negated=_text(row[col["negated"]]) == "true",
                hedged=_text(row[col["hedged"]]) == "true",
                species=_text(row[col["species"]]),
                agent=_agent(_text(row[col["agent"]])),
                sentence=_text(row[col["sentence"]]),
            )
    if not trials:
        return list(merged.values())
    out = []
    for ev, item in merged.items():
        ids = trials.get(ev)
        if ids:
            item = dataclasses.replace(item, trials=tuple(sorted(ids)))
        out.append(item)
    return out
