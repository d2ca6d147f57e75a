"""Running user SPARQL queries under a time limit, a memory limit and a result-size limit.

Every query first passes :mod:`api.sparql_guard` (length, bracket depth, no SERVICE/LOAD).
Then it is evaluated where it can harm nobody:

* a store that offers a reader snapshot (:meth:`kg.store.GraphStore.reader_snapshot`, the
  embedded stores) is read by a pool of sandboxed child processes (:mod:`api.sparql_sandbox`):
  no network, a memory bound, and a child past the deadline is killed and replaced, so its
  evaluation really stops;
* a store without one (a SPARQL server, ``sparql:``) evaluates queries in its own process; the
  query is forwarded over HTTP from a thread, answered 503 at the deadline, and the backend's
  own HTTP timeout ends the request.

An update (:meth:`QueryRunner.rehearse_update`) gets the same deadline: it is first rehearsed
in a sandboxed child on a private writable copy of the current snapshot, and the caller applies
it to the live store only if the rehearsal finished in time. Past the deadline the child is
killed and nothing was written. The caller holds the write lock from before the snapshot is
taken until the update is applied, so the rehearsal saw exactly the data the update then
changes and the live application costs about what the rehearsal did. An update made only of
``INSERT DATA``/``DELETE DATA`` evaluates nothing (its cost is its size, which
TCMKG_MAX_QUERY_BYTES bounds) and is applied without a rehearsal, which would cost a few
hundred milliseconds. A store without snapshots (a SPARQL server) evaluates updates itself,
under its own HTTP timeout.

The runner knows backends only through that seam: it never looks at a store's class.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from api.sparql_guard import Kind, check, tokenize
from api.sparql_sandbox import SandboxError, SandboxPool
from api.sparql_sandbox import ShareExhaustedError as ShareExhausted
from kg.store import (
    Evaluator,
    GraphStore,
    QueryResult,
    QuerySyntaxError,
    ReaderSnapshot,
    SelectResult,
    StoreError,
)

# The routes' own queries have no row limit of their own (their pages are bounded by the
# route); the workers' counting needs a number.
_ROUTE_ROWS = 1 << 62


class QueryTimeoutError(StoreError):
    """The query did not finish within the time limit."""


class ShareExhaustedError(QueryTimeoutError):
    """The client's own running queries held its share of the query workers until the deadline."""


class RouteTimeoutError(QueryTimeoutError):
    """A REST request's store reads did not finish within the route deadline."""


class ResultTooLargeError(StoreError):
    """The query has more result rows (or triples) than the configured limit."""


class DatasetUnsupportedError(StoreError):
    """default-graph-uri / named-graph-uri given for a backend that cannot take them."""


class QueryFailedError(StoreError):
    """The evaluation failed (memory limit, crash); ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Dataset:
    """An RDF dataset given through the protocol (``default-graph-uri``/``named-graph-uri``)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        """Whether the request named any graph (the protocol dataset then replaces the query's)."""
        return bool(self.default_graphs or self.named_graphs)


# The only keywords of an update that evaluates no pattern: INSERT DATA / DELETE DATA with
# their quads (``a``, true and false are words too).
_DATA_WORDS = frozenset(
    {"INSERT", "DELETE", "DATA", "GRAPH", "PREFIX", "BASE", "A", "TRUE", "FALSE"}
)


def _data_only(update: str) -> bool:
    """Whether every operation of ``update`` is INSERT DATA or DELETE DATA."""
    words = [t.text.upper() for t in tokenize(update) if t.kind is Kind.WORD]
    if not words or not set(words) <= _DATA_WORDS:
        return False
    return all(
        following == "DATA"
        for word, following in zip(words, [*words[1:], ""], strict=True)
        if word in ("INSERT", "DELETE")
    )


class QueryRunner:
    """Runs queries against one store with a deadline, limits and a bounded worker count."""

    def __init__(
        self,
        store: GraphStore,
        *,
        timeout: float,
        max_rows: int,
        workers: int = 2,
        per_client: int = 0,
        memory_mb: int = 1024,
        max_depth: int = 64,
        max_bytes: int = 1_048_576,
        route_timeout: float = 30.0,
        route_workers: int = 2,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_depth = max_depth
        self.max_bytes = max_bytes
        self._slots = threading.BoundedSemaphore(workers)  # the forwarding path only
        self._pool: SandboxPool | None = None
        self._workers = workers
        self._per_client = per_client
        self.route_timeout = route_timeout
        self._route_workers = route_workers
        self._route_pool: SandboxPool | None = None
        self._memory_mb = memory_mb
        self._lock = threading.Lock()
        self._using: Counter[ReaderSnapshot] = Counter()
        self._made: set[ReaderSnapshot] = set()
        self._rehearsals = itertools.count()

    def _sandbox(self) -> SandboxPool:
        with self._lock:
            if self._pool is None:
                # One spare kept warm: see SandboxPool (a query killed at its deadline must
                # not leave other clients waiting for its replacement to start).
                self._pool = SandboxPool(
                    self._workers, self._memory_mb, per_client=self._per_client, spare=1
                )
            return self._pool

    def _routes(self) -> SandboxPool:
        with self._lock:
            if self._route_pool is None:
                # The server's own queries: at its priority, not in the idle class, and shared
                # by no client quota (each request has its deadline).
                self._route_pool = SandboxPool(self._route_workers, self._memory_mb, idle=False)
            return self._route_pool

    def route_evaluator(self, started: float) -> Evaluator | None:
        """How a REST request begun at ``started`` (monotonic) reads the store: in a killable
        worker, stopped at ``started`` + the route deadline.

        None (read in this process) for a store whose snapshots are not cheap to take (a
        memory store would be dumped after every write; a SPARQL server has none and stops
        its own evaluation at its HTTP timeout).
        """
        if not self.store.cheap_reader_snapshots():
            return None
        deadline = started + self.route_timeout

        def evaluate(store: GraphStore, text: str) -> QueryResult | None:
            if store is not self.store:
                return None  # another store the request opened: read it where it is
            return self._route_query(text, deadline)

        return evaluate

    def _route_query(self, text: str, deadline: float) -> QueryResult | None:
        """The result of ``text`` from a route worker; None: evaluate it in this process."""
        with self.hold_snapshot() as snapshot:
            if snapshot is None:
                # Asking the store here would come back to this evaluator: let it read itself.
                return None
            try:
                answer = self._routes().run(
                    (snapshot.kind, snapshot.where), text, {"union": True}, _ROUTE_ROWS, deadline
                )
            except TimeoutError:
                raise RouteTimeoutError(
                    f"the request did not finish within {self.route_timeout:g} s "
                    "(TCMKG_ROUTE_TIMEOUT_SECONDS); its evaluation was stopped. Narrow it (a "
                    "smaller page, a more specific name) or try again when the server is less "
                    "busy"
                ) from None
            except SandboxError as err:
                raise QueryFailedError(str(err), err.status) from None
        return self._result(answer)

    def start(self) -> None:
        """Start the query workers now (when the store has snapshots), so none waits for them."""
        snapshot = self.store.reader_snapshot()
        if snapshot is not None:
            with self._lock:
                self._made.add(snapshot)
            self._sandbox()
            if self.store.cheap_reader_snapshots():
                self._routes()

    def worker_pids(self) -> list[int]:
        """Process ids of the sandboxed query workers (none before the first query)."""
        return self._pool.pids() if self._pool is not None else []

    def close(self) -> None:
        """Stop the query workers and remove the snapshots they read."""
        with self._lock:
            pool, self._pool = self._pool, None
            routes, self._route_pool = self._route_pool, None
        for each in (pool, routes):
            if each is not None:
                each.close()
        for snapshot in list(self._made):
            self.store.discard_reader_snapshot(snapshot)
        self._made.clear()

    @contextlib.contextmanager
    def hold_snapshot(self) -> Iterator[ReaderSnapshot | None]:
        """The store's reader snapshot as it is now, kept on disk until the block ends.

        For readers outside the query workers (a streamed export) that must see one state of
        the store however long they take and however many writes land meanwhile. None for a
        store without snapshots (a SPARQL server).
        """
        snapshot = self.store.reader_snapshot()
        if snapshot is None:
            yield None
            return
        with self._lock:
            self._using[snapshot] += 1
            self._made.add(snapshot)
        try:
            yield snapshot
        finally:
            with self._lock:
                self._using[snapshot] -= 1
            self._retire(snapshot)

    def check(self, text: str, what: str = "query") -> bool:
        """Refuse (GuardError) a text over the limits; return whether it names its dataset."""
        return check(
            text, max_bytes=self.max_bytes, max_depth=self.max_depth, what=what
        ).names_own_dataset

    def run(
        self, query: str, dataset: Dataset | None = None, client: str | None = None
    ) -> QueryResult:
        """Evaluate ``query`` for ``client`` (an address: see the per-client share).

        Raises GuardError, QuerySyntaxError, QueryTimeoutError, ShareExhaustedError (the
        client's own queries held its share until the deadline), ResultTooLargeError,
        QueryFailedError or StoreError.
        """
        dataset = dataset or Dataset()
        own_dataset = self.check(query)
        deadline = time.monotonic() + self.timeout
        options: dict[str, Any] = {}
        if dataset.given:
            # The protocol dataset replaces FROM/FROM NAMED; a part not given is empty.
            options["default"] = list(dataset.default_graphs)
            options["named"] = list(dataset.named_graphs)
        elif not own_dataset:
            # The product's convention: the default graph is the union of all record graphs.
            options["union"] = True
        with self.hold_snapshot() as snapshot:
            if snapshot is None:
                return self._forward(query, dataset, deadline)
            try:
                answer = self._sandbox().run(
                    (snapshot.kind, snapshot.where), query, options, self.max_rows, deadline, client
                )
            except ShareExhausted:
                raise ShareExhaustedError(
                    f"this client's earlier queries held its {self._per_client} query worker(s) "
                    f"(TCMKG_QUERY_WORKERS_PER_CLIENT) for {self.timeout:g} s; send queries one "
                    "at a time or wait for the running ones"
                ) from None
            except TimeoutError:
                raise self._timed_out() from None
            except SandboxError as err:
                raise QueryFailedError(str(err), err.status) from None
        return self._result(answer)

    def rehearse_update(self, update: str) -> None:
        """Run ``update`` on a throw-away copy of the store under the deadline.

        Returns when the rehearsal finished in time (the caller then applies the update to the
        live store, holding its write lock throughout). Does nothing for a store without
        snapshots. The caller has passed the update through :meth:`check`. Raises
        QuerySyntaxError, QueryTimeoutError (nothing written), QueryFailedError (memory limit,
        crash) or StoreError.
        """
        deadline = time.monotonic() + self.timeout
        if _data_only(update):
            return
        with self.hold_snapshot() as snapshot:
            if snapshot is None:
                return
            # Beside the snapshot, so that hard links work and the store's own clean-up of its
            # snapshot folder removes a copy a crash left behind.
            copy = f"{snapshot.where}.update-{next(self._rehearsals)}"
            try:
                answer = self._sandbox().run(
                    (snapshot.kind, snapshot.where), update, {"rehearse": copy}, 0, deadline
                )
            except TimeoutError:
                raise QueryTimeoutError(
                    f"update did not finish within {self.timeout:g} s "
                    "(TCMKG_QUERY_TIMEOUT_SECONDS); nothing was written. Split it into smaller "
                    "updates or narrow its WHERE patterns"
                ) from None
            except SandboxError as err:
                raise QueryFailedError(f"{err}; nothing was written", err.status) from None
            finally:
                # A child killed at the deadline could not remove its copy.
                shutil.rmtree(copy, ignore_errors=True)
        if answer[0] == "syntax":
            raise QuerySyntaxError(f"SPARQL update syntax error: {answer[1]}")
        if answer[0] == "memory":
            raise QueryFailedError(
                f"update exceeded the memory limit of {self._memory_mb:,} MB "
                "(TCMKG_QUERY_MEMORY_MB); nothing was written",
                503,
            )
        if answer[0] != "updated":
            raise StoreError(f"update failed: {answer[1]}")

    def _retire(self, current: ReaderSnapshot) -> None:
        # Remove the snapshots no request and no worker reads any more.
        held: set[str] = set()
        for pool in (self._pool, self._route_pool):
            if pool is not None:
                held |= pool.held()
        with self._lock:
            done = [
                s
                for s in self._made
                if s != current and self._using[s] <= 0 and s.where not in held
            ]
            for s in done:
                self._made.discard(s)
                del self._using[s]
        for s in done:
            self.store.discard_reader_snapshot(s)

    def _result(self, answer: tuple[Any, ...]) -> QueryResult:
        kind = answer[0]
        if kind == "select":
            return SelectResult(answer[1], answer[2])
        if kind == "ask":
            return bool(answer[1])
        if kind == "graph":
            triples: QueryResult = answer[1]
            return triples
        if kind == "too_large":
            raise self._too_large()
        if kind == "syntax":
            raise QuerySyntaxError(str(answer[1]))
        if kind == "memory":
            raise QueryFailedError(
                f"query exceeded the memory limit of {self._memory_mb:,} MB "
                "(TCMKG_QUERY_MEMORY_MB); add LIMIT or narrow the patterns",
                503,
            )
        raise StoreError(f"query failed: {answer[1]}")

    def _timed_out(self) -> QueryTimeoutError:
        return QueryTimeoutError(
            f"query did not finish within {self.timeout:g} s (TCMKG_QUERY_TIMEOUT_SECONDS); "
            "add LIMIT or narrow the patterns"
        )

    def _too_large(self) -> ResultTooLargeError:
        return ResultTooLargeError(
            f"the result has more than {self.max_rows:,} rows (TCMKG_MAX_RESULT_ROWS); "
            "add LIMIT or page with OFFSET"
        )

    def _forward(self, query: str, dataset: Dataset, deadline: float) -> QueryResult:
        """A store without snapshots evaluates the query itself: wait for it until the deadline."""
        if dataset.given:
            raise DatasetUnsupportedError(
                "default-graph-uri/named-graph-uri are supported on the embedded store only; "
                "use FROM / FROM NAMED in the query"
            )
        if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise QueryTimeoutError(
                f"every query worker stayed busy for {self.timeout:g} s "
                "(TCMKG_QUERY_TIMEOUT_SECONDS); try again later"
            )
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = self.store.query(query)
            except BaseException as err:  # handed to the waiting request thread
                outcome["error"] = err
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=work, name="sparql-query", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise self._timed_out()
        if "error" in outcome:
            raise outcome["error"]
        result: QueryResult = outcome["result"]
        size = len(result) if isinstance(result, SelectResult | list) else 0
        if size > self.max_rows:
            raise self._too_large()
        return result
