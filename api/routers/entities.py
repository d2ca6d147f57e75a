"""``GET /entities/{curie}`` and ``GET /search``: find any entity by its id or any of its names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pyoxigraph import Literal, NamedNode

from api.deps import Context
from api.identifiers import curie_schema
from api.models import EntityOut, ErrorOut, LabelOut, SearchOut
from kg.iri import DCT, RDF, RDFS, SKOS, CurieError, contract, expand
from kg.model import EntityKind
from kg.sparql import load_query
from kg.terms import KIND_OF_CLASS

router = APIRouter(tags=["entities"])

MAX_QUERY_CHARS = 200


def entity_iri(curie: str) -> str:
    """The IRI of a CURIE from a request; 400 naming the problem when it is not one."""
    try:
        iri = expand(curie)
    except CurieError as err:
        raise HTTPException(status_code=400, detail=f"{curie!r}: {err}") from err
    try:
        NamedNode(iri)  # checks it is a valid IRI, not only a known prefix
    except ValueError as err:  # pyoxigraph's only error for an invalid IRI
        raise HTTPException(status_code=400, detail=f"{curie!r}: {err}") from err
    return iri


@router.get(
    "/entities/{curie:path}",
    operation_id="get_entity",
    response_model=EntityOut,
    responses={
        400: {"model": ErrorOut, "description": "not a CURIE with a known prefix"},
        404: {"model": ErrorOut, "description": "no such entity in the graph"},
    },
)
def get_entity(
    ctx: Context,
    curie: Annotated[
        str,
        Path(
            description="CURIE, e.g. TCMKG.HERB:astragali-radix",
            json_schema_extra=curie_schema(in_path=True),
        ),
    ],
) -> EntityOut:
    """Everything the graph says to identify one entity: types, names, cross-references."""
    iri = entity_iri(curie)
    rows = ctx.store.select(load_query("api", "entity"), {"entity": NamedNode(iri)}).rows
    if not rows:
        raise HTTPException(status_code=404, detail=f"no entity {curie} in the graph")
    types: list[str] = []
    kinds: list[str] = []
    labels: list[LabelOut] = []
    xrefs: list[str] = []
    broader: list[str] = []
    label: str | None = None
    description: str | None = None
    properties: dict[str, list[str]] = {}
    for p, o in rows:
        assert isinstance(p, NamedNode)
        pred = p.value
        if pred == RDF + "type" and isinstance(o, NamedNode):
            types.append(contract(o.value))
            if o.value in KIND_OF_CLASS:
                kinds.append(KIND_OF_CLASS[o.value].value)
        elif pred == RDFS + "label" and isinstance(o, Literal):
            label = label or o.value
        elif pred in (SKOS + "prefLabel", SKOS + "altLabel") and isinstance(o, Literal):
            labels.append(
                LabelOut(text=o.value, lang=o.language, preferred=pred == SKOS + "prefLabel")
            )
        elif pred == SKOS + "exactMatch" and isinstance(o, NamedNode):
            xrefs.append(contract(o.value))
        elif pred == SKOS + "broader" and isinstance(o, NamedNode):
            broader.append(contract(o.value))
        elif pred == DCT + "description" and isinstance(o, Literal):
            description = o.value
        elif isinstance(o, Literal):
            properties.setdefault(pred.rsplit("#", 1)[-1], []).append(o.value)
    labels.sort(key=lambda lb: (not lb.preferred, lb.lang or "", lb.text))
    return EntityOut(
        id=contract(iri),
        iri=iri,
        kinds=sorted(set(kinds)),
        types=sorted(set(types)),
        label=label,
        labels=labels,
        xrefs=sorted(set(xrefs)),
        broader=sorted(set(broader)),
        description=description,
        properties=properties,
    )


@router.get(
    "/search",
    operation_id="search_entities",
    response_model=SearchOut,
    responses={400: {"model": ErrorOut}},
)
def search(
    ctx: Context,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description="any name: 黄芪, huang qi, huangqi, Astragali Radix, Radix Astragali …",
        ),
    ],
    kind: Annotated[EntityKind | None, Query(description="only entities of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> SearchOut:
    """Entities carrying the name: every candidate of an ambiguous name, then prefix matches."""
    return ctx.labels.search(
        q, generation=ctx.generation, kind=kind.value if kind else None, limit=limit
    )
