"""Content negotiation for the SPARQL endpoint: the first Accept type the server can write wins.

Each response format is registered once with its MIME types (the first is the one written in
``Content-Type``), so supporting a new format is one entry in a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


class ResultFormat(StrEnum):
    """Formats of SELECT and ASK results."""

    JSON = "json"
    XML = "xml"
    CSV = "csv"
    TSV = "tsv"


class GraphFormat(StrEnum):
    """Formats of CONSTRUCT and DESCRIBE results."""

    TURTLE = "turtle"
    N_TRIPLES = "ntriples"
    JSON_LD = "jsonld"
    RDF_XML = "rdfxml"


# format -> MIME types it answers to; the first is its canonical Content-Type.
RESULT_TYPES: dict[ResultFormat, tuple[str, ...]] = {
    ResultFormat.JSON: ("application/sparql-results+json", "application/json"),
    ResultFormat.XML: ("application/sparql-results+xml", "application/xml", "text/xml"),
    ResultFormat.CSV: ("text/csv",),
    ResultFormat.TSV: ("text/tab-separated-values",),
}
GRAPH_TYPES: dict[GraphFormat, tuple[str, ...]] = {
    # Turtle is also valid N3; SPARQLWrapper asks for application/turtle before text/turtle.
    GraphFormat.TURTLE: (
        "text/turtle",
        "application/turtle",
        "application/x-turtle",
        "text/n3",
        "text/rdf+n3",
    ),
    GraphFormat.N_TRIPLES: ("application/n-triples", "text/plain"),
    GraphFormat.JSON_LD: ("application/ld+json", "application/x-json+ld", "application/json"),
    GraphFormat.RDF_XML: ("application/rdf+xml", "application/xml", "text/xml"),
}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    quality: float
    position: int

    def matches(self, mime: str) -> bool:
        """Whether this range covers ``mime`` (``*/*`` and ``type/*`` wildcards)."""
        if self.type in ("*/*", "*"):
            return True
        if self.type.endswith("/*"):
            return mime.startswith(self.type[:-1])
        return self.type == mime


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges of an Accept header, best first (quality, then order); q=0 dropped."""
    if not header:
        return []
    ranges: list[MediaRange] = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mime = fields[0].lower()
        if not mime:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append(MediaRange(mime, min(quality, 1.0), position))
    ranges.sort(key=lambda r: (-r.quality, r.position))
    return ranges


F = TypeVar("F", ResultFormat, GraphFormat)


def negotiate(
    accept: str | None, table: dict[F, tuple[str, ...]], default: F
) -> tuple[F, str] | None:
    """The format (and Content-Type) for an Accept header; None when nothing offered fits.

    No Accept header, or a wildcard, gives ``default``; a header whose every type is refused
    (``q=0``) or unknown gives None.
    """
    if not accept or not accept.strip():
        return default, table[default][0]
    ranges = parse_accept(accept)
    for media in ranges:
        if media.type in ("*/*", "*"):
            return default, table[default][0]
        for fmt, mimes in table.items():
            matched = next((m for m in mimes if media.matches(m)), None)
            if matched is not None:
                # An exact type is answered as asked (application/json stays so); a type
                # wildcard gets the format's own type when that is covered.
                return fmt, mimes[0] if media.matches(mimes[0]) else matched
    return None
