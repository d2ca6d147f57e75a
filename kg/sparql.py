"""Binding parameters into SPARQL queries safely, and reading the project's ``.rq`` files.

Every query the product runs is a ``.rq`` file in the ``rq/`` folder of the package that owns
it (``queries/rq``, ``api/rq``, ``kg/rq``, ``ingest/fetch/rq`` …), read by the one loader here,
:func:`load_query` (``load_query("queries", "composition")``): the text is read once per
process and its header comment (purpose, parameters, results) parsed once with it. No query
text lives in Python code; ``tests/test_architecture_sparql.py`` keeps it so.

Parameters are never formatted into query text as raw strings: each value is an RDF term
(:class:`pyoxigraph.NamedNode` or :class:`pyoxigraph.Literal`) serialised by pyoxigraph in
N-Triples syntax, which escapes it, and placed in a ``VALUES`` block at the start of the
query's outermost ``WHERE`` group. A ``VALUES`` block there restricts the pattern before any
aggregation, unlike a trailing ``VALUES`` clause (joined after ``GROUP BY``), and it works on
every SPARQL 1.1 engine, unlike pyoxigraph's ``substitutions`` (which refuse variables that are
not projected).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from kg.iri import CurieError, expand

BindValue = NamedNode | Literal
Bindings = Mapping[str, BindValue | Sequence[BindValue]]


class QueryTextError(ValueError):
    """A query whose text cannot take bindings (no WHERE group found)."""


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at ``text[i]`` (handles long quotes)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        while end != -1 and text[end - 1] == "\\":
            end = text.find(quote * 3, end + 1)
        return len(text) if end == -1 else end + 3
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return len(text)


def _code_chars(query: str) -> Iterator[int]:
    """Indices of the query's characters outside comments, string literals and IRIs."""
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            nl = query.find("\n", i)
            i = n if nl == -1 else nl + 1
            continue
        if c in "\"'":
            i = _skip_string(query, i)
            continue
        if c == "<":
            # An IRI has no spaces; a less-than operator does. Skip IRIs only.
            close = query.find(">", i)
            if close != -1 and not any(ch.isspace() for ch in query[i + 1 : close]):
                i = close + 1
                continue
        yield i
        i += 1


QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def query_form(query: str) -> str | None:
    """The form of a SPARQL query (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``).

    None when no query keyword is found (an update, or not SPARQL at all). A remote store
    needs this to ask the server for the right result format.
    """
    upper = query.upper()
    for i in _code_chars(query):
        # A keyword is a whole word: not part of a variable (?select), prefix (ask:) or name.
        if i > 0 and (query[i - 1].isalnum() or query[i - 1] in "_:?$-"):
            continue
        for kw in QUERY_FORMS:
            end = i + len(kw)
            if upper.startswith(kw, i) and (
                end >= len(query) or not (query[end].isalnum() or query[end] in "_:-")
            ):
                return kw
    return None


def paged_query(query: str, limit: int, offset: int) -> str:
    """One page of an ordered SELECT, as a sub-query so that any server can page deep.

    Virtuoso refuses ``ORDER BY … LIMIT … OFFSET`` beyond 10,000 sorted rows but pages a
    sub-query that holds the ``ORDER BY``; embedded Oxigraph reads both the same way.
    """
    upper = query.upper()
    start = next(
        (i for i in _code_chars(query) if upper.startswith("SELECT", i)),
        None,
    )
    if start is None:
        raise QueryTextError("only SELECT queries can be paged")
    prologue, body = query[:start], query[start:]
    return f"{prologue}SELECT * WHERE {{ {{\n{body}\n}} }} LIMIT {int(limit)} OFFSET {int(offset)}"


def count_query(query: str) -> str:
    """A query counting the rows of a SELECT (one row, ``?rows``), for any server.

    A count is one row, which no server cuts short, so it tells whether a long result is all.
    """
    upper = query.upper()
    start = next((i for i in _code_chars(query) if upper.startswith("SELECT", i)), None)
    if start is None:
        raise QueryTextError("only SELECT queries can be counted")
    prologue, body = query[:start], query[start:]
    return f"{prologue}SELECT (COUNT(*) AS ?rows) WHERE {{ {{\n{body}\n}} }}"


STATEMENT_CHUNK = 2_000  # statements per INSERT DATA: below Virtuoso's SPARQL compiler limit


# RDF 1.1 §3.5: a blank node replaced by an IRI of this well-known path ("skolemised").
SKOLEM_PREFIX = "https://w3id.org/tcmkg/.well-known/genid/"


def skolemised(quad: Quad) -> Quad:
    """``quad`` with its blank nodes replaced by skolem IRIs (the same label, the same IRI).

    SPARQL servers such as Virtuoso refuse blank nodes in ``INSERT DATA`` ("not allowed in a
    constant clause"), and a blank node split across two requests would become two nodes; an
    IRI made from the node's label keeps it one node across requests. Labels are unique per
    parse (pyoxigraph draws them at random), so two loads never share a node.
    """
    s, o = quad.subject, quad.object
    if not isinstance(s, BlankNode) and not isinstance(o, BlankNode):
        return quad
    if isinstance(s, BlankNode):
        s = NamedNode(SKOLEM_PREFIX + s.value)
    if isinstance(o, BlankNode):
        o = NamedNode(SKOLEM_PREFIX + o.value)
    return Quad(s, quad.predicate, o, quad.graph_name)


def insert_data_statements(graph: str | None, quads: Sequence[Quad]) -> list[str]:
    """``INSERT DATA`` statements of at most STATEMENT_CHUNK quads each (terms escaped).

    ``graph`` puts every statement in that graph; else each quad keeps its own graph. Blank
    nodes are written as skolem IRIs (:func:`skolemised`).
    """
    statements: list[str] = []
    for start in range(0, len(quads), STATEMENT_CHUNK):
        chunk = [skolemised(q) for q in quads[start : start + STATEMENT_CHUNK]]
        if graph is not None:
            body = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in chunk)
            statements.append(f"INSERT DATA {{ GRAPH {NamedNode(graph)} {{ {body} }} }}")
            continue
        parts = []
        for q in chunk:
            triple = f"{q.subject} {q.predicate} {q.object} ."
            if isinstance(q.graph_name, NamedNode):
                parts.append(f"GRAPH {q.graph_name} {{ {triple} }}")
            else:
                parts.append(triple)
        statements.append("INSERT DATA { " + " ".join(parts) + " }")
    return statements


def _outer_where_brace(query: str) -> int:
    """Index of the ``{`` opening the outermost WHERE group, skipping comments, strings, IRIs.

    For SELECT/ASK/DESCRIBE the first group brace at depth 0 is the WHERE group; for CONSTRUCT
    the first one is the template, so the WHERE keyword (or the second group) decides.
    """
    upper = query.upper()
    first_keyword = query_form(query)
    depth = 0
    seen_template = False
    for i in _code_chars(query):
        c = query[i]
        if c == "{":
            if depth == 0:
                if first_keyword == "CONSTRUCT" and not seen_template:
                    # CONSTRUCT WHERE { … } has no template: the first group is the WHERE.
                    head = upper[:i].rstrip()
                    if not head.endswith("WHERE"):
                        seen_template = True
                        depth += 1
                        continue
                return i
            depth += 1
        elif c == "}":
            depth -= 1
    raise QueryTextError("no WHERE group in query: cannot bind parameters")


def _term_text(value: BindValue) -> str:
    if isinstance(value, BlankNode):
        raise TypeError("blank nodes cannot be bound as query parameters")
    if not isinstance(value, NamedNode | Literal):
        raise TypeError(f"query parameters must be RDF terms, got {type(value).__name__}")
    return str(value)  # N-Triples serialisation: escaped by pyoxigraph


def values_block(bindings: Bindings) -> str:
    """A ``VALUES`` block for the bindings; a sequence value gives one row per item."""
    names = list(bindings)
    for name in names:
        if not name.isidentifier():
            raise ValueError(f"invalid SPARQL variable name: {name!r}")
    rows: list[list[str]] = [[]]
    for name in names:
        value = bindings[name]
        options = list(value) if isinstance(value, list | tuple) else [value]
        rows = [[*row, _term_text(v)] for row in rows for v in options]  # type: ignore[arg-type]
    head = " ".join(f"?{n}" for n in names)
    body = " ".join("(" + " ".join(row) + ")" for row in rows)
    return f"VALUES ({head}) {{ {body} }}"


def bind(query: str, bindings: Bindings | None) -> str:
    """Return ``query`` with ``bindings`` placed in a VALUES block inside its WHERE group."""
    if not bindings:
        return query
    brace = _outer_where_brace(query)
    return query[: brace + 1] + " " + values_block(bindings) + " " + query[brace + 1 :]


def parse_param(text: str) -> tuple[str, BindValue]:
    """Parse a ``name=value`` query parameter from the command line.

    The value is an IRI when written ``<…>`` or as a CURIE with a known prefix
    (``MESH:D003920``), else a plain string literal.
    """
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("?$")
    if not sep or not name.isidentifier():
        raise ValueError(f"parameter {text!r} is not of the form name=value")
    if value.startswith("<") and value.endswith(">") and len(value) > 2:
        try:
            return name, NamedNode(value[1:-1])
        except ValueError as err:
            raise ValueError(f"parameter {name}: invalid IRI {value}: {err}") from err
    try:
        return name, NamedNode(expand(value))
    except (CurieError, ValueError):
        return name, Literal(value)


class UnknownQueryError(KeyError):
    """No ``.rq`` file of that name in a package's ``rq/`` folder."""


QUERY_FOLDER = "rq"
# The first header line of a documented query: ``# name.rq — title``.
_TITLE = re.compile(r"^#\s*\S+\.rq\s*[—-]+\s*(.*)$")


@dataclass(frozen=True, slots=True)
class QueryFile:
    """One ``.rq`` file: its text as written and its header comment, parsed."""

    package: str
    name: str  # file name without ``.rq``
    title: str  # from a ``# name.rq — title`` first line, else the name in words
    description: str  # the rest of the leading comment: purpose, parameters, results
    text: str  # the whole file, runnable as it is


def _parse(package: str, name: str, text: str) -> QueryFile:
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    title = name.replace("_", " ")
    if header and (m := _TITLE.match(header[0])):
        title = m.group(1).strip()
        header = header[1:]
    description = "\n".join(h[1:].removeprefix(" ") for h in header).strip()
    return QueryFile(package, name, title, description, text)


@cache
def query_file(package: str, name: str) -> QueryFile:
    """``<package>/rq/<name>.rq``, read and its header parsed once per process.

    ``package`` is an importable package name (``"queries"``, ``"ingest.fetch"``). Raises
    :class:`UnknownQueryError` when there is no such file.
    """
    path = resources.files(package).joinpath(QUERY_FOLDER, f"{name}.rq")
    if not path.is_file():
        raise UnknownQueryError(f"no query {name!r} in {package}/{QUERY_FOLDER}")
    return _parse(package, name, path.read_text(encoding="utf-8"))


def load_query(package: str, name: str) -> str:
    """The text of ``<package>/rq/<name>.rq`` (see :func:`query_file`)."""
    return query_file(package, name).text


def query_names(package: str) -> list[str]:
    """Names (without ``.rq``) of every query in ``<package>/rq``, sorted."""
    folder = resources.files(package).joinpath(QUERY_FOLDER)
    if not folder.is_dir():
        return []
    return sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".rq"))
