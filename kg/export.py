"""Export the store: RDF dumps and KGX nodes/edges JSON Lines for Translator tools.

RDF formats (Turtle, N-Triples, N-Quads, TriG, JSON-LD) are streamed by the store. A
single-graph format without a named graph gets the triples of every named graph (the union
graph, duplicates not removed). Files ending in ``.gz`` are compressed. A file is written
beside its target and renamed into place at the end, so a failed export never leaves a
half-written file.

KGX (https://github.com/biolink/kgx) edges are built with SPARQL over the claim association
nodes and their evidence (``kgx_edges.rq``), nodes from the Biolink-typed entities
(``kgx_nodes.rq``); both queries run on the store's engine, page by page.

Formats are registered in one place (:func:`register_export`, one line each below): ``tcmkg
export`` and ``GET /export`` offer whatever is registered when the CLI or the app is built.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ExportFormat:
    """A dump format: its name, media type, file name, and how it writes a store.

    ``write(store, out, graph)`` writes the store (or the named graph ``graph``) to the binary
    stream ``out``. A format that covers the whole store only (``whole_store``) refuses a
    graph. ``tcmkg export`` and ``GET /export`` offer every registered format.
    """

    name: str
    media_type: str
    file_name: str
    description: str
    write: Callable[[GraphStore, BinaryIO, str | None], None]
    whole_store: bool = False


_FORMATS: dict[str, ExportFormat] = {}
# Older names still taken by ``tcmkg export`` (not formats of their own): ``kgx`` writes both
# KGX files into a folder, the two appearing only when both are complete.
EXPORT_ALIASES: dict[str, str] = {"kgx": "kgx_nodes and kgx_edges into a folder"}


def register_export(fmt: ExportFormat) -> ExportFormat:
    """Add a dump format to ``tcmkg export`` and ``GET /export``; ValueError if it is taken."""
    if fmt.name in _FORMATS or fmt.name in EXPORT_ALIASES:
        raise ValueError(f"export format {fmt.name!r} is already registered")
    _FORMATS[fmt.name] = fmt
    return fmt


def unregister_export(name: str) -> None:
    """Remove a dump format (for a test or a plugin that registered one)."""
    _FORMATS.pop(name, None)


def export_formats() -> tuple[ExportFormat, ...]:
    """The registered dump formats, in registration order."""
    return tuple(_FORMATS.values())


def export_format(name: str) -> ExportFormat:
    """The registered format called ``name``; StoreError naming the known ones if none is."""
    try:
        return _FORMATS[name]
    except KeyError:
        known = ", ".join([*_FORMATS, *EXPORT_ALIASES])
        raise StoreError(f"unknown export format {name!r}: use one of {known}") from None


def _rdf_writer(fmt: RdfFormat) -> Callable[[GraphStore, BinaryIO, str | None], None]:
    def write(store: GraphStore, out: BinaryIO, graph: str | None) -> None:
        export_rdf(store, out, fmt, graph)

    return write


def _jsonl_writer(
    records: Callable[[GraphStore], Iterator[dict[str, Any]]],
) -> Callable[[GraphStore, BinaryIO, str | None], None]:
    def write(store: GraphStore, out: BinaryIO, graph: str | None) -> None:
        # Encoded line by line: ``out`` may be any binary writer (a response queue), not a file.
        for record in records(store):
            out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))

    return write


# One line per format; a new format is its writer plus one line here.
register_export(
    ExportFormat("turtle", "text/turtle", "tcmkg.ttl", "Turtle", _rdf_writer(RdfFormat.TURTLE))
)
register_export(
    ExportFormat(
        "ntriples",
        "application/n-triples",
        "tcmkg.nt",
        "N-Triples",
        _rdf_writer(RdfFormat.N_TRIPLES),
    )
)
register_export(
    ExportFormat(
        "nquads",
        "application/n-quads",
        "tcmkg.nq",
        "N-Quads, named graphs kept",
        _rdf_writer(RdfFormat.N_QUADS),
    )
)
register_export(
    ExportFormat(
        "trig",
        "application/trig",
        "tcmkg.trig",
        "TriG, named graphs kept",
        _rdf_writer(RdfFormat.TRIG),
    )
)
register_export(
    ExportFormat(
        "jsonld", "application/ld+json", "tcmkg.jsonld", "JSON-LD", _rdf_writer(RdfFormat.JSON_LD)
    )
)
register_export(
    ExportFormat(
        "kgx_nodes",
        "application/x-ndjson",
        "nodes.jsonl",
        "KGX nodes, JSON Lines",
        _jsonl_writer(kgx_nodes),
        whole_store=True,
    )
)
register_export(
    ExportFormat(
        "kgx_edges",
        "application/x-ndjson",
        "edges.jsonl",
        "KGX edges, JSON Lines",
        _jsonl_writer(kgx_edges),
        whole_store=True,
    )
)


def export(
    store: GraphStore,
    fmt: str,
    output: Path,
    graph: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[int, int] | None:
    """Export in a registered format (:func:`export_formats`) or ``kgx`` to ``output``.

    For ``kgx`` the output is a directory that receives ``nodes.jsonl`` and ``edges.jsonl``
    (returns their counts); for a format it is a file.
    """
    if fmt == "kgx":
        if graph is not None:
            raise StoreError("kgx export covers the whole store: drop --graph")
        return export_kgx(store, output / "nodes.jsonl", output / "edges.jsonl", progress)
    chosen = export_format(fmt)
    if graph is not None and chosen.whole_store:
        raise StoreError(f"{fmt} export covers the whole store: drop --graph")
    with atomic_output(output) as out:
        chosen.write(store, out, graph)
    return None
