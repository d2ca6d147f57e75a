"""The web page for pharmacologists (``/``) and the small JSON resources it needs.

* ``GET /`` and ``GET /static/{name}``: the page (plain HTML, CSS and ES modules, no CDN);
* ``GET /queries``: the example queries of the project's ``.rq`` library with their header
  comments, for the page's SPARQL box;
* ``GET /names``: every name of some entities by name system (characters, pinyin, Latin,
  English), for the ranked table;
* ``GET /candidates/{id}/mechanism``: the mechanism graph picture (nodes in layers, edges with
  beliefs, hub nodes marked);
* ``GET /candidates/{id}/figures``: the page's two charts as SVG and the evidence cards as HTML,
  made by :mod:`api.presentation` exactly as in the dossier;
* ``GET /study-designs``: the reader's name of each study design, strongest design first;
* ``GET /sources/{curie}``: the source record an evidence card cites (title, year, journal,
  link to PubMed or ClinicalTrials.gov), read from the record's own named graph;
* ``GET /dossier``: the evidence dossier of one candidate as one self-contained HTML file.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from pyoxigraph import Literal, NamedNode

from api.deps import Context
from api.identifiers import curie_schema
from api.models import ErrorOut
from api.not_found import NameNotFound
from api.presentation import (
    DESIGN_ORDER,
    citation_url,
    design_label,
    evidence_profile_svg,
    mechanism_svg,
    render_cards,
    render_dossier,
)
from api.routers.candidates import MAX_NAME, IndicationParam, SyndromeParam, scoring_config
from kg.iri import DCT, CurieError, graph_iri, slug, term
from kg.sparql import load_query, query_file
from queries.dossier import (
    MechanismPicture,
    entity_names,
    mark_names,
    mechanism_picture,
    prepare_dossier,
)
from queries.evidence import nodes
from queries.explain import (
    Explanation,
    UnknownCandidateError,
    explain_in_context,
    resolve_candidate,
)
from queries.indications import UnknownIndicationError
from queries.library import PACKAGE as LIBRARY
from queries.library import query_names
from queries.rank import prepare
from queries.resolve import UnknownNameError

router = APIRouter(tags=["web page"])

# The only files /static serves, with their media types: nothing else can be asked for.
STATIC_FILES: dict[str, str] = {
    "app.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
MAX_NAMES = 200

# The page is served with a policy that forbids every remote origin, so a stray remote link
# would fail loudly in tests instead of silently needing the internet.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'"
)
DOSSIER_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _static(name: str) -> str:
    return resources.files("api").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/", include_in_schema=False)
def page() -> HTMLResponse:
    """The web page."""
    return HTMLResponse(_static("index.html"), headers={"Content-Security-Policy": PAGE_POLICY})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """A script or style sheet of the page."""
    if name not in STATIC_FILES:
        raise HTTPException(status_code=404, detail=f"no static file {name!r}")
    return Response(
        _static(name), media_type=STATIC_FILES[name], headers={"Cache-Control": "no-cache"}
    )


class QueryExample(BaseModel):
    """One query of the project's ``.rq`` library."""

    name: str
    title: str
    description: str = Field(description="the header comment: purpose, parameters, results")
    text: str


def query_example(name: str) -> QueryExample:
    """The example ``name`` with its title and header comment split from the query."""
    q = query_file(LIBRARY, name)
    return QueryExample(name=name, title=q.title, description=q.description, text=q.text)


@router.get("/queries", operation_id="list_example_queries", response_model=list[QueryExample])
def queries() -> list[QueryExample]:
    """The SPARQL queries of the project's library, runnable as they are at ``/sparql``."""
    return [query_example(n) for n in query_names()]


class NamesOut(BaseModel):
    """An entity's names by name system, preferred names first."""

    zh: list[str]
    pinyin: list[str]
    latin: list[str]
    english: list[str]
    other: list[str]


@router.get(
    "/names",
    operation_id="entity_names",
    response_model=dict[str, NamesOut],
    responses={400: {"model": ErrorOut}},
)
def names(
    ctx: Context,
    id: Annotated[
        list[str],
        Query(
            min_length=1,
            max_length=MAX_NAMES,
            description="entity CURIEs",
            json_schema_extra={"items": {"type": "string", **curie_schema()}},
        ),
    ],
) -> dict[str, Any]:
    """Every name of each entity: Chinese characters, pinyin, Latin, English and others."""
    try:
        found = entity_names(ctx.store, id)
    except CurieError as err:
        raise HTTPException(status_code=400, detail=str(err)) from err
    return {k: v.to_json() for k, v in found.items()}


class PictureNodeOut(BaseModel):
    """A node of the mechanism picture."""

    id: str
    label: str
    kind: str
    layer: int = Field(description="0 candidate … 5 indication")
    hub: float = Field(description="hub factor: 1 for a specific node, small for a hub")
    is_hub: bool


class PictureEdgeOut(BaseModel):
    """An edge of the mechanism picture."""

    source: str
    target: str
    predicate: str
    belief: float


class MechanismPictureOut(BaseModel):
    """The union of a candidate's strongest mechanism paths."""

    nodes: list[PictureNodeOut]
    edges: list[PictureEdgeOut]


CandidatePath = Annotated[
    str,
    Path(max_length=MAX_NAME, description="candidate CURIE or unambiguous name"),
]


@router.get(
    "/candidates/{candidate_id:path}/mechanism",
    operation_id="mechanism_picture",
    response_model=MechanismPictureOut,
    responses={404: {"model": ErrorOut}},
)
def mechanism(
    ctx: Context, candidate_id: CandidatePath, indication: IndicationParam
) -> dict[str, Any]:
    """Nodes and edges of the candidate's strongest paths to the indication, hubs marked."""
    _, picture = _explained(ctx, candidate_id, indication)
    return picture.to_json()


def _explained(
    ctx: Context, candidate_id: str, indication: str
) -> tuple[Explanation, MechanismPicture]:
    """The explanation and mechanism picture of one candidate; 404 for a name not in the graph.

    Only the errors that mean "no such candidate or indication" become a 404: any other error
    is a fault of the program and reaches the client as a 500 (and the log).
    """
    try:
        cand = resolve_candidate(ctx.store, candidate_id)
        rank_ctx = prepare(ctx.store, indication, scoring_config(ctx))
    except (UnknownCandidateError, UnknownIndicationError) as err:
        raise NameNotFound(err) from err
    except CurieError as err:
        raise HTTPException(status_code=404, detail=f"{candidate_id!r}: {err}") from err
    explanation = explain_in_context(rank_ctx, cand)
    return explanation, mechanism_picture(rank_ctx, explanation)


class FiguresOut(BaseModel):
    """The charts and evidence cards of one candidate for one indication, as in the dossier."""

    profile: str | None = Field(
        description="the evidence profile as SVG (none without direct evidence); each marker's "
        "data-index is its item's position in /candidates/{id}/evidence"
    )
    mechanism: str | None = Field(
        description="the mechanism graph as SVG (none without a mechanism path)"
    )
    cards: str = Field(
        description="the evidence cards as an HTML fragment, in the order of "
        "/candidates/{id}/evidence: article#card-N with data-index N, citation links, and a "
        "button with the source's id in data-source"
    )


@router.get(
    "/candidates/{candidate_id:path}/figures",
    operation_id="candidate_figures",
    response_model=FiguresOut,
    responses={404: {"model": ErrorOut}},
)
def figures(ctx: Context, candidate_id: CandidatePath, indication: IndicationParam) -> FiguresOut:
    """The evidence profile and mechanism graph as SVG and the evidence cards, for the page."""
    explanation, picture = _explained(ctx, candidate_id, indication)
    evidence = explanation.evidence
    cand = explanation.row.candidate.id
    names = entity_names(ctx.store, [cand])[cand]
    return FiguresOut(
        profile=evidence_profile_svg(evidence, interactive=True) if evidence else None,
        mechanism=mechanism_svg(picture) or None,
        cards=render_cards(explanation, mark_names(explanation, names)),
    )


class StudyDesignOut(BaseModel):
    """A study design and the name a reader knows it by."""

    id: str
    label: str


@router.get(
    "/study-designs", operation_id="list_study_designs", response_model=list[StudyDesignOut]
)
def study_designs() -> list[StudyDesignOut]:
    """Every study design with its reader's name, strongest design first."""
    return [StudyDesignOut(id=d, label=design_label(d)) for d in DESIGN_ORDER]


class SourceOut(BaseModel):
    """A source record cited by evidence: where a reader can check it."""

    id: str
    title: str | None
    year: int | None
    journal: str | None
    doi: str | None
    illustrative: bool = Field(description="an example written by the project, not a real study")
    url: str | None = Field(description="PubMed, ClinicalTrials.gov or DOI link")
    graph: str = Field(description="the record's named graph")


@router.get(
    "/sources/{curie:path}",
    operation_id="get_source",
    response_model=SourceOut,
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
def source(
    ctx: Context,
    curie: Annotated[
        str,
        Path(
            max_length=MAX_NAME,
            description="PMID:…, NCT…, TCMKG.DOC:…",
            json_schema_extra=curie_schema(in_path=True),
        ),
    ],
) -> SourceOut:
    """The source record an evidence item cites, as its own named graph describes it."""
    try:
        record = nodes([curie])[0]
        graph = graph_iri(curie)
    except CurieError as err:
        raise HTTPException(status_code=400, detail=f"{curie!r}: {err}") from err
    bindings = {"record": record, "g": NamedNode(graph)}
    rows = ctx.store.select(load_query("api", "source_facts"), bindings).dicts()
    facts: dict[str, str] = {}
    for row in rows:
        p, o = row.get("p"), row.get("o")
        if isinstance(p, NamedNode) and isinstance(o, Literal):
            facts.setdefault(p.value, o.value)
    if not facts:
        raise HTTPException(status_code=404, detail=f"no source record {curie} in the graph")
    year = facts.get(term("year"))
    doi = facts.get(term("doi"))
    return SourceOut(
        id=curie,
        title=facts.get(DCT + "title"),
        year=int(year) if year and year.isdigit() else None,
        journal=facts.get(term("journal")),
        doi=doi,
        illustrative=facts.get(term("illustrative")) in ("true", "1"),
        url=citation_url(curie) or (citation_url(f"DOI:{doi}") if doi else None),
        graph=graph,
    )


@router.get(
    "/dossier",
    operation_id="evidence_dossier",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "one self-contained HTML file"},
        # Errors are JSON like every other route, whatever the success type.
        404: {
            "description": "no candidate or indication of that name",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    },
)
def dossier(
    ctx: Context,
    candidate: Annotated[
        str, Query(min_length=1, max_length=MAX_NAME, description="candidate CURIE or name")
    ],
    indication: IndicationParam,
    download: Annotated[bool, Query(description="ask the browser to save the file")] = False,
    syndrome: SyndromeParam = None,
) -> HTMLResponse:
    """The evidence dossier (``tcmkg dossier``): ranking row, charts, evidence, safety, formula."""
    config = scoring_config(ctx)
    try:
        prepared = prepare_dossier(ctx.store, candidate, indication, config, syndrome=syndrome)
    except (UnknownCandidateError, UnknownNameError) as err:
        raise NameNotFound(err) from err
    except CurieError as err:
        raise HTTPException(status_code=404, detail=f"{candidate!r}: {err}") from err
    filename = f"dossier-{slug(prepared.explanation.row.candidate.label) or 'candidate'}.html"
    disposition = "attachment" if download else "inline"
    return HTMLResponse(
        render_dossier(prepared),
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Content-Security-Policy": DOSSIER_POLICY,
        },
    )
