"""How the model's enums map to RDF terms: project ontology terms and Biolink classes/predicates.

The ontology in ``ontologies/tcmkg.ttl`` declares every project term used here; a test checks
that each IRI below is declared there.
"""

from __future__ import annotations

from kg.iri import biolink, term
from kg.model import Direction, EntityKind, Predicate, RecordKind, StudyDesign

# Each entity kind is typed with the project class and the closest Biolink category (for KGX
# export and for joining with Translator tools).
ENTITY_CLASS: dict[EntityKind, tuple[str, str]] = {
    EntityKind.HERB: (term("Herb"), biolink("ComplexMolecularMixture")),
    EntityKind.FORMULA: (term("Formula"), biolink("ComplexMolecularMixture")),
    EntityKind.HOSPITAL_PREPARATION: (
        term("HospitalPreparation"),
        biolink("ComplexMolecularMixture"),
    ),
    EntityKind.COMPOUND: (term("Compound"), biolink("SmallMolecule")),
    EntityKind.TARGET: (term("Target"), biolink("Gene")),
    EntityKind.PATHWAY: (term("Pathway"), biolink("Pathway")),
    EntityKind.DISEASE: (term("Indication"), biolink("Disease")),
    EntityKind.OUTCOME: (term("Outcome"), biolink("ClinicalAttribute")),
    EntityKind.DRUG: (term("Drug"), biolink("Drug")),
    EntityKind.ORGANISM: (term("Organism"), biolink("OrganismTaxon")),
}

# Entities that extraction found in a text but no vocabulary knows (see
# :func:`kg.iri.ungrounded_curie`) are typed with this class too, so that a ranking, a search or
# a later merge can tell them from vocabulary entities.
UNGROUNDED_CLASS = term("UngroundedEntity")

KIND_OF_CLASS: dict[str, EntityKind] = {cls: kind for kind, (cls, _) in ENTITY_CLASS.items()}

# The direct triple of a claim uses the Biolink predicate, so plain SPARQL over the graph reads
# like Biolink; the association node repeats it in biolink:predicate.
PREDICATE_IRI: dict[Predicate, str] = {
    Predicate.TREATS: biolink("treats"),
    Predicate.CAUSES: biolink("causes"),
    Predicate.INHIBITS: biolink("decreases_activity_of"),
    Predicate.ACTIVATES: biolink("increases_activity_of"),
    Predicate.BINDS: biolink("directly_physically_interacts_with"),
    Predicate.CONTAINS: biolink("has_constituent"),
    Predicate.HAS_PART: biolink("has_part"),
    Predicate.INTERACTS_WITH: biolink("interacts_with"),
    Predicate.ASSOCIATED_WITH: biolink("associated_with"),
    Predicate.PARTICIPATES_IN: biolink("participates_in"),
    Predicate.CONTRAINDICATED_IN: biolink("contraindicated_in"),
}

PREDICATE_OF_IRI: dict[str, Predicate] = {iri: p for p, iri in PREDICATE_IRI.items()}

DESIGN_IRI: dict[StudyDesign, str] = {
    StudyDesign.META_ANALYSIS: term("MetaAnalysis"),
    StudyDesign.SYSTEMATIC_REVIEW: term("SystematicReview"),
    StudyDesign.RCT: term("RandomisedControlledTrial"),
    StudyDesign.NON_RANDOMISED_TRIAL: term("NonRandomisedTrial"),
    StudyDesign.COHORT: term("CohortStudy"),
    StudyDesign.CASE_CONTROL: term("CaseControlStudy"),
    StudyDesign.CASE_REPORT: term("CaseReport"),
    StudyDesign.ANIMAL: term("AnimalStudy"),
    StudyDesign.IN_VITRO: term("InVitroStudy"),
    StudyDesign.IN_SILICO: term("InSilicoStudy"),
    StudyDesign.REVIEW: term("NarrativeReview"),
    StudyDesign.TRADITIONAL: term("TraditionalUse"),
    StudyDesign.DATABASE: term("DatabaseRecord"),
    StudyDesign.OTHER: term("OtherDesign"),
    StudyDesign.UNKNOWN: term("UnknownDesign"),
}

DESIGN_OF_IRI: dict[str, StudyDesign] = {iri: d for d, iri in DESIGN_IRI.items()}

DIRECTION_IRI: dict[Direction, str] = {
    Direction.BENEFIT: term("Benefit"),
    Direction.NULL: term("NoEffect"),
    Direction.HARM: term("Harm"),
    Direction.UNKNOWN: term("UnknownDirection"),
}

DIRECTION_OF_IRI: dict[str, Direction] = {iri: d for d, iri in DIRECTION_IRI.items()}

RECORD_CLASS: dict[RecordKind, str] = {
    RecordKind.PUBLICATION: term("Publication"),
    RecordKind.CLINICAL_TRIAL: term("ClinicalTrial"),
    RecordKind.TABLE: term("SourceTable"),
    RecordKind.DOCUMENT: term("Document"),
    RecordKind.CATALOGUE: term("PreparationCatalogue"),
}
