"""Replace one named graph with a large set of triples through the store's bulk path.

Curated tables are big (133k compound–target rows become ~2M triples), too big for one SPARQL
update. The triples are first written in full to a temporary N-Triples file — so a bad row or a
bug shows up before the store is touched — then the graph is dropped and the file bulk-loaded
into it. Re-importing a table therefore **replaces** its graph: rows removed from the table
disappear from the store, and the same table gives the same triples. If the bulk load fails
half-way the graph is dropped again, so the store holds either the whole table or none of it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import Quad, RdfFormat

from kg import iri
from kg.model import Claim, Entity, EvidenceItem, Predicate, SourceRecord
from kg.store import GraphStore, StoreError
from kg.writer import claim_quads, entity_quads, record_quads

_BATCH = 50_000


def quad_lines(quads: Iterable[Quad]) -> Iterator[str]:
    """N-Triples lines of ``quads`` (their graph dropped; pyoxigraph terms print escaped)."""
    for quad in quads:
        yield f"{quad.subject} {quad.predicate} {quad.object} .\n"


# Placeholder CURIEs for a template claim; they never occur in real data.
_S = "TCMKG.COMPOUND:placeholder-subject-5f0c"
_O = "TCMKG.TARGET:placeholder-object-5f0c"


def _evidence_iri(claim_curie: str, item: EvidenceItem) -> str:
    # Must mint exactly as kg.writer.evidence_quads does; tests compare both paths.
    return iri.expand(
        iri.evidence_curie(claim_curie, item.source, item.start, item.end, item.sentence)
    )


class ClaimTemplates:
    """N-Triples of many claims that share a predicate and evidence, written fast.

    A curated table gives every edge the same evidence item (source table, design, knowledge
    level), so the writer's output for one claim differs from another's only in the subject,
    object, claim and evidence IRIs. The text is made once by :func:`kg.writer.claim_quads` for
    a placeholder claim and the four IRIs are substituted per claim — about 20 times faster
    than building pyoxigraph quads, and the writer stays the one definition of the mapping.
    """

    def __init__(self, graph: str, record: SourceRecord | None = None) -> None:
        self.graph = graph
        self.record = record
        self._templates: dict[tuple[Predicate, tuple[EvidenceItem, ...]], str] = {}
        self._nodes: dict[str, str] = {}

    def _node(self, curie: str) -> str:
        text = self._nodes.get(curie)
        if text is None:
            text = f"<{iri.expand(curie)}>"
            self._nodes[curie] = text
        return text

    def _template(self, predicate: Predicate, evidence: tuple[EvidenceItem, ...]) -> str:
        key = (predicate, evidence)
        template = self._templates.get(key)
        if template is None:
            proto = Claim(_S, predicate, _O, evidence)
            # Literals may hold braces: escape them so that only our fields are format fields.
            text = "".join(quad_lines(claim_quads(proto, self.graph, self.record)))
            text = text.replace("{", "{{").replace("}", "}}")
            claim = iri.claim_curie(_S, predicate.value, _O)
            fields = {
                f"<{iri.expand(_S)}>": "{s}",
                f"<{iri.expand(_O)}>": "{o}",
                f"<{iri.expand(claim)}>": "{c}",
            }
            for i, item in enumerate(evidence):
                fields[f"<{_evidence_iri(claim, item)}>"] = f"{{e{i}}}"
            for iri_text, name in fields.items():
                text = text.replace(iri_text, name)
            template = text
            self._templates[key] = template
        return template

    def lines(self, claim: Claim) -> str:
        """The N-Triples text of one claim, identical to the writer's."""
        template = self._template(claim.predicate, claim.evidence)
        curie = iri.claim_curie(claim.subject, claim.predicate.value, claim.object)
        values = {
            "s": self._node(claim.subject),
            "o": self._node(claim.object),
            "c": f"<{iri.expand(curie)}>",
        }
        for i, item in enumerate(claim.evidence):
            values[f"e{i}"] = f"<{_evidence_iri(curie, item)}>"
        return template.format_map(values)


def write_ntriples(lines: Iterable[str], path: Path) -> int:
    """Write N-Triples ``lines`` (one triple each) to ``path``; return how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= _BATCH:
                out.writelines(batch)
                count += sum(chunk.count("\n") for chunk in batch)
                batch.clear()
        out.writelines(batch)
        count += sum(chunk.count("\n") for chunk in batch)
    return count


def replace_graph_bulk(store: GraphStore, graph: str, lines: Iterable[str]) -> int:
    """Replace ``graph`` in ``store`` by the N-Triples ``lines`` via the bulk path.

    Returns the number of triples written to the file (the store drops duplicates).
    """
    with tempfile.TemporaryDirectory(prefix="tcmkg-import-") as tmp:
        path = Path(tmp) / "graph.nt"
        count = write_ntriples(lines, path)
        store.drop_graph(graph)
        try:
            store.bulk_load(path, RdfFormat.N_TRIPLES, graph)
        except StoreError:
            store.drop_graph(graph)
            raise
    return count


def table_lines(
    record: SourceRecord, graph: str, entities: Iterable[Entity], claims: Iterable[Claim]
) -> Iterator[str]:
    """N-Triples of one table's graph: the record, its entities' types, and its claims."""
    yield from quad_lines(record_quads(record, graph))
    seen: set[str] = set()
    for entity in entities:
        if entity.id not in seen:
            seen.add(entity.id)
            yield from quad_lines(entity_quads(entity, graph, full=False))
    templates = ClaimTemplates(graph, record)
    for claim in claims:
        yield templates.lines(claim)
