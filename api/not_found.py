"""404 answers for names the store does not hold: the message, the candidates, suggestions.

``GET /candidates``, its evidence, figures and mechanism, and the dossier answer an unknown or
ambiguous name with 404 and a JSON body that lists what the resolver (queries/resolve.py)
found: every candidate of an ambiguous name, or up to five names near an unknown one, so a
client (and the page) can offer "did you mean …" without asking again::

    {"detail": "no indication named 'diabtes' …; did you mean: diabetes?",
     "ambiguous": false, "candidates": [],
     "suggestions": [{"id": "MESH:D003920", "name": "diabetes", "score": 92.3}]}
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.requests import Request

from kg.iri import contract
from queries.explain import UnknownCandidateError
from queries.resolve import UnknownNameError


class NameNotFound(HTTPException):
    """A 404 whose body lists candidates and suggestions beside ``detail``."""

    def __init__(
        self,
        err: UnknownCandidateError | UnknownNameError,
    ) -> None:
        super().__init__(status_code=404, detail=str(err))
        candidates = getattr(err, "candidates", ())
        self.body: dict[str, Any] = {
            "detail": str(err),
            "ambiguous": len(candidates) > 1,
            "candidates": [c.to_json() for c in candidates],
            "suggestions": [
                {"id": contract(s.iri), "name": s.name, "score": s.score} for s in err.suggestions
            ],
        }


async def name_not_found(_request: Request, err: Exception) -> JSONResponse:
    """The exception handler: the body of :class:`NameNotFound` as JSON, status 404."""
    assert isinstance(err, NameNotFound)
    return JSONResponse(err.body, status_code=404)
