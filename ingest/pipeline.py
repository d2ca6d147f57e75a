"""The ingest run: read → extract → write, one named graph per document.

Documents stream from the readers in chunks of :data:`CHUNK`. With ``workers > 1`` or a
``scheduler`` address each chunk is one task on Dask distributed (:mod:`ingest.cluster`): a
local cluster of worker processes, or an existing cluster, each worker building its extractor
once, with at most two chunks per worker in flight so that memory stays flat whatever the
corpus size. The outcomes come back to this process in input order, and only this process
writes the store.

Each document's graph is replaced in its own transaction, so an interrupted run leaves every
graph either as it was or fully written, and re-running on the same input changes nothing
(IRIs are deterministic). A record the extractor refuses (its declared input error, see
:class:`~ingest.extract.ExtractionInputError`) or that cannot be mapped to RDF is reported as
a problem and skipped; the run goes on. Any other exception from extraction is a bug: it
propagates and ends the run rather than hiding as a problem record.

With ``shards`` (``tcmkg ingest --shards DIR``) the documents go out in partitions of
:data:`~ingest.shards.PARTITION`, and whoever extracts a partition (a worker, or this process)
writes its records as an N-Quads shard in that folder; this process then replaces the
partition's record graphs by the shard through the store's bulk loader, one shard at a time
and all or nothing (:mod:`ingest.shards`). The store ends up with the same quads as when
written record by record, and the run's report is the same.

A :class:`~ingest.document.Deletion` (PubMed's ``DeleteCitation``) drops its record's named
graph, in input order: after every document read before it is written, before any read after
it. Deletions never go to the workers; they wait in the main process for the documents ahead
of them, so a run on a cluster applies them in the same order (with shards, a partition ends
at each deletion, so that it is applied between two shards).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pyoxigraph import NamedNode, Quad

from ingest.document import Deletion, Document, ReadItem
from ingest.problems import ProblemCode, ProblemLog
from ingest.shards import (
    PARTITION,
    Shard,
    ShardError,
    ShardSpec,
    ShardWriteError,
    load_shard,
    write_shard,
)
from kg.iri import CurieError, graph_iri
from kg.model import Entity, RecordBundle, RecordKind
from kg.sparql import load_query
from kg.store import GraphStore
from kg.writer import bundle_quads

if TYPE_CHECKING:
    # spaCy takes about a second to import: load it only when documents are extracted, so
    # every `tcmkg` command that merely imports this module starts quickly.
    from distributed import Client

    from ingest.extract import Extraction, Extractor
    from ingest.nlp.pipeline import TermSource

CHUNK = 32  # documents per task sent to a worker
_T = TypeVar("_T")

# The extractor of the last run extracted in this process, per thread, as (run token,
# extractor): built on the run's first chunk and kept for its later chunks.
_BUILT = threading.local()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one document: its extraction, or why it failed."""

    document: Document
    extraction: Extraction | None = None
    error: str | None = None


# The records a deletion may withdraw: PubMed's, in the project's CURIE form.
_DELETABLE = re.compile(r"PMID:[1-9][0-9]*", re.ASCII)


@dataclass
class IngestSummary:
    """Counts of one ingest run, for the closing summary.

    ``withdrawn`` counts the records a deletion removed from the store (their graph was
    there and is dropped); ``deletions_not_held`` counts deletions of records the store did
    not hold, which change nothing (a PMID deleted twice counts once in each).
    """

    documents: int = 0
    written: int = 0
    claims: int = 0
    evidence: int = 0
    ambiguous_relations: int = 0
    withdrawn: int = 0
    deletions_not_held: int = 0
    problems: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExtractorSpec:
    """What an extractor of one run is built from, sent once to each worker.

    ``terms`` replaces the seed vocabulary as the dictionary (name, CURIE, kind value);
    ``models=False`` leaves out the trained models. ``token`` names the run, so a worker of a
    shared cluster tells one run's extractor from another's without comparing vocabularies.
    """

    terms: tuple[tuple[str, str, str], ...] | None
    models: bool = True
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, terms: TermSource | None, models: bool = True) -> ExtractorSpec:
        """The spec of a run over ``terms`` (None: the seed vocabulary)."""
        return cls(None if terms is None else tuple(_plain_terms(terms)), models)

    def extractor(self, cache: threading.local = _BUILT) -> Extractor:
        """This run's extractor for the calling thread, built on its first call there.

        ``cache`` keeps it for the thread's later calls (by default, until a call of another
        run in the same thread).
        """
        built: tuple[str, Extractor] | None = getattr(cache, "extractor", None)
        if built is None or built[0] != self.token:
            cache.extractor = None  # the previous run's pipeline goes before the next is built
            built = (self.token, _make_extractor(self.terms, self.models))
            cache.extractor = built
        return built[1]


def _make_extractor(terms: Iterable[tuple[str, str, str]] | None, models: bool = True) -> Extractor:
    from ingest.extract import Extractor
    from kg.model import EntityKind

    if terms is None:
        return Extractor(models=models)
    return Extractor(
        ((name, curie, EntityKind(kind)) for name, curie, kind in terms), models=models
    )


def extract_chunk(extractor: Extractor, documents: list[Document]) -> list[Outcome]:
    """Outcomes of ``documents``, in order, the pipeline run over the chunk with ``nlp.pipe``.

    A document the extractor declares it cannot take (:class:`ExtractionInputError`) becomes
    an outcome with its reason; any other exception is a bug and propagates, ending the run
    (from a Dask worker, the task's result raises it again in the calling process).
    """
    from ingest.extract import ExtractionInputError

    refused: dict[int, str] = {}
    for i, document in enumerate(documents):
        try:
            extractor.check(document)
        except ExtractionInputError as exc:
            refused[i] = str(exc)
    extracted = extractor.extract_all(d for i, d in enumerate(documents) if i not in refused)
    return [
        Outcome(document, error=refused[i]) if i in refused else Outcome(document, next(extracted))
        for i, document in enumerate(documents)
    ]


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_documents(
    documents: Iterable[Document],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    client: Client | None = None,
    terms: TermSource | None = None,
    chunk: int = CHUNK,
    models: bool = True,
) -> Iterator[Outcome]:
    """Extract every document, in input order: in this process, or on Dask distributed.

    ``workers <= 1`` without ``scheduler`` or ``client`` extracts here. Otherwise the chunks
    are tasks of ``client``, of the cluster at ``scheduler`` (``tcp://HOST:8786``), or of a
    local cluster of ``workers`` processes started for this call and closed at its end (see
    :mod:`ingest.cluster`). ``terms`` replaces the seed vocabulary as the dictionary (name,
    CURIE, kind); ``models=False`` extracts with the dictionary and the rules alone (no
    trained model).
    """
    spec = ExtractorSpec.of(terms, models)
    parts = _chunks(documents, chunk)
    if client is None and scheduler is None and workers <= 1:
        for part in parts:
            yield from extract_chunk(spec.extractor(), part)
        return
    from ingest.cluster import dask_client, extract_on_cluster

    if client is not None:
        yield from extract_on_cluster(client, parts, spec)
        return
    with dask_client(workers, scheduler) as own:
        yield from extract_on_cluster(own, parts, spec)


def _plain_terms(terms: TermSource) -> Iterator[tuple[str, str, str]]:
    for t in terms:
        if isinstance(t, tuple):
            yield t[0], t[1], t[2].value
        else:
            yield t.name, t.curie, t.kind.value


def ingest(
    documents: Iterable[ReadItem],
    store: GraphStore,
    problems: ProblemLog,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    client: Client | None = None,
    entities: Mapping[str, Entity] | None = None,
    terms: TermSource | None = None,
    on_document: Callable[[Document], None] | None = None,
    models: bool = True,
    shards: Path | None = None,
    partition: int = PARTITION,
) -> IngestSummary:
    """Extract ``documents`` and write each one's claims into its own named graph.

    ``documents`` may hold :class:`~ingest.document.Deletion` items (from
    :func:`ingest.readers.read_items`): each drops the named graph of its PMID once the
    documents before it are written, so a PMID given and then deleted ends up deleted, and
    one deleted and then given again (a later update file) is written. A deletion of a record
    the store does not hold does nothing and is counted in ``deletions_not_held``; one whose
    id is not a ``PMID:<digits>`` CURIE is reported (``record.no_id``) and not applied.

    Extraction runs as :func:`extract_documents` says (``workers``, ``scheduler``,
    ``client``); the results come back here and each record is written in its own
    transaction. ``entities`` (the vocabulary's entities by CURIE) names the entities the
    claims mention; ``on_document`` is called once per document handled (for a progress
    bar); ``models=False`` extracts with the dictionary and the rules alone.

    ``shards``: a folder (shared with the workers on a cluster) where each partition of
    ``partition`` documents is written as an N-Quads shard by whoever extracted it, and from
    which this process bulk-loads it (see :mod:`ingest.shards`); for an embedded store, whose
    bulk loader reads the file. A shard that cannot be loaded is reported
    (``shard.unloadable``) and its records are left as they were; the run goes on.
    """
    summary = IngestSummary()
    # Deletions read but not yet applied, each with the number of documents read before it.
    # The reader runs ahead of the writing (by a few chunks on a cluster), so a
    # deletion waits here until the documents before it have been written.
    waiting: deque[tuple[int, Deletion]] = deque()
    read = 0

    def documents_only() -> Iterator[Document]:
        nonlocal read
        for item in documents:
            if isinstance(item, Deletion):
                waiting.append((read, item))
            else:
                read += 1
                yield item

    def apply_deletions(handled: int | None) -> None:
        while waiting and (handled is None or waiting[0][0] <= handled):
            _withdraw(store, waiting.popleft()[1], summary, problems)

    if entities is None:
        from ingest.vocabulary import load_seed

        entities = load_seed().entities
    # Document ids made from file names (plain text files) can collide between folders; the
    # first file keeps its id, a later one is reported instead of silently replacing it.
    sources: dict[str, str] = {}
    if shards is not None:
        spec = ExtractorSpec.of(terms, models)
        shard_spec = ShardSpec(str(shards), spec.token, dict(entities))
        try:
            shards.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ShardWriteError(
                f"cannot make the shard folder {shards}: {err.strerror or err}"
            ) from err

        def partitions() -> Iterator[list[Document]]:
            # A partition ends at each deletion, so that it is applied between two shards,
            # after the documents read before it and before those read after it.
            nonlocal read
            part: list[Document] = []
            for item in documents:
                if isinstance(item, Deletion):
                    waiting.append((read, item))
                    if part:
                        yield part
                        part = []
                    continue
                read += 1
                part.append(item)
                if len(part) >= partition:
                    yield part
                    part = []
            if part:
                yield part

        for shard in _shards(partitions(), spec, shard_spec, workers, scheduler, client):
            apply_deletions(summary.documents)
            _load(store, shard, summary, problems, sources)
            if on_document is not None:
                for record in shard.records:
                    on_document(record.document)
        apply_deletions(None)
        summary.problems = problems.counts()
        return summary
    for outcome in extract_documents(
        documents_only(),
        workers=workers,
        scheduler=scheduler,
        client=client,
        terms=terms,
        models=models,
    ):
        apply_deletions(summary.documents)
        document = outcome.document
        summary.documents += 1
        if _duplicate(document, sources, problems):
            pass
        elif outcome.extraction is None:
            problems.report(
                ProblemCode.EXTRACT_FAILED,
                document.source or "-",
                _record(document),
                f"extraction failed: {outcome.error}",
            )
        else:
            written = _write(store, document, outcome.extraction, entities, problems)
            if written is not None:
                bundle_stats, _ = written
                summary.written += 1
                summary.claims += bundle_stats[0]
                summary.evidence += bundle_stats[1]
                summary.ambiguous_relations += bundle_stats[2]
        if on_document is not None:
            on_document(document)
    apply_deletions(None)  # those after the last document (PubMed lists them at file end)
    summary.problems = problems.counts()
    return summary


def _duplicate(document: Document, sources: dict[str, str], problems: ProblemLog) -> bool:
    """Whether another file of the run gave ``document``'s id first (then it is reported)."""
    # Only such documents are remembered: a PubMed baseline holds millions of PMIDs, and a
    # PMID seen again (an update file) is meant to replace the earlier version.
    first = (
        sources.setdefault(document.id, document.source or "")
        if document.kind is RecordKind.DOCUMENT
        else None
    )
    if first is None or first == (document.source or ""):
        return False
    problems.report(
        ProblemCode.RECORD_DUPLICATE,
        document.source or "-",
        _record(document),
        f"{document.id} is already the id of {first} in this run; skipped "
        "(rename one of the files)",
    )
    return True


def _shards(
    partitions: Iterator[list[Document]],
    spec: ExtractorSpec,
    shard_spec: ShardSpec,
    workers: int,
    scheduler: str | None,
    client: Client | None,
) -> Iterator[Shard]:
    """The shard of each partition, in input order: written here or by the cluster's workers."""
    if client is None and scheduler is None and workers <= 1:
        for i, part in enumerate(partitions):
            yield write_shard(shard_spec, i, extract_chunk(spec.extractor(), part))
        return
    from ingest.cluster import dask_client, shard_on_cluster

    if client is not None:
        yield from shard_on_cluster(client, partitions, spec, shard_spec)
        return
    with dask_client(workers, scheduler) as own:
        yield from shard_on_cluster(own, partitions, spec, shard_spec)


def _load(
    store: GraphStore,
    shard: Shard,
    summary: IngestSummary,
    problems: ProblemLog,
    sources: dict[str, str],
) -> None:
    """Report the shard's records as the per-record path would, and bulk-load the rest."""
    keep: list[bool] = []  # the records whose quads are loaded
    written: list[bool] = []  # those and the earlier versions they replace
    latest: dict[str, int] = {}  # graph -> the record of the partition that writes it last
    for i, record in enumerate(shard.records):
        document = record.document
        summary.documents += 1
        keep.append(False)
        written.append(False)
        if _duplicate(document, sources, problems):
            continue
        if record.problem is not None:
            problems.report(
                record.problem, document.source or "-", _record(document), record.reason or ""
            )
            continue
        assert record.graph is not None
        keep[i] = written[i] = True
        if record.graph in latest:
            # The same record twice in one partition (a PMID revised by a later file): the
            # later version replaces the earlier, as record by record.
            keep[latest[record.graph]] = False
        latest[record.graph] = i
    try:
        load_shard(store, shard, keep)
    except ShardError as err:
        documents = [r.document for r in shard.records]
        inputs = ", ".join(sorted({d.source or "-" for d in documents}))
        problems.report(
            ProblemCode.SHARD_UNLOADABLE,
            shard.path,
            _record(documents[0])
            if len(documents) == 1
            else f"{_record(documents[0])} to {_record(documents[-1])}",
            f"{err}; none of its {len(documents)} documents (read from {inputs}) is written, "
            "the file is kept",
        )
        return
    for record, done in zip(shard.records, written, strict=True):
        # A record replaced by a later one of the same partition counts as written, as it is
        # record by record.
        if done:
            summary.written += 1
            summary.claims += record.stats[0]
            summary.evidence += record.stats[1]
            summary.ambiguous_relations += record.stats[2]


def _withdraw(
    store: GraphStore, deletion: Deletion, summary: IngestSummary, problems: ProblemLog
) -> None:
    """Drop the named graph of the record ``deletion`` names, counting what it did."""
    if not _DELETABLE.fullmatch(deletion.id):
        problems.report(
            ProblemCode.RECORD_NO_ID,
            deletion.source or "-",
            deletion.label,
            f"{deletion.id!r} is not a PMID (PMID:<digits>); only PubMed records are "
            "withdrawn by a deletion; not applied",
        )
        return
    graph = graph_iri(deletion.id)
    held = store.query(load_query("kg", "graph_held"), {"g": NamedNode(graph)})
    if held is True:
        # One transaction, like a replace: the record is either all there or all gone.
        store.drop_graph(graph)
        summary.withdrawn += 1
    else:
        summary.deletions_not_held += 1


def _record(document: Document) -> str:
    return f"record {document.record_index} ({document.id})"


def _write(
    store: GraphStore,
    document: Document,
    extraction: Extraction,
    entities: Mapping[str, Entity],
    problems: ProblemLog,
) -> tuple[tuple[int, int, int], RecordBundle] | None:
    from ingest.extract import extraction_bundle

    bundle, stats = extraction_bundle(document, extraction, entities)
    try:
        quads: list[Quad] = bundle_quads(bundle)
        graph = graph_iri(document.id)
    except (CurieError, ValueError, KeyError) as exc:
        problems.report(
            ProblemCode.RECORD_UNWRITABLE,
            document.source or "-",
            _record(document),
            f"cannot map the record to RDF: {exc}",
        )
        return None
    # A store failure is not the record's fault: it propagates and ends the run, with every
    # graph written so far complete (each replace is one transaction).
    store.replace_graph(graph, quads)
    return (stats.claims, stats.evidence, stats.ambiguous_relations), bundle
