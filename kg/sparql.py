"""Binding parameters into SPARQL queries safely, and reading the project's ``.rq`` files.

Parameters are never formatted into query text as raw strings: each value is an RDF term
(:class:`pyoxigraph.NamedNode` or :class:`pyoxigraph.Literal`) serialised by pyoxigraph in
N-Triples syntax, which escapes it, and placed in a ``VALUES`` block at the start of the
query's outermost ``WHERE`` group. A ``VALUES`` block there restricts the pattern before any
aggregation, unlike a trailing ``VALUES`` clause (joined after ``GROUP BY``), and it works on
every SPARQL 1.1 engine, unlike pyoxigraph's ``substitutions`` (which refuse variables that are
not projected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode

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


def _outer_where_brace(query: str) -> int:
    """Index of the ``{`` opening the outermost WHERE group, skipping comments, strings, IRIs.

    For SELECT/ASK/DESCRIBE the first group brace at depth 0 is the WHERE group; for CONSTRUCT
    the first one is the template, so the WHERE keyword (or the second group) decides.
    """
    i, n = 0, len(query)
    upper = query.upper()
    first_keyword: str | None = None
    depth = 0
    seen_template = False
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
        if first_keyword is None:
            for kw in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                if upper.startswith(kw, i) and (i == 0 or not query[i - 1].isalnum()):
                    first_keyword = kw
                    break
        if c == "{":
            if depth == 0:
                if first_keyword == "CONSTRUCT" and not seen_template:
                    # CONSTRUCT WHERE { … } has no template: the first group is the WHERE.
                    head = upper[:i].rstrip()
                    if not head.endswith("WHERE"):
                        seen_template = True
                        depth += 1
                        i += 1
                        continue
                return i
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
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


def read_query(path: Path) -> str:
    """Read a ``.rq`` file as UTF-8."""
    return path.read_text(encoding="utf-8")
