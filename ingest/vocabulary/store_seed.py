"""The shipped vocabulary's names travel with the data: every store holds them, versioned.

A store built by ``tcmkg ingest`` alone, by an import alone or by ``tcmkg load`` of a dump must
find "diabetes", 糖尿病 or "type 2 diabetes" and widen Diabetes Mellitus to its subtypes, so
every path that fills a store (``ingest``, ``import …``, ``load``, ``sync``, ``POST /ingest``
and the demo) calls :func:`ensure_seed_vocabulary`. It writes the seed vocabulary — every
entity's names, cross-references and ``skos:broader`` hierarchy, and the TCM theory concepts —
as the named graph ``…/graph/vocabulary/seed``, stamped with ``owl:versionInfo`` (a digest of
the shipped data files). A store that already holds this version is left alone (one small
query); a store holding another version (an older release, or a dump from one) has the graph
replaced in one transaction. The graph holds names and hierarchy only, never claims: ranking
answers do not change, only which names find them.

Why written rather than consulted at query time: ``queries`` may not import ``ingest`` (where
the vocabulary is read), a store shared with other tools (a SPARQL endpoint, an export) should
carry its own names, and the check costs one query per fill. Writing takes about 2 s once per
store and vocabulary version (16.7k quads).
"""

from __future__ import annotations

import hashlib
from functools import cache

from pyoxigraph import Literal, NamedNode, Quad

from ingest.vocabulary.loader import DATA_DIR, load_seed
from ingest.vocabulary.tcm_theory import concept_quads
from kg.iri import OWL, vocabulary_graph
from kg.sparql import load_query
from kg.store import GraphStore
from kg.writer import vocabulary_quads

SEED_SOURCE = "seed"
SEED_GRAPH = vocabulary_graph(SEED_SOURCE)
# Raised when what is written for the same data files changes (a new property, say).
_LAYOUT = "1"


@cache
def seed_version() -> str:
    """The version of the shipped vocabulary: a digest of its data files and of the layout."""
    digest = hashlib.sha256(_LAYOUT.encode())
    for path in sorted(DATA_DIR.glob("*.tsv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def seed_quads() -> tuple[Quad, ...]:
    """The seed vocabulary graph: names, cross-references, hierarchy, concepts, version."""
    seed = load_seed()
    concepts = seed.theory.concepts.values() if seed.theory else ()
    graph = NamedNode(SEED_GRAPH)
    return (
        *vocabulary_quads(seed.entities.values(), SEED_SOURCE),
        *concept_quads(concepts, SEED_GRAPH),
        Quad(graph, NamedNode(OWL + "versionInfo"), Literal(seed_version()), graph),
    )


def held_seed_version(store: GraphStore) -> str | None:
    """The version of the seed vocabulary the store holds (None: none written with one)."""
    result = store.select(
        load_query("ingest.vocabulary", "seed_version"), {"graph": NamedNode(SEED_GRAPH)}
    )
    for row in result.dicts():
        version = row.get("version")
        if isinstance(version, Literal):
            return version.value
    return None


def ensure_seed_vocabulary(store: GraphStore, *, force: bool = False) -> bool:
    """Write the seed vocabulary graph unless the store holds this version; True if written."""
    if not force and held_seed_version(store) == seed_version():
        return False
    store.replace_graph(SEED_GRAPH, list(seed_quads()))
    return True
