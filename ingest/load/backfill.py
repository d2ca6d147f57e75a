"""Give loaded evidence items the ``tcm:scoringInputs`` literal the writer gives its own.

Rankings read an evidence item through its ``tcm:scoringInputs`` literal alone
(:mod:`kg.scoring_inputs`), so an item without one is not ranked. The project's writer always
adds it, but RDF written by an older version of tcmkg, or by another tool that follows the same
model, has only the item's own triples. :func:`fill_scoring_inputs` finds those items, reads
their triples back into an :class:`~kg.model.EvidenceItem` and writes the literal the writer
would have written, made by the same :func:`~kg.scoring_inputs.inputs_of` and
:func:`~kg.scoring_inputs.encode`.

The work goes named graph by named graph. A graph's literals are never split between SPARQL
updates (the small graphs of single records share one), so a failure leaves each graph either
filled or untouched, and memory holds one batch of literals at a time, or one big graph's.

A value that cannot be read (a design that is not one of the project's, a sample size that is
not a positive integer …) falls back to the model's default, as the writer has it for a value
not given, and is reported; an item without a source record cannot be scored at all and is
skipped and reported. Nothing else stops the run.

Reads are shaped for both kinds of store: one row per (item, property, value), which the
embedded store answers by index lookups where one OPTIONAL per property would make it scan;
and every result read through :meth:`~kg.store.GraphStore.select_all`, because remote servers
such as Virtuoso cut long results short by default without saying so. The queries are the
``.rq`` files beside this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from kg.evidence_rdf import predicate_iri, read_value
from kg.iri import RDF, contract, term
from kg.model import EVIDENCE_FIELDS, SCORING_FIELDS, EvidenceField, EvidenceItem
from kg.scoring_inputs import encode, inputs_of
from kg.sparql import Bindings, insert_data_statements, load_query
from kg.store import GraphStore, Term

SCORING_INPUTS = NamedNode(term("scoringInputs"))
RDF_JSON = NamedNode(RDF + "JSON")


def _field(name: str) -> EvidenceField:
    return next(f for f in EVIDENCE_FIELDS if f.name == name)


# The item properties the scoring inputs are made from (the record's scoring fields); the
# rest (sentence, offsets, method) is read but not used.
_SCORED = {predicate_iri(f): f for f in SCORING_FIELDS}
_READ = [NamedNode(p) for p in _SCORED]  # bound in a one-graph query: a few rows per item fewer
_IRI = {f.name: predicate_iri(f) for f in EVIDENCE_FIELDS}
SOURCE = predicate_iri(_field("source"))
# What the writer takes from the item's own record where the item gives none.
YEAR, TRIAL = predicate_iri(_field("year")), predicate_iri(_field("trial_ids"))

# The cut a server may make to a long result, where smaller than the store's own default
# (None: the store knows its server; see GraphStore.select_all).
PAGE: int | None = None
# Items described per query: about twenty rows each keeps a batch well below the 10,000 rows
# a server commonly returns, and one bound VALUES block of this size is looked up by index in
# the embedded store.
BATCH = 300
# Literals per update, from as many whole graphs as fit (a bigger graph goes alone): a request
# of this size is one transaction on Virtuoso, well within what it accepts.
WRITE_BATCH = 10_000


def _query(name: str) -> str:
    return load_query("ingest.load", name)


Progress = Callable[[int, int], None]  # (graphs done, graphs to do)


@dataclass
class FillReport:
    """What :func:`fill_scoring_inputs` did: counts, and each problem met, in words."""

    filled: int = 0  # evidence items given a tcm:scoringInputs literal
    skipped: int = 0  # evidence items left without one (see problems)
    graphs: int = 0  # named graphs written to
    problems: list[str] = field(default_factory=list)  # "graph …, item …: reason"


class _Problems:
    """The problems of one graph, each named by graph and item."""

    def __init__(self, graph: str, report: FillReport) -> None:
        self.graph = graph
        self.report = report

    def add(self, node: Term, reason: str, kind: str = "item") -> None:
        """Record that ``reason`` concerns ``node`` (an evidence item, or a source ``record``)."""
        self.report.problems.append(f"graph <{self.graph}>, {kind} {_name(node)}: {reason}")


def _name(node: Term) -> str:
    """A term as a user reads it: CURIE where a known prefix covers an IRI."""
    return contract(node.value) if isinstance(node, NamedNode) else str(node)


def _missing_items(store: GraphStore, graph: str) -> list[NamedNode | BlankNode]:
    """The evidence items of ``graph`` that have no literal there."""
    rows = store.select_all(_query("missing_items"), {"g": NamedNode(graph)}, page=PAGE).rows
    return [row[0] for row in rows if isinstance(row[0], NamedNode | BlankNode)]


def _described(
    store: GraphStore, graph: str, items: Sequence[NamedNode], query: str = "item_properties"
) -> list[tuple[Term | None, ...]]:
    """Rows (item, property, value) of ``items`` in ``graph``, read by the query ``query``.

    Every property is read (binding the properties too would make the embedded store join a
    VALUES block of items × properties, twice as slow as reading the few extra rows).
    """
    if not items:
        return []
    bindings: Bindings = {"g": NamedNode(graph), "e": list(items)}
    return store.select_all(_query(query), bindings, page=PAGE).rows


def _fold(rows: Sequence[tuple[Term | None, ...]]) -> dict[Term, dict[str, list[Term]]]:
    """Rows (subject, property, value) as property → values per subject, in row order."""
    out: dict[Term, dict[str, list[Term]]] = {}
    for subject, prop, value in rows:
        if subject is None or not isinstance(prop, NamedNode) or value is None:
            continue
        if prop.value not in _SCORED:
            continue
        out.setdefault(subject, {}).setdefault(prop.value, []).append(value)
    return out


def _integer(value: Term | None) -> int | None:
    """A count literal's value (``12``), else None."""
    return int(value.value) if isinstance(value, Literal) and value.value.isdigit() else None


class _Reader:
    """Reads the values of one evidence item (or record) as the model's values.

    A value that cannot be read is reported and replaced by the model's default, which is what
    the writer writes when the value is not given.
    """

    def __init__(
        self, node: Term, values: dict[str, list[Term]], problems: _Problems, kind: str = "item"
    ) -> None:
        self.node, self.values, self.problems, self.kind = node, values, problems, kind

    def report(self, reason: str) -> None:
        """Record that a value of this item (or record) cannot be read as it is."""
        self.problems.add(self.node, reason, self.kind)

    def value(self, spec: EvidenceField) -> Any:
        """The value of the attribute ``spec``, as :func:`kg.evidence_rdf.read_value` reads it."""
        return read_value(spec, self.values.get(_IRI[spec.name], []), self.report)


@dataclass(frozen=True)
class _Record:
    """What the writer takes from an item's own record: its year and its trials."""

    year: int | None
    trials: tuple[str, ...]


def _records(
    store: GraphStore, graph: str, sources: Sequence[NamedNode], problems: _Problems
) -> dict[str, _Record]:
    """Year and trials of each source record described in ``graph``, by IRI.

    Only a record described in the item's own graph counts: the writer fills an item from the
    record of its own bundle, never from another graph.
    """
    out: dict[str, _Record] = {}
    for start in range(0, len(sources), BATCH):
        rows = _described(store, graph, sources[start : start + BATCH], "record_year_trials")
        for node, values in _fold(rows).items():
            if isinstance(node, NamedNode):
                # A record's year and trials are written as an item's are.
                reader = _Reader(node, values, problems, "record")
                out[node.value] = _Record(
                    reader.value(_field("year")), reader.value(_field("trial_ids"))
                )
    return out


def _inputs_text(
    node: Term, values: dict[str, list[Term]], records: dict[str, _Record], problems: _Problems
) -> str | None:
    """The literal's text for one item, as the writer makes it; None (reported) if unscorable."""
    sources = values.get(SOURCE, [])
    if not sources:
        problems.add(node, "no source record (prov:wasDerivedFrom): not filled, not ranked")
        return None
    if len(sources) > 1 or not isinstance(sources[0], NamedNode):
        shown = ", ".join(sorted(str(v) for v in sources))
        problems.add(node, f"source record is not one IRI ({shown}): not filled, not ranked")
        return None
    reader = _Reader(node, values, problems)
    evidence = EvidenceItem(**{f.name: reader.value(f) for f in SCORING_FIELDS})
    record = records.get(sources[0].value)
    inputs = inputs_of(
        evidence,
        record.year if record is not None else None,
        record.trials if record is not None else (),
    )
    return encode(inputs)


def _batches(
    store: GraphStore, graph: str, missing: int
) -> Iterator[dict[Term, dict[str, list[Term]]]]:
    """The items of ``graph`` that lack the literal, with their values, a batch at a time."""
    if missing <= BATCH:
        # The common case (one record's graph, a few items): one query, no item list first.
        query = _query("missing_item_properties")
        bindings: Bindings = {"g": NamedNode(graph), "p": _READ}
        yield _fold(store.select_all(query, bindings, page=PAGE).rows)
        return
    items = _missing_items(store, graph)
    named = [e for e in items if isinstance(e, NamedNode)]
    if len(named) < len(items):
        # Given without values: each is reported as the blank node it is.
        yield {e: {} for e in items if not isinstance(e, NamedNode)}
    for start in range(0, len(named), BATCH):
        yield _fold(_described(store, graph, named[start : start + BATCH]))


def _graph_inputs(store: GraphStore, graph: str, missing: int, report: FillReport) -> list[Quad]:
    """The literals for every item of ``graph`` that lacks one (problems go to ``report``)."""
    problems = _Problems(graph, report)
    quads: list[Quad] = []
    g = NamedNode(graph)
    records: dict[str, _Record] = {}
    for described in _batches(store, graph, missing):
        sources = {
            v.value: v
            for values in described.values()
            for v in values.get(SOURCE, [])
            if isinstance(v, NamedNode) and v.value not in records
        }
        records.update(_records(store, graph, list(sources.values()), problems))
        for node, values in described.items():
            if not isinstance(node, NamedNode):
                # INSERT DATA would make a new blank node, not add to this one.
                problems.add(node, "is a blank node, which an update cannot address: not filled")
                report.skipped += 1
                continue
            text = _inputs_text(node, values, records, problems)
            if text is None:
                report.skipped += 1
                continue
            quads.append(Quad(node, SCORING_INPUTS, Literal(text, datatype=RDF_JSON), g))
    return quads


class _Writes:
    """Literals of whole graphs, written several graphs to one update.

    A graph's literals are never split between updates, so each graph ends up filled or
    untouched. Joining the small graphs of single records saves a request per graph on a
    remote server (where reading the graph already takes two) and a transaction per graph on
    the embedded store.
    """

    def __init__(self, store: GraphStore, report: FillReport) -> None:
        self.store, self.report = store, report
        self.pending: list[tuple[str, list[Quad]]] = []
        self.size = 0

    def add(self, graph: str, quads: list[Quad]) -> None:
        if not quads:
            return
        if self.size and self.size + len(quads) > WRITE_BATCH:
            self.flush()
        self.pending.append((graph, quads))
        self.size += len(quads)
        if self.size >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        # One request of chunked INSERT DATA statements: one transaction, and no statement
        # beyond what Virtuoso's SPARQL compiler accepts.
        statements = [
            s for graph, quads in self.pending for s in insert_data_statements(graph, quads)
        ]
        self.store.update(" ;\n".join(statements))
        self.report.filled += self.size
        self.report.graphs += len(self.pending)
        self.pending, self.size = [], 0


def fill_scoring_inputs(store: GraphStore, progress: Progress | None = None) -> FillReport:
    """Add ``tcm:scoringInputs`` to every evidence item of ``store`` that lacks it in its graph.

    ``progress`` is called with (graphs done, graphs to do) once the graphs are known and after
    each graph. Items that already have the literal are not read, so running this again on
    complete data writes nothing. Raises :class:`~kg.store.StoreError` when the store fails;
    the graphs filled until then stay filled.
    """
    report = FillReport()
    todo: list[tuple[str, int]] = []
    for name, count in store.select_all(_query("missing_by_graph"), page=PAGE).rows:
        n = _integer(count) or 0
        if isinstance(name, NamedNode):
            todo.append((name.value, n))
        elif n:
            # A blank-node graph name (possible in N-Quads) cannot be named in an update.
            report.skipped += n
            report.problems.append(
                f"graph {name}: {n:,} evidence items not filled: a blank-node graph cannot be "
                "written to by name; load the file with --graph"
            )
    todo.sort()
    if progress is not None:
        progress(0, len(todo))
    writes = _Writes(store, report)
    for done, (graph, missing) in enumerate(todo, start=1):
        writes.add(graph, _graph_inputs(store, graph, missing, report))
        if progress is not None:
            progress(done, len(todo))
    writes.flush()
    return report
