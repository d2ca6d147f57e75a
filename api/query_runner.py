"""Running user SPARQL queries under a time limit and a result-size limit.

pyoxigraph has no query timeout, and a running Oxigraph evaluation cannot be interrupted from
Python. Each query therefore runs in its own daemon thread (pyoxigraph releases the GIL while
it evaluates, so the server keeps answering), and the request waits for it until the deadline.
Past the deadline the request is answered with :class:`QueryTimeoutError`; the thread is told
to stop and does so at the next result row it reads. A query that computes everything before
its first row (ORDER BY or GROUP BY over a huge set) keeps its thread busy until it gets
there — that is the known limitation — so at most ``workers`` queries evaluate at once, and a
query that cannot get a worker before its own deadline is refused the same way instead of
queueing forever.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QuerySolution,
    QuerySolutions,
    QueryTriples,
    Triple,
)

from kg.store import GraphStore, QueryResult, QuerySyntaxError, SelectResult, StoreError
from kg.stores.oxigraph import OxigraphStore

# How often (in rows) the evaluating thread looks at the cancel flag and the deadline.
_CHECK_EVERY = 512


class QueryTimeoutError(StoreError):
    """The query did not finish within the time limit."""


class ResultTooLargeError(StoreError):
    """The query has more result rows (or triples) than the configured limit."""


class DatasetUnsupportedError(StoreError):
    """default-graph-uri / named-graph-uri given for a backend that cannot take them."""


@dataclass(frozen=True)
class Dataset:
    """An RDF dataset given through the protocol (``default-graph-uri``/``named-graph-uri``)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        """Whether the request named any graph (the protocol dataset then replaces the query's)."""
        return bool(self.default_graphs or self.named_graphs)


_COMMENT_OR_STRING = re.compile(
    r"#[^\n]*|\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''|\"(?:[^\"\\\n]|\\.)*\""
    r"|'(?:[^'\\\n]|\\.)*'",
    re.DOTALL,
)
_FROM = re.compile(r"(?i)(?<![\w?$])FROM\s+(?:NAMED\s+)?(?:<[^>\s]*>|[A-Za-z_][\w.-]*:|:)")


_IRI = re.compile(r"<[^<>\s\"{}|^`\\]*>")
# SERVICE makes the engine send HTTP requests and LOAD fetches documents: from a public
# endpoint both would let any client make the server reach other hosts, so they are refused.
_OUTBOUND = re.compile(r"(?i)(?<![\w?$:.-])(SERVICE|LOAD)(?![\w:.-])")


def _code_only(text: str) -> str:
    return _COMMENT_OR_STRING.sub(" ", text)


def names_own_dataset(query: str) -> bool:
    """Whether the query text has ``FROM``/``FROM NAMED`` (outside comments and strings)."""
    return bool(_FROM.search(_code_only(query)))


def outbound_feature(text: str) -> str | None:
    """``SERVICE`` or ``LOAD`` when the query or update uses one (outside strings and IRIs)."""
    match = _OUTBOUND.search(_IRI.sub(" ", _code_only(text)))
    return match.group(1).upper() if match else None


class _CancelledError(Exception):
    pass


class QueryRunner:
    """Runs queries against one store with a deadline, a row limit and a bounded worker count."""

    def __init__(
        self, store: GraphStore, *, timeout: float, max_rows: int, workers: int = 4
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self._slots = threading.BoundedSemaphore(workers)

    def run(self, query: str, dataset: Dataset | None = None) -> QueryResult:
        """Evaluate ``query``.

        Raises QuerySyntaxError, QueryTimeoutError, ResultTooLargeError or StoreError.
        """
        dataset = dataset or Dataset()
        deadline = time.monotonic() + self.timeout
        if not self._slots.acquire(timeout=self.timeout):
            raise QueryTimeoutError(
                f"every query worker stayed busy for {self.timeout:g} s "
                "(TCMKG_QUERY_TIMEOUT_SECONDS); try again later"
            )
        done = threading.Event()
        cancel = threading.Event()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = self._evaluate(query, dataset, cancel, deadline)
            except _CancelledError:
                pass
            except BaseException as err:  # handed to the waiting request thread
                outcome["error"] = err
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=work, name="sparql-query", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            cancel.set()
            raise QueryTimeoutError(
                f"query did not finish within {self.timeout:g} s (TCMKG_QUERY_TIMEOUT_SECONDS); "
                "add LIMIT or narrow the patterns"
            )
        if "error" in outcome:
            raise outcome["error"]
        if "result" not in outcome:
            raise QueryTimeoutError(f"query did not finish within {self.timeout:g} s")
        result: QueryResult = outcome["result"]
        return result

    def _too_large(self) -> ResultTooLargeError:
        return ResultTooLargeError(
            f"the result has more than {self.max_rows:,} rows (TCMKG_MAX_RESULT_ROWS); "
            "add LIMIT or page with OFFSET"
        )

    def _check(self, n: int, cancel: threading.Event, deadline: float) -> None:
        if n > self.max_rows:
            raise self._too_large()
        if n % _CHECK_EVERY == 0 and (cancel.is_set() or time.monotonic() > deadline):
            raise _CancelledError

    def _evaluate(
        self, query: str, dataset: Dataset, cancel: threading.Event, deadline: float
    ) -> QueryResult:
        if isinstance(self.store, OxigraphStore):
            return self._evaluate_oxigraph(self.store, query, dataset, cancel, deadline)
        if dataset.given:
            raise DatasetUnsupportedError(
                "default-graph-uri/named-graph-uri are supported on the embedded store only; "
                "use FROM / FROM NAMED in the query"
            )
        result = self.store.query(query)
        size = len(result) if isinstance(result, SelectResult | list) else 0
        if size > self.max_rows:
            raise self._too_large()
        return result

    def _evaluate_oxigraph(
        self,
        store: OxigraphStore,
        query: str,
        dataset: Dataset,
        cancel: threading.Event,
        deadline: float,
    ) -> QueryResult:
        options: dict[str, Any] = {}
        if dataset.given:
            # The protocol dataset replaces FROM/FROM NAMED; a part not given is empty.
            options["default_graph"] = [NamedNode(g) for g in dataset.default_graphs]
            options["named_graphs"] = [NamedNode(g) for g in dataset.named_graphs]
        elif not names_own_dataset(query):
            # The product's convention: the default graph is the union of all record graphs.
            options["use_default_graph_as_union"] = True
        # pyoxigraph's result iterators may only be dropped by the thread that made them; an
        # error raised from here travels to the request thread with this frame in its
        # traceback, so the references are cleared here, in this thread, on every exit.
        result: QuerySolutions | QueryBoolean | QueryTriples | None = None
        solution: QuerySolution | None = None
        try:
            result = store.raw.query(query, **options)
            if isinstance(result, QueryBoolean):
                return bool(result)
            if isinstance(result, QueryTriples):
                triples: list[Triple] = []
                for triple in result:
                    triples.append(triple)
                    self._check(len(triples), cancel, deadline)
                return triples
            assert isinstance(result, QuerySolutions)
            variables = tuple(v.value for v in result.variables)
            width = range(len(variables))
            rows = []
            for solution in result:
                rows.append(tuple(solution[i] for i in width))
                self._check(len(rows), cancel, deadline)
            return SelectResult(variables, rows)
        except SyntaxError as err:
            raise QuerySyntaxError(str(err)) from err
        except OSError as err:
            raise StoreError(f"query failed: {err}") from err
        finally:
            result = None
            solution = None
