"""Names the store already knows: herbs, formulas and hospital preparations that imports wrote.

``tcmkg import preparations`` (a hospital's catalogue), ``tcmkg import symmap`` and the other
importers write their entities' names into the store's vocabulary graphs
(:func:`kg.iri.vocabulary_graph`). An ingest that matched the seed vocabulary only would not
recognise a paper naming an imported preparation, so its clinical axis could never rise above
the catalogue's own stated indications. :func:`store_terms` reads those names back — one
SPARQL query for the whole vocabulary — as dictionary terms ``(name, curie, kind)``, and
:func:`ingest_vocabulary` joins them with the seed vocabulary for the extraction pipeline.

Only herbs, formulas and hospital preparations are read by default: large imports (SymMap's
27k ingredients, its targets and diseases) carry many short or common names that would match
everyday words. A name carried by two entities stays ambiguous across seed and store alike:
the dictionary matcher keeps every candidate of one name, and no claim is written for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from ingest.vocabulary.loader import load_seed
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from kg.iri import RDFS, SKOS, VOCABULARY_GRAPH, contract
from kg.model import Entity, EntityKind
from kg.sparql import load_query
from kg.store import GraphStore
from kg.terms import ENTITY_CLASS, KIND_OF_CLASS

QUERY = ("ingest.vocabulary", "store_names")  # ingest/vocabulary/rq/store_names.rq
NAME_PROPERTIES = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
# Kinds whose imported names are matched in literature unless asked otherwise.
DEFAULT_KINDS: frozenset[EntityKind] = frozenset(
    {EntityKind.HERB, EntityKind.FORMULA, EntityKind.HOSPITAL_PREPARATION}
)
# A name this long is a description or a broken import, not something a paper writes.
MAX_NAME = 200

StoreTerm = tuple[str, str, EntityKind]


@dataclass(frozen=True, slots=True)
class StoreName:
    """One name of one entity, as a vocabulary graph of the store gives it."""

    name: str
    curie: str
    kind: EntityKind
    label: bool  # True for the entity's rdfs:label (its display name)


def store_names(
    store: GraphStore, kinds: Iterable[EntityKind] = DEFAULT_KINDS
) -> Iterator[StoreName]:
    """Every name of every entity of ``kinds`` in the store's vocabulary graphs (one query).

    Names that are blank or longer than :data:`MAX_NAME` are left out; entities with IRIs
    outside the project's prefixes are kept under their full IRI.
    """
    classes = [NamedNode(ENTITY_CLASS[kind][0]) for kind in sorted(set(kinds))]
    if not classes:
        return
    result = store.select(
        load_query(*QUERY),
        {
            "cls": classes,
            "property": [NamedNode(p) for p in NAME_PROPERTIES],
            "graphs": Literal(VOCABULARY_GRAPH + "/"),
        },
    )
    label_property = RDFS + "label"
    for row in result.dicts():
        entity, cls, prop, name = (row.get(v) for v in ("entity", "cls", "property", "name"))
        if not (
            isinstance(entity, NamedNode)
            and isinstance(cls, NamedNode)
            and isinstance(prop, NamedNode)
            and isinstance(name, Literal)
        ):
            continue
        text = " ".join(name.value.split())
        if not text or len(text) > MAX_NAME:
            continue
        yield StoreName(
            text, contract(entity.value), KIND_OF_CLASS[cls.value], prop.value == label_property
        )


def store_terms(
    store: GraphStore, kinds: Iterable[EntityKind] = DEFAULT_KINDS
) -> Iterator[StoreTerm]:
    """The store's names as dictionary terms ``(name, curie, kind)`` for the extractor."""
    for item in store_names(store, kinds):
        yield item.name, item.curie, item.kind


@dataclass(frozen=True, slots=True)
class IngestVocabulary:
    """What an ingest matches and names: dictionary terms and entities by CURIE.

    ``terms`` is None when the seed vocabulary alone is used (the pipeline's default
    dictionary); ``store_entities`` counts the entities known only from the store.
    """

    terms: tuple[StoreTerm, ...] | None
    entities: Mapping[str, Entity]
    store_entities: int = 0
    store_names: int = 0


def ingest_vocabulary(
    store: GraphStore,
    *,
    seed_only: bool = False,
    kinds: Iterable[EntityKind] = DEFAULT_KINDS,
    write_seed: bool = True,
) -> IngestVocabulary:
    """The seed vocabulary joined with the names the store's vocabulary graphs hold.

    The store is first given the seed vocabulary graph when it lacks this version of it
    (:func:`ingest.vocabulary.store_seed.ensure_seed_vocabulary`) unless ``write_seed`` is
    false (``tcmkg extract --store`` only reads). With ``seed_only`` the
    store's own names are not read (the behaviour of earlier releases). An entity
    the seed lacks is named by its ``rdfs:label`` in the store, so a claim from a paper shows
    the catalogue's name of a preparation rather than whichever spelling the paper used.
    """
    # Every store an ingest fills holds the shipped vocabulary's names and disease hierarchy
    # (written once per vocabulary version), so its indications are found by any name. A
    # reader that only extracts (``write_seed=False``) leaves the store as it is.
    if write_seed:
        ensure_seed_vocabulary(store)
    seed = load_seed()
    if seed_only:
        return IngestVocabulary(None, seed.entities)
    terms: dict[StoreTerm, None] = dict.fromkeys(seed.surface_names())
    entities: dict[str, Entity] = dict(seed.entities)
    # curie -> (not an rdfs:label, name, kind): the smallest wins, so the entity's own
    # rdfs:label is preferred and the choice does not depend on the order rows arrive in.
    display: dict[str, tuple[bool, str, EntityKind]] = {}
    names = 0
    for item in store_names(store, kinds):
        key = (item.name, item.curie, item.kind)
        if not seed.matched_in_text(item.curie, item.name):
            continue  # a seed name kept as a label only, written into the store's vocabulary
        if key not in terms:
            terms[key] = None
            names += 1
        if item.curie not in entities:
            candidate = (not item.label, item.name, item.kind)
            held = display.get(item.curie)
            if held is None or candidate[:2] < held[:2]:
                display[item.curie] = candidate
    for curie, (_, label, kind) in display.items():
        entities[curie] = Entity(curie, kind, label)
    if not names:
        # Nothing the seed lacks: the pipeline's own seed dictionary gives the same matches.
        return IngestVocabulary(None, entities)
    return IngestVocabulary(tuple(terms), entities, len(display), names)
