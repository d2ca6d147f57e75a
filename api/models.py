"""Pydantic response models: what API clients see on the wire (plain JSON, never RDF objects).

The evidence models are made from the evidence record's field table
(:data:`kg.model.EVIDENCE_FIELDS`); ``tests/api/test_evidence_shape.py`` checks them against
the JSON the rankings and the claims API write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model

from kg.model import EVIDENCE_FIELDS, SCORING_FIELDS, EvidenceField


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


class SuggestionOut(BaseModel):
    """A name near one that matched nothing ("did you mean …"); never taken as the answer."""

    id: str
    name: str = Field(description="the entity's name that was near the one typed")
    score: float = Field(description="0-100: how near (names beginning with the text score 90+)")


class SearchOut(BaseModel):
    """Every entity a name may mean: an ambiguous name returns all its candidates."""

    query: str
    key: str = Field(description="the normalised form the names were compared on")
    ambiguous: bool = Field(description="more than one entity carries exactly this name")
    hits: list[SearchHit]
    suggestions: list[SuggestionOut] = Field(
        default_factory=list,
        description="when nothing matched: up to five near names with a score, best first "
        "(as the 404 of GET /candidates lists them)",
    )


def _wire_type(spec: EvidenceField) -> Any:
    """The JSON type of an evidence attribute: enumerations and CURIEs are shown as text."""
    if spec.type is tuple:
        return list[str]
    return spec.type if spec.type in (int, float, bool) else str


def _claim_evidence_fields() -> dict[str, Any]:
    """Every attribute of the record, as the store may hold it: each one may be missing."""
    out: dict[str, Any] = {"id": (str, ...)}
    for spec in EVIDENCE_FIELDS:
        kind = _wire_type(spec)
        if spec.type is tuple:
            out[spec.name] = (kind, Field(default_factory=list, description=spec.doc))
        elif spec.essential:
            out[spec.name] = (kind | None, Field(description=spec.doc))
        else:
            out[spec.name] = (kind | None, Field(None, description=spec.doc))
    return out


# The evidence models are made from the record's field table (kg.model.EVIDENCE_FIELDS), so a
# new attribute reaches the API's schema without an edit here; type checkers see the classes.
if TYPE_CHECKING:

    class EvidenceOut(BaseModel):
        """One evidence item of a claim, traceable to its source and sentence."""

else:
    EvidenceOut = create_model(
        "EvidenceOut",
        __doc__="One evidence item of a claim, traceable to its source and sentence.",
        __module__=__name__,
        **_claim_evidence_fields(),
    )


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


class ConceptOut(BaseModel):
    """A TCM theory concept (syndrome, action category, toxicity grade …) in three scripts."""

    id: str
    label: str = Field(description="English name")
    zh: str | None = Field(None, description="name in characters")
    pinyin: str | None = None


class PopulationOut(BaseModel):
    """The study population's TCM syndromes and how they weigh in this ranking."""

    syndromes: list[ConceptOut] = Field(
        default_factory=list, description="the syndromes the study enrolled (empty: not said)"
    )
    match: Literal["queried", "related", "other", "not_said", "no_query"] = Field(
        "no_query",
        description="queried: the asked syndrome or a narrower one (×1); related: a broader "
        "one (× syndrome_related_factor); other: another syndrome (× syndrome_other_factor); "
        "not_said: none stated (×1); no_query: no syndrome asked for",
    )
    factor: float = Field(1.0, description="the factor the item's weight was multiplied by")


class ToxicityGradeOut(BaseModel):
    """A Pharmacopoeia toxicity grade of the candidate or of one of its herbs: shown, not scored."""

    herb: EntityRef
    grade: ConceptOut = Field(
        description="有小毒 slightly toxic | 有毒 toxic | 有大毒 highly toxic"
    )
    source: str = Field(description="CURIE of the table that grades the herb")
    via: str | None = Field(None, description="the herb, for a formula or preparation")


class SourcedConceptOut(ConceptOut):
    """A concept a candidate is indicated for, with the table that says so."""

    source: str


class MatchedActionOut(ConceptOut):
    """An action of the syndrome's treatment principle that the candidate has, and through which."""

    via: list[str] = Field(description="the candidate, or its herbs with that action")


class TraditionalOut(BaseModel):
    """The traditional axis: classical indication for the syndrome and actions matching its
    treatment principle; never part of the score."""

    score: float
    indicated_for: list[SourcedConceptOut]
    principle_actions: list[ConceptOut]
    matched_actions: list[MatchedActionOut]
    action_match: float


class SyndromeSuggestionOut(ConceptOut):
    """A syndrome whose name matches what was typed, with its treatment principle."""

    principle: dict[str, str | None] = Field(description="treatment principle (治法): zh, en")


class SyndromeOut(SyndromeSuggestionOut):
    """The syndrome a ranking was asked for, as typed and as resolved."""

    query: str


def _ranked_evidence_fields() -> dict[str, Any]:
    """What a ranking shows of each item: its ranked scoring inputs, then the scoring."""
    out: dict[str, Any] = {}
    for spec in SCORING_FIELDS:
        if spec.ranked:
            kind = _wire_type(spec)
            out[str(spec.score)] = (kind | None if spec.optional else kind, ...)
    out["sentence"] = (str | None, ...)
    out["indication"] = (str, ...)
    out["weight"] = (float, ...)
    out["counts"] = (Literal["for", "against"], ...)
    out["axis"] = (str, Field(description="clinical | preclinical"))
    out["population"] = (PopulationOut, ...)
    return out


if TYPE_CHECKING:

    class ScoredEvidenceOut(BaseModel):
        """An evidence item with its weight and whether it counts for or against."""

else:
    ScoredEvidenceOut = create_model(
        "ScoredEvidenceOut",
        __doc__="An evidence item with its weight and whether it counts for or against.",
        __module__=__name__,
        **_ranked_evidence_fields(),
    )


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
    toxicity_grades: list[ToxicityGradeOut] = Field(
        default_factory=list,
        description="Pharmacopoeia toxicity grades of the candidate or its herbs (shown, not "
        "scored)",
    )
    traditional: float | None = Field(
        None, description="the traditional axis, when a syndrome was asked for"
    )
    traditional_detail: TraditionalOut | None = None
    consistency: float | None
    by_design: dict[str, int]
    mechanism: MechanismOut
    top_evidence: list[ScoredEvidenceOut]


class CandidatesOut(BaseModel):
    """The ranking of ``tcmkg rank`` for an indication, best first, and what the name covered."""

    indication: str
    kind: str
    matched: list[EntityRef] = Field(
        default_factory=list, description="the indication terms the name matched"
    )
    covers: list[EntityRef] = Field(
        default_factory=list,
        description="every term the ranking covered: the matched terms, their synonyms and "
        "narrower terms (only the matched terms with exact=true); tcmkg rank prints them as "
        "'covers: …'",
    )
    syndrome: SyndromeOut | None = Field(
        None, description="the syndrome asked for (病证结合), with its treatment principle"
    )
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
    syndrome: SyndromeOut | None = Field(
        None, description="the syndrome the row was ranked within, if one was asked for"
    )
    indication: IndicationOut
    score: RankedRowOut
    evidence: list[ScoredEvidenceOut]
    paths: list[PathOut]
    against: AgainstOut
    also_named: list[CandidateRef] = Field(
        default_factory=list,
        description="entities of other kinds that share the name the candidate was asked by "
        "(licorice: the herb is explained, the compound of that name is listed here)",
    )


class SyndromesOut(BaseModel):
    """Syndromes by name in characters, pinyin or English (the page's suggestions)."""

    query: str
    syndromes: list[SyndromeSuggestionOut]


class GradeOut(ConceptOut):
    """A Pharmacopoeia toxicity grade with the table that grades the herb."""

    source: str


class BrowseItemOut(BaseModel):
    """A herb, formula or preparation with what the TCM theory tables say of it."""

    id: str
    label: str
    kind: str
    actions: list[ConceptOut]
    natures: list[ConceptOut]
    flavours: list[ConceptOut]
    meridians: list[ConceptOut]
    toxicity: list[GradeOut]
    indicated_for: list[ConceptOut] = Field(description="syndromes it is indicated for")


class BrowseOut(BaseModel):
    """Herbs, formulas or preparations by action, nature, flavour, meridian or syndrome."""

    filters: dict[str, ConceptOut] = Field(description="each filter given, as resolved")
    total: int = Field(description="entities that pass every filter (items holds up to limit)")
    items: list[BrowseItemOut]


class SchemesOut(BaseModel):
    """The choices of the browse filters, each named in characters, pinyin and English."""

    actions: list[ConceptOut]
    natures: list[ConceptOut]
    flavours: list[ConceptOut]
    meridians: list[ConceptOut]
