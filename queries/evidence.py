"""Reading claim evidence from the store into :class:`queries.scoring.Evidence` records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from pyoxigraph import Literal, NamedNode

from kg.iri import PROV, biolink, contract, expand, term
from kg.model import AgentType, Direction, Predicate, StudyDesign
from kg.sparql import BindValue
from kg.store import GraphStore, SelectResult, Term
from kg.terms import DESIGN_OF_IRI, DIRECTION_OF_IRI, PREDICATE_IRI, PREDICATE_OF_IRI
from queries.library import query_text
from queries.scoring import Evidence

PROV_DERIVED = PROV + "wasDerivedFrom"
TCM_DESIGN = term("studyDesign")
TCM_DIRECTION = term("direction")
TCM_SAMPLE = term("sampleSize")
TCM_YEAR = term("year")
TCM_CONFIDENCE = term("confidence")
TCM_NEGATED = term("negated")
TCM_HEDGED = term("hedged")
TCM_SPECIES = term("species")
TCM_TRIAL = term("reportsTrial")
TCM_SENTENCE = term("sentence")
AGENT_TYPE = biolink("agent_type")
SOURCE_YEAR = term("sourceYear")  # a name the query gives the record's year, not a graph term


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


def bindings_each(
    name: str, values: Sequence[BindValue] | None, fixed: dict[str, BindValue]
) -> Iterator[dict[str, BindValue]]:
    """One single-row binding per value (all of ``fixed`` plus ``name`` = value).

    Oxigraph joins a one-row ``VALUES`` block by index lookups but a many-row block by a hash
    join over the whole store, so several small queries beat one big one by far here.
    """
    if values is None:
        yield dict(fixed)
        return
    for value in values:
        yield {**fixed, name: value}


# Columns of claim_evidence.rq and the evidence properties they hold.
_TABLE_COLUMNS = {
    "source": PROV + "wasDerivedFrom",
    "design": term("studyDesign"),
    "direction": term("direction"),
    "n": term("sampleSize"),
    "year": term("year"),
    "confidence": term("confidence"),
    "negated": term("negated"),
    "hedged": term("hedged"),
    "agent": biolink("agent_type"),
    "trial": term("reportsTrial"),
    "sentence": term("sentence"),
}

_Head = tuple[str, Predicate, str]


def _collect(
    result: SelectResult,
    props: dict[str, dict[str, list[Term]]],
    heads: dict[str, _Head],
) -> None:
    """Fold rows of either query shape into per-item property lists."""
    col = {v: i for i, v in enumerate(result.variables)}
    by_property = "property" in col
    for row in result.rows:
        ev = _text(row[col["evidence"]]) or ""
        values = props.setdefault(ev, {})
        if by_property:
            value = row[col["value"]]
            if value is not None:
                values.setdefault(_text(row[col["property"]]) or "", []).append(value)
        else:
            for column, prop in _TABLE_COLUMNS.items():
                value = row[col[column]]
                if value is not None and value not in values.setdefault(prop, []):
                    values[prop].append(value)
        if ev not in heads:
            found = PREDICATE_OF_IRI.get(_text(row[col["predicate"]]) or "")
            if found is not None:
                subject = contract(_text(row[col["subject"]]) or "")
                obj = contract(_text(row[col["object"]]) or "")
                heads[ev] = (subject, found, obj)


def fetch_evidence(
    store: GraphStore,
    predicates: Sequence[Predicate],
    *,
    subjects: Sequence[str] | None = None,
    objects: Sequence[str] | None = None,
) -> list[Evidence]:
    """Evidence items of claims with these predicates and subjects/objects (CURIEs).

    ``None`` leaves subjects (or objects) open; an empty sequence matches nothing. Bound
    subjects or objects are looked up one at a time (``evidence_properties.rq``); with both
    open, the predicates are read whole in one query (``claim_evidence.rq``).
    """
    subject_values = nodes(subjects) if subjects is not None else None
    object_values = nodes(objects) if objects is not None else None
    if subject_values == [] or object_values == []:
        return []
    props: dict[str, dict[str, list[Term]]] = {}
    heads: dict[str, _Head] = {}
    preds: list[BindValue] = [NamedNode(PREDICATE_IRI[p]) for p in predicates]
    if subject_values is None and object_values is None:
        _collect(store.select(query_text("claim_evidence"), {"predicate": preds}), props, heads)
    else:
        query = query_text("evidence_properties")
        for predicate in preds:
            for partial in bindings_each("subject", subject_values, {"predicate": predicate}):
                for bindings in bindings_each("object", object_values, partial):
                    _collect(store.select(query, bindings), props, heads)
    return [_evidence(ev, head, props.get(ev, {})) for ev, head in heads.items()]


def _first(values: dict[str, list[Term]], prop: str) -> Term | None:
    found = values.get(prop)
    return found[0] if found else None


def _evidence(ev: str, head: _Head, values: dict[str, list[Term]]) -> Evidence:
    subject, predicate, obj = head
    year = _int(_first(values, TCM_YEAR))
    source_year = _first(values, SOURCE_YEAR)
    return Evidence(
        evidence=ev,
        subject=subject,
        predicate=predicate,
        object=obj,
        source=contract(_text(_first(values, PROV_DERIVED)) or ""),
        design=DESIGN_OF_IRI.get(_text(_first(values, TCM_DESIGN)) or "", StudyDesign.UNKNOWN),
        direction=DIRECTION_OF_IRI.get(
            _text(_first(values, TCM_DIRECTION)) or "", Direction.UNKNOWN
        ),
        sample_size=_int(_first(values, TCM_SAMPLE)),
        year=year if year is not None else _int(source_year),
        confidence=_float(_first(values, TCM_CONFIDENCE), 1.0),
        negated=_text(_first(values, TCM_NEGATED)) == "true",
        hedged=_text(_first(values, TCM_HEDGED)) == "true",
        species=_text(_first(values, TCM_SPECIES)),
        agent=_agent(_text(_first(values, AGENT_TYPE))),
        trials=tuple(sorted({contract(_text(t) or "") for t in values.get(TCM_TRIAL, [])})),
        sentence=_text(_first(values, TCM_SENTENCE)),
    )
