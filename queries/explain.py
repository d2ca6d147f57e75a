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
from queries.scoring import Polarity


class UnknownCandidateError(LookupError):
    """No herb, formula, preparation or compound has that name (or the name is ambiguous)."""


@dataclass(frozen=True)
class Explanation:
    """Everything behind one row of a ranking."""

    row: RankedRow
    query: str  # the indication as typed
    matched: tuple[str, ...]  # indication terms the name matched
    terms: tuple[str, ...]  # every term covered (synonyms, narrower terms)
    paths: tuple[MechanismPath, ...]  # strongest first
    labels: dict[str, str]  # labels of the nodes on the paths and of the indication terms

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
    table = name_table(store, "candidate_lookup", "entity", state=state)
    ids = sorted({contract(iri) for iri in table.find(text)})
    if not ids:
        raise UnknownCandidateError(
            f"no herb, formula, preparation or compound named {name!r} in the store"
        )
    info = entity_info(store, ids)
    if len(ids) > 1:
        listed = "; ".join(f"{i} ({info[i].label}, {info[i].kind})" for i in ids if i in info)
        raise UnknownCandidateError(f"{name!r} is ambiguous: use one of {listed}")
    return info[ids[0]]


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
    )


def explain_candidate(
    store: GraphStore,
    candidate: str,
    indication: str,
    config: ScoringConfig | None = None,
) -> Explanation:
    """The evidence, mechanism paths and counter-evidence behind ``candidate`` for ``indication``.

    Raises UnknownCandidateError or :class:`queries.indications.UnknownIndicationError`.
    """
    cand = resolve_candidate(store, candidate)
    ctx = prepare(store, indication, config or ScoringConfig())
    return explain_in_context(ctx, cand)
