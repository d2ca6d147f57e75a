"""TCM theory: ``GET /syndromes`` (by name), ``GET /browse`` (herbs and formulas by action,
nature, flavour, meridian or syndrome) and ``GET /theory/schemes`` (the filters' choices)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Context
from api.models import BrowseOut, ErrorOut, SchemesOut, SyndromesOut
from api.not_found import NameNotFound
from api.routers.candidates import MAX_NAME, scoring_config
from queries.browse import (
    DEFAULT_LIMIT,
    BrowseKind,
    browse,
    schemes,
    search_syndromes,
)
from queries.resolve import UnknownNameError

router = APIRouter(tags=["TCM theory"])

TheoryName = Annotated[
    str | None,
    Query(max_length=MAX_NAME, description="a name in characters, pinyin or English, or an id"),
]


@router.get("/syndromes", operation_id="search_syndromes", response_model=SyndromesOut)
def syndromes(
    ctx: Context,
    q: Annotated[
        str,
        Query(
            max_length=MAX_NAME,
            description="part of a syndrome's name in characters, pinyin or English "
            "(气阴, qi yin, qi-yin deficiency); empty: every syndrome",
        ),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 10,
) -> SyndromesOut:
    """Syndromes (证候) by name: names that begin with the text first, then near names."""
    found = search_syndromes(ctx.store, q, limit)
    return SyndromesOut.model_validate({"query": q, "syndromes": found})


@router.get(
    "/browse",
    operation_id="browse_by_theory",
    response_model=BrowseOut,
    responses={404: {"model": ErrorOut, "description": "a filter names nothing"}},
)
def browse_route(
    ctx: Context,
    kind: Annotated[BrowseKind, Query(description="which entities to list")] = BrowseKind.HERB,
    action: TheoryName = None,
    nature: TheoryName = None,
    flavour: TheoryName = None,
    meridian: TheoryName = None,
    syndrome: TheoryName = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = DEFAULT_LIMIT,
) -> BrowseOut:
    """Herbs, formulas or preparations by action category (功效), nature (四气), flavour (五味),
    meridian (归经) or the syndrome they are indicated for; filters combine (all must hold).

    A formula's actions are those its classical indications' treatment principles call for.
    """
    try:
        result = browse(
            ctx.store,
            kind,
            action=action,
            nature=nature,
            flavour=flavour,
            meridian=meridian,
            syndrome=syndrome,
            limit=limit,
            config=scoring_config(ctx),
        )
    except UnknownNameError as err:  # a syndrome or a filter value that names nothing
        raise NameNotFound(err) from err
    return BrowseOut.model_validate(result.to_json())


@router.get("/theory/schemes", operation_id="theory_schemes", response_model=SchemesOut)
def theory_schemes(ctx: Context) -> SchemesOut:
    """Every action category, nature, flavour and meridian, in characters, pinyin and English."""
    return SchemesOut.model_validate(schemes(ctx.store))
