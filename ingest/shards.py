"""N-Quads shards: each partition of an ingest run written by the worker that extracted it, and
bulk-loaded by the writing process with the store's own loader (``tcmkg ingest --shards DIR``).

A worker turns its partition's extractions into quads and writes them, record after record, to
one N-Quads file, ``<run>-<partition>.nq`` in the shard folder: first under a temporary name,
then renamed, so a worker that dies mid-write leaves no shard the writer could load, and a
partition extracted again (its worker died) replaces its own shard. It returns what the writer
needs to keep the run's report: per record its graph, its number of quads (its lines in the
file), its counts or why it was not written, and the shard's SHA-256 and quad count.

The writer loads one shard at a time (:func:`load_shard`), all or nothing:

1. the file is checked before anything is written: its SHA-256 must be the worker's, and each
   of its quads must parse and lie in a graph of the partition's records;
2. the graphs of the partition's records are dropped in one transaction, so a record ingested
   again is replaced, never merged with its earlier version (as when written record by record);
3. the file goes to the store's bulk loader (Oxigraph's, which is not transactional): if the
   store fails there, the dropped graphs are put back as they were before the error is raised.

A shard that fails the check leaves the store untouched and is reported (:class:`ShardError`);
a loaded shard is removed, one that failed is kept for inspection.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, Quad, RdfFormat, parse, serialize

from ingest.document import Document
from ingest.problems import ProblemCode
from kg.iri import CurieError, graph_iri
from kg.model import Entity
from kg.store import GraphStore, StoreError
from kg.writer import bundle_quads

if TYPE_CHECKING:
    from ingest.pipeline import Outcome

SHARD_SUFFIX = ".nq"
PARTITION = 256  # documents per partition: the bulk loader costs ~20 ms a call, whatever its size


class ShardError(Exception):
    """A shard that cannot be loaded (missing, altered, malformed); the store is untouched.

    The message names the shard file and the reason.
    """


class ShardWriteError(Exception):
    """A worker cannot write a shard (the folder is missing, full or not writable there).

    Not a fault of the input: the run ends with this message, which names the shard.
    """


@dataclass(frozen=True, slots=True)
class ShardRecord:
    """One document of a partition: where its quads are in the shard, or why there are none.

    ``graph`` is the record's named graph (None when it was not written); ``lines`` its quads,
    which follow those of the records before it in the file; ``problem`` and ``reason`` say why
    a record was not written (extraction failed, or its graph could not be built).
    """

    document: Document
    graph: str | None = None
    lines: int = 0
    stats: tuple[int, int, int] = (0, 0, 0)  # claims, evidence items, ambiguous relations
    problem: ProblemCode | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Shard:
    """A shard file a worker wrote, as the writer receives it: records in input order."""

    path: str
    records: tuple[ShardRecord, ...]
    quads: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ShardSpec:
    """Where a run's shards go and the entities its records name, sent once to each worker."""

    folder: str
    run: str
    entities: Mapping[str, Entity]

    def path(self, partition: int) -> Path:
        """The shard of ``partition`` (the same for every try of that partition)."""
        return Path(self.folder) / f"{self.run}-{partition:06d}{SHARD_SUFFIX}"


def shard_records(
    outcomes: Sequence[Outcome], entities: Mapping[str, Entity]
) -> tuple[list[ShardRecord], list[bytes]]:
    """Each outcome's record and its quads as N-Quads lines (one block per record)."""
    from ingest.extract import extraction_bundle

    records: list[ShardRecord] = []
    blocks: list[bytes] = []
    for outcome in outcomes:
        document = outcome.document
        if outcome.extraction is None:
            records.append(
                ShardRecord(
                    document,
                    problem=ProblemCode.EXTRACT_FAILED,
                    reason=f"extraction failed: {outcome.error}",
                )
            )
            continue
        bundle, stats = extraction_bundle(document, outcome.extraction, entities)
        try:
            quads: list[Quad] = bundle_quads(bundle)
            graph = graph_iri(document.id)
        except (CurieError, ValueError, KeyError) as exc:
            records.append(
                ShardRecord(
                    document,
                    problem=ProblemCode.RECORD_UNWRITABLE,
                    reason=f"cannot map the record to RDF: {exc}",
                )
            )
            continue
        # N-Quads is one quad per line (newlines in literals are escaped): a record's quads are
        # a block of lines the writer can pick out when it must leave a record out.
        block = serialize(quads, format=RdfFormat.N_QUADS) if quads else b""
        assert block is not None
        blocks.append(block)
        records.append(
            ShardRecord(
                document,
                graph=graph,
                lines=len(quads),
                stats=(stats.claims, stats.evidence, stats.ambiguous_relations),
            )
        )
    return records, blocks


def write_shard(spec: ShardSpec, partition: int, outcomes: Sequence[Outcome]) -> Shard:
    """Write the records of ``outcomes`` as the shard of ``partition``; return its description.

    The file is written under a temporary name, flushed to disk and renamed, so the shard's
    name only ever holds a whole file. Raises :class:`ShardWriteError` naming the shard when it
    cannot be written (on a cluster: the folder must be shared between the workers and the
    writer).
    """
    records, blocks = shard_records(outcomes, spec.entities)
    final = spec.path(partition)
    # Unique per try: two tries of one partition (a worker thought dead) never share a file.
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    digest = hashlib.sha256()
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as out:
            for block in blocks:
                out.write(block)
                digest.update(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ShardWriteError(
            f"cannot write the shard {final}: {err.strerror or err} (the shard folder must "
            "exist and be writable on every worker, and readable where the store is written)"
        ) from err
    return Shard(str(final), tuple(records), sum(r.lines for r in records), digest.hexdigest())


def _selected(shard: Shard, keep: Sequence[bool]) -> bytes:
    """The lines of the records kept, from the shard's bytes (checked by the caller)."""
    data = Path(shard.path).read_bytes()
    lines = data.splitlines(keepends=True)
    out: list[bytes] = []
    at = 0
    for record, kept in zip(shard.records, keep, strict=True):
        if kept:
            out.extend(lines[at : at + record.lines])
        at += record.lines
    return b"".join(out)


def _check(path: Path, shard: Shard) -> None:
    """Raise ShardError unless the file is the shard the worker wrote, whole."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as data:
            while block := data.read(1 << 20):
                digest.update(block)
    except FileNotFoundError:
        raise ShardError(
            f"{path}: not found (is the shard folder shared between the workers and the "
            "process writing the store?)"
        ) from None
    except OSError as err:
        raise ShardError(f"{path}: cannot read: {err.strerror or err}") from err
    if digest.hexdigest() != shard.sha256:
        raise ShardError(f"{path}: altered since its worker wrote it (SHA-256 differs)")


def _parse_checked(path: Path, graphs: frozenset[str]) -> int:
    """Parse the whole file; its quads must lie in ``graphs``. Return how many there are."""
    n = 0
    try:
        for quad in parse(path=str(path), format=RdfFormat.N_QUADS):
            name = quad.graph_name
            if not isinstance(name, NamedNode) or name.value not in graphs:
                raise ShardError(
                    f"{path}: line {n + 1}: a quad outside the graphs of the shard's records"
                )
            n += 1
    except SyntaxError as err:
        raise ShardError(f"{path}: malformed N-Quads: {err.msg}") from err
    except UnicodeDecodeError as err:
        raise ShardError(f"{path}: not UTF-8 text: {err}") from err
    return n


def load_shard(store: GraphStore, shard: Shard, keep: Sequence[bool] | None = None) -> int:
    """Replace the graphs of the shard's records by the shard's quads; return the quads loaded.

    ``keep`` (one flag per record; default: every record with a graph) leaves records out: a
    document id another file of the run gave first, or an earlier version of a record the
    partition holds twice. Raises :class:`ShardError` (store untouched) when the shard is not
    whole or well-formed, StoreError when the store fails while loading (the dropped graphs
    are then put back first, so the store is as it was; the message says if that failed too).
    """
    path = Path(shard.path)
    _check(path, shard)
    flags = list(keep) if keep is not None else [r.graph is not None for r in shard.records]
    flags = [f and r.graph is not None for f, r in zip(flags, shard.records, strict=True)]
    graphs = frozenset(r.graph for r, f in zip(shard.records, flags, strict=True) if r.graph and f)
    source = path
    if not all(f for f, r in zip(flags, shard.records, strict=True) if r.graph is not None):
        # Rare (duplicates): the kept records' lines go to a file of their own.
        source = path.with_name(f".{path.name}.{uuid.uuid4().hex}.kept{SHARD_SUFFIX}")
        source.write_bytes(_selected(shard, flags))
    try:
        expected = sum(r.lines for r, f in zip(shard.records, flags, strict=True) if f)
        found = _parse_checked(source, graphs)
        if found != expected:
            raise ShardError(f"{path}: {found} quads where its worker wrote {expected}")
        if not graphs:
            path.unlink(missing_ok=True)
            return 0
        # Kept in memory for the rare store failure below: a partition's graphs, usually none
        # (first ingest) or the same records' previous versions.
        before = [q for g in sorted(graphs) for q in store.quads(g)]
        store.update(" ;\n".join(f"DROP SILENT GRAPH {NamedNode(g)}" for g in sorted(graphs)))
        try:
            store.bulk_load(source, RdfFormat.N_QUADS)
        except StoreError as err:
            raise StoreError(f"shard {path}: {err}; {_restore(store, graphs, before)}") from err
        path.unlink(missing_ok=True)
        return found
    finally:
        if source != path:
            source.unlink(missing_ok=True)


def _restore(store: GraphStore, graphs: frozenset[str], before: list[Quad]) -> str:
    """Put ``graphs`` back as ``before``; say how that went (for the error message)."""
    try:
        store.update(" ;\n".join(f"DROP SILENT GRAPH {NamedNode(g)}" for g in sorted(graphs)))
        if before:
            data = serialize(before, format=RdfFormat.N_QUADS)
            assert data is not None
            store.load(data, RdfFormat.N_QUADS)
    except StoreError as again:
        return (
            f"putting the shard's graphs back failed too ({again}): run the ingest again "
            "to repair them"
        )
    return "the shard's graphs are as they were before it"
