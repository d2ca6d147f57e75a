"""``GET /export``: streamed dumps of the graph (Turtle, N-Triples, N-Quads, TriG, JSON-LD, KGX).

The dump is the state of the store at the request. On a store with reader snapshots (the
embedded ones, :meth:`kg.store.GraphStore.reader_snapshot`) the route holds the snapshot taken
at the request (:meth:`api.query_runner.QueryRunner.hold_snapshot`) until the export ends, and a
child process (:mod:`kg.export_child`) opens it read-only and writes the format to its standard
output. The child runs in the idle scheduling class, so a long export (minutes on a
multi-million-triple store) takes only CPU time the server's own work leaves free, holds no query
worker, and sees none of the writes that land while it runs; it dies with the server. A store
without snapshots (a SPARQL server, which does the work itself) and a format registered outside
:mod:`kg.export` (which the child does not know) are written by a thread of the server against
the live store.

Either way the bytes go through a small bounded queue that the response drains, so a large
store streams with flat memory. If the client goes away, or reads nothing for
``STALLED_SECONDS``, the export stops (the child is killed and reaped); if the export fails
half-way (the child exits non-zero: its standard error is logged) the connection is cut rather
than ending cleanly, so a client never mistakes a truncated dump for a complete one.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import select
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse
from pyoxigraph import NamedNode
from starlette.types import Receive, Scope, Send

import kg.export
from api.deps import Context
from api.identifiers import iri_schema
from api.models import ErrorOut
from kg.export import ExportFormat, export_formats
from kg.store import GraphStore, ReaderSnapshot

log = logging.getLogger(__name__)
router = APIRouter(tags=["export"])

CHUNK = 64 * 1024
QUEUE_CHUNKS = 32  # at most ~2 MiB waiting for a slow client
STALLED_SECONDS = 120.0
CHILD_MODULE = "kg.export_child"
# The child is started in the folder that holds the kg package, so ``-m`` finds the same code
# as the server's whatever the server's working folder (and nothing else named kg there).
_CODE_ROOT = str(Path(kg.export.__file__).resolve().parent.parent)
# The child's pipe (Linux's default is 64 KiB): a larger one lets the child write on while the
# server sends, which made an N-Quads export of 20 MB about a quarter faster.
PIPE_BYTES = 1024 * 1024
_POLL_SECONDS = 0.5  # how often a producer waiting on a silent child looks for a gone client
_STDERR_SHOWN = 2000  # characters of a failed child's standard error put in the log


# The formats GET /export documents: the registered ones, refreshed when an app is built.
FORMAT_NAMES: list[str] = []
_MEDIA_TYPES: dict[str, dict[str, object]] = {}


def document_formats() -> None:
    """Make the OpenAPI document list the export formats registered now."""
    FORMAT_NAMES[:] = [fmt.name for fmt in export_formats()]
    _MEDIA_TYPES.clear()
    _MEDIA_TYPES.update({fmt.media_type: {"schema": {}} for fmt in export_formats()})


document_formats()


_END = object()


class ClientGoneError(OSError):
    """The client stopped reading: the producer gives up."""


class QueueWriter:
    """A write-only binary stream that hands fixed-size chunks to a bounded queue."""

    def __init__(self, chunks: queue.Queue[object], stop: threading.Event) -> None:
        self._chunks = chunks
        self._stop = stop
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        """Buffer ``data``; pass full chunks on, waiting while the queue is full."""
        self._buffer += data
        while len(self._buffer) >= CHUNK:
            self.send(bytes(self._buffer[:CHUNK]))
            del self._buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks leave on :meth:`close`."""

    def close(self) -> None:
        """Pass on what is left in the buffer."""
        if self._buffer:
            self.send(bytes(self._buffer))
            self._buffer.clear()

    def check(self) -> None:
        """Raise ClientGoneError if the reader has gone."""
        if self._stop.is_set():
            raise ClientGoneError("the client closed the connection")

    def send(self, item: object) -> None:
        """Queue ``item``; raise ClientGoneError when the reader has gone."""
        # A response that is never read (the client left before it started) never sets stop:
        # a queue that stays full this long is taken as the same thing.
        waited = 0.0
        while waited < STALLED_SECONDS:
            self.check()
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                waited += 0.5
        raise ClientGoneError(f"the client read nothing for {STALLED_SECONDS:g} s")


@contextlib.contextmanager
def _producing(
    fmt: ExportFormat, writer: QueueWriter, failure: list[BaseException]
) -> Iterator[None]:
    """End a producer however it ends: a gone client is no failure, any other error is
    recorded (the response is then cut), and the end marker follows in every case."""
    try:
        yield
    except ClientGoneError:
        pass
    except Exception as err:
        log.exception("export %s failed", fmt.name)
        failure.append(err)
    finally:
        # Waits like any chunk: a slow reader still gets the end; a vanished one does not.
        with contextlib.suppress(ClientGoneError):
            writer.send(_END)


def _produce(
    store: GraphStore,
    fmt: ExportFormat,
    graph: str | None,
    writer: QueueWriter,
    failure: list[BaseException],
) -> None:
    with _producing(fmt, writer, failure):
        fmt.write(store, cast(BinaryIO, writer), graph)
        writer.close()


def in_child(fmt: ExportFormat) -> bool:
    """Whether the export child can write ``fmt``: it knows the formats of :mod:`kg.export`.

    A format registered elsewhere (by a plugin, or a test) exists only in the server process.
    """
    return getattr(fmt.write, "__module__", None) == kg.export.__name__


def _copy(child: subprocess.Popen[bytes], writer: QueueWriter) -> None:
    """Pass the child's standard output on until it ends; ClientGoneError if the client left."""
    assert child.stdout is not None
    fd = child.stdout.fileno()
    while True:
        # A child may compute for a while before its first byte (the KGX node query): look for
        # a gone client meanwhile, so that it is killed then, not when it next writes.
        writer.check()
        if not select.select([fd], [], [], _POLL_SECONDS)[0]:
            continue
        data = os.read(fd, CHUNK)
        if not data:
            return
        writer.write(data)


def _produce_in_child(
    snapshot: ReaderSnapshot,
    fmt: ExportFormat,
    graph: str | None,
    writer: QueueWriter,
    failure: list[BaseException],
    held: contextlib.ExitStack,
) -> None:
    """Run :mod:`kg.export_child` on ``snapshot``; ``held`` keeps the snapshot until it ends."""
    command = [
        sys.executable,
        "-s",
        "-m",
        CHILD_MODULE,
        str(os.getpid()),
        snapshot.kind,
        os.path.abspath(snapshot.where),
        fmt.name,
        *([graph] if graph is not None else []),
    ]
    # Standard error goes to a file: a pipe nobody reads could fill and stall the child. The
    # snapshot (held) is let go before the end marker goes out.
    with _producing(fmt, writer, failure), held, tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            close_fds=True,
            cwd=_CODE_ROOT,
        )
        assert child.stdout is not None
        # A larger pipe lets the child write on while the server is busy sending.
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(child.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        try:
            _copy(child, writer)
            code = child.wait()
            if code != 0:
                errors.seek(0)
                said = errors.read().decode("utf-8", "replace").strip()[-_STDERR_SHOWN:]
                log.error("export %s failed (exit %s): %s", fmt.name, code, said)
                failure.append(RuntimeError(f"the export process exited with {code}"))
            else:
                writer.close()
        finally:
            # A client that left or stalled, or a failure here: the export stops now.
            if child.poll() is None:
                child.kill()
            child.wait()
            assert child.stdout is not None
            child.stdout.close()


def _drain(
    chunks: queue.Queue[object], stop: threading.Event, failure: list[BaseException]
) -> Iterator[bytes]:
    try:
        while True:
            try:
                item = chunks.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                # A producer that saw the client go sends no end: do not wait for one.
                if stop.is_set():
                    return
                continue
            if item is _END:
                break
            assert isinstance(item, bytes)
            yield item
        if failure:
            # Raising here makes the server abort the response instead of ending it cleanly.
            raise RuntimeError(f"export failed part-way: {failure[0]}")
    finally:
        stop.set()


class ExportResponse(StreamingResponse):
    """A streamed dump that tells its producer to stop as soon as the response is over.

    A client that disconnects ends the response at once, but the iterator it was draining is
    closed only when the garbage collector gets to it (seconds or minutes later): without this
    the export would go on writing to nobody until then.
    """

    def __init__(self, content: Iterator[bytes], stop: threading.Event, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._stop = stop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._stop.set()


@router.get(
    "/export",
    operation_id="export_graph",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the dump, streamed",
            "content": _MEDIA_TYPES,
        },
        400: {"model": ErrorOut, "description": "graph is not an IRI, or graph with a KGX format"},
        # The route checks the format itself, so its 422 carries a message, not a list.
        422: {"model": ErrorOut, "description": "an unknown format"},
    },
)
def export(
    ctx: Context,
    format: Annotated[
        str,
        Query(
            description="A registered dump format: turtle, ntriples, nquads, trig, jsonld, "
            "kgx_nodes, kgx_edges …",
            json_schema_extra={"enum": FORMAT_NAMES},
        ),
    ] = "nquads",
    graph: Annotated[
        str | None,
        Query(
            description="IRI of one named graph (RDF formats only)",
            json_schema_extra=iri_schema(),
        ),
    ] = None,
) -> StreamingResponse:
    """Stream the whole graph (or one named graph) in a dump format."""
    known = {fmt.name: fmt for fmt in export_formats()}
    chosen = known.get(format)
    if chosen is None:
        raise HTTPException(status_code=422, detail=f"format must be one of {', '.join(known)}")
    if graph is not None:
        if chosen.whole_store:
            raise HTTPException(
                status_code=400, detail=f"{format} covers the whole graph: drop graph"
            )
        try:
            NamedNode(graph)
        except ValueError as err:
            raise HTTPException(status_code=400, detail=f"graph {graph!r}: {err}") from err
    chunks: queue.Queue[object] = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    failure: list[BaseException] = []
    writer = QueueWriter(chunks, stop)
    # Taken now, so the dump is the store at the request; the producer lets it go at its end.
    held = contextlib.ExitStack()
    snapshot = held.enter_context(ctx.runner.hold_snapshot()) if in_child(chosen) else None
    producer: threading.Thread
    if snapshot is None:
        held.close()
        producer = threading.Thread(
            target=_produce,
            args=(ctx.store, chosen, graph, writer, failure),
            name="export",
            daemon=True,
        )
    else:
        producer = threading.Thread(
            target=_produce_in_child,
            args=(snapshot, chosen, graph, writer, failure, held),
            name="export",
            daemon=True,
        )
    try:
        producer.start()
    except BaseException:
        held.close()
        raise
    return ExportResponse(
        _drain(chunks, stop, failure),
        stop,
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="{chosen.file_name}"'},
    )
