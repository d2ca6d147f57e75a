"""The graph model in code: entities, source records, claims and their evidence.

These frozen data classes are what ingesters produce and what the writer maps to RDF
(:mod:`kg.writer`). They hold plain Python values and CURIE strings only; IRIs are minted
in :mod:`kg.iri` and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntityKind(StrEnum):
    """What an entity is; the values are the type names of the ``extract`` JSON interface."""

    HERB = "Herb"
    FORMULA = "Formula"
    HOSPITAL_PREPARATION = "HospitalPreparation"
    COMPOUND = "Compound"
    TARGET = "Target"
    PATHWAY = "Pathway"
    DISEASE = "Disease"
    OUTCOME = "Outcome"
    DRUG = "Drug"


class Predicate(StrEnum):
    """Claim predicates; the values are the predicate names of the ``extract`` JSON interface."""

    TREATS = "treats"
    CAUSES = "causes"
    INHIBITS = "inhibits"
    ACTIVATES = "activates"
    BINDS = "binds"
    CONTAINS = "contains"  # herb/formula contains compound
    HAS_PART = "has_part"  # formula/preparation has herb as ingredient
    INTERACTS_WITH = "interacts_with"
    ASSOCIATED_WITH = "associated_with"  # target/pathway associated with disease
    PARTICIPATES_IN = "participates_in"  # target participates in pathway
    CONTRAINDICATED_IN = "contraindicated_in"


class StudyDesign(StrEnum):
    """Study design of the evidence; the values are those of the ``extract`` JSON interface."""

    META_ANALYSIS = "meta_analysis"
    SYSTEMATIC_REVIEW = "systematic_review"
    RCT = "rct"
    NON_RANDOMISED_TRIAL = "non_randomised_trial"
    COHORT = "cohort"
    CASE_CONTROL = "case_control"
    CASE_REPORT = "case_report"
    ANIMAL = "animal"
    IN_VITRO = "in_vitro"
    IN_SILICO = "in_silico"
    REVIEW = "review"
    TRADITIONAL = "traditional"  # classical text, pharmacopoeia, expert consensus
    DATABASE = "database"  # curated or predicted database edge (TCMSP, SymMap …)
    OTHER = "other"
    UNKNOWN = "unknown"


class Direction(StrEnum):
    """Direction of effect reported by one evidence item."""

    BENEFIT = "benefit"
    NULL = "null"
    HARM = "harm"
    UNKNOWN = "unknown"


class KnowledgeLevel(StrEnum):
    """Biolink ``KnowledgeLevelEnum`` values used by the project."""

    KNOWLEDGE_ASSERTION = "knowledge_assertion"
    STATISTICAL_ASSOCIATION = "statistical_association"
    PREDICTION = "prediction"
    OBSERVATION = "observation"
    NOT_PROVIDED = "not_provided"


class AgentType(StrEnum):
    """Biolink ``AgentTypeEnum`` values used by the project."""

    MANUAL_AGENT = "manual_agent"
    AUTOMATED_AGENT = "automated_agent"
    TEXT_MINING_AGENT = "text_mining_agent"
    COMPUTATIONAL_MODEL = "computational_model"
    NOT_PROVIDED = "not_provided"


class RecordKind(StrEnum):
    """Kind of source record; each source record gets its own named graph."""

    PUBLICATION = "publication"
    CLINICAL_TRIAL = "clinical_trial"
    TABLE = "table"  # a curated table file (or one slice of it)
    DOCUMENT = "document"  # a user's own text, or the bundled illustrative corpus
    CATALOGUE = "catalogue"  # a hospital preparation catalogue


@dataclass(frozen=True, slots=True)
class Label:
    """One name of an entity in one name system.

    ``lang`` is a BCP 47 tag: ``zh`` (characters), ``zh-Latn-pinyin``, ``la`` (pharmaceutical
    Latin or species binomial), ``en``. ``preferred`` marks the ``skos:prefLabel`` of its language.
    """

    text: str
    lang: str = "en"
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class Entity:
    """A herb, formula, preparation, compound, target, pathway, disease, outcome or drug.

    ``id`` is a CURIE: a standard one (``MESH:D003920``, ``PUBCHEM.COMPOUND:2353``,
    ``NCBIGene:7124``) where one exists, else one of the project's own (``TCMKG.HERB:…``)
    minted by :mod:`kg.iri`.
    """

    id: str
    kind: EntityKind
    label: str
    labels: tuple[Label, ...] = ()
    xrefs: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()  # CURIEs of broader terms (disease hierarchy)
    description: str | None = None
    # Hospital preparations only (医疗机构制剂).
    hospital: str | None = None
    approval_number: str | None = None
    dosage_form: str | None = None


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One source record: a paper, a trial registration, a document or a table file.

    ``id`` is a CURIE (``PMID:123``, ``NCT:NCT01234567``, ``TCMKG.DOC:demo-001``,
    ``TCMKG.TABLE:tcmsp/molecule_target``). Its named graph is minted from it.
    """

    id: str
    kind: RecordKind
    title: str | None = None
    year: int | None = None
    journal: str | None = None
    doi: str | None = None
    publication_types: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    trial_ids: tuple[str, ...] = ()  # NCT ids the record reports (one trial = one unit)
    revised: str | None = None  # source's revision date (ISO), for sync
    retracted: bool = False
    illustrative: bool = False  # bundled example data written by the project


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence for a claim, traceable to its source down to the sentence."""

    source: str  # CURIE of the SourceRecord
    design: StudyDesign = StudyDesign.UNKNOWN
    direction: Direction = Direction.UNKNOWN
    sentence: str | None = None
    start: int | None = None  # character offsets of the sentence in the record's text
    end: int | None = None
    sample_size: int | None = None
    species: str | None = None
    negated: bool = False
    hedged: bool = False
    year: int | None = None
    method: str = "unknown"  # e.g. "tcmkg.extract", "tcmsp-import", "manual"
    method_version: str = "0"
    confidence: float = 1.0
    knowledge_level: KnowledgeLevel = KnowledgeLevel.NOT_PROVIDED
    agent_type: AgentType = AgentType.NOT_PROVIDED
    trial_ids: tuple[str, ...] = ()  # NCT ids, so that reports of one trial collapse
    dose: str | None = None  # composition edges: the dose of the part (e.g. "24 g")


@dataclass(frozen=True, slots=True)
class Claim:
    """A (subject, predicate, object) statement with the evidence for it from one record."""

    subject: str  # CURIE
    predicate: Predicate
    object: str  # CURIE
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordBundle:
    """Everything one source record contributes: written together into one named graph."""

    record: SourceRecord
    entities: tuple[Entity, ...] = ()
    claims: tuple[Claim, ...] = ()
    text: str | None = field(default=None, repr=False)  # title + " " + abstract
