"""``GET /candidates`` and ``GET /candidates/{id}/evidence``: ``tcmkg rank`` and ``explain``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from api.deps import Context
from api.models import (
    CandidateRef,
    CandidatesOut,
    EntityRef,
    ErrorOut,
    ExplanationOut,
    RankedRowOut,
    SyndromeOut,
)
from api.not_found import NameNotFound
from kg.iri import CurieError
from queries.config import DEFAULT_ROWS, ScoringConfig, ScoringConfigError, load_config
from queries.explain import UnknownCandidateError, explain_candidate, other_kinds
from queries.indications import UnknownIndicationError
from queries.rank import DEFAULT_KIND, CandidateKind, RankContext, prepare, rank_in_context
from queries.scoring import Certainty
from queries.traditional import UnknownSyndromeError

router = APIRouter(tags=["candidates"])

MAX_NAME = 300


class CertaintyFloor(StrEnum):
    """The GRADE-like certainty levels, as the ranking labels them."""

    HIGH = "High"
    MODERATE = "Moderate"
    LOW = "Low"
    VERY_LOW = "Very low"

    def certainty(self) -> Certainty:
        """The scoring module's level of the same name."""
        return Certainty[self.name]


IndicationParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_NAME,
        description="indication by name in any language, CURIE or IRI (e.g. fatigue, MESH:…)",
    ),
]


SyndromeParam = Annotated[
    str | None,
    Query(
        max_length=MAX_NAME,
        description="rank within a TCM syndrome (病证结合): name in characters, pinyin or "
        "English, or CURIE (e.g. qi-yin deficiency, 气阴两虚证); adds the traditional axis",
    ),
]


def scoring_config(ctx: Context) -> ScoringConfig:
    """The scoring constants from the settings' TOML file (or the defaults)."""
    try:
        return load_config(ctx.settings.scoring_config)
    except ScoringConfigError as err:
        raise HTTPException(status_code=503, detail=f"scoring configuration: {err}") from err


@router.get(
    "/candidates",
    operation_id="rank_candidates",
    response_model=CandidatesOut,
    responses={404: {"model": ErrorOut, "description": "no indication of that name"}},
)
def candidates(
    ctx: Context,
    indication: IndicationParam,
    kind: Annotated[
        CandidateKind, Query(description="which candidates to rank (default as tcmkg rank)")
    ] = DEFAULT_KIND,
    top: Annotated[int, Query(ge=1, le=500, description="rows (default as tcmkg rank)")] = (
        DEFAULT_ROWS
    ),
    min_certainty: Annotated[
        CertaintyFloor | None, Query(description="hide rows below this certainty")
    ] = None,
    exact: Annotated[
        bool,
        Query(description="the indication term only, without its synonyms and narrower terms"),
    ] = False,
    syndrome: SyndromeParam = None,
) -> CandidatesOut:
    """Herbs, formulas, hospital preparations (or compounds) for an indication, best first."""
    floor = min_certainty.certainty() if min_certainty is not None else None

    def compute() -> CandidatesOut:
        try:
            ranking = prepare(
                ctx.store, indication, scoring_config(ctx), exact=exact, syndrome=syndrome
            )
            rows = rank_in_context(ranking, kind, top, floor)
        # Only "no such indication/syndrome" is a 404: any other error is a fault of the
        # program and must reach the client as a 500 (and the log), not as a "not found".
        except (UnknownIndicationError, UnknownSyndromeError) as err:
            raise NameNotFound(err) from err
        except CurieError as err:
            raise HTTPException(
                status_code=404, detail=f"indication {indication!r}: {err}"
            ) from err
        return CandidatesOut(
            indication=indication,
            kind=kind.value,
            matched=_refs(ranking, ranking.indication.matched),
            covers=_refs(ranking, ranking.indication.terms),
            syndrome=(
                SyndromeOut.model_validate(ranking.syndrome.to_json())
                if ranking.syndrome is not None
                else None
            ),
            rows=[RankedRowOut.model_validate(r.to_json()) for r in rows],
        )

    key = ("candidates", indication, kind.value, top, floor, exact, syndrome)
    answer = ctx.answers.get_or_compute(key, ctx.generation, compute)
    assert isinstance(answer, CandidatesOut)
    return answer


def _refs(ranking: RankContext, terms: tuple[str, ...]) -> list[EntityRef]:
    """Indication terms with their labels, as ``tcmkg rank`` prints them after "covers:"."""
    return [
        EntityRef(id=t, label=found.label if (found := ranking.candidate(t)) else t) for t in terms
    ]


@router.get(
    "/candidates/{candidate_id:path}/evidence",
    operation_id="explain_candidate",
    response_model=ExplanationOut,
    responses={
        404: {"model": ErrorOut, "description": "unknown or ambiguous candidate or indication"}
    },
)
def evidence(
    ctx: Context,
    candidate_id: Annotated[
        str,
        Path(
            max_length=MAX_NAME,
            description="candidate CURIE (e.g. TCMKG.HERB:astragali-radix) or unambiguous name",
        ),
    ],
    indication: IndicationParam,
    syndrome: SyndromeParam = None,
) -> ExplanationOut:
    """Why a candidate ranks where it does: evidence, mechanism paths, what argues against it."""

    def compute() -> ExplanationOut:
        try:
            explanation = explain_candidate(
                ctx.store, candidate_id, indication, scoring_config(ctx), syndrome=syndrome
            )
        except (UnknownCandidateError, UnknownIndicationError, UnknownSyndromeError) as err:
            raise NameNotFound(err) from err
        except CurieError as err:
            raise HTTPException(status_code=404, detail=f"{candidate_id!r}: {err}") from err
        out = ExplanationOut.model_validate(explanation.to_json())
        # A name of several kinds explains the first (the herb of "licorice") and says that
        # the others exist, so a pharmacologist who meant the compound can ask for it.
        others = other_kinds(ctx.store, candidate_id, explanation.row.candidate)
        out.also_named = [CandidateRef.model_validate(c.to_json()) for c in others]
        return out

    key = ("evidence", candidate_id, indication, syndrome)
    answer = ctx.answers.get_or_compute(key, ctx.generation, compute)
    assert isinstance(answer, ExplanationOut)
    return answer
