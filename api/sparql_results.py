"""Writing SPARQL results: SELECT/ASK as JSON, XML, CSV, TSV; graphs through Oxigraph.

SELECT rows reach this module already counted against the result-size limit (pyoxigraph's own
result serialiser cannot stop at a row count), so they are written here from their terms.
Terms are pyoxigraph terms whatever the backend, and the RDF graph formats use pyoxigraph's
native serialiser.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from api.negotiation import GraphFormat, ResultFormat
from kg.iri import XSD
from kg.store import Term

XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

GRAPH_RDF_FORMAT: dict[GraphFormat, RdfFormat] = {
    GraphFormat.TURTLE: RdfFormat.TURTLE,
    GraphFormat.N_TRIPLES: RdfFormat.N_TRIPLES,
    GraphFormat.JSON_LD: RdfFormat.JSON_LD,
    GraphFormat.RDF_XML: RdfFormat.RDF_XML,
}

Row = Sequence[Term | None]


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    # RDF 1.2 triple term, written as in the SPARQL 1.2 JSON results draft.
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def select_json(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 Query Results JSON for SELECT rows."""
    bindings = [
        {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
        for row in rows
    ]
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            attr = quoteattr(term.datatype.value)
            return f"<literal datatype={attr}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _xml_head(variables: Sequence[str]) -> list[str]:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sparql xmlns="{SPARQL_RESULTS_NS}">']
    parts.append("<head>")
    parts.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
    parts.append("</head>")
    return parts


def select_xml(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL Query Results XML for SELECT rows."""
    parts = _xml_head(variables)
    parts.append("<results>")
    for row in rows:
        parts.append("<result>")
        for v, t in zip(variables, row, strict=True):
            if t is not None:
                parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>\n")
    return "".join(parts).encode("utf-8")


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return term.value
    return str(term)


def select_csv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 CSV results: plain values, CRLF line ends, RFC 4180 quoting."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_value(t) for t in row])
    return buf.getvalue().encode("utf-8")


def select_tsv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 TSV results: terms in N-Triples syntax (pyoxigraph escapes tabs/newlines)."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines.extend("\t".join("" if t is None else str(t) for t in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def ask_result(value: bool, fmt: ResultFormat) -> bytes:
    """An ASK answer; CSV/TSV (which the standard leaves open) as one ``_askResult`` column."""
    word = "true" if value else "false"
    if fmt is ResultFormat.JSON:
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt is ResultFormat.XML:
        parts = _xml_head(())
        parts.append(f"<boolean>{word}</boolean></sparql>\n")
        return "".join(parts).encode("utf-8")
    if fmt is ResultFormat.CSV:
        return f"_askResult\r\n{word}\r\n".encode()
    return f"?_askResult\n{word}\n".encode()


SELECT_WRITERS = {
    ResultFormat.JSON: select_json,
    ResultFormat.XML: select_xml,
    ResultFormat.CSV: select_csv,
    ResultFormat.TSV: select_tsv,
}


def select_result(variables: Sequence[str], rows: Sequence[Row], fmt: ResultFormat) -> bytes:
    """SELECT rows in ``fmt``."""
    return SELECT_WRITERS[fmt](variables, rows)


def used_prefixes(triples: Sequence[Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes that abbreviate at least one IRI of ``triples`` (so Turtle lists no others)."""
    iris: set[str] = set()
    for triple in triples:
        for t in (triple.subject, triple.predicate, triple.object):
            if isinstance(t, NamedNode):
                iris.add(t.value)
            elif isinstance(t, Literal):
                iris.add(t.datatype.value)
    used: dict[str, str] = {}
    for name, base in prefixes.items():
        if any(i.startswith(base) and len(i) > len(base) for i in iris):
            used[name] = base
    return used


def graph_result(
    triples: Sequence[Triple], fmt: GraphFormat, prefixes: dict[str, str] | None = None
) -> bytes:
    """CONSTRUCT/DESCRIBE triples in ``fmt`` through Oxigraph's serialiser."""
    rdf_format = GRAPH_RDF_FORMAT[fmt]
    use_prefixes = (
        used_prefixes(triples, prefixes) if prefixes and fmt is GraphFormat.TURTLE else None
    )
    data = serialize(triples, format=rdf_format, prefixes=use_prefixes)
    assert data is not None
    return data
