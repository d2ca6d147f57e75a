"""Extraction on Dask distributed: a local cluster of worker processes, or an existing cluster.

``tcmkg ingest --workers N`` and ``tcmkg extract --workers N`` start a :class:`LocalCluster` of
N single-threaded worker processes on the loopback interface (no dashboard); ``--scheduler
tcp://HOST:8786`` connects to a cluster started with ``dask scheduler`` and ``dask worker``.
Either way the documents are sent in chunks, one task per chunk, with at most two chunks per
worker thread in flight, and the outcomes come back to the calling process in input order: the
store is only ever written there. With ``ingest --shards DIR`` each task is a partition whose
worker writes its records as an N-Quads shard in DIR and returns only the shard's description
(:mod:`ingest.shards`); the calling process bulk-loads the shards in input order.

Each worker builds its extractor once, on its first chunk of a run. The run's vocabulary
(terms and whether the trained models run, and for shards the folder and the entities the
records name) reaches the workers once, as a worker plugin
registered for the run, not with every chunk; a worker that joins or restarts mid-run gets it
from the scheduler. A worker that dies has its chunks computed again on another worker, and a
chunk whose task raises is tried twice more before the error ends the run.

This module imports ``distributed`` (about a second): :mod:`ingest.pipeline` imports it only
when extraction runs on a cluster.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

from distributed import Client, Future, LocalCluster, Worker, WorkerPlugin, get_worker
from distributed.comm.addressing import get_address_host_port

from ingest.document import Document
from ingest.pipeline import ExtractorSpec, Outcome, extract_chunk
from ingest.shards import Shard, ShardSpec, write_shard

if TYPE_CHECKING:
    from ingest.extract import Extractor

IN_FLIGHT_PER_THREAD = 2  # chunks per worker thread sent ahead: keeps memory flat
RETRIES = 2  # further tries of a chunk whose task raised
_PLUGIN_PREFIX = "tcmkg-extractor-"
_R = TypeVar("_R")


class ClusterUnavailableError(Exception):
    """The Dask scheduler named by ``--scheduler`` cannot be reached, or its address is not one
    (the message names it)."""


class ExtractorPlugin(WorkerPlugin):
    """A run's extractor spec, held by every worker of the cluster under the run's name.

    The extractor itself is built by :meth:`ExtractorSpec.extractor` on the worker's first
    chunk, so registering the plugin returns at once and a worker that never gets a chunk
    never loads the models.
    """

    def __init__(self, spec: ExtractorSpec, shards: ShardSpec | None = None) -> None:
        self.spec = spec
        self.shards = shards  # where the run's shards go (ingest --shards), with its entities
        self.name = _PLUGIN_PREFIX + spec.token
        self.built: threading.local | None = None

    def setup(self, worker: Worker) -> None:
        """On the worker: a place for the extractor of each of its threads."""
        # Held by the plugin, so that unregistering it at the run's end (a shared cluster)
        # lets the worker free the pipeline.
        self.built = threading.local()

    def extractor(self) -> Extractor:
        """The run's extractor for the calling worker thread, built on its first chunk."""
        if self.built is None:  # not set up: a worker that never called setup
            self.built = threading.local()
        return self.spec.extractor(self.built)


def _extract_on_worker(plugin_name: str, documents: list[Document]) -> list[Outcome]:
    """The task of one chunk: the outcomes of ``documents`` on this worker's extractor."""
    plugin = get_worker().plugins[plugin_name]
    assert isinstance(plugin, ExtractorPlugin)  # registered by extract_on_cluster
    return extract_chunk(plugin.extractor(), documents)


def _shard_on_worker(plugin_name: str, partition: int, documents: list[Document]) -> Shard:
    """The task of one partition: its records written as a shard by this worker."""
    plugin = get_worker().plugins[plugin_name]
    assert isinstance(plugin, ExtractorPlugin) and plugin.shards is not None
    return write_shard(plugin.shards, partition, extract_chunk(plugin.extractor(), documents))


@contextmanager
def dask_client(workers: int = 1, scheduler: str | None = None) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, or of a new local cluster of ``workers``.

    The local cluster listens on 127.0.0.1 only, runs one thread per worker process (spaCy
    pipelines are not shared between threads) and logs warnings and errors only, so the
    command's own output stays readable. Client and cluster are closed on leaving, whether
    the run ended, failed or was interrupted. Raises :class:`ClusterUnavailableError` naming the
    address when a scheduler cannot be reached (waiting up to Dask's connect timeout,
    ``distributed.comm.timeouts.connect``, 30 s unless configured).
    """
    if scheduler is not None:
        try:
            # Checked first: a client given an address it cannot parse fails only after
            # waiting, and again when it is garbage-collected.
            get_address_host_port(scheduler)
        except ValueError as exc:
            raise ClusterUnavailableError(
                f"{scheduler!r} is not a Dask scheduler address (tcp://HOST:PORT): {exc}"
            ) from None
        try:
            client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterUnavailableError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=max(1, workers),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.WARNING,
    )
    try:
        client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def worker_threads(client: Client) -> int:
    """Task slots of the cluster now: the worker threads, summed over its workers (≥ 1)."""
    info: dict[str, Any] = client.scheduler_info()
    return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))


def extract_on_cluster(
    client: Client, chunks: Iterator[list[Document]], spec: ExtractorSpec
) -> Iterator[Outcome]:
    """The outcomes of every chunk, in input order, each chunk extracted by one task.

    Chunks are read from ``chunks`` only as results come back, at most two per worker thread
    ahead, so a corpus of any size is never held in memory. An exception other than the
    extractor's declared input error is a bug: it is raised here, ending the run.
    """
    plugin = ExtractorPlugin(spec)
    for outcomes in _in_order(client, plugin, _extract_on_worker, ((part,) for part in chunks)):
        yield from outcomes


def shard_on_cluster(
    client: Client, partitions: Iterator[list[Document]], spec: ExtractorSpec, shards: ShardSpec
) -> Iterator[Shard]:
    """The shard of every partition, in input order, each partition extracted and written by
    one task (see :mod:`ingest.shards`); memory and retries as :func:`extract_on_cluster`."""
    plugin = ExtractorPlugin(spec, shards)
    yield from _in_order(client, plugin, _shard_on_worker, enumerate(partitions))


def _in_order(
    client: Client,
    plugin: ExtractorPlugin,
    task: Callable[..., _R],
    arguments: Iterator[tuple[Any, ...]],
) -> Iterator[_R]:
    """``task(plugin name, *args)`` for each of ``arguments`` on the cluster, results in order,
    with the run's plugin held by the workers while it runs."""
    client.register_plugin(plugin, name=plugin.name)
    pending: deque[Future[_R]] = deque()
    try:
        in_flight = IN_FLIGHT_PER_THREAD * worker_threads(client)
        for args in arguments:
            pending.append(client.submit(task, plugin.name, *args, pure=False, retries=RETRIES))
            while len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # On an error or an interruption, stop the chunks still queued, and leave a shared
        # cluster without this run's vocabulary. Neither may hide the error being raised:
        # the cluster may be the thing that failed.
        with suppress(Exception):
            client.cancel(list(pending))
        with suppress(Exception):
            client.unregister_worker_plugin(plugin.name)
