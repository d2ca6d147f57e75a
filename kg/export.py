"""Export the store: RDF dumps and KGX nodes/edges JSON Lines for Translator tools.

RDF formats (Turtle, N-Triples, N-Quads, TriG, JSON-LD) are streamed by the store. A
single-graph format without a named graph gets the triples of every named graph (the union
graph, duplicates not removed). Files ending in ``.gz`` are compressed. A file is written
beside its target and renamed into place at the end, so a failed export never leaves a
half-written file.

KGX (https://github.com/biolink/kgx) edges come from the claim association nodes and their
evidence, nodes from the Biolink-typed entities and the ends of every claim. On an embedded
store both are read in one pass over its indexes and written as they come: edges in the
store's index order, with memory that does not grow with the store; nodes in one query over the
entities. A SPARQL server answers the same questions with ``kgx_edges.rq`` and ``kgx_nodes.rq``,
page by page, in IRI order (paging an aggregate re-runs it for every page, which an embedded
store need not pay: at 4M triples that was 1,494 s for the edges against 71 s for N-Quads).

Formats are registered in one place (:func:`register_export`, one line each below): ``tcmkg
export`` and ``GET /export`` offer whatever is registered when the CLI or the app is built.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Store, serialize

from kg import iri
from kg.model import AgentType, KnowledgeLevel
from kg.sparql import bind, load_query, paged_query
from kg.store import GraphStore, StoreError
from kg.stores.oxigraph import OxigraphStore

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


# Entities and predicates recur on many edges; contracting an IRI tries every known prefix.
# Bounded, so that a long export holds no more than this many.
_contract_common = functools.lru_cache(maxsize=1 << 16)(iri.contract)


def _curie(term: object) -> str:
    return _contract_common(_text(term))


def _strongest(values: Iterable[str], order: tuple[Any, ...]) -> str:
    present = set(values)
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


def _node_rows(store: GraphStore) -> Iterator[dict[str, Any]]:
    query = load_query("kg", "kgx_nodes")
    if isinstance(store, OxigraphStore):
        # One evaluation: paging an aggregate would evaluate it again for every page.
        yield from store.select(query).dicts()
    else:
        yield from _pages(store, query)


def kgx_nodes(store: GraphStore) -> Iterator[dict[str, Any]]:
    """KGX node records: id, category, name (when the entity has a label), provided_by."""
    for row in _node_rows(store):
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


@dataclass
class _EdgeGroup:
    """One KGX edge being gathered: a claim, its triple and what its evidence says."""

    claim: object  # a NamedNode, or whatever term a SPARQL server returns
    subject: object
    predicate: object
    object: object
    sources: set[str]
    levels: set[str]
    agents: set[str]


def _edge_record(group: _EdgeGroup) -> dict[str, Any]:
    sources = [iri.contract(s) for s in group.sources if s]
    publications = sorted(s for s in sources if s.partition(":")[0] in PUBLICATION_PREFIXES)
    return {
        "id": iri.contract(_text(group.claim)),
        "subject": _curie(group.subject),
        "predicate": _curie(group.predicate),
        "object": _curie(group.object),
        "category": [EDGE_CATEGORY],
        "primary_knowledge_source": PRIMARY_KNOWLEDGE_SOURCE,
        "knowledge_level": _strongest(group.levels, LEVEL_ORDER),
        "agent_type": _strongest(group.agents, AGENT_ORDER),
        "publications": publications,
    }


def _paged_edge_groups(store: GraphStore) -> Iterator[_EdgeGroup]:
    for row in _pages(store, load_query("kg", "kgx_edges")):
        yield _EdgeGroup(
            row["claim"],
            row["subject"],
            row["predicate"],
            row["object"],
            set(_text(row.get("sources")).split()),
            set(_text(row.get("levels")).split()),
            set(_text(row.get("agents")).split()),
        )


_TYPE = NamedNode(iri.RDF + "type")
_CLAIM = NamedNode(iri.term("Claim"))
CLAIM_BATCH = 500  # claims per query on an embedded store: what one batch holds in memory


def _indexed_edge_groups(raw: Store) -> Iterator[_EdgeGroup]:
    """Every claim's edges, claims taken in one pass over the store's index of their types.

    The (predicate, object, subject) index lists each claim once per record graph, side by
    side, so claims come one after another without a sort of the whole store; each batch of
    claims is matched by the same query as a SPARQL server runs, bound to the batch. Only a
    batch is held.
    """
    query = load_query("kg", "kgx_edges")
    batch: list[NamedNode] = []

    def flush() -> Iterator[_EdgeGroup]:
        # Sorted by claim IRI within the batch (the query's ORDER BY): a few hundred rows.
        solutions = raw.query(bind(query, {"claim": batch}), use_default_graph_as_union=True)
        for row in cast(QuerySolutions, solutions):
            yield _EdgeGroup(
                row["claim"],
                row["subject"],
                row["predicate"],
                row["object"],
                set(_text(row["sources"]).split()),
                set(_text(row["levels"]).split()),
                set(_text(row["agents"]).split()),
            )
        batch.clear()

    for q in raw.quads_for_pattern(None, _TYPE, _CLAIM, None):
        claim = q.subject
        # The query matches claims in named graphs only; claims are IRIs.
        if not isinstance(claim, NamedNode) or not isinstance(q.graph_name, NamedNode):
            continue
        if batch and batch[-1] == claim:
            continue
        if len(batch) >= CLAIM_BATCH:
            yield from flush()
        batch.append(claim)
    if batch:
        yield from flush()


def kgx_edges(store: GraphStore) -> Iterator[dict[str, Any]]:
    """KGX edge records, one per claim, with the Biolink edge slots Translator tools read.

    An embedded store streams them in its index order; a SPARQL server, in claim IRI order.
    """
    if isinstance(store, OxigraphStore):
        groups = _indexed_edge_groups(store.raw)
    else:
        groups = _paged_edge_groups(store)
    for group in groups:
        yield _edge_record(group)


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
