"""How an evidence item's attributes map to RDF terms and back.

Made from the record's field table (:data:`kg.model.EVIDENCE_FIELDS`): each attribute names
its predicate there, and its Python type says how its value is written — an IRI for a study
design or direction (the ontology's individuals) and for CURIEs, a typed literal for numbers and
flags, plain text otherwise. The writer (:mod:`kg.writer`), the fill of ``tcmkg load`` and the
API's claims all go through here, so none of them lists the attributes again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import Enum
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from kg.iri import BIOLINK, ONTOLOGY, PROV, XSD, contract, expand
from kg.model import EVIDENCE_FIELDS, Direction, EvidenceField, EvidenceItem, StudyDesign, is_enum
from kg.store import Term
from kg.terms import DESIGN_IRI, DESIGN_OF_IRI, DIRECTION_IRI, DIRECTION_OF_IRI

_NAMESPACES = {"tcm": ONTOLOGY, "prov": PROV, "biolink": BIOLINK}
XSD_INT = NamedNode(XSD + "integer")
XSD_BOOL = NamedNode(XSD + "boolean")

# Enumerations whose members are individuals of the ontology (written as IRIs); the members
# of any other enumeration are written as their value, a plain literal (Biolink's enums).
_IRI_OF: dict[type[Enum], Mapping[Any, str]] = {
    StudyDesign: DESIGN_IRI,
    Direction: DIRECTION_IRI,
}
_MEMBER_OF_IRI: dict[type[Enum], Mapping[str, Any]] = {
    StudyDesign: DESIGN_OF_IRI,
    Direction: DIRECTION_OF_IRI,
}


def predicate_iri(spec: EvidenceField) -> str:
    """The IRI of the predicate that holds an attribute."""
    prefix, _, local = spec.rdf.partition(":")
    return _NAMESPACES[prefix] + local


PREDICATES: dict[str, EvidenceField] = {predicate_iri(f): f for f in EVIDENCE_FIELDS}
"""Each attribute by the IRI of its predicate."""


def _node(curie: str) -> NamedNode:
    return NamedNode(expand(curie))


def _to_term(spec: EvidenceField) -> Callable[[Any], Term]:
    """How one (non-None) value of an attribute becomes an RDF term; chosen once per field."""
    if spec.iri:
        return _node
    if is_enum(spec):
        iris = _IRI_OF.get(spec.type)
        if iris is not None:
            nodes = {member: NamedNode(iri) for member, iri in iris.items()}
            return nodes.__getitem__
        return lambda member: Literal(str(member.value))
    if spec.type is bool:
        true, false = Literal("true", datatype=XSD_BOOL), Literal("false", datatype=XSD_BOOL)
        return lambda value: true if value else false
    if spec.type is int:
        return lambda value: Literal(str(int(value)), datatype=XSD_INT)
    if spec.type is float:
        # pyoxigraph's own float literal is the lexical form the store gives back, so quads
        # read from the store compare equal to quads from the writer.
        return lambda value: Literal(float(value))
    return lambda value: Literal(str(value))


# (name, predicate, value -> term, many values, empty text skipped, field it goes with)
_WRITE = tuple(
    (
        f.name,
        NamedNode(predicate_iri(f)),
        _to_term(f),
        f.type is tuple,
        f.skip_empty,
        f.together,
    )
    for f in EVIDENCE_FIELDS
)


def field_quads(ev: NamedNode, item: EvidenceItem, graph: NamedNode) -> Iterator[Quad]:
    """The quads of every attribute ``item`` sets, in declaration order."""
    for name, predicate, to_term, many, skip_empty, together in _WRITE:
        value = getattr(item, name)
        if value is None or (skip_empty and not value):
            continue
        if together is not None and getattr(item, together) is None:
            continue  # (a sentence's start offset means nothing without its end)
        if many:
            for one in value:
                yield Quad(ev, predicate, to_term(one), graph)
        else:
            yield Quad(ev, predicate, to_term(value), graph)


Report = Callable[[str], None]  # told what is wrong with a value, and what was done instead


def _integer(value: Term | None) -> int | None:
    """An integer literal's value (``2020``, ``"2020"^^xsd:gYear``, ``120.0``), else None."""
    if not isinstance(value, Literal):
        return None
    text = value.value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def _in_range(spec: EvidenceField, number: float) -> bool:
    if math.isnan(number):
        return False
    low = spec.minimum if spec.minimum is not None else -math.inf
    high = spec.maximum if spec.maximum is not None else math.inf
    return low <= number <= high


def _default_words(spec: EvidenceField) -> str:
    """What the default of an attribute is called when a bad value is replaced by it."""
    if spec.default is None or spec.type is tuple:
        return "left out"
    default = spec.default
    if isinstance(default, Enum):
        return f"read as {default.value}"
    if isinstance(default, bool):
        return f"read as {str(default).lower()}"
    return f"read as {default}"


def _one_value(spec: EvidenceField, value: Term, report: Report) -> Any:
    """One term read as the attribute's value; a term that is not valid is reported."""
    if spec.iri:
        if isinstance(value, NamedNode):
            return contract(value.value)
    elif is_enum(spec):
        members = _MEMBER_OF_IRI.get(spec.type)
        if members is not None:
            if isinstance(value, NamedNode) and value.value in members:
                return members[value.value]
        elif isinstance(value, Literal):
            try:
                return spec.type(value.value)
            except ValueError:
                pass
    elif spec.type is bool:
        if isinstance(value, Literal) and value.value in ("true", "1", "false", "0"):
            return value.value in ("true", "1")
    elif spec.type is int:
        number = _integer(value)
        if number is not None and _in_range(spec, number):
            return number
    elif spec.type is float:
        try:
            real = float(value.value) if isinstance(value, Literal) else math.nan
        except ValueError:
            real = math.nan
        if _in_range(spec, real):
            return real
    elif isinstance(value, Literal):
        return value.value or spec.default if spec.optional else value.value
    report(f"{spec.label} {value} is not valid: {_default_words(spec)}")
    return spec.default


def read_value(spec: EvidenceField, found: Sequence[Term], report: Report) -> Any:
    """The attribute's value from the terms its predicate holds, as the writer would have it.

    A value that is not valid is reported and replaced by the model's default (what the writer
    writes when the value is not given); so are several values of a single-valued attribute,
    of which none is used.
    """
    if spec.type is tuple:
        values = (_one_value(spec, v, report) for v in found)
        return tuple(v for v in values if v is not None)
    if not found:
        return spec.default
    if len(found) > 1:
        shown = ", ".join(sorted(str(v) for v in found))
        report(f"several {spec.label} values ({shown}): none used")
        return spec.default
    return _one_value(spec, found[0], report)


def wire_value(spec: EvidenceField, value: Term) -> Any:
    """One term as the JSON clients read it, whatever it holds (None where it is unreadable).

    Unlike :func:`read_value` nothing is replaced: a design IRI the project does not know is
    shown as its CURIE, a text where a number belongs as null.
    """
    if spec.iri:
        return contract(value.value) if isinstance(value, NamedNode) else None
    members = _MEMBER_OF_IRI.get(spec.type)
    if members is not None:
        if not isinstance(value, NamedNode):
            return None
        member = members.get(value.value)
        return member.value if member is not None else contract(value.value)
    text = value.value if isinstance(value, Literal) else None
    if spec.type is bool:
        return text in ("true", "1")
    if spec.type is int or spec.type is float:
        try:
            return spec.type(text) if text is not None else None
        except ValueError:
            return None
    return text


def wire_fields(properties: Sequence[tuple[str, Term]]) -> dict[str, Any]:
    """An evidence item's (predicate IRI, value) pairs as JSON fields named as the record's.

    Predicates that are no attribute of the record are left out; a single-valued attribute
    given twice shows the last value read.
    """
    out: dict[str, Any] = {f.name: [] for f in EVIDENCE_FIELDS if f.type is tuple}
    for predicate, value in properties:
        spec = PREDICATES.get(predicate)
        if spec is None:
            continue
        shown = wire_value(spec, value)
        if spec.type is tuple:
            if shown is not None:
                out[spec.name].append(shown)
        else:
            out[spec.name] = shown
    return out
