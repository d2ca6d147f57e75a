"""Loading the bundled illustrative data into a store: the use cases behind ``tcmkg demo``.

:func:`load_demo` writes the ontology, the seed and illustrative vocabularies and the
illustrative graph; :func:`load_catalogue` imports the illustrative hospital catalogue;
:func:`load_corpus` writes the seed tables and ingests the illustrative corpus through the
same pipeline as ``tcmkg ingest``. :func:`demo_graphs` names every graph they write, so that a
caller can tell a store holding other data from one holding the demo's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache

from pyoxigraph import Literal, NamedNode, RdfFormat

import ontologies
from ingest.document import Document
from ingest.examples import CORPUS_FILE, EXAMPLE_CATALOGUE
from ingest.examples.illustrative import (
    VOCABULARY_SOURCE,
    illustrative_bundles,
    illustrative_entities,
)
from ingest.importers.preparations import import_preparations, record_id_for
from ingest.importers.report import ImportReport
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from ingest.vocabulary import load_seed
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from ingest.vocabulary.store_terms import ingest_vocabulary
from ingest.vocabulary.tcm_theory import TcmTheory, table_graphs
from kg import iri
from kg.model import Claim, Entity, RecordBundle, RecordKind, SourceRecord
from kg.sparql import load_query
from kg.store import GraphStore
from kg.writer import bundle_quads, vocabulary_quads

SEED_SOURCE = "seed"
EXAMPLE_INDICATION = "diabetic nephropathy"
# The demo also ranks the indication within this syndrome (病证结合): the illustrative corpus
# has trials enrolling patients of it and of other syndromes.
EXAMPLE_SYNDROME = "qi-yin deficiency"


@cache
def seed_bundles() -> tuple[RecordBundle, ...]:
    """The seed vocabulary's own claims (formula compositions …), one bundle per seed table."""
    by_source: dict[str, list[Claim]] = {}
    for claim in load_seed().claims:
        for item in claim.evidence:
            by_source.setdefault(item.source, []).append(
                Claim(claim.subject, claim.predicate, claim.object, (item,))
            )
    return tuple(
        RecordBundle(SourceRecord(source, RecordKind.TABLE, title=f"tcmkg {source}"), (), tuple(c))
        for source, c in sorted(by_source.items())
    )


@cache
def seed_theory() -> TcmTheory:
    """The seed's TCM theory: syndromes, action categories and their curated claims."""
    return load_seed().theory or TcmTheory()


@cache
def corpus_record_ids() -> tuple[str, ...]:
    """Ids of the bundled corpus' documents, as the table reader mints them."""
    return tuple(d.id for d in read_documents([CORPUS_FILE], "tsv", ProblemLog()))


def example_graphs() -> set[str]:
    """Named graphs that importing the bundled illustrative catalogue writes."""
    return {
        iri.graph_iri(record_id_for(EXAMPLE_CATALOGUE)),
        iri.vocabulary_graph(f"table-preparations-{EXAMPLE_CATALOGUE.stem}"),
    }


def demo_graphs() -> set[str]:
    """Named graphs the demo writes; anything else in a store belongs to someone else."""
    graphs = {
        iri.ONTOLOGY_GRAPH,
        iri.vocabulary_graph(VOCABULARY_SOURCE),
        iri.vocabulary_graph(SEED_SOURCE),
    }
    graphs.update(iri.graph_iri(b.record.id) for b in seed_bundles())
    graphs.update(graph for graph, _ in table_graphs(seed_theory()))
    graphs.update(iri.graph_iri(b.record.id) for b in illustrative_bundles())
    graphs.update(iri.graph_iri(r) for r in corpus_record_ids())
    graphs.update(example_graphs())  # the illustrative hospital catalogue
    return graphs


def load_catalogue(store: GraphStore) -> ImportReport:
    """Import the illustrative hospital preparation catalogue into ``store``."""
    return import_preparations(EXAMPLE_CATALOGUE, store, load_seed())


def _second_to(seed: Entity | None, entity: Entity) -> Entity:
    """``entity`` with its preferred labels demoted where ``seed`` prefers one in that language."""
    if seed is None:
        return entity
    taken = {label.lang for label in seed.labels if label.preferred}
    labels = tuple(
        replace(label, preferred=False) if label.preferred and label.lang in taken else label
        for label in entity.labels
    )
    return replace(entity, labels=labels)


def demo_steps() -> int:
    """How many times :func:`load_demo` calls its ``on_step``."""
    return len(illustrative_bundles()) + 2


def load_demo(store: GraphStore, on_step: Callable[[], None] | None = None) -> None:
    """Write the ontology, the seed and illustrative vocabularies and the illustrative graph.

    One transaction per graph; ``on_step`` is called after each of :func:`demo_steps` steps.
    """
    step = on_step or (lambda: None)
    store.load(ontologies.ontology_bytes(), RdfFormat.TURTLE, graph=iri.ONTOLOGY_GRAPH)
    step()
    # For entities the seed vocabulary describes, its preferred names stay the preferred
    # ones: a second preferred label in one language would make SHACL warn.
    seeded = load_seed().entities
    ensure_seed_vocabulary(store)  # the seed graph, as every path that fills a store writes it
    own = [_second_to(seeded.get(e.id), e) for e in illustrative_entities()]
    vocabulary = list(vocabulary_quads(own, VOCABULARY_SOURCE))
    store.replace_graph(iri.vocabulary_graph(VOCABULARY_SOURCE), vocabulary)
    step()
    for bundle in illustrative_bundles():
        store.replace_graph(iri.graph_iri(bundle.record.id), bundle_quads(bundle))
        step()


def load_corpus(
    store: GraphStore, on_document: Callable[[Document], None] | None = None
) -> ProblemLog:
    """Write the seed tables and ingest the bundled illustrative corpus into ``store``.

    Run after :func:`load_demo`, which writes the vocabularies the corpus is matched against.
    ``on_document`` is called for each of the corpus' documents (:func:`corpus_record_ids`).
    Returns the problems found (none, for the bundled corpus).
    """
    # The seed vocabulary graph itself is written by load_demo, with the illustrative one.
    for bundle in seed_bundles():
        store.replace_graph(iri.graph_iri(bundle.record.id), bundle_quads(bundle))
    for graph, quads in table_graphs(seed_theory()):
        store.replace_graph(graph, quads)
    # Seed names and the names already in the store (the illustrative catalogue's
    # preparations, when it was imported first), as `tcmkg ingest` matches them.
    vocabulary = ingest_vocabulary(store)
    problems = ProblemLog()
    ingest(
        read_documents([CORPUS_FILE], "tsv", problems),
        store,
        problems,
        entities=vocabulary.entities,
        terms=vocabulary.terms,
        on_document=on_document,
    )
    return problems


def count_by_class(store: GraphStore, classes: list[str]) -> dict[str, int]:
    """Distinct nodes typed with each class (0 for a class with none)."""
    result = store.select(
        load_query("ingest.examples", "count_by_class"), {"cls": [NamedNode(c) for c in classes]}
    )
    counts = dict.fromkeys(classes, 0)
    for row in result.dicts():
        cls, n = row.get("cls"), row.get("n")
        if isinstance(cls, NamedNode) and isinstance(n, Literal):
            counts[cls.value] = int(n.value)
    return counts
