"""The store layer: one interface over every triple store, opened from a location string.

Locations:

* ``oxigraph:PATH`` — embedded Oxigraph on disk (the default), persistent across runs;
* ``memory:`` — embedded Oxigraph in memory, for tests and quick experiments;
* ``sparql:QUERY_URL[;update=UPDATE_URL][;graphs=IRI_PREFIX]`` — any SPARQL 1.1
  Query/Update server (see :mod:`kg.stores.sparql_remote`).

A backend is one module that subclasses :class:`GraphStore` and registers itself with
:func:`register_backend` under its scheme. Writing a record replaces its named graph in one
transaction; batches of many records and big files go through the store's bulk path
(Oxigraph's bulk loader is 3–5× faster than its transactional path on this machine).
"""

from __future__ import annotations

import abc
import contextlib
import gzip
import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from kg.sparql import Bindings, BindValue, load_query

Term = NamedNode | BlankNode | Literal | Triple


class StoreError(RuntimeError):
    """A store cannot be opened, read or written; the message names the store and the reason."""


class StoreHeldError(StoreError):
    """An embedded store another process holds; the message names it and what to do."""


class QuerySyntaxError(StoreError):
    """A SPARQL query or update that the store's parser refused; the message is the parser's."""


class ResultCutError(StoreError):
    """The server returned only the first rows of a longer SELECT result (its row cap).

    Not a fault of the store but of the question's size, so clients get 422 (make the
    question smaller), not the 503 of a store that is down.
    """


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

# Evaluation elsewhere: while a request of the API runs, its store reads go to killable worker
# processes under the request's deadline (api.route_deadline), because an Oxigraph evaluation
# in this process cannot be stopped. The evaluator gets the store and the query text (bound
# parameters already written in) and returns the result, or None to evaluate here.
Evaluator = Callable[["GraphStore", str], "QueryResult | None"]
_EVALUATOR: ContextVar[Evaluator | None] = ContextVar("tcmkg_evaluator", default=None)


def evaluator() -> Evaluator | None:
    """The evaluator in force for this context (None: queries run in this process)."""
    return _EVALUATOR.get()


@contextmanager
def evaluated_by(chosen: Evaluator | None) -> Iterator[None]:
    """Run the block's store reads through ``chosen`` (None: in this process)."""
    token = _EVALUATOR.set(chosen)
    try:
        yield
    finally:
        _EVALUATOR.reset(token)


def in_process() -> contextlib.AbstractContextManager[None]:
    """Evaluate the block's queries here, without a request's deadline.

    For projections built once per store state and kept (the ranking, mechanism and theory
    layers, the name indexes): a build that outlasted one request's deadline would be killed
    and started again by the next request, and never kept.
    """
    return evaluated_by(None)


@dataclass(frozen=True)
class ReaderSnapshot:
    """A frozen copy of a store that another process can open to read (see reader_snapshot).

    ``kind`` is "oxigraph" (``where`` is a store folder to open read-only) or "nquads"
    (``where`` is an N-Quads file to load into a memory store).
    """

    kind: str
    where: str


# File extensions the loader accepts (a further ``.gz`` is decompressed on the fly).
RDF_EXTENSIONS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "json": RdfFormat.JSON_LD,
    "rdf": RdfFormat.RDF_XML,
    "owl": RdfFormat.RDF_XML,
    "xml": RdfFormat.RDF_XML,
}


def rdf_format_of(path: Path) -> RdfFormat:
    """The RDF format of a file from its extension (``data.nq.gz`` is N-Quads)."""
    suffixes = [x.lstrip(".").lower() for x in path.suffixes]
    if suffixes and suffixes[-1] == "gz":
        suffixes.pop()
    ext = suffixes[-1] if suffixes else ""
    fmt = RDF_EXTENSIONS.get(ext)
    if fmt is None:
        known = ", ".join(f".{e}" for e in RDF_EXTENSIONS)
        raise StoreError(f"{path}: unknown RDF file extension {ext!r} (use one of {known}, +.gz)")
    return fmt


def open_rdf(path: Path) -> BinaryIO:
    """Open an RDF file for reading, decompressing ``.gz`` files."""
    try:
        if path.suffix.lower() == ".gz":
            return cast(BinaryIO, gzip.open(path, "rb"))
        return path.open("rb")
    except OSError as err:
        raise StoreError(f"{path}: cannot read: {err.strerror or err}") from err


def check_rdf(path: Path, fmt: RdfFormat | None = None) -> int:
    """Parse a whole RDF file without storing it; return its number of triples or quads.

    Raises StoreError naming the file, line and column of the first syntax error. The loader
    runs this before the bulk path, which is not transactional, so that a malformed file
    writes nothing.
    """
    fmt = fmt or rdf_format_of(path)
    n = 0
    try:
        if path.suffix.lower() == ".gz":
            with open_rdf(path) as data:
                for _ in parse(data, format=fmt):
                    n += 1
        else:
            # Reading by path keeps the file I/O in Rust: about 20 % faster than a Python file.
            for _ in parse(path=str(path), format=fmt):
                n += 1
    except SyntaxError as err:
        raise StoreError(f"{path}: malformed {fmt.name}: {err.msg}") from err
    except UnicodeDecodeError as err:
        raise StoreError(f"{path}: not UTF-8 text: {err}") from err
    except (OSError, EOFError) as err:
        # gzip raises these for truncated or corrupt archives.
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise StoreError(f"{path}: cannot read: {reason}") from err
    return n


def quads_to_update(graph: str, quads: Sequence[Quad]) -> str:
    """A SPARQL Update that atomically replaces ``graph`` with ``quads`` (terms are escaped)."""
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    g = str(NamedNode(graph))
    if not quads:
        return f"DROP SILENT GRAPH {g}"
    return f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}"


def _nquads(quads: Iterable[Quad]) -> bytes:
    data = serialize(quads, format=RdfFormat.N_QUADS)
    assert data is not None  # serialize returns bytes when given no output
    return data


_WRITES_LOCK = threading.Lock()  # write counters are bumped from several API threads


class GraphStore(abc.ABC):
    """A quad store holding one named graph per source record."""

    location: str
    # Set when the store was opened read-only from a copy another process published: one line
    # saying as of when the data are (a command shows it to a user at a terminal).
    read_note: str | None = None

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
        """Load a (large) RDF file through the store's fastest path; not one transaction.

        The file is not checked first: use :meth:`load_file` with ``bulk=True`` for files
        that may be malformed.
        """

    def bulk_extend(self, quads: Iterable[Quad]) -> int:
        """Add many quads through the store's bulk path (not one transaction); return count.

        This is the path for batches of new records; one record is written with
        :meth:`replace_graph`.
        """
        batch: list[Quad] = []
        n = 0
        for q in quads:
            batch.append(q)
            if len(batch) >= 10_000:
                n += self.load(_nquads(batch), RdfFormat.N_QUADS)
                batch.clear()
        if batch:
            n += self.load(_nquads(batch), RdfFormat.N_QUADS)
        return n

    def load_file(self, path: Path, graph: str | None = None, *, bulk: bool = False) -> int:
        """Load one RDF file (by extension, ``.gz`` accepted); return its number of statements.

        Without ``bulk`` the file is loaded in one transaction. With ``bulk`` it is parsed once
        to check it, then handed to the store's bulk loader. Either way a malformed file
        raises StoreError naming it and writes nothing.
        """
        fmt = rdf_format_of(path)
        if bulk:
            n = check_rdf(path, fmt)
            if path.suffix.lower() == ".gz":
                with open_rdf(path) as data:
                    self._bulk_load_stream(data, fmt, graph, path)
            else:
                self.bulk_load(path, fmt, graph)
            return n
        with open_rdf(path) as data:
            try:
                raw = data.read()
            except (OSError, EOFError) as err:
                raise StoreError(f"{path}: cannot read: {err}") from err
        try:
            return self.load(raw, fmt, graph)
        except StoreError as err:
            raise StoreError(f"{path}: {err}") from err

    def _bulk_load_stream(
        self, data: BinaryIO, fmt: RdfFormat, graph: str | None, path: Path
    ) -> None:
        """Bulk-load from an open stream (a decompressed file); backends may do better."""
        g = NamedNode(graph) if graph else None
        try:
            self.bulk_extend(
                Quad(q.subject, q.predicate, q.object, g) if g else q
                for q in parse(data, format=fmt)
            )
        except SyntaxError as err:
            raise StoreError(f"{path}: malformed {fmt.name}: {err.msg}") from err

    @abc.abstractmethod
    def load(self, data: bytes, fmt: RdfFormat, graph: str | None = None) -> int:
        """Load RDF data in one transaction (all or nothing); return the number of statements.

        ``graph`` puts every statement in that named graph (triples and quads alike).
        """

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

    def select_all(
        self, sparql: str, bindings: Bindings | None = None, *, page: int | None = None
    ) -> SelectResult:
        """Every row of a SELECT, even where the server cuts long results short silently.

        Some servers (Virtuoso by default) return the first 10,000 rows of a longer result as
        if that were all; a backend behind such a server overrides this to detect the cut and
        read the rest in ordered pages. ``page``: the cut to assume, where the caller knows of
        a smaller one than the backend's default. The embedded stores cap nothing.
        """
        return self.select(sparql, bindings)

    def cache_folder(self) -> Path | None:
        """Where projections of this store may be cached between processes (None: nowhere).

        Files there are keyed by :meth:`state_token`, which must then be stable across
        processes while nothing is written; only an embedded on-disk store offers one.
        """
        return None

    def reader_snapshot(self) -> ReaderSnapshot | None:
        """A copy of the store as it is now that a separate reading process can open.

        The API evaluates user queries in sandboxed processes that open this copy. The same
        copy is returned while :meth:`state_token` does not change. None (the default) means
        the backend has none: queries then go to the store itself (a SPARQL server evaluates
        them in its own process anyway).
        """
        return None

    def cheap_reader_snapshots(self) -> bool:
        """Whether :meth:`reader_snapshot` costs little whatever the store's size.

        True for an on-disk Oxigraph store (a checkpoint of hard links); a memory store's
        snapshot is a dump of all of it. The API then reads the store for its REST routes
        through killable workers only where this holds.
        """
        return False

    def discard_reader_snapshot(self, snapshot: ReaderSnapshot) -> None:  # noqa: B027
        """Remove a snapshot no process reads any more (never the current one)."""

    def objects(self, subject: str, predicate: str) -> list[Term]:
        """The objects of ``subject predicate ?o`` in any named graph, each once (IRIs given).

        A direct lookup for the few values a user will see (an evidence item's sentence);
        embedded backends answer it from their index without a query.
        """
        bindings = {"s": NamedNode(subject), "p": NamedNode(predicate)}
        rows = self.select(load_query("kg", "objects"), bindings).rows
        return [row[0] for row in rows if row[0] is not None]

    @abc.abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of quads in the store, or in one named graph."""

    @abc.abstractmethod
    def named_graphs(self) -> list[str]:
        """IRIs of all named graphs."""

    # Writes made through this object (see _writing); shared default until the first write.
    _writes = 0

    def state_token(self) -> str:
        """A value that changes whenever the store's content may have changed.

        Caches of projections of the store (the ranking's mechanism layer, indication names)
        compare it before reusing what they hold. This generic version, for servers that other
        clients may write to, digests the named graphs and the number of quads, and adds the
        writes this process made (a record replaced by one of the same size changes neither);
        an embedded store, which only this process can write, needs its own writes alone.
        """
        digest = hashlib.sha256()
        for graph in self.named_graphs():
            digest.update(graph.encode("utf-8") + b"\n")
        digest.update(str(self.count()).encode("ascii"))
        with _WRITES_LOCK:
            writes = self._writes
        return f"{digest.hexdigest()}:{writes}"

    def written_since(self, state: str) -> frozenset[str] | None:
        """The named graphs written since the store's :meth:`state_token` was ``state``.

        Lets a projection of the store update what those graphs changed instead of being
        rebuilt. None when it is not known: a write that names no graph (a bulk load, a SPARQL
        update), a write another client may have made, two writes that overlapped, or a state
        too old. This generic version knows nothing; a backend that only its own process can
        write keeps a journal (:meth:`_journalled`).
        """
        return None

    # Journal of graph writes: state before -> (state after, graphs written). Bounded: a
    # projection more writes behind than this is rebuilt anyway.
    _JOURNAL_LIMIT = 4096

    @contextmanager
    def _journalled(self, graphs: frozenset[str]) -> Iterator[None]:
        """Wrap a write of exactly ``graphs`` (see :meth:`written_since`)."""
        with _WRITES_LOCK:
            writes_before = self._writes
        before = self.state_token()
        yield
        after = self.state_token()
        with _WRITES_LOCK:
            # A write renews the token twice (_writing); more means another write overlapped,
            # and the journal could not say what changed between these two states.
            if self._writes - writes_before == 2 and before != after:
                journal: dict[str, tuple[str, frozenset[str]]] = self.__dict__.setdefault(
                    "_journal", {}
                )
                journal[before] = (after, graphs)
                while len(journal) > self._JOURNAL_LIMIT:
                    del journal[next(iter(journal))]

    def _journal_entries(self) -> dict[str, tuple[str, frozenset[str]]]:
        """A copy of the journal, oldest first (a backend may add entries saved on disk)."""
        with _WRITES_LOCK:
            return dict(self.__dict__.get("_journal", {}))

    def earlier_states(self) -> list[str]:
        """States from which the journal leads, write by write, to the current one; nearest
        first (empty when the journal knows none).

        A projection saved for one of them can be brought up to date with the graphs
        :meth:`written_since` names instead of being rebuilt.
        """
        current = self.state_token()
        journal = self._journal_entries()
        back = {after: before for before, (after, _) in journal.items()}
        states: list[str] = []
        state = current
        while state in back and len(states) < len(journal):
            state = back[state]
            states.append(state)
        return states

    def _journal_since(self, state: str) -> frozenset[str] | None:
        """Walk the journal from ``state`` to the current token (None: a gap)."""
        current = self.state_token()
        written: set[str] = set()
        journal = self._journal_entries()
        for _ in range(len(journal) + 1):
            if state == current:
                return frozenset(written)
            step = journal.get(state)
            if step is None:
                return None
            state, graphs = step
            written |= graphs
        return None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Wrap every write: the token changes when it starts and again when it has ended.

        A projection built while the write ran is then never taken for the store after it.
        """
        self._renew()
        try:
            yield
        finally:
            self._renew()

    def _renew(self) -> None:
        with _WRITES_LOCK:
            self._writes += 1

    def dump(self, out: BinaryIO, fmt: RdfFormat, graph: str | None = None) -> None:
        """Serialise the store (or one graph) to ``out``; triple formats need ``graph``.

        The generic version streams graph by graph; embedded backends do it natively.
        """
        if graph is not None:
            if fmt.supports_datasets:
                serialize(self.quads(graph), out, fmt)
            else:
                serialize((q.triple for q in self.quads(graph)), out, fmt)
            return
        if not fmt.supports_datasets:
            raise StoreError(f"{fmt.name} holds one graph: name the graph to export")
        serialize(
            (q for g in self.named_graphs() for q in self.quads(g)),
            out,
            fmt,
        )

    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        """Iterate the quads of the store or of one graph."""
        bindings: dict[str, BindValue] = {"g": NamedNode(graph)} if graph else {}
        result = self.select(load_query("kg", "quads"), bindings)
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


class Opener(Protocol):
    """Opens the part of a location after ``scheme:``; ``must_exist`` refuses to create one."""

    def __call__(
        self, rest: str, *, must_exist: bool = False, read_only: bool = False
    ) -> GraphStore: ...


_BACKENDS: dict[str, Opener] = {}


def register_backend(scheme: str, opener: Opener) -> None:
    """Register ``opener`` for locations ``scheme:…``; one line per backend module."""
    _BACKENDS[scheme] = opener


def open_store(
    location: str, *, must_exist: bool = False, read_only: bool = False, wait: float = 0.0
) -> GraphStore:
    """Open a store from a location string (see module docs); raise StoreError with the reason.

    With ``must_exist`` an embedded store that is not there yet is an error rather than a new,
    empty store: commands that only read (rank, query, export, …) should not answer "nothing
    found" for a mistyped path.

    ``read_only``: the caller only reads. An embedded on-disk store is then read from a
    consistent checkpoint, even while another process (a server, an ingest) holds the store,
    and never keeps a writer waiting (see :mod:`kg.stores.sharing`).

    ``wait``: seconds to keep trying while another process holds an embedded store
    (:class:`StoreHeldError`, whose message names the holder, when the time is up).
    """
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
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        try:
            return opener(rest, must_exist=must_exist, read_only=read_only)
        except StoreHeldError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
