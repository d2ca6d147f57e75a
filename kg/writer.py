"""Map model objects (:mod:`kg.model`) to RDF quads.

A claim is written twice: as a direct triple ``subject predicate object`` (easy SPARQL and a
cheap networkx projection) and as an association node (``tcm:Claim``, also a
``biolink:Association``) that carries its evidence items. Everything one source record
contributes goes into that record's named graph (:func:`kg.iri.graph_iri`), so the record can be
replaced or withdrawn atomically by the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Quad

from kg import iri
from kg.evidence_rdf import field_quads
from kg.iri import DCT, RDF, RDFS, SKOS, XSD, biolink, expand, term
from kg.model import Claim, Entity, EntityKind, EvidenceItem, RecordBundle, SourceRecord
from kg.scoring_inputs import encode, inputs_of
from kg.terms import ENTITY_CLASS, PREDICATE_IRI, RECORD_CLASS, UNGROUNDED_CLASS

A = NamedNode(RDF + "type")
LABEL = NamedNode(RDFS + "label")
PREF = NamedNode(SKOS + "prefLabel")
ALT = NamedNode(SKOS + "altLabel")
EXACT = NamedNode(SKOS + "exactMatch")
BROADER = NamedNode(SKOS + "broader")
XSD_INT = NamedNode(XSD + "integer")
XSD_BOOL = NamedNode(XSD + "boolean")
XSD_YEAR = NamedNode(XSD + "gYear")
RDF_JSON = NamedNode(RDF + "JSON")


def node(curie: str) -> NamedNode:
    """The IRI node of a CURIE."""
    return NamedNode(expand(curie))


def _int(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD_INT)


def _bool(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=XSD_BOOL)


def _double(value: float) -> Literal:
    # pyoxigraph's own float literal is the lexical form the store gives back, so quads read
    # from the store compare equal to quads from the writer.
    return Literal(float(value))


def _text(value: str, lang: str | None = None) -> Literal:
    return Literal(value, language=lang) if lang else Literal(value)


def entity_quads(entity: Entity, graph: str, *, full: bool = True) -> Iterator[Quad]:
    """Quads describing an entity in ``graph``.

    ``full=False`` writes only its types and label: enough for a record graph to be valid on
    its own, while names and cross-references live in the vocabulary graphs.
    """
    g = NamedNode(graph)
    s = node(entity.id)
    project_class, biolink_class = ENTITY_CLASS[entity.kind]
    yield Quad(s, A, NamedNode(project_class), g)
    yield Quad(s, A, NamedNode(biolink_class), g)
    if iri.is_ungrounded(entity.id):
        yield Quad(s, A, NamedNode(UNGROUNDED_CLASS), g)
    yield Quad(s, LABEL, _text(entity.label), g)
    if not full:
        return
    for label in entity.labels:
        yield Quad(s, PREF if label.preferred else ALT, _text(label.text, label.lang), g)
    for xref in entity.xrefs:
        yield Quad(s, EXACT, node(xref), g)
    for parent in entity.broader:
        yield Quad(s, BROADER, node(parent), g)
    if entity.description:
        yield Quad(s, NamedNode(DCT + "description"), _text(entity.description), g)
    if entity.kind is EntityKind.HOSPITAL_PREPARATION:
        if entity.hospital:
            yield Quad(s, NamedNode(term("hospital")), _text(entity.hospital), g)
        if entity.approval_number:
            yield Quad(s, NamedNode(term("approvalNumber")), _text(entity.approval_number), g)
        if entity.dosage_form:
            yield Quad(s, NamedNode(term("dosageForm")), _text(entity.dosage_form), g)


def record_quads(record: SourceRecord, graph: str) -> Iterator[Quad]:
    """Quads describing the source record itself (publication, trial, table, document)."""
    g = NamedNode(graph)
    s = node(record.id)
    yield Quad(s, A, NamedNode(RECORD_CLASS[record.kind]), g)
    yield Quad(s, NamedNode(DCT + "identifier"), _text(record.id), g)
    if record.title:
        yield Quad(s, NamedNode(DCT + "title"), _text(record.title), g)
    if record.year is not None:
        yield Quad(s, NamedNode(DCT + "date"), Literal(f"{record.year:04d}", datatype=XSD_YEAR), g)
        yield Quad(s, NamedNode(term("year")), _int(record.year), g)
    if record.journal:
        yield Quad(s, NamedNode(term("journal")), _text(record.journal), g)
    if record.doi:
        yield Quad(s, NamedNode(term("doi")), _text(record.doi), g)
    for pub_type in record.publication_types:
        yield Quad(s, NamedNode(term("publicationType")), _text(pub_type), g)
    for mesh in record.mesh_terms:
        yield Quad(s, NamedNode(DCT + "subject"), node(mesh), g)
    for trial in record.trial_ids:
        yield Quad(s, NamedNode(term("reportsTrial")), node(trial), g)
    if record.revised:
        yield Quad(s, NamedNode(term("revised")), _text(record.revised), g)
    if record.retracted:
        yield Quad(s, NamedNode(term("retracted")), _bool(True), g)
    if record.illustrative:
        yield Quad(s, NamedNode(term("illustrative")), _bool(True), g)


def evidence_quads(
    claim_node: NamedNode, item: EvidenceItem, graph: str, record: SourceRecord | None = None
) -> Iterator[Quad]:
    """Quads of one evidence item, linked from its claim's association node.

    Its attributes are written as the record's field table says (:mod:`kg.evidence_rdf`).

    ``record`` is the item's source record when the caller has it: its year and trial ids go
    into the item's ``tcm:scoringInputs`` where the item gives none (:mod:`kg.scoring_inputs`).
    """
    g = NamedNode(graph)
    ev = node(
        iri.evidence_curie(
            iri.contract(claim_node.value), item.source, item.start, item.end, item.sentence
        )
    )
    yield Quad(claim_node, NamedNode(term("hasEvidence")), ev, g)
    yield Quad(ev, A, NamedNode(term("EvidenceItem")), g)
    yield from field_quads(ev, item, g)
    own = record if record is not None and record.id == item.source else None
    inputs = inputs_of(item, own.year if own else None, own.trial_ids if own else ())
    yield Quad(ev, NamedNode(term("scoringInputs")), Literal(encode(inputs), datatype=RDF_JSON), g)


def claim_quads(claim: Claim, graph: str, record: SourceRecord | None = None) -> Iterator[Quad]:
    """The direct triple, the association node and the evidence items of one claim.

    ``record``: the source record of the graph, when the caller has it (see
    :func:`evidence_quads`).
    """
    g = NamedNode(graph)
    s, o = node(claim.subject), node(claim.object)
    p = NamedNode(PREDICATE_IRI[claim.predicate])
    c = node(iri.claim_curie(claim.subject, claim.predicate.value, claim.object))
    yield Quad(s, p, o, g)
    yield Quad(c, A, NamedNode(term("Claim")), g)
    yield Quad(c, A, NamedNode(biolink("Association")), g)
    yield Quad(c, NamedNode(biolink("subject")), s, g)
    yield Quad(c, NamedNode(biolink("predicate")), p, g)
    yield Quad(c, NamedNode(biolink("object")), o, g)
    for item in claim.evidence:
        yield from evidence_quads(c, item, graph, record)


def bundle_quads(bundle: RecordBundle) -> list[Quad]:
    """All quads of one record bundle, in the record's named graph, without duplicates."""
    graph = iri.graph_iri(bundle.record.id)
    quads: dict[Quad, None] = {}  # insertion-ordered set: stable output, no repeated quads
    for q in record_quads(bundle.record, graph):
        quads[q] = None
    for entity in bundle.entities:
        for q in entity_quads(entity, graph, full=False):
            quads[q] = None
    for claim in bundle.claims:
        for q in claim_quads(claim, graph, bundle.record):
            quads[q] = None
    return list(quads)


def vocabulary_quads(entities: Iterable[Entity], source: str) -> Iterator[Quad]:
    """Full entity descriptions (names, cross-references) in the vocabulary graph of a source."""
    graph = iri.vocabulary_graph(source)
    for entity in entities:
        yield from entity_quads(entity, graph, full=True)
