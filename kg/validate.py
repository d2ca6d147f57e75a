"""SHACL validation of the graph: a store or an RDF file against ``ontologies/shapes.ttl``.

The data are validated as the union of their named graphs, with the project ontology merged
in, so that ``sh:class`` follows ``rdfs:subClassOf`` (a ``tcm:Publication`` is a
``tcm:SourceRecord``) without running a reasoner over the data (inference ``none``: a
reasoner multiplies the triples pyshacl has to walk and buys nothing the shapes need).

Quads are parsed by pyoxigraph (fast, strict; a syntax error names the line) and handed to
pyshacl as one rdflib graph. Each result keeps the named graphs its focus node is described
in, so a failing record can be found and re-ingested.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rdflib
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize
from rdflib.namespace import SH

import ontologies
from kg.iri import (
    BIOLINK,
    DCT,
    ONTOLOGY,
    ONTOLOGY_GRAPH,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
    contract,
    record_id_of_graph,
)
from kg.store import GraphStore, StoreError

SHAPES = "https://w3id.org/tcmkg/shapes#"

# Short forms used only to print terms in reports; IRIs are never built from them.
_DISPLAY_PREFIXES: tuple[tuple[str, str], ...] = (
    (SHAPES, ""),
    (ONTOLOGY, "tcm:"),
    (BIOLINK, "biolink:"),
    (SKOS, "skos:"),
    (DCT, "dct:"),
    (PROV, "prov:"),
    (RDFS, "rdfs:"),
    (RDF, "rdf:"),
    (XSD, "xsd:"),
    (OWL, "owl:"),
    (str(SH), "sh:"),
)

SEVERITY_ORDER = ("Violation", "Warning", "Info")


class ValidationInputError(Exception):
    """Input that cannot be validated (unreadable or malformed); the message names it and why."""


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """One SHACL result: which node broke which shape, on which path, and why."""

    severity: str  # "Violation", "Warning" or "Info"
    shape: str  # node shape name, e.g. "EvidenceItemShape"
    rule: str  # property shape (or constraint) name, e.g. "EvidenceItemShape-sampleSize"
    focus: str  # CURIE (or IRI) of the node that failed
    path: str | None  # property path, e.g. "tcm:sampleSize"
    value: str | None  # the offending value, if any
    message: str
    constraint: str  # SHACL constraint component, e.g. "sh:MinInclusiveConstraintComponent"
    graphs: tuple[str, ...] = ()  # named graphs describing the focus node


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validating one input (a store or a file)."""

    source: str
    conforms: bool
    results: tuple[ValidationResult, ...]
    triples: int  # data triples validated (union of graphs, ontology excluded)
    seconds: float
    excluded_graphs: tuple[str, ...] = field(default=())

    @property
    def violations(self) -> list[ValidationResult]:
        """Results that make the input invalid."""
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        """Results worth a look that do not make the input invalid."""
        return [r for r in self.results if r.severity != "Violation"]

    def by_shape(self) -> dict[str, list[ValidationResult]]:
        """Results grouped by node shape, most severe and most frequent shapes first."""
        groups: dict[str, list[ValidationResult]] = defaultdict(list)
        for result in self.results:
            groups[result.shape].append(result)

        def rank(item: tuple[str, list[ValidationResult]]) -> tuple[int, int, str]:
            name, results = item
            worst = min(SEVERITY_ORDER.index(r.severity) for r in results)
            return (worst, -len(results), name)

        return dict(sorted(groups.items(), key=rank))


def display(term: str) -> str:
    """A short, readable form of an IRI for reports (CURIE or prefixed name where known)."""
    for base, prefix in _DISPLAY_PREFIXES:
        if term.startswith(base) and len(term) > len(base):
            return prefix + term[len(base) :]
    return contract(term)


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    """The SHACL shapes, parsed once per process."""
    return rdflib.Graph().parse(data=ontologies.shapes_bytes(), format="turtle")


@lru_cache(maxsize=1)
def _ontology_ntriples() -> bytes:
    quads = parse(ontologies.ontology_bytes(), format=RdfFormat.TURTLE)
    return _ntriples(q.triple for q in quads)


def _ntriples(triples: Iterable[Triple]) -> bytes:
    out = serialize(triples, format=RdfFormat.N_TRIPLES)
    assert out is not None  # serialize returns bytes when given no output
    return out


def _graph_name(quad: Quad) -> str:
    g = quad.graph_name
    if isinstance(g, DefaultGraph):
        return "default graph"
    # A record's graph is best named by its record, which is what a user re-ingests.
    return record_id_of_graph(g.value) or display(g.value)


def _node_text(node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.URIRef):
        return display(str(node))
    if isinstance(node, rdflib.Literal):
        return str(node)
    return f"_:{node}"


def _path_text(shapes: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, rdflib.BNode):
        # pyshacl copies a blank-node path into the results graph, so it is read from there.
        inverse = shapes.value(path, SH.inversePath)
        if inverse is not None:
            return f"^{_node_text(inverse)}"
    return _node_text(path)


def _shape_names(shapes: rdflib.Graph, source: rdflib.term.Node | None) -> tuple[str, str]:
    """(node shape, rule) names of a result's source shape."""
    if source is None:
        return ("unknown", "unknown")
    parent = shapes.value(None, SH.property, source)
    rule = _node_text(source) or "unknown"
    if parent is None:
        return (rule, rule)
    return (_node_text(parent) or "unknown", rule)


def _results(results: rdflib.Graph, shapes: rdflib.Graph, where: Store) -> list[ValidationResult]:
    out: list[ValidationResult] = []
    for r in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        shape, rule = _shape_names(shapes, results.value(r, SH.sourceShape))
        severity = results.value(r, SH.resultSeverity)
        graphs: tuple[str, ...] = ()
        if isinstance(focus, rdflib.URIRef):
            found = where.quads_for_pattern(NamedNode(str(focus)), None, None, None)
            graphs = tuple(sorted({_graph_name(q) for q in found}))
        messages = [str(m) for m in results.objects(r, SH.resultMessage)]
        out.append(
            ValidationResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                shape=shape,
                rule=rule,
                focus=_node_text(focus) or "?",
                path=_path_text(results, results.value(r, SH.resultPath)),
                value=_node_text(results.value(r, SH.value)),
                message="; ".join(messages) or "constraint not met",
                constraint=_node_text(results.value(r, SH.sourceConstraintComponent)) or "?",
                graphs=graphs,
            )
        )
    out.sort(key=lambda v: (SEVERITY_ORDER.index(v.severity), v.shape, v.rule, v.focus))
    return out


def validate_quads(
    quads: Iterable[Quad], source: str, *, exclude_graphs: Iterable[str] = (ONTOLOGY_GRAPH,)
) -> ValidationReport:
    """Validate quads (the union of their graphs) against the project's SHACL shapes."""
    from pyshacl import validate  # imported here: it takes a second, and most commands skip it

    started = time.perf_counter()
    excluded = tuple(exclude_graphs)
    skip = {NamedNode(g) for g in excluded}
    data = Store()
    data.extend(q for q in quads if q.graph_name not in skip)
    ntriples = _ntriples(q.triple for q in data)
    graph = rdflib.Graph()
    graph.parse(data=ntriples, format="nt")
    triples = len(graph)
    graph.parse(data=_ontology_ntriples(), format="nt")
    shapes = shapes_graph()
    _conforms, results_graph, _text = validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        inplace=True,  # the graph is ours and thrown away: no copy
        allow_warnings=True,
        abort_on_first=False,
    )
    assert isinstance(results_graph, rdflib.Graph)
    results = _results(results_graph, shapes, data)
    return ValidationReport(
        source=source,
        conforms=not any(r.severity == "Violation" for r in results),
        results=tuple(results),
        triples=triples,
        seconds=time.perf_counter() - started,
        excluded_graphs=excluded,
    )


def validate_store(store: GraphStore) -> ValidationReport:
    """Validate every graph of a store except the ontology graph; StoreError if unreadable."""
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_QUADS)
    try:
        quads = list(parse(buffer.getvalue(), format=RdfFormat.N_QUADS))
    except SyntaxError as err:
        raise StoreError(
            f"{store.location}: the store's N-Quads export is unreadable: {err}"
        ) from err
    return validate_quads(quads, store.location)


def rdf_format_of(path: Path) -> RdfFormat:
    """The RDF format of a file from its extension; ValidationInputError if unknown."""
    suffix = path.suffix.lstrip(".").lower()
    fmt = RdfFormat.from_extension(suffix) if suffix else None
    if fmt is None:
        raise ValidationInputError(
            f"{path}: unknown RDF file extension {path.suffix or '(none)'!r}; "
            "use .ttl, .nt, .nq, .trig, .jsonld or .rdf"
        )
    return fmt


def validate_file(path: Path) -> ValidationReport:
    """Validate one RDF file; ValidationInputError naming the file and reason if unreadable."""
    fmt = rdf_format_of(path)
    if not path.is_file():
        raise ValidationInputError(f"{path}: no such file")
    try:
        # Parse to the end before validating, so a syntax error anywhere is reported first.
        quads = list(parse(path=path, format=fmt))
    except SyntaxError as err:
        raise ValidationInputError(f"{path}: malformed {fmt.name}: {err}") from err
    except (OSError, ValueError) as err:
        raise ValidationInputError(f"{path}: cannot read: {err}") from err
    return validate_quads(quads, str(path))
