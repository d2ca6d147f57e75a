"""``GET /claims``: claims by subject, predicate and/or object, with their evidence, paged."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query
from pyoxigraph import NamedNode

from api.deps import Context
from api.identifiers import CURIE_PATTERN, curie_schema
from api.models import ClaimOut, ClaimPage, ErrorOut, EvidenceOut
from api.result_cache import ResultCache
from api.routers.entities import entity_iri
from kg.evidence_rdf import wire_fields
from kg.iri import contract
from kg.model import EVIDENCE_FIELDS, Predicate
from kg.sparql import BindValue, bind, load_query, paged_query
from kg.store import GraphStore, Term
from kg.stores.oxigraph import OxigraphStore
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


def _page(
    store: GraphStore, bindings: dict[str, BindValue], limit: int, offset: int
) -> tuple[list[tuple[Term | None, ...]], bool]:
    """A page of ``(claim, subject, predicate, object)`` rows by claim IRI; whether more follow."""
    if not isinstance(store, OxigraphStore):
        # A server sorts and pages itself; the sub-query form lets Virtuoso page past 10,000
        # sorted rows. LIMIT and OFFSET are validated integers, so formatting them in is safe.
        query = paged_query(bind(load_query("api", "claims"), bindings), limit + 1, offset)
        rows = store.select(query).rows
        return rows[:limit], len(rows) > limit
    # Oxigraph's ORDER BY reads both IRIs' text from disk at every comparison: ordering the
    # 1,817 claims of 2,267 abstracts took it 50 ms, Python 1 ms. So the matching claims come
    # unordered, Python sorts them (IRIs by code point, as SPARQL orders them) and the page's
    # rows are read for its claims alone.
    ordered = _ordered_claims(store, bindings)
    page = ordered[offset : offset + limit + 1]
    if not page:
        return [], False
    rows = store.select(load_query("api", "claims"), {**bindings, "claim": page[:limit]}).rows
    return rows, len(page) > limit


# The ordered claim lists of the last few filters, for the store state they were read in: a
# client walking the pages of a listing (or several clients reading the same one) reads and
# sorts the matching claims once, not once per page. Few lists are kept, each holding one IRI
# per matching claim; the state token in the key drops them after any write.
_claim_lists: ResultCache[list[NamedNode]] = ResultCache(size=8)


def _ordered_claims(store: GraphStore, bindings: dict[str, BindValue]) -> list[NamedNode]:
    """The IRIs of the claims matching ``bindings``, in IRI order, kept per store state."""
    filters = tuple(sorted((k, v.value) for k, v in bindings.items() if isinstance(v, NamedNode)))

    def read() -> list[NamedNode]:
        # Without a subject or object to look claims up by, reading whole properties
        # (claim_ids_scan) beats a lookup per claim.
        narrow = "subject" in bindings or "object" in bindings
        ids_query = load_query("api", "claim_ids" if narrow else "claim_ids_scan")
        found = store.select(ids_query, bindings or None).rows
        return sorted((r[0] for r in found if isinstance(r[0], NamedNode)), key=lambda n: n.value)

    # The store's state token in the key stands for the cache's write generation: it changes
    # with every write, through the API or not.
    key = (id(store), store.state_token(), filters)
    return _claim_lists.get_or_compute(key, 0, read)


def _evidence_of(
    store: GraphStore, claims: list[NamedNode]
) -> defaultdict[str, dict[str, list[tuple[str, Term]]]]:
    """Each claim's evidence items (by IRI), each with its (predicate IRI, value) pairs."""
    evidence: defaultdict[str, dict[str, list[tuple[str, Term]]]] = defaultdict(dict)
    if not claims:
        return evidence
    for c, ev, p, o in store.select(load_query("api", "evidence"), {"claim": claims}).rows:
        if isinstance(c, NamedNode) and isinstance(ev, NamedNode) and isinstance(p, NamedNode):
            assert o is not None
            evidence[c.value].setdefault(ev.value, []).append((p.value, o))
    return evidence


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
    rows, more = _page(ctx.store, bindings, limit, offset)
    claims = [r[0] for r in rows if isinstance(r[0], NamedNode)]
    evidence = _evidence_of(ctx.store, claims)
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
                evidence=[
                    _evidence(ev_iri, props) for ev_iri, props in sorted(evidence[c.value].items())
                ],
            )
        )
    return ClaimPage(
        items=items, limit=limit, offset=offset, next_offset=offset + limit if more else None
    )
