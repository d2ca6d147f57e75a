"""``GET /claims``: claims by subject, predicate and/or object, with their evidence, paged."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query
from pyoxigraph import NamedNode

from api.deps import Context
from api.identifiers import CURIE_PATTERN, curie_schema
from api.models import ClaimOut, ClaimPage, ErrorOut, EvidenceOut
from api.routers.entities import entity_iri
from kg.evidence_rdf import wire_fields
from kg.iri import contract
from kg.model import EVIDENCE_FIELDS, Predicate
from kg.sparql import BindValue, load_query
from kg.store import Term
from kg.terms import PREDICATE_IRI, PREDICATE_OF_IRI

router = APIRouter(tags=["claims"])

MAX_PAGE = 200
# A project predicate name, a CURIE, or empty (no filter); the CURIE pattern's anchors dropped.
_PREDICATE_NAMES = "|".join(p.value for p in Predicate)
PREDICATE_PATTERN = f"^(?:{_PREDICATE_NAMES}|{CURIE_PATTERN[1:-1]})?$"


def predicate_iri(value: str) -> str:
    """A predicate given as a project name (``treats``) or a CURIE (``biolink:treats``)."""
    if value in {p.value for p in Predicate}:
        return PREDICATE_IRI[Predicate(value)]
    return entity_iri(value)


def _evidence(ev_iri: str, props: list[tuple[str, Term]]) -> EvidenceOut:
    # The record's attributes, named as the record names them; those every item has are shown
    # as null when the store lacks them.
    fields: dict[str, object] = {f.name: None for f in EVIDENCE_FIELDS if f.essential}
    fields.update(wire_fields(props), id=contract(ev_iri))
    return EvidenceOut.model_validate(fields)


@router.get(
    "/claims",
    operation_id="list_claims",
    response_model=ClaimPage,
    responses={400: {"model": ErrorOut, "description": "a filter that is not a CURIE"}},
)
def list_claims(
    ctx: Context,
    subject: Annotated[
        str | None,
        Query(description="subject CURIE", json_schema_extra=curie_schema(optional=True)),
    ] = None,
    object: Annotated[
        str | None, Query(description="object CURIE", json_schema_extra=curie_schema(optional=True))
    ] = None,
    predicate: Annotated[
        str | None,
        Query(
            description="treats, inhibits … or a CURIE such as biolink:treats",
            json_schema_extra={"pattern": PREDICATE_PATTERN},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ClaimPage:
    """Claims matching every given filter, each with all of its evidence items."""
    bindings: dict[str, BindValue] = {}
    if subject:
        bindings["subject"] = NamedNode(entity_iri(subject))
    if object:
        bindings["object"] = NamedNode(entity_iri(object))
    if predicate:
        bindings["predicate"] = NamedNode(predicate_iri(predicate))
    # LIMIT and OFFSET are validated integers, not user text, so formatting them in is safe.
    page_query = load_query("api", "claims") + f"\nLIMIT {limit + 1} OFFSET {offset}"
    rows = ctx.store.select(page_query, bindings or None).rows
    more = len(rows) > limit
    rows = rows[:limit]
    claims = [r[0] for r in rows if isinstance(r[0], NamedNode)]
    evidence: dict[str, dict[str, list[tuple[str, Term]]]] = defaultdict(dict)
    if claims:
        ev_rows = ctx.store.select(load_query("api", "evidence"), {"claim": claims}).rows
        for c, ev, p, o in ev_rows:
            if isinstance(c, NamedNode) and isinstance(ev, NamedNode) and isinstance(p, NamedNode):
                assert o is not None
                evidence[c.value].setdefault(ev.value, []).append((p.value, o))
    items: list[ClaimOut] = []
    for c, s, p, o in rows:
        if not (isinstance(c, NamedNode) and isinstance(s, NamedNode)):
            continue
        if not (isinstance(p, NamedNode) and isinstance(o, NamedNode)):
            continue
        pred = PREDICATE_OF_IRI.get(p.value)
        items.append(
            ClaimOut(
                id=contract(c.value),
                subject=contract(s.value),
                predicate=pred.value if pred else contract(p.value),
                object=contract(o.value),
                evidence=[_evidence(ev_iri, props) for ev_iri, props in evidence[c.value].items()],
            )
        )
    return ClaimPage(
        items=items, limit=limit, offset=offset, next_offset=offset + limit if more else None
    )
