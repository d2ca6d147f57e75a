"""The store layer: one interface over every triple store, opened from a location string.

Locations:

* ``oxigraph:PATH`` — embedded Oxigraph on disk (the default), persistent across runs;
* ``memory:`` — embedded Oxigraph in memory, for tests and quick experiments;
* ``sparql:QUERY_URL[;update=UPDATE_URL]`` — any SPARQL 1.1 Query/Update server.

A backend is one module that subclasses :class:`GraphStore` and registers itself with
:func:`register_backend` under its scheme. Writing a record replaces its named graph in one
transaction; batches of many records go through the store's bulk path.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple

from kg.sparql import Bindings

Term = NamedNode | BlankNode | Literal | Triple


class StoreError(RuntimeError):
    """A store cannot be opened, read or written; the message names the store and the reason."""


class QuerySyntaxError(StoreError):
    """A SPARQL query or update that the store's parser refused; the message is the parser's."""


@dataclass(frozen=True)
class SelectResult:
    """Rows of a SELECT query: ``rows[i][j]`` is the value of ``variables[j]`` (None if unbound)."""

    variables: tuple[str, ...]
    rows: list[tuple[Term | None, ...]]

    def dicts(self) -> Iterator[dict[str, Term]]:
        """Each row as a dict of its bound variables."""
        for row in self.rows:
            yield {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}

    def __len__(self) -> int:
        return len(self.rows)


QueryResult = SelectResult | bool | list[Triple]


def quads_to_update(graph: str, quads: Sequence[Quad]) -> str:
    """A SPARQL Update that atomically replaces ``graph`` with ``quads`` (terms are escaped)."""
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    g = str(NamedNode(graph))
    if not quads:
        return f"DROP SILENT GRAPH {g}"
    return f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}"


class GraphStore(abc.ABC):
    """A quad store holding one named graph per source record."""

    location: str

    # -- writing ---------------------------------------------------------------------------
    @abc.abstractmethod
    def replace_graph(self, graph: str, quads: Sequence[Quad]) -> None:
        """Replace the named graph ``graph`` by ``quads`` in one transaction."""

    def replace_graphs(self, graphs: Iterable[tuple[str, Sequence[Quad]]]) -> int:
        """Replace several named graphs; each one atomically. Returns how many were written."""
        n = 0
        for graph, quads in graphs:
            self.replace_graph(graph, quads)
            n += 1
        return n

    @abc.abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove the named graph and exactly its quads (withdraw a record)."""

    @abc.abstractmethod
    def bulk_load(self, path: Path, fmt: RdfFormat | None = None, graph: str | None = None) -> None:
        """Load a (large) RDF file through the store's fastest path; not one transaction."""

    @abc.abstractmethod
    def load(self, data: bytes, fmt: RdfFormat, graph: str | None = None) -> None:
        """Load RDF data in one transaction (all or nothing)."""

    @abc.abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update."""

    # -- reading ---------------------------------------------------------------------------
    @abc.abstractmethod
    def query(self, sparql: str, bindings: Bindings | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query over the union of all graphs, with bound parameters."""

    def select(self, sparql: str, bindings: Bindings | None = None) -> SelectResult:
        """Run a SELECT query; raises StoreError if the query is not a SELECT."""
        result = self.query(sparql, bindings)
        if not isinstance(result, SelectResult):
            raise StoreError(f"{self.location}: expected a SELECT query")
        return result

    @abc.abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of quads in the store, or in one named graph."""

    @abc.abstractmethod
    def named_graphs(self) -> list[str]:
        """IRIs of all named graphs."""

    @abc.abstractmethod
    def dump(self, out: BinaryIO, fmt: RdfFormat, graph: str | None = None) -> None:
        """Serialise the store (or one graph) to ``out``; triple formats need ``graph``."""

    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        """Iterate the quads of the store or of one graph."""
        g = f"GRAPH <{NamedNode(graph).value}>" if graph else "GRAPH ?g"
        result = self.select(f"SELECT ?g ?s ?p ?o WHERE {{ {g} {{ ?s ?p ?o }} }}")
        for row in result.rows:
            gg, s, p, o = row
            name = NamedNode(graph) if graph else gg
            assert isinstance(s, NamedNode | BlankNode) and isinstance(p, NamedNode)
            assert o is not None and isinstance(name, NamedNode | BlankNode)
            yield Quad(s, p, o, name)

    def close(self) -> None:  # noqa: B027 - optional hook; most backends hold nothing to release
        """Release the store (flush and unlock an embedded store)."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Opener = Callable[[str], GraphStore]
_BACKENDS: dict[str, Opener] = {}


def register_backend(scheme: str, opener: Opener) -> None:
    """Register ``opener`` for locations ``scheme:…``; one line per backend module."""
    _BACKENDS[scheme] = opener


def open_store(location: str) -> GraphStore:
    """Open a store from a location string (see module docs); raise StoreError with the reason."""
    # Importing the backends registers them; done here so kg.store stays free of their imports.
    import kg.stores  # noqa: F401

    scheme, sep, rest = location.partition(":")
    if not sep:
        # A bare path is an embedded Oxigraph directory: the common case on the command line.
        scheme, rest = "oxigraph", location
    opener = _BACKENDS.get(scheme)
    if opener is None:
        known = ", ".join(sorted(f"{s}:" for s in _BACKENDS))
        raise StoreError(f"unknown store location {location!r}: use one of {known}")
    return opener(rest)
