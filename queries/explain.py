"""Explaining one ranked row: its evidence, its mechanism paths, what counts against it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kg.iri import contract, expand
from kg.store import GraphStore
from queries.config import ScoringConfig
from queries.mechanism import MechanismPath
from queries.names import name_table
from queries.rank import (
    Candidate,
    RankContext,
    RankedRow,
    SafetyFlag,
    ScoredEvidence,
    build_row,
    entity_info,
    is_curie_or_iri,
    prepare,
    safety_flags,
    with_row_sentences,
)
from queries.resolve import Suggestion, did_you_mean, order_by_kind
from queries.scoring import Polarity


class UnknownCandidateError(LookupError):
    """No herb, formula, preparation or compound has that name (or the name is ambiguous).

    ``candidates``: every entity an ambiguous name names (CURIEs); ``suggestions``: names near
    an unknown one.
    """

    def __init__(
        self,
        message: str,
        *,
        candidates: tuple[Candidate, ...] = (),
        suggestions: tuple[Suggestion, ...] = (),
    ) -> None:
        super().__init__(message)
        self.candidates = candidates
        self.suggestions = suggestions


@dataclass(frozen=True)
class Explanation:
    """Everything behind one row of a ranking."""

    row: RankedRow
    query: str  # the indication as typed
    matched: tuple[str, ...]  # indication terms the name matched
    terms: tuple[str, ...]  # every term covered (synonyms, narrower terms)
    paths: tuple[MechanismPath, ...]  # strongest first
    labels: dict[str, str]  # labels of the nodes on the paths and of the indication terms
    syndrome: dict[str, Any] | None = None  # the syndrome asked for, as rankings report it

    @property
    def evidence(self) -> tuple[ScoredEvidence, ...]:
        """Direct evidence for candidate treats indication: supporting first, strongest first."""
        return self.row.evidence

    @property
    def against(self) -> tuple[ScoredEvidence, ...]:
        """The evidence counted against the claim (null, harm, negated)."""
        return tuple(e for e in self.row.evidence if e.polarity is Polarity.AGAINST)

    @property
    def safety(self) -> tuple[SafetyFlag, ...]:
        """Safety flags lowering the score."""
        return self.row.safety

    def to_json(self) -> dict[str, Any]:
        """The explanation as JSON (names other tools rely on: keep them)."""
        return {
            "candidate": self.row.candidate.to_json(),
            "syndrome": self.syndrome,
            "indication": {
                "query": self.query,
                "matched": [{"id": t, "label": self.labels.get(t, t)} for t in self.matched],
                "terms": [{"id": t, "label": self.labels.get(t, t)} for t in self.terms],
            },
            "score": self.row.to_json(evidence_limit=0),
            "evidence": [e.to_json() for e in self.evidence],
            "paths": [
                {
                    "nodes": [{"id": n, "label": self.labels.get(n, n)} for n in p.nodes],
                    "predicates": list(p.predicates),
                    "weight": p.weight,
                }
                for p in self.paths
            ],
            "against": {
                "evidence": [e.to_json() for e in self.against],
                "safety": [f.to_json() for f in self.safety],
            },
        }


def resolve_candidate(store: GraphStore, name: str, *, state: str | None = None) -> Candidate:
    """The one candidate named ``name`` (CURIE, IRI or label in any name system).

    A name shared by entities of different kinds names the one of the first kind in
    :data:`queries.resolve.KIND_ORDER` (``licorice``: the herb, not the compound); see
    :func:`other_kinds` for the rest. Two of that kind (``fangji``) are ambiguous.

    Labels are compared under the project's one normalisation rule
    (:func:`kg.names.normalise_name`: case, tone marks, spacing, punctuation, Latin word
    order). An ambiguous name is refused with the candidates listed, never resolved silently.
    ``state`` is the store's state token when the caller holds it already (the names read are
    reused until it changes).
    """
    text = name.strip()
    if is_curie_or_iri(text):
        curie = contract(text) if text.startswith("http") else text
        expand(curie)
        found = entity_info(store, [curie])
        if curie not in found:
            raise UnknownCandidateError(f"no herb, formula, preparation or compound {name!r}")
        return found[curie]
    named = candidates_named(store, text, state=state)
    first = [c for c in named if c.kind == named[0].kind]
    if len(first) > 1:
        listed = "; ".join(f"{c.id} ({c.label}, {c.kind})" for c in named)
        raise UnknownCandidateError(
            f"{name!r} is ambiguous: use one of {listed}", candidates=tuple(named)
        )
    return first[0]


def candidates_named(store: GraphStore, name: str, *, state: str | None = None) -> list[Candidate]:
    """Every candidate called ``name``, herbs first (:data:`queries.resolve.KIND_ORDER`).

    Raises UnknownCandidateError, with suggestions, when no candidate has the name.
    """
    table = name_table(store, "candidate_lookup", "entity", state=state)
    resolution = table.resolve(name)
    ids = sorted({contract(iri) for iri in resolution.found})
    info = entity_info(store, ids) if ids else {}
    if not info:
        offer = did_you_mean([s.name for s in resolution.suggestions])
        raise UnknownCandidateError(
            f"no herb, formula, preparation or compound named {name!r} in the store"
            + (f"; {offer}" if offer else ""),
            suggestions=resolution.suggestions,
        )
    return [info[i] for i in order_by_kind(list(info), {i: c.kind for i, c in info.items()})]


def other_kinds(store: GraphStore, name: str, chosen: Candidate) -> list[Candidate]:
    """The entities of other kinds that share ``name`` with ``chosen`` (a compound "licorice")."""
    if is_curie_or_iri(name.strip()):
        return []
    try:
        named = candidates_named(store, name.strip(), state=store.state_token())
    except UnknownCandidateError:
        return []
    return [c for c in named if c.id != chosen.id]


def explain_in_context(ctx: RankContext, candidate: Candidate) -> Explanation:
    """Explain ``candidate`` within a prepared ranking context."""
    flags, safety_belief = safety_flags(ctx, [candidate.id])[candidate.id]
    row = with_row_sentences(ctx.store, build_row(ctx, candidate, flags, safety_belief), None)
    paths = tuple(ctx.mechanism.paths(candidate.id, ctx.config.max_paths))
    ids = {n for p in paths for n in p.nodes} | set(ctx.indication.terms)
    ids |= {e.item.object for e in row.evidence}
    labels = {c: v.label for c in ids if (v := ctx.candidate(c)) is not None}
    return Explanation(
        row=row,
        query=ctx.indication.query,
        matched=ctx.indication.matched,
        terms=ctx.indication.terms,
        paths=paths,
        labels=labels,
        syndrome=ctx.syndrome.to_json() if ctx.syndrome is not None else None,
    )


def explain_candidate(
    store: GraphStore,
    candidate: str,
    indication: str,
    config: ScoringConfig | None = None,
    *,
    syndrome: str | None = None,
) -> Explanation:
    """The evidence, mechanism paths and counter-evidence behind ``candidate`` for ``indication``.

    ``syndrome``: explain the row of a ranking within that syndrome (population weights and
    the traditional axis). Raises UnknownCandidateError,
    :class:`queries.indications.UnknownIndicationError` or
    :class:`queries.traditional.UnknownSyndromeError`.
    """
    cand = resolve_candidate(store, candidate)
    ctx = prepare(store, indication, config or ScoringConfig(), syndrome=syndrome)
    return explain_in_context(ctx, cand)
