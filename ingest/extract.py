"""Extraction: a document in, its mentions, relations and study design out.

The result (:class:`Extraction`) has two outward forms:

* :func:`extraction_json` — the ``tcmkg extract`` JSON object, the evaluation interface; its
  shape is fixed (see :data:`JSON_SCHEMA`);
* :func:`extraction_bundle` — a :class:`~kg.model.RecordBundle` of claims whose evidence items
  carry the sentence and its offsets, the study design, sample size, species, direction,
  negation, hedging, year, method, version and confidence.

**Ambiguous names** (a mention with several candidate entities) are reported in the JSON with
their candidates, and their relations too; but no claim is written to the store for a
relation that involves one, because the graph cannot say which entity the paper meant. Such
relations are counted in :attr:`BundleStats.ambiguous_relations` instead.

**Ungrounded names** (a recogniser's mention no vocabulary knows, with a
``TCMKG.UNGROUNDED:`` id, see :mod:`ingest.nlp.grounding`) are reported in the JSON with that
id. A relation with an ungrounded end becomes a claim only when its predicate is one of
:data:`UNGROUNDED_PREDICATES` (treats, causes), when it is read with a cue of confidence
:data:`MIN_UNGROUNDED_CONFIDENCE` or more, never as a harm of a vocabulary entity (a red
safety flag on a known herb, compound or drug rests on named harms only), and only when that
end reads as a name
(:func:`claimable`): not a bare abbreviation that the document does not define ("CP" is
cisplatin in one abstract, cerebral palsy in the next, and one id would join them), not a
one-word adjective ("inflammatory"), not a phrase that starts or ends with a function word
("suppression of"). Those left out are counted in :attr:`BundleStats.ungrounded_relations`.
The entity is written with the text's spelling as its label and typed
``tcm:UngroundedEntity``.

**Syndromes of the population** (病证结合): every evidence item carries
``population_syndromes``, the TCM syndromes (``TCMKG.SYNDROME:`` CURIEs) of the people or
animals studied, read from the syndrome mentions of :mod:`ingest.nlp.syndromes`. When the
item's own sentence names a syndrome ("In patients with qi–yin deficiency, X lowered
proteinuria"), those; else the syndromes the document states for its population
(:func:`ingest.nlp.syndromes.population_syndromes`: the title, aim and method sentences, and any
sentence saying whom the study took, "enrolled 120 patients with DN of spleen-kidney yang
deficiency"); a syndrome named only in contrast ("unlike yang deficiency …") or in the
background is not the population's. Empty: the paper does not say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from ingest.document import Document
from ingest.nlp.design import StudyInfo, study_of
from ingest.nlp.grounding import GroundsMentions
from ingest.nlp.matcher import TermSource
from ingest.nlp.mentions import Mention
from ingest.nlp.pipeline import (
    METHOD,
    PIPELINE_NAME,
    PIPELINE_VERSION,
    build_pipeline,
    make_doc,
    pipeline_version,
)
from ingest.nlp.relations import Relation
from ingest.nlp.sentences import sentence_bounds
from ingest.nlp.syndromes import SyndromeMention, population_syndromes, sentence_syndromes
from kg.iri import is_ungrounded, ungrounded_curie
from kg.model import (
    AgentType,
    Claim,
    Entity,
    EvidenceItem,
    KnowledgeLevel,
    Predicate,
    RecordBundle,
    StudyDesign,
)
from kg.names import normalise_name

VERSION = f"{PIPELINE_NAME}-{PIPELINE_VERSION}"

# The extract JSON interface, as a JSON Schema (draft 2020-12); every emitted line matches it.
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "text", "study", "entities", "relations"],
    "properties": {
        "id": {"type": "string"},
        "text": {"type": "string"},
        "study": {
            "type": "object",
            "additionalProperties": False,
            "required": ["design", "sample_size", "species"],
            "properties": {
                "design": {
                    "enum": [
                        "rct",
                        "meta_analysis",
                        "systematic_review",
                        "cohort",
                        "case_control",
                        "case_report",
                        "non_randomised_trial",
                        "animal",
                        "in_vitro",
                        "in_silico",
                        "review",
                        "other",
                        "unknown",
                    ]
                },
                "sample_size": {"type": ["integer", "null"], "minimum": 1},
                "species": {"type": ["string", "null"]},
            },
        },
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["start", "end", "text", "type", "ids", "candidates", "negated"],
                "properties": {
                    "start": {"type": "integer", "minimum": 0},
                    "end": {"type": "integer", "minimum": 0},
                    "text": {"type": "string"},
                    "type": {
                        "enum": [
                            "Herb",
                            "Formula",
                            "HospitalPreparation",
                            "Compound",
                            "Target",
                            "Pathway",
                            "Disease",
                            "Outcome",
                            "Drug",
                            "Organism",
                        ]
                    },
                    "ids": {"type": "array", "items": {"type": "string"}},
                    "candidates": {"type": "array", "items": {"type": "string"}},
                    "negated": {"type": "boolean"},
                },
            },
        },
        # TCM syndromes (证候) the text names, and those it states for its study population
        # (what every evidence item of the document carries unless its sentence names others)
        "syndromes": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["start", "end", "text", "id", "contrast"],
                "properties": {
                    "start": {"type": "integer", "minimum": 0},
                    "end": {"type": "integer", "minimum": 0},
                    "text": {"type": "string"},
                    "id": {"type": "string"},
                    "contrast": {"type": "boolean"},
                },
            },
        },
        "population_syndromes": {"type": "array", "items": {"type": "string"}},
        "relations": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "subject",
                    "object",
                    "predicate",
                    "direction",
                    "negated",
                    "hedged",
                    "sentence",
                    "confidence",
                ],
                "properties": {
                    "subject": {"type": "integer", "minimum": 0},
                    "object": {"type": "integer", "minimum": 0},
                    "predicate": {
                        "enum": [
                            "treats",
                            "causes",
                            "inhibits",
                            "activates",
                            "binds",
                            "contains",
                            "interacts_with",
                            "associated_with",
                        ]
                    },
                    "direction": {"enum": ["benefit", "null", "harm", "unknown"]},
                    "negated": {"type": "boolean"},
                    "hedged": {"type": "boolean"},
                    "sentence": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 0},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
            },
        },
    },
}

# A claim with an ungrounded end needs a cue word of its own: 0.7 keeps "X-induced Y" (0.9) and
# a verb between the two (0.75, less 0.1 for a long gap) and drops pairs read from a
# therapeutic context only (0.55) and distant or crowded pairs. On the 2,267 DFI abstracts it
# keeps about one in five of the relations with an ungrounded end (see docs/extraction.md).
MIN_UNGROUNDED_CONFIDENCE = 0.7
# Predicates a claim with an ungrounded end may take. On two samples of 40 such claims from the
# DFI abstracts, treats and causes read right 36 of 58 times, contains 4 of 7 and
# inhibits/activates 7 of 15 (the direction of a molecular effect is often read wrong).
# Setting MIN_UNGROUNDED_CONFIDENCE above 0.99 writes none.
UNGROUNDED_PREDICATES = frozenset({Predicate.TREATS, Predicate.CAUSES})
_ABBREVIATION = re.compile(r"^[A-Za-z0-9αβγκ-]{1,6}$")
_ADJECTIVE = re.compile(r"^[a-z]+(?:ic|ory|al|ive|ous|ed|ing|ant|ent|ary)$")

# Designs of the extract interface; the model's other designs (database, traditional) are not
# read from papers, and would be reported as "other".
_JSON_DESIGNS = set(JSON_SCHEMA["properties"]["study"]["properties"]["design"]["enum"])


@dataclass(frozen=True, slots=True)
class Extraction:
    """What extraction found in one document."""

    id: str
    text: str
    study: StudyInfo
    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]
    # each sentence's role in the paper (ingest.nlp.statements), by the sentence's start offset
    statements: Mapping[int, str] = field(default_factory=dict)
    # the extractor that made it: pipeline version and trained models (pipeline_version)
    version: str = VERSION
    # TCM syndromes named in the text (ingest.nlp.syndromes), and those it states for its
    # population (title, aims, methods, sentences saying whom the study took)
    syndromes: tuple[SyndromeMention, ...] = ()
    population_syndromes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BundleStats:
    """How the relations of one extraction became claims."""

    claims: int = 0
    evidence: int = 0
    ambiguous_relations: int = 0  # relations left out of the store: an ambiguous mention
    # relations left out of the store: an ungrounded end below the confidence, or no name
    ungrounded_relations: int = 0


def registration_types(document: Document) -> tuple[str, ...]:
    """PubMed-style publication types implied by a trial registration's design fields."""
    trial = document.trial
    if trial is None:
        return ()
    if (trial.study_type or "").upper() == "OBSERVATIONAL":
        return ("Observational Study",)
    if (trial.allocation or "").upper() == "RANDOMIZED":
        return ("Randomized Controlled Trial",)
    if (trial.study_type or "").upper() == "INTERVENTIONAL":
        return ("Clinical Trial",)
    return ()


class ExtractionInputError(ValueError):
    """A document the extractor cannot read (its text is longer than the pipeline takes).

    This is the extractor's only input error: the ingest run reports such a record and goes
    on. Any other exception out of extraction is a bug and ends the run.
    """


class Extractor:
    """Runs the extraction pipeline over documents; build once, reuse for many documents."""

    def __init__(
        self,
        terms: TermSource | None = None,
        *,
        min_confidence: float = 0.0,
        ner: bool = True,
        models: bool = True,
    ) -> None:
        names = None if terms is None else list(terms)  # read twice: dictionary and grounding
        self.nlp: Language = build_pipeline(
            names, min_confidence=min_confidence, ner=ner, models=models
        )
        # what every evidence item records as its extractor: the pipeline and its models
        self.version = pipeline_version(self.nlp)
        if names is not None:
            # What the recognisers find is grounded against the dictionary's own names.
            for name in self.nlp.pipe_names:
                component = self.nlp.get_pipe(name)
                if isinstance(component, GroundsMentions):
                    component.set_vocabulary(names)

    def check(self, document: Document) -> None:
        """Raise :class:`ExtractionInputError` when the pipeline cannot take ``document``."""
        length = len(document.text)
        if length > self.nlp.max_length:
            raise ExtractionInputError(
                f"text of {length:,} characters is longer than the extractor takes "
                f"({self.nlp.max_length:,})"
            )

    def _doc(self, document: Document) -> Doc:
        self.check(document)
        title_end = len(document.title) if document.title and document.abstract else None
        types = document.publication_types or registration_types(document)
        return make_doc(self.nlp, document.text, types, title_end)

    def _extraction(self, document: Document, doc: Doc) -> Extraction:
        study = study_of(doc)
        if document.trial is not None and document.trial.enrollment:
            # The registry's enrolment figure beats any count read from the summary.
            study = replace(study, sample_size=document.trial.enrollment)
        bounds = sentence_bounds(doc)
        syndromes: list[SyndromeMention] = doc._.tcm_syndromes or []
        return Extraction(
            id=document.id,
            text=document.text,
            study=study,
            mentions=tuple(doc._.tcm_mentions or ()),
            relations=tuple(doc._.tcm_relations or ()),
            statements={
                start: role for (start, _), role in zip(bounds, doc._.tcm_statements, strict=True)
            },
            version=self.version,
            syndromes=tuple(syndromes),
            population_syndromes=population_syndromes(
                document.text, syndromes, bounds, doc._.tcm_statements
            ),
        )

    def extract(self, document: Document) -> Extraction:
        """Extract mentions, relations and study design from one document.

        Raises :class:`ExtractionInputError` for a document the pipeline cannot take.
        """
        return self._extraction(document, self.nlp(self._doc(document)))

    def extract_all(self, documents: Iterable[Document]) -> Iterator[Extraction]:
        """Extract every document with ``nlp.pipe`` (in batches), streaming, in input order.

        Raises :class:`ExtractionInputError` at the first document the pipeline cannot take
        (check each one first with :meth:`check` to skip such documents instead).
        """
        docs = ((self._doc(d), d) for d in documents)
        for doc, document in self.nlp.pipe(docs, as_tuples=True):
            yield self._extraction(document, doc)


def extraction_json(extraction: Extraction) -> dict[str, Any]:
    """The ``tcmkg extract`` JSON object of one document (see :data:`JSON_SCHEMA`)."""
    design = extraction.study.design.value
    return {
        "id": extraction.id,
        "text": extraction.text,
        "study": {
            "design": design if design in _JSON_DESIGNS else "other",
            "sample_size": extraction.study.sample_size,
            "species": extraction.study.species,
        },
        "entities": [
            {
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "type": m.kind.value,
                "ids": list(m.ids),
                "candidates": list(m.candidates),
                "negated": m.negated,
            }
            for m in extraction.mentions
        ],
        "syndromes": [
            {"start": m.start, "end": m.end, "text": m.text, "id": m.id, "contrast": m.contrast}
            for m in extraction.syndromes
        ],
        "population_syndromes": list(extraction.population_syndromes),
        "relations": [
            {
                "subject": r.subject,
                "object": r.object,
                "predicate": r.predicate.value,
                "direction": r.direction.value,
                "negated": r.negated,
                "hedged": r.hedged,
                "sentence": [r.sentence[0], r.sentence[1]],
                "confidence": r.confidence,
            }
            for r in extraction.relations
        ],
    }


def claimable(mention: Mention) -> bool:
    """Whether a mention may be an end of a claim in the graph (see the module docs).

    Vocabulary entities always may. An ungrounded one may when it reads as a name: its id
    keyed on a long form, or its own text neither a bare abbreviation (six characters or
    fewer, two of them capitals or digits), a one-word adjective, nor a phrase opening or
    closing with a function word.
    """
    if len(mention.ids) != 1:
        return False
    if not is_ungrounded(mention.ids[0]):
        return True
    text = mention.text.strip()
    own = ungrounded_curie(mention.kind.value, normalise_name(text) or text) == mention.ids[0]
    if not own:
        return True  # a short form defined in the text: its id is its long form's
    if _ABBREVIATION.match(text) and sum(c.isupper() or c.isdigit() for c in text) >= 2:
        return False
    if _ADJECTIVE.match(text):
        return False
    words = text.lower().split()
    return bool(words) and words[0] not in STOP_WORDS and words[-1] not in STOP_WORDS


def _ungrounded_claim(subject: Mention, relation: Relation, obj: Mention) -> bool:
    """Whether a relation with an ungrounded end is read well enough to be a claim."""
    if relation.predicate not in UNGROUNDED_PREDICATES:
        return False
    if relation.confidence < MIN_UNGROUNDED_CONFIDENCE:
        return False
    if relation.predicate is Predicate.CAUSES and not is_ungrounded(subject.ids[0]):
        # A harm claim is a red safety flag on its exposure in every ranking: a vocabulary
        # entity's flag rests on harms the vocabulary names.
        return False
    return claimable(subject) and claimable(obj)


def _knowledge_level(design: StudyDesign) -> KnowledgeLevel:
    # In silico work predicts; everything else a paper reports is an assertion of its authors.
    if design is StudyDesign.IN_SILICO:
        return KnowledgeLevel.PREDICTION
    return KnowledgeLevel.KNOWLEDGE_ASSERTION


def extraction_bundle(
    document: Document,
    extraction: Extraction,
    entities: Mapping[str, Entity] | None = None,
) -> tuple[RecordBundle, BundleStats]:
    """The record bundle of one document: a claim per distinct (subject, predicate, object).

    One evidence item per claim and sentence (the most confident reading of that sentence).
    Relations with an ambiguous mention make no claim (see the module docs). ``entities``
    gives the vocabulary's entities by CURIE; an id it lacks gets a minimal entity named by
    the mention.
    """
    known = entities or {}
    study = extraction.study
    best: dict[tuple[str, Predicate, str, tuple[int, int]], Relation] = {}
    ambiguous = ungrounded = 0
    for relation in extraction.relations:
        subject = extraction.mentions[relation.subject]
        obj = extraction.mentions[relation.object]
        if len(subject.ids) != 1 or len(obj.ids) != 1:
            ambiguous += 1
            continue
        if (is_ungrounded(subject.ids[0]) or is_ungrounded(obj.ids[0])) and not _ungrounded_claim(
            subject, relation, obj
        ):
            ungrounded += 1
            continue
        key = (subject.ids[0], relation.predicate, obj.ids[0], relation.sentence)
        held = best.get(key)
        if held is None or relation.confidence > held.confidence:
            best[key] = relation

    evidence: dict[tuple[str, Predicate, str], list[EvidenceItem]] = {}
    used: dict[str, Entity] = {}
    text = extraction.text
    for (s_id, predicate, o_id, (start, end)), relation in best.items():
        for curie, mention in (
            (s_id, extraction.mentions[relation.subject]),
            (o_id, extraction.mentions[relation.object]),
        ):
            if curie not in used:
                used[curie] = known.get(curie) or Entity(curie, mention.kind, mention.text)
        item = EvidenceItem(
            source=document.id,
            design=study.design,
            direction=relation.direction,
            sentence=text[start:end],
            start=start,
            end=end,
            sample_size=study.sample_size,
            species=study.species,
            negated=relation.negated,
            hedged=relation.hedged,
            statement=extraction.statements.get(start),
            year=document.year,
            method=METHOD,
            method_version=extraction.version,
            confidence=relation.confidence,
            knowledge_level=_knowledge_level(study.design),
            agent_type=AgentType.TEXT_MINING_AGENT,
            trial_ids=document.trial_ids,
            # the sentence's own syndromes, else those the document states for its population
            population_syndromes=sentence_syndromes(extraction.syndromes, start, end)
            or extraction.population_syndromes,
        )
        evidence.setdefault((s_id, predicate, o_id), []).append(item)
    claims = tuple(
        Claim(subject=s, predicate=p, object=o, evidence=tuple(items))
        for (s, p, o), items in evidence.items()
    )
    bundle = RecordBundle(
        record=document.to_record(),
        entities=tuple(used.values()),
        claims=claims,
        text=text,
    )
    stats = BundleStats(
        claims=len(claims),
        evidence=sum(len(c.evidence) for c in claims),
        ambiguous_relations=ambiguous,
        ungrounded_relations=ungrounded,
    )
    return bundle, stats
