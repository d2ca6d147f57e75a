"""``tcmkg sync``: keep a store current with its saved PubMed and ClinicalTrials.gov queries.

A store remembers each saved query in its own named graph (``TCMKG.RUN:sync-<key>``): the
source, the query text, when it was added, the last run and that run's counts. A sync re-runs
every saved query for records modified since the day before its last run (a day's overlap,
because PubMed dates have no time of day), reads what came back with the project's readers, and
ingests only the records that are new or whose revision date changed — a revised record's
named graph is replaced whole. Running it twice in a row ingests nothing the second time.

Withdrawals: a paper PubMed marks "Retracted Publication", or one named by a "Retraction of
Publication" notice, keeps its record in the store flagged ``tcm:retracted`` — so users see
what happened — but loses every claim and evidence item it gave. A trial registration whose
status is ``WITHDRAWN`` (it never enrolled anyone) is removed.

Each query's download goes to its own work folder; an interrupted sync resumes the download
there, and the folder is emptied once its records are in the store.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from ingest.document import Document
from ingest.fetch.ctgov import TrialsClient, fetch_trials
from ingest.fetch.http import FetchError
from ingest.fetch.pubmed import PubMedClient, fetch_pubmed, retraction_notices
from ingest.fetch.state import FetchProgress, FetchResult, NoFetchProgress, query_key
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from kg import iri
from kg.iri import DCT, RDF, XSD
from kg.model import Entity, RecordBundle
from kg.sparql import load_query
from kg.store import GraphStore, Term
from kg.writer import bundle_quads

SOURCES = ("pubmed", "ctgov")
_RQ = "ingest.fetch"  # the package whose rq/ folder holds this module's queries
_LOOKUP_CHUNK = 200
_A = NamedNode(RDF + "type")


def _t(name: str) -> NamedNode:
    return NamedNode(iri.term(name))


def _int(value: int) -> Literal:
    return Literal(str(int(value)), datatype=NamedNode(XSD + "integer"))


def _datetime(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=NamedNode(XSD + "dateTime"))


@dataclass
class RunCounts:
    """What one run of one saved query did."""

    fetched: int = 0  # records in the download
    new: int = 0  # ingested for the first time
    revised: int = 0  # ingested again: their revision date changed
    unchanged: int = 0  # already in the store as they are: skipped
    retracted: int = 0  # flagged retracted, their evidence removed
    withdrawn: int = 0  # withdrawn trial registrations removed
    problems: int = 0

    @property
    def ingested(self) -> int:
        """Records written by this run (new and revised)."""
        return self.new + self.revised


@dataclass
class SavedQuery:
    """A query a store keeps in sync, with the counts of its last run."""

    id: str  # CURIE TCMKG.RUN:sync-<key>
    source: str  # pubmed | ctgov
    text: str
    added: datetime
    since: date | None = None  # the first run's lower date bound, if any
    last_run: datetime | None = None
    runs: int = 0
    last: RunCounts = field(default_factory=RunCounts)
    error: str | None = None  # why the last run failed, if it did

    @property
    def graph(self) -> str:
        """The named graph holding this saved query."""
        return iri.graph_iri(self.id)

    def next_since(self) -> date | None:
        """Lower bound of the next run: the day before the last run, else the first ``since``."""
        if self.last_run is not None:
            return self.last_run.date() - timedelta(days=1)
        return self.since


def saved_query_id(source: str, text: str) -> str:
    """The CURIE of a saved query (one per source and query text)."""
    return iri.own_curie("TCMKG.RUN", f"sync-{query_key(source, ' '.join(text.split()))}")


def _quads(query: SavedQuery) -> list[Quad]:
    g = NamedNode(query.graph)
    s = NamedNode(iri.expand(query.id))
    quads = [
        Quad(s, _A, _t("SavedQuery"), g),
        Quad(s, _t("querySource"), Literal(query.source), g),
        Quad(s, _t("queryText"), Literal(query.text), g),
        Quad(s, NamedNode(DCT + "created"), _datetime(query.added), g),
        Quad(s, _t("runs"), _int(query.runs), g),
    ]
    if query.since is not None:
        since = Literal(query.since.isoformat(), datatype=NamedNode(XSD + "date"))
        quads.append(Quad(s, _t("since"), since, g))
    if query.last_run is not None:
        quads.append(Quad(s, _t("lastRun"), _datetime(query.last_run), g))
        c = query.last
        for name, value in (
            ("lastFetched", c.fetched),
            ("lastNew", c.new),
            ("lastRevised", c.revised),
            ("lastUnchanged", c.unchanged),
            ("lastRetracted", c.retracted),
            ("lastWithdrawn", c.withdrawn),
            ("lastProblems", c.problems),
        ):
            quads.append(Quad(s, _t(name), _int(value), g))
    if query.error:
        quads.append(Quad(s, _t("lastError"), Literal(query.error), g))
    return quads


def save_query(store: GraphStore, source: str, text: str, since: date | None = None) -> SavedQuery:
    """Add a query to the store's saved queries (an existing one is returned unchanged)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    text = " ".join(text.split())
    if not text:
        raise ValueError("the query is empty")
    curie = saved_query_id(source, text)
    for known in saved_queries(store):
        if known.id == curie:
            return known
    query = SavedQuery(curie, source, text, datetime.now(UTC).replace(microsecond=0), since)
    store.replace_graph(query.graph, _quads(query))
    return query


def remove_query(store: GraphStore, curie: str) -> bool:
    """Forget a saved query (the records it brought in stay); False if there was none."""
    for known in saved_queries(store):
        if known.id == curie:
            store.drop_graph(known.graph)
            return True
    return False


def _value(row: Mapping[str, Term], name: str) -> str | None:
    term = row.get(name)
    return term.value if isinstance(term, Literal | NamedNode) else None


def _count(row: Mapping[str, Term], name: str) -> int:
    value = _value(row, name)
    return int(value) if value and value.lstrip("-").isdigit() else 0


def saved_queries(store: GraphStore) -> list[SavedQuery]:
    """Every saved query of the store, oldest first."""
    out: list[SavedQuery] = []
    for row in store.select(load_query(_RQ, "saved_queries")).dicts():
        curie = iri.contract(_value(row, "query") or "")
        since, last_run = _value(row, "since"), _value(row, "lastRun")
        out.append(
            SavedQuery(
                id=curie,
                source=_value(row, "source") or "",
                text=_value(row, "text") or "",
                added=datetime.fromisoformat(_value(row, "added") or "1970-01-01T00:00:00+00:00"),
                since=date.fromisoformat(since) if since else None,
                last_run=datetime.fromisoformat(last_run) if last_run else None,
                runs=_count(row, "runs"),
                last=RunCounts(
                    *(
                        _count(row, n)
                        for n in (
                            "fetched",
                            "new",
                            "revised",
                            "unchanged",
                            "retracted",
                            "withdrawn",
                            "problems",
                        )
                    )
                ),
                error=_value(row, "error"),
            )
        )
    return out


# -- deciding what to ingest ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Held:
    revised: str | None
    retracted: bool


def _held(store: GraphStore, ids: Iterable[str]) -> dict[str, _Held]:
    nodes = [NamedNode(iri.expand(i)) for i in ids]
    if not nodes:
        return {}
    result = store.select(load_query(_RQ, "record_state"), {"record": nodes})
    out: dict[str, _Held] = {}
    for row in result.dicts():
        curie = iri.contract(_value(row, "record") or "")
        out[curie] = _Held(_value(row, "revised"), _value(row, "retracted") in ("true", "1"))
    return out


def _record_only(store: GraphStore, document: Document) -> None:
    """Write a record without claims: flagged retracted, its evidence gone."""
    bundle = RecordBundle(document.to_record())
    store.replace_graph(iri.graph_iri(document.id), bundle_quads(bundle))


def flag_retracted(store: GraphStore, record_id: str) -> bool:
    """Keep only the description of a stored record, flagged retracted; False if absent.

    Used for a paper named by a retraction notice, whose own (revised) record may not come
    back in the same download.
    """
    graph = iri.graph_iri(record_id)
    subject = NamedNode(iri.expand(record_id))
    own = [q for q in store.quads(graph) if q.subject == subject]
    if not own:
        return False
    flag = Quad(
        subject,
        _t("retracted"),
        Literal("true", datatype=NamedNode(XSD + "boolean")),
        NamedNode(graph),
    )
    store.replace_graph(graph, [*(q for q in own if q.predicate != flag.predicate), flag])
    return True


def select_documents(
    documents: Iterable[Document], store: GraphStore, counts: RunCounts
) -> Iterator[Document]:
    """The documents to ingest: new or revised ones; retractions and withdrawals are applied
    on the way and counted, unchanged records only counted."""
    seen: set[str] = set()
    it = iter(documents)
    while chunk := list(islice(it, _LOOKUP_CHUNK)):
        held = _held(store, {d.id for d in chunk})
        for document in chunk:
            counts.fetched += 1
            if document.id in seen:
                continue
            seen.add(document.id)
            before = held.get(document.id)
            trial = document.trial
            if trial is not None and (trial.status or "").upper() == "WITHDRAWN":
                if before is not None:
                    store.drop_graph(iri.graph_iri(document.id))
                    counts.withdrawn += 1
                continue
            if document.retracted:
                if before is None or not before.retracted:
                    _record_only(store, document)
                    counts.retracted += 1
                else:
                    counts.unchanged += 1
                continue
            if before is not None and before.revised == document.revised and not before.retracted:
                counts.unchanged += 1
                continue
            if before is None:
                counts.new += 1
            else:
                counts.revised += 1
            yield document


# -- running --------------------------------------------------------------------------------

Ingest = Callable[[Iterable[Document], GraphStore, ProblemLog], object]


def pipeline_ingest(
    entities: Mapping[str, Entity] | None = None, *, seed_only: bool = False
) -> Ingest:
    """The project's ingest run (extraction included), naming entities from ``entities``.

    Papers are matched against the seed vocabulary and the herbs, formulas and hospital
    preparations already imported into the store, read when the run starts (so a catalogue
    imported between two syncs counts from the next one); ``seed_only`` uses the seed alone.
    """

    def run(documents: Iterable[Document], store: GraphStore, log: ProblemLog) -> object:
        # Imported here: extraction loads spaCy, which the saved-query commands do not need.
        from ingest.pipeline import ingest
        from ingest.vocabulary.store_terms import ingest_vocabulary

        vocabulary = ingest_vocabulary(store, seed_only=seed_only)
        named = vocabulary.entities if entities is None else {**vocabulary.entities, **entities}
        return ingest(documents, store, log, entities=named, terms=vocabulary.terms)

    return run


@dataclass
class SyncOutcome:
    """One saved query's run: its counts, problems and any failure."""

    query: SavedQuery
    counts: RunCounts
    problems: ProblemLog
    fetch: FetchResult | None = None
    error: str | None = None


def sync_query(
    store: GraphStore,
    query: SavedQuery,
    work: Path,
    *,
    pubmed: PubMedClient | None = None,
    trials: TrialsClient | None = None,
    max_records: int | None = None,
    progress: FetchProgress | None = None,
    ingest: Ingest | None = None,
) -> SyncOutcome:
    """Run one saved query: fetch what changed, ingest what is new or revised, remember it."""
    progress = progress or NoFetchProgress()
    folder = work / iri.split_curie(query.id)[1]
    started = datetime.now(UTC).replace(microsecond=0)
    counts = RunCounts()
    problems = ProblemLog()
    since = query.next_since()
    try:
        if query.source == "pubmed":
            fetched = fetch_pubmed(
                query.text,
                folder,
                since=since,
                max_records=max_records,
                client=pubmed,
                progress=progress,
            )
        else:
            fetched = fetch_trials(
                query.text,
                folder,
                since=since,
                max_records=max_records,
                client=trials,
                progress=progress,
            )
    except FetchError as exc:
        # The saved query keeps its last successful run, so the next sync asks again from there.
        query.error = f"{started.isoformat()}: {exc}"
        store.replace_graph(query.graph, _quads(query))
        return SyncOutcome(query, counts, problems, None, str(exc))
    run = ingest or pipeline_ingest()
    progress.start(f"ingesting {fetched.records:,} records", fetched.records)

    def counted(documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            progress.advance()
            yield document

    documents = read_documents(fetched.files, problems=problems)
    run(select_documents(counted(documents), store, counts), store, problems)
    if query.source == "pubmed":
        for path in fetched.files:
            for _, target in retraction_notices(path):
                held = _held(store, [f"PMID:{int(target)}"]).get(f"PMID:{int(target)}")
                if held is not None and not held.retracted:
                    flag_retracted(store, f"PMID:{int(target)}")
                    counts.retracted += 1
    counts.problems = len(problems)
    query.last_run = started
    query.runs += 1
    query.last = counts
    query.error = None
    store.replace_graph(query.graph, _quads(query))
    shutil.rmtree(folder, ignore_errors=True)
    return SyncOutcome(query, counts, problems, fetched)


def sync_store(
    store: GraphStore,
    work: Path,
    *,
    pubmed: PubMedClient | None = None,
    trials: TrialsClient | None = None,
    max_records: int | None = None,
    progress: FetchProgress | None = None,
    ingest: Ingest | None = None,
) -> list[SyncOutcome]:
    """Run every saved query of ``store`` in turn (see :func:`sync_query`)."""
    return [
        sync_query(
            store,
            query,
            work,
            pubmed=pubmed,
            trials=trials,
            max_records=max_records,
            progress=progress,
            ingest=ingest,
        )
        for query in saved_queries(store)
    ]
