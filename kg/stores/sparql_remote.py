"""Remote backend: any SPARQL 1.1 Query/Update server over the SPARQL 1.1 Protocol.

Location:
``sparql:QUERY_URL[;update=UPDATE_URL][;graphs=IRI_PREFIX][;timeout=SECONDS][;max-rows=N]``.

* ``update`` defaults to the query URL (Virtuoso, Fuseki's combined endpoint and Oxigraph's
  server all accept updates there or say where).
* ``graphs`` restricts ``count``, ``named_graphs``, ``dump`` and export to named graphs whose
  IRI starts with the prefix. A server's own graphs then stay out of the figures: a fresh
  Virtuoso already holds about 2,500 triples of system data in three graphs.
* ``max-rows`` is the server's cap on the rows of one result (Virtuoso's ``ResultSetMaxRows``,
  10,000 by default; the default here). A server cuts a longer result to the cap silently, so
  a SELECT answered with exactly that many rows is checked against a count (one row, never
  cut): when rows are missing, :meth:`SparqlStore.query` raises :class:`ResultCutError` naming
  the cap instead of returning part of the answer, and :meth:`SparqlStore.select_all` reads
  the whole result in pages of the cap. A query ending in its own ``LIMIT`` of at most the
  cap (a page) is not counted: nothing of it can be cut.

Tested against Virtuoso Open Source 7.2 from Debian (see ``tests/virtuoso.py``). Notes from
that server, which the code below accounts for:

* the default graph of a query is the union of all graphs, as in the embedded store;
* its SPARQL compiler runs out of memory on one ``INSERT DATA`` of more than about 5,000
  triples, but accepts many smaller ``INSERT DATA`` statements in one request and commits them
  together: a record replace is one request of ``DROP SILENT GRAPH`` plus chunks, one
  transaction;
* ``xsd:boolean`` comes back as ``"1"``/``"0"`` in JSON results: normalised to true/false;
* updates over plain HTTP need ``grant SPARQL_UPDATE to "SPARQL"`` (the test set-up does this
  on its private loopback server; a shared server should use its authenticated endpoint).

Query results are parsed by pyoxigraph into the same terms the embedded store returns.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)

from kg.sparql import (
    Bindings,
    QueryTextError,
    bind,
    count_query,
    insert_data_statements,
    load_query,
    paged_query,
    query_form,
)
from kg.store import (
    GraphStore,
    QueryResult,
    QuerySyntaxError,
    ResultCutError,
    SelectResult,
    StoreError,
    Term,
    register_backend,
)

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
XSD_FLOAT = "http://www.w3.org/2001/XMLSchema#float"
# Statements per request (each INSERT DATA holds at most kg.sparql.STATEMENT_CHUNK, below
# Virtuoso's compiler limit: see module docs).
REQUEST_CHUNK = 20_000
# Graphs a write of several requests is staged in before one update moves it in place.
STAGING_PREFIX = "urn:tcmkg:staging:"
PAGE = 10_000  # rows per page when reading a graph: Virtuoso caps result sets (10,000 default)

_RDF_MEDIA = {
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "text/turtle": RdfFormat.TURTLE,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}


def _fix_term(term: Term | None) -> Term | None:
    """Give server-specific lexical forms of booleans and doubles the embedded store's form.

    Virtuoso stores both as native values and writes them back its own way (``"1"`` for true,
    ``"1.5e-07"`` for ``1.5E-7``): without this, a record read back would not equal the quads
    written.
    """
    if not isinstance(term, Literal):
        return term
    datatype = term.datatype.value
    if datatype == XSD_BOOLEAN and term.value in ("0", "1"):
        return Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    if datatype in (XSD_DOUBLE, XSD_FLOAT):
        try:
            canonical = Literal(float(term.value))
        except ValueError:
            return term
        return Literal(canonical.value, datatype=term.datatype)
    return term


class SparqlStore(GraphStore):
    """A store behind a SPARQL 1.1 Protocol endpoint; every query runs on the server."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_prefix: str | None = None,
        timeout: float = 120.0,
        max_rows: int = PAGE,
    ) -> None:
        self.query_url = query_url
        self.max_rows = max_rows
        self.update_url = update_url or query_url
        self.graph_prefix = graph_prefix
        self.timeout = timeout
        self.location = f"sparql:{query_url}"
        # Fail at open, not at the first write, when the server is not there.
        self.query(load_query("kg", "ping"))

    # -- HTTP -------------------------------------------------------------------------------
    def _post(self, url: str, form: dict[str, str], accept: str) -> tuple[bytes, str]:
        data = urllib.parse.urlencode(form).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=data,
            headers={
                "Accept": accept,
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            body = err.read().decode("utf-8", "replace").strip()
            # The server's message, without the echo of a possibly huge request text.
            message = body.split("\n\nSPARQL query:", 1)[0].strip()[:1000]
            if err.code == 400:
                raise QuerySyntaxError(f"{url}: the server refused the request: {message}") from err
            raise StoreError(f"{url}: HTTP {err.code} {err.reason}: {message}") from err
        except urllib.error.URLError as err:
            raise StoreError(f"cannot reach SPARQL server {url}: {err.reason}") from err
        except TimeoutError as err:
            raise StoreError(f"SPARQL server {url} did not answer in {self.timeout:g} s") from err
        except OSError as err:
            raise StoreError(f"SPARQL server {url}: {err}") from err

    # -- writing ----------------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        with self._writing():
            self._post(self.update_url, {"update": sparql}, "*/*")

    def replace_graph(self, graph: str, quads: Sequence[Quad]) -> None:
        # One request: the server parses and commits it as one transaction.
        statements = [f"DROP SILENT GRAPH {NamedNode(graph)}"]
        statements += insert_data_statements(graph, list(quads))
        self.update(" ;\n".join(statements))

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {NamedNode(graph)}")

    def _insert(self, quads: Sequence[Quad], graph: str | None = None) -> None:
        if quads:
            self.update(" ;\n".join(insert_data_statements(graph, quads)))

    def load(self, data: bytes, fmt: RdfFormat, graph: str | None = None) -> int:
        """Load RDF data all or nothing; return the number of statements.

        The data is parsed completely before anything is sent, so malformed data writes
        nothing. Up to REQUEST_CHUNK statements go in one request (one transaction); more are
        staged in graphs of their own and moved in place by one final update (see _write).
        """
        try:
            quads = list(parse(data, format=fmt))
        except SyntaxError as err:
            raise StoreError(f"malformed {fmt.name}: {err.msg}") from err
        chunks = (quads[i : i + REQUEST_CHUNK] for i in range(0, len(quads), REQUEST_CHUNK))
        return self._write(chunks, graph)

    def bulk_extend(self, quads: Iterable[Quad]) -> int:
        """Add many quads, all or nothing (staged, then moved in one update: see _write)."""
        return self._write(_batches(quads, REQUEST_CHUNK), None)

    def _write(self, chunks: Iterator[list[Quad]], graph: str | None) -> int:
        """Write chunks of quads so that either all of them land or none.

        One chunk is one request, which the server commits as one transaction. Several are
        each inserted into a staging graph per target graph (outside the store's graphs, so
        no reader of the store sees them), and one last update adds every staging graph to
        its target and drops it: a failure before that update leaves nothing in the store
        (the staging graphs are dropped, best effort), and the update itself is one
        transaction on the server.
        """
        first = next(chunks, [])
        second = next(chunks, None)
        if second is None:
            self._insert(first, graph)
            return len(first)
        token = uuid.uuid4().hex
        staging: dict[str | None, str] = {}

        def staged(q: Quad) -> Quad:
            if graph is not None:
                target: str | None = graph
            else:
                target = q.graph_name.value if isinstance(q.graph_name, NamedNode) else None
            name = staging.get(target)
            if name is None:
                name = staging[target] = f"{STAGING_PREFIX}{token}:{len(staging)}"
            return Quad(q.subject, q.predicate, q.object, NamedNode(name))

        n = 0
        try:
            for chunk in itertools.chain([first, second], chunks):
                self._insert([staged(q) for q in chunk])
                n += len(chunk)
            moves = [
                f"ADD SILENT GRAPH {NamedNode(name)} TO "
                + (f"GRAPH {NamedNode(target)}" if target is not None else "DEFAULT")
                for target, name in staging.items()
            ]
            moves += [f"DROP SILENT GRAPH {NamedNode(name)}" for name in staging.values()]
            self.update(" ;\n".join(moves))
        except StoreError as err:
            for name in staging.values():
                with contextlib.suppress(StoreError):
                    self.update(f"DROP SILENT GRAPH {NamedNode(name)}")
            raise StoreError(
                f"{err} (a write of more than {REQUEST_CHUNK:,} statements: it was staged "
                "apart and nothing of it was added to the store)"
            ) from err
        return n

    def bulk_load(self, path: Path, fmt: RdfFormat | None = None, graph: str | None = None) -> None:
        fmt = fmt or RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise StoreError(f"{path}: unknown RDF file extension")
        with path.open("rb") as data:
            self._bulk_load_stream(data, fmt, graph, path)

    # -- reading ----------------------------------------------------------------------------
    def query(self, sparql: str, bindings: Bindings | None = None) -> QueryResult:
        text = bind(sparql, bindings)
        result = self._query(text)
        if (
            isinstance(result, SelectResult)
            and len(result.rows) >= self.max_rows
            and not _limited_to(text, self.max_rows)
        ):
            total = self._count(text)
            if total is not None and total > len(result.rows):
                raise ResultCutError(
                    f"{self.query_url}: the server returned {len(result.rows):,} of {total:,} "
                    f"rows: it cuts results at {self.max_rows:,} rows (Virtuoso's "
                    "ResultSetMaxRows; max-rows= in the store location). Add LIMIT and page "
                    "with OFFSET, or raise the server's cap"
                )
        return result

    def _count(self, text: str) -> int | None:
        """The number of rows of the SELECT ``text`` (None when the server cannot say)."""
        try:
            counted = self._query(count_query(text))
        except (StoreError, QueryTextError):
            return None
        if not isinstance(counted, SelectResult) or not counted.rows:
            return None
        total = counted.rows[0][0]
        if isinstance(total, Literal) and total.value.isdigit():
            return int(total.value)
        return None

    def _select(self, text: str) -> SelectResult:
        """A SELECT as the server answers it, without the cut check (the pagers' own reads)."""
        result = self._query(text)
        if not isinstance(result, SelectResult):
            raise StoreError(f"{self.location}: expected a SELECT query")
        return result

    def _query(self, text: str) -> QueryResult:
        form = query_form(text)
        if form in ("CONSTRUCT", "DESCRIBE"):
            body, ctype = self._post(
                self.query_url,
                {"query": text},
                "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
            )
            fmt = _RDF_MEDIA.get(ctype.split(";")[0].strip().lower(), RdfFormat.TURTLE)
            try:
                return [q.triple for q in parse(body, format=fmt)]
            except SyntaxError as err:
                raise StoreError(f"{self.query_url}: unreadable graph result: {err}") from err
        body, _ = self._post(self.query_url, {"query": text}, "application/sparql-results+json")
        try:
            result = parse_query_results(body, QueryResultsFormat.JSON)
        except SyntaxError as err:
            raise StoreError(f"{self.query_url}: unreadable query result: {err}") from err
        if isinstance(result, QueryBoolean):
            return bool(result)
        assert isinstance(result, QuerySolutions)
        variables = tuple(v.value for v in result.variables)
        rows = [tuple(_fix_term(sol[i]) for i in range(len(variables))) for sol in result]
        if form == "ASK":
            # Virtuoso answers some ASK queries (with a VALUES block) as a one-column table.
            return any(
                isinstance(row[0], Literal) and row[0].value not in ("0", "false") for row in rows
            )
        return SelectResult(variables, rows)

    def select_all(
        self, sparql: str, bindings: Bindings | None = None, *, page: int | None = None
    ) -> SelectResult:
        """Every row of a SELECT: a result as long as the server's cap is checked and paged.

        A result shorter than the cap is complete. A longer one is checked against a count (one
        row, never cut short) and read again in pages ordered by every column only when rows
        are missing, so a complete result costs one more short query and no sort.
        """
        cap = min(page or self.max_rows, self.max_rows)
        text = bind(sparql, bindings)
        first = self._select(text)
        if len(first.rows) < cap:
            return first
        if self._count(text) == len(first.rows):
            return first
        ordered = f"{text}\nORDER BY " + " ".join(f"?{v}" for v in first.variables)
        rows: list[tuple[Term | None, ...]] = []
        while True:
            chunk = self._select(paged_query(ordered, cap, len(rows))).rows
            rows.extend(chunk)
            if len(chunk) < cap:
                return SelectResult(first.variables, rows)

    def _graph_filter(self) -> Bindings | None:
        """The ``?prefix`` binding that keeps a query to this store's graphs (None: all)."""
        if not self.graph_prefix:
            return None
        return {"prefix": Literal(self.graph_prefix)}

    def count(self, graph: str | None = None) -> int:
        bindings = {"g": NamedNode(graph)} if graph is not None else self._graph_filter()
        result = self.select(load_query("kg", "graph_count"), bindings)
        value = result.rows[0][0] if result.rows else None
        return int(value.value) if isinstance(value, Literal) else 0

    def named_graphs(self) -> list[str]:
        result = self.select(load_query("kg", "named_graphs"), self._graph_filter())
        return sorted(row[0].value for row in result.rows if isinstance(row[0], NamedNode))

    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        graphs = [graph] if graph is not None else self.named_graphs()
        for name in graphs:
            g = NamedNode(name)
            offset = 0
            while True:
                # Paged in a fixed order: servers cap the rows of one result.
                # Bound before paging: the binding belongs inside the ordered sub-query.
                ordered = bind(load_query("kg", "graph_triples"), {"g": g})
                page = self._select(paged_query(ordered, self.max_rows, offset))
                for row in page.dicts():
                    s, p, o = row["s"], row["p"], row["o"]
                    assert isinstance(s, NamedNode | BlankNode) and isinstance(p, NamedNode)
                    yield Quad(s, p, o, g)
                if len(page.rows) < self.max_rows:
                    break
                offset += self.max_rows


def _batches(quads: Iterable[Quad], size: int) -> Iterator[list[Quad]]:
    batch: list[Quad] = []
    for q in quads:
        batch.append(q)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def open_sparql(rest: str, *, must_exist: bool = False, read_only: bool = False) -> GraphStore:
    """Open ``sparql:QUERY_URL[;update=URL][;graphs=PREFIX][;timeout=S][;max-rows=N]``."""
    parts = rest.split(";")
    query_url = parts[0].strip()
    options: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("update", "graphs", "timeout", "max-rows"):
            raise StoreError(
                f"sparql:{rest}: unknown option {part!r} (use update=URL, graphs=IRI_PREFIX, "
                "timeout=SECONDS, max-rows=N)"
            )
        options[key] = value.strip()
    if urllib.parse.urlsplit(query_url).scheme not in ("http", "https"):
        raise StoreError(f"sparql:{rest}: the query URL must be http:// or https://")
    try:
        timeout = float(options.get("timeout", "120"))
    except ValueError as err:
        raise StoreError(f"sparql:{rest}: timeout must be a number of seconds") from err
    max_rows = options.get("max-rows", str(PAGE))
    if not max_rows.isdigit() or int(max_rows) < 1:
        raise StoreError(f"sparql:{rest}: max-rows must be a positive whole number")
    return SparqlStore(
        query_url, options.get("update"), options.get("graphs"), timeout, int(max_rows)
    )


# The outermost LIMIT (and OFFSET, in either order) that ends a query's text.
_TRAILING_LIMIT = re.compile(
    r"\bLIMIT\s+(\d+)(?:\s+OFFSET\s+\d+)?\s*$|\bOFFSET\s+\d+\s+LIMIT\s+(\d+)\s*$",
    re.IGNORECASE,
)


def _limited_to(text: str, cap: int) -> bool:
    """Whether the query itself asks for at most ``cap`` rows (a page), so no row is cut."""
    found = _TRAILING_LIMIT.search(text)
    return found is not None and int(found.group(1) or found.group(2)) <= cap


register_backend("sparql", open_sparql)

__all__ = ["ResultCutError", "SparqlStore", "open_sparql"]
