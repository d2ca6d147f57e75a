"""The graph model in code: entities, source records, claims and their evidence.

These frozen data classes are what ingesters produce and what the writer maps to RDF
(:mod:`kg.writer`). They hold plain Python values and CURIE strings only; IRIs are minted
in :mod:`kg.iri` and nowhere else.

An evidence item's attributes are declared once, on :class:`EvidenceItem`: each field says
which RDF predicate holds it and, where the scoring formula reads it, its name there and its
key in the ``tcm:scoringInputs`` literal. :data:`EVIDENCE_FIELDS` is that table; the writer,
the scoring inputs, the fill of ``tcmkg load``, the rankings and the JSON clients read are all
made from it, so a new attribute is one field here (and its term in the ontology).
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from enum import Enum, StrEnum
from typing import Any


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
    ORGANISM = "Organism"  # a species named by its binomial (a plant, a fungus, a microbe)


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
class EvidenceField:
    """How one attribute of an evidence item is stored, scored and shown.

    Declared with the field (its metadata, :func:`_spec`); ``name``, ``type``, ``optional`` and
    ``default`` are filled in from the field itself when :data:`EVIDENCE_FIELDS` is built.
    """

    rdf: str  # CURIE of its predicate: tcm:…, prov:… or biolink:…
    label: str = ""  # how a report names it ("sample size"); default: the name in words
    score: str | None = None  # its name among the scoring inputs; None: scoring does not read it
    key: str | None = None  # its key in the tcm:scoringInputs literal; default: ``score``
    ranked: bool = True  # shown with each evidence item of a ranking (scoring inputs only)
    iri: bool = False  # a CURIE (or CURIEs), written as IRI nodes
    minimum: float | None = None  # smaller values are not valid
    maximum: float | None = None  # larger values are not valid
    skip_empty: bool = False  # an empty text is not written (as for None)
    together: str | None = None  # written only when this other field is set too
    doc: str | None = None  # what clients read about it (the API's schema)
    essential: bool = False  # every item has it: clients always find it (null if unreadable)
    name: str = ""
    type: Any = None  # the value type: str, int, float, bool, an Enum class or tuple
    optional: bool = False  # may be None
    default: Any = None

    @property
    def literal_key(self) -> str | None:
        """The key in the ``tcm:scoringInputs`` literal (None: not a scoring input)."""
        return self.key or self.score


def _spec(**spec: Any) -> dict[str, EvidenceField]:
    """A dataclass field's metadata holding its :class:`EvidenceField` spec."""
    return {"evidence": EvidenceField(**spec)}


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence for a claim, traceable to its source down to the sentence."""

    source: str = field(
        metadata=_spec(
            rdf="prov:wasDerivedFrom",
            score="source",
            iri=True,
            essential=True,
            doc="CURIE of the source record (PMID:…, NCT:…, table)",
        )
    )
    design: StudyDesign = field(
        default=StudyDesign.UNKNOWN,
        metadata=_spec(rdf="tcm:studyDesign", label="study design", score="design", essential=True),
    )
    direction: Direction = field(
        default=Direction.UNKNOWN,
        metadata=_spec(rdf="tcm:direction", score="direction", essential=True),
    )
    sentence: str | None = field(default=None, metadata=_spec(rdf="tcm:sentence"))
    # character offsets of the sentence in the record's text
    start: int | None = field(default=None, metadata=_spec(rdf="tcm:sentenceStart", together="end"))
    end: int | None = field(default=None, metadata=_spec(rdf="tcm:sentenceEnd", together="start"))
    sample_size: int | None = field(
        default=None, metadata=_spec(rdf="tcm:sampleSize", score="sample_size", key="n", minimum=1)
    )
    species: str | None = field(
        default=None, metadata=_spec(rdf="tcm:species", score="species", skip_empty=True)
    )
    negated: bool = field(default=False, metadata=_spec(rdf="tcm:negated", score="negated"))
    hedged: bool = field(default=False, metadata=_spec(rdf="tcm:hedged", score="hedged"))
    # what the sentence does in its paper (ingest.nlp.statements.ROLES): a result, or an aim,
    # background, method or traditional use, which weigh less; None: not said (a result)
    statement: str | None = field(
        default=None,
        metadata=_spec(
            rdf="tcm:statementRole",
            score="statement",
            skip_empty=True,
            doc="what the sentence does in its paper: title, result, conclusion, aim, "
            "background, method or traditional_use (null: not said, counted as a result)",
        ),
    )
    year: int | None = field(default=None, metadata=_spec(rdf="tcm:year", score="year"))
    # e.g. "tcmkg.extract", "tcmsp-import", "manual"
    method: str = field(default="unknown", metadata=_spec(rdf="tcm:extractionMethod"))
    method_version: str = field(default="0", metadata=_spec(rdf="tcm:extractionVersion"))
    confidence: float = field(
        default=1.0,
        metadata=_spec(
            rdf="tcm:confidence", score="confidence", ranked=False, minimum=0.0, maximum=1.0
        ),
    )
    knowledge_level: KnowledgeLevel = field(
        default=KnowledgeLevel.NOT_PROVIDED, metadata=_spec(rdf="biolink:knowledge_level")
    )
    agent_type: AgentType = field(
        default=AgentType.NOT_PROVIDED,
        metadata=_spec(rdf="biolink:agent_type", score="agent", ranked=False),
    )
    # NCT ids, so that reports of one trial collapse
    trial_ids: tuple[str, ...] = field(
        default=(), metadata=_spec(rdf="tcm:reportsTrial", label="trial", score="trials", iri=True)
    )
    # the TCM syndrome(s) of the study population (TCMKG.SYNDROME:… CURIEs), as the document or
    # the sentence states it ("patients with diabetic nephropathy of qi-yin deficiency
    # syndrome"); empty: the population's syndrome is not said
    population_syndromes: tuple[str, ...] = field(
        default=(),
        metadata=_spec(
            rdf="tcm:populationSyndrome",
            label="population syndrome",
            score="syndromes",
            iri=True,
            doc="CURIEs of the TCM syndromes of the study population (证型), as the paper "
            "states them (empty: not said)",
        ),
    )
    # composition edges: the dose of the part (e.g. "24 g")
    dose: str | None = field(default=None, metadata=_spec(rdf="tcm:dose", skip_empty=True))


def _field_table() -> tuple[EvidenceField, ...]:
    """:class:`EvidenceItem`'s fields with their specs completed from the fields themselves."""
    hints = typing.get_type_hints(EvidenceItem)
    out = []
    for f in fields(EvidenceItem):
        spec: EvidenceField = f.metadata["evidence"]
        hint = hints[f.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1
        base = args[0] if optional else hint
        if typing.get_origin(base) is tuple:
            base = tuple
        out.append(
            replace(
                spec,
                name=f.name,
                label=spec.label or f.name.replace("_", " "),
                type=base,
                optional=optional,
                default=None if f.default is MISSING else f.default,
            )
        )
    return tuple(out)


EVIDENCE_FIELDS: tuple[EvidenceField, ...] = _field_table()
"""Every attribute of an evidence item, in declaration order."""

SCORING_FIELDS: tuple[EvidenceField, ...] = tuple(f for f in EVIDENCE_FIELDS if f.score)
"""The attributes the scoring formula reads, in declaration order."""


def is_enum(spec: EvidenceField) -> bool:
    """Whether the attribute's values are members of an enumeration."""
    return isinstance(spec.type, type) and issubclass(spec.type, Enum)


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
