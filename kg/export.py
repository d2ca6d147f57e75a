"""Export the store: RDF dumps and KGX nodes/edges JSON Lines for Translator tools.

RDF formats (Turtle, N-Triples, N-Quads, TriG, JSON-LD) are streamed by the store. A
single-graph format without a named graph gets the triples of every named graph (the union
graph, duplicates not removed). Files ending in ``.gz`` are compressed. A file is written
beside its target and renamed into place at the end, so a failed export never leaves a
half-written file.

KGX (https://github.com/biolink/kgx) edges are built with SPARQL over the claim association
nodes and their evidence (``kgx_edges.rq``), nodes from the Biolink-typed entities
(``kgx_nodes.rq``); both queries run on the store's engine, page by page.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from pyoxigraph import Literal, NamedNode, RdfFormat, serialize

from kg import iri
from kg.model import AgentType, KnowledgeLevel
from kg.sparql import load_query, paged_query
from kg.store import GraphStore, StoreError

RDF_FORMATS: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
}
EXPORT_FORMATS = (*RDF_FORMATS, "kgx")

# The graph is the primary source of its claims: they are its own extractions and imports,
# each traceable to a publication or table row through its evidence.
PRIMARY_KNOWLEDGE_SOURCE = "infores:tcmkg"
EDGE_CATEGORY = "biolink:Association"
NODE_CATEGORY = "biolink:NamedThing"
# KGX edges carry one knowledge level and one agent type; a claim with mixed evidence gets the
# strongest one present (a human assertion outranks a statistical association, and so on).
LEVEL_ORDER = (
    KnowledgeLevel.KNOWLEDGE_ASSERTION,
    KnowledgeLevel.STATISTICAL_ASSOCIATION,
    KnowledgeLevel.OBSERVATION,
    KnowledgeLevel.PREDICTION,
    KnowledgeLevel.NOT_PROVIDED,
)
AGENT_ORDER = (
    AgentType.MANUAL_AGENT,
    AgentType.TEXT_MINING_AGENT,
    AgentType.AUTOMATED_AGENT,
    AgentType.COMPUTATIONAL_MODEL,
    AgentType.NOT_PROVIDED,
)
PUBLICATION_PREFIXES = ("PMID", "DOI")
PAGE = 10_000  # rows per request: Virtuoso's default cap on one result


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary stream that becomes ``path`` only when the block ends without error.

    ``.gz`` paths are gzip-compressed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            if path.suffix.lower() == ".gz":
                with gzip.GzipFile(fileobj=raw, mode="wb") as zipped:
                    yield cast(BinaryIO, zipped)
            else:
                yield raw
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def export_rdf(store: GraphStore, out: BinaryIO, fmt: RdfFormat, graph: str | None = None) -> None:
    """Write the store (or one named graph) to ``out`` in an RDF format."""
    if graph is None and not fmt.supports_datasets:
        serialize((q.triple for q in store.quads()), out, fmt)
        return
    store.dump(out, fmt, graph)


def _text(term: object) -> str:
    return term.value if isinstance(term, NamedNode | Literal) else ""


def _curie(term: object) -> str:
    return iri.contract(_text(term))


def _strongest(values: str, order: tuple[Any, ...]) -> str:
    present = set(values.split())
    for value in order:
        if value.value in present:
            return str(value.value)
    return str(order[-1].value)


def _pages(store: GraphStore, query: str) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = store.select(paged_query(query, PAGE, offset))
        yield from page.dicts()
        if len(page) < PAGE:
            return
        offset += PAGE


def kgx_nodes(store: GraphStore) -> Iterator[dict[str, Any]]:
    """KGX node records: id, category, name (when the entity has a label), provided_by."""
    for row in _pages(store, load_query("kg", "kgx_nodes")):
        categories = sorted(iri.contract(c) for c in _text(row.get("categories")).split())
        node: dict[str, Any] = {
            "id": _curie(row["node"]),
            "category": categories or [NODE_CATEGORY],
        }
        name = _text(row.get("name"))
        if name:
            node["name"] = name
        node["provided_by"] = [PRIMARY_KNOWLEDGE_SOURCE]
        yield node


def kgx_edges(store: GraphStore) -> Iterator[dict[str, Any]]:
    """KGX edge records, one per claim, with the Biolink edge slots Translator tools read."""
    for row in _pages(store, load_query("kg", "kgx_edges")):
        sources = [iri.contract(s) for s in _text(row.get("sources")).split()]
        publications = sorted(s for s in sources if s.partition(":")[0] in PUBLICATION_PREFIXES)
        yield {
            "id": _curie(row["claim"]),
            "subject": _curie(row["subject"]),
            "predicate": _curie(row["predicate"]),
            "object": _curie(row["object"]),
            "category": [EDGE_CATEGORY],
            "primary_knowledge_source": PRIMARY_KNOWLEDGE_SOURCE,
            "knowledge_level": _strongest(_text(row.get("levels")), LEVEL_ORDER),
            "agent_type": _strongest(_text(row.get("agents")), AGENT_ORDER),
            "publications": publications,
        }


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write records as JSON Lines (UTF-8, one object per line); return how many."""
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        n += 1
    return n


def export_kgx(
    store: GraphStore,
    nodes_path: Path,
    edges_path: Path,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[int, int]:
    """Write KGX nodes and edges JSON Lines files; return (nodes, edges) written.

    Both files appear only when both are complete. ``progress(kind, n)`` is called as records
    are written.
    """

    def counted(kind: str, records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for i, record in enumerate(records, 1):
            if progress is not None and i % 1000 == 0:
                progress(kind, i)
            yield record

    with atomic_output(nodes_path) as nodes_raw, atomic_output(edges_path) as edges_raw:
        nodes_text = _text_stream(nodes_raw)
        edges_text = _text_stream(edges_raw)
        n_nodes = write_jsonl(counted("nodes", kgx_nodes(store)), nodes_text)
        n_edges = write_jsonl(counted("edges", kgx_edges(store)), edges_text)
        nodes_text.flush()
        edges_text.flush()
        nodes_text.detach()
        edges_text.detach()
    return n_nodes, n_edges


def _text_stream(raw: BinaryIO) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding="utf-8", newline="\n")


def export(
    store: GraphStore,
    fmt: str,
    output: Path,
    graph: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[int, int] | None:
    """Export in a named format (see EXPORT_FORMATS) to ``output``.

    For ``kgx`` the output is a directory that receives ``nodes.jsonl`` and ``edges.jsonl``
    (returns their counts); for RDF formats it is a file.
    """
    if fmt == "kgx":
        if graph is not None:
            raise StoreError("kgx export covers the whole store: drop --graph")
        return export_kgx(store, output / "nodes.jsonl", output / "edges.jsonl", progress)
    rdf = RDF_FORMATS.get(fmt)
    if rdf is None:
        raise StoreError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    with atomic_output(output) as out:
        export_rdf(store, out, rdf, graph)
    return None
