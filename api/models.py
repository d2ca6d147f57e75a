"""Pydantic response models: what API clients see on the wire (plain JSON, never RDF objects)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """An error: ``detail`` says what went wrong and, where it helps, what to do."""

    detail: str


class HealthOut(BaseModel):
    """Liveness and store reachability."""

    status: Literal["ok", "degraded"]
    store: str = Field(description="store backend (oxigraph, memory, sparql)")
    version: str
    writes_enabled: bool = Field(description="whether an API key is configured")


class LabelOut(BaseModel):
    """One name of an entity."""

    text: str
    lang: str | None = Field(None, description="BCP 47 tag: zh, zh-Latn-pinyin, la, en …")
    preferred: bool = False


class EntityOut(BaseModel):
    """An entity with all its names, types and cross-references."""

    id: str = Field(description="CURIE, e.g. TCMKG.HERB:astragali-radix or MESH:D003920")
    iri: str
    kinds: list[str] = Field(description="project entity kinds (Herb, Formula, Compound …)")
    types: list[str] = Field(description="every rdf:type, as CURIEs where a prefix is known")
    label: str | None
    labels: list[LabelOut]
    xrefs: list[str]
    broader: list[str]
    description: str | None = None
    properties: dict[str, list[str]] = Field(
        default_factory=dict, description="other literal facts (hospital, approval number …)"
    )


class SearchHit(BaseModel):
    """One entity whose name matched the search."""

    id: str
    iri: str
    kind: str | None
    label: str | None
    matched_name: str = Field(description="the name of the entity that matched")
    match: Literal["exact", "prefix"]


class SearchOut(BaseModel):
    """Every entity a name may mean: an ambiguous name returns all its candidates."""

    query: str
    key: str = Field(description="the normalised form the names were compared on")
    ambiguous: bool = Field(description="more than one entity carries exactly this name")
    hits: list[SearchHit]


class EvidenceOut(BaseModel):
    """One evidence item of a claim, traceable to its source and sentence."""

    id: str
    source: str | None = Field(description="CURIE of the source record (PMID:…, NCT:…, table)")
    design: str | None
    direction: str | None
    sentence: str | None = None
    start: int | None = None
    end: int | None = None
    sample_size: int | None = None
    species: str | None = None
    negated: bool | None = None
    hedged: bool | None = None
    year: int | None = None
    method: str | None = None
    method_version: str | None = None
    confidence: float | None = None
    knowledge_level: str | None = None
    agent_type: str | None = None
    trial_ids: list[str] = Field(default_factory=list)
    dose: str | None = None


class ClaimOut(BaseModel):
    """A claim (subject, predicate, object) with every evidence item attached to it."""

    id: str
    subject: str
    predicate: str = Field(description="project predicate name (treats, inhibits …) or CURIE")
    object: str
    evidence: list[EvidenceOut]


class ClaimPage(BaseModel):
    """One page of claims; ``next_offset`` is null on the last page."""

    items: list[ClaimOut]
    limit: int
    offset: int
    next_offset: int | None


class ProblemOut(BaseModel):
    """A problem met by a background job: which file and record, and why."""

    code: str
    file: str
    record: str
    message: str
    severity: str = "error"


class JobOut(BaseModel):
    """A background job and its progress."""

    id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed"]
    created: float = Field(description="Unix time")
    started: float | None = None
    finished: float | None = None
    done: int = 0
    total: int | None = None
    message: str | None = None
    summary: dict[str, int] = Field(default_factory=dict)
    problems: list[ProblemOut] = Field(
        default_factory=list,
        description="the first problems in full (TCMKG_MAX_PROBLEMS_KEPT), then one "
        "'problems.dropped' entry when more were found",
    )
    problems_total: int = 0
    problem_counts: dict[str, int] = Field(
        default_factory=dict, description="every problem found, by code"
    )


class EntityRef(BaseModel):
    """An entity named by CURIE and label."""

    id: str
    label: str


class CandidateRef(EntityRef):
    """A ranked candidate: a herb, formula, hospital preparation or compound."""

    kind: str


class SafetyFlagOut(BaseModel):
    """A harm claim shown beside the score (and lowering it): never hidden."""

    kind: str = Field(description="toxicity | contraindication | interaction")
    object: EntityRef
    belief: float
    studies: int = Field(description="independent studies reporting it")
    via: str | None = Field(None, description="the herb it comes from, for a formula")


class ScoredEvidenceOut(BaseModel):
    """An evidence item with its weight and whether it counts for or against."""

    source: str
    trials: list[str]
    year: int | None
    design: str
    sample_size: int | None
    species: str | None
    direction: str
    negated: bool
    hedged: bool
    sentence: str | None
    indication: str
    weight: float
    counts: Literal["for", "against"]
    axis: str = Field(description="clinical | preclinical")


class MechanismOut(BaseModel):
    """The parts of the mechanistic axis."""

    path_support: float
    preclinical: float


class RankedRowOut(BaseModel):
    """One candidate: both axes apart, their blend, certainty, counts, safety, top evidence."""

    candidate: CandidateRef
    clinical: float
    mechanistic: float
    score: float
    certainty: str = Field(description="High | Moderate | Low | Very low")
    supporting: int
    contradicting: int
    safety: list[SafetyFlagOut]
    safety_belief: float
    consistency: float | None
    by_design: dict[str, int]
    mechanism: MechanismOut
    top_evidence: list[ScoredEvidenceOut]


class CandidatesOut(BaseModel):
    """The ranking of ``tcmkg rank`` for an indication, best first."""

    indication: str
    kind: str
    rows: list[RankedRowOut]


class IndicationOut(BaseModel):
    """The indication as asked and the terms it covered."""

    query: str
    matched: list[EntityRef]
    terms: list[EntityRef]


class PathOut(BaseModel):
    """One mechanism path candidate → compound → target/pathway → indication."""

    nodes: list[EntityRef]
    predicates: list[str]
    weight: float


class AgainstOut(BaseModel):
    """Everything that counts against the candidate."""

    evidence: list[ScoredEvidenceOut]
    safety: list[SafetyFlagOut]


class ExplanationOut(BaseModel):
    """The explanation of ``tcmkg explain``: evidence, paths, counter-evidence."""

    candidate: CandidateRef
    indication: IndicationOut
    score: RankedRowOut
    evidence: list[ScoredEvidenceOut]
    paths: list[PathOut]
    against: AgainstOut
