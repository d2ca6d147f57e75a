"""``GET /export``: streamed dumps of the graph (Turtle, N-Triples, N-Quads, TriG, JSON-LD, KGX).

The dump is written by :mod:`kg.export` in a producer thread into a small bounded queue that
the response drains, so a large store streams with flat memory. If the client goes away the
producer stops at its next write; if the producer fails half-way the connection is cut rather
than ending cleanly, so a client never mistakes a truncated dump for a complete one.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Annotated, BinaryIO, cast

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse
from pyoxigraph import NamedNode

from api.deps import Context
from api.identifiers import iri_schema
from api.models import ErrorOut
from kg.export import ExportFormat, export_formats
from kg.store import GraphStore

log = logging.getLogger(__name__)
router = APIRouter(tags=["export"])

CHUNK = 64 * 1024
QUEUE_CHUNKS = 32  # at most ~2 MiB waiting for a slow client
STALLED_SECONDS = 120.0


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

    def send(self, item: object) -> None:
        """Queue ``item``; raise ClientGoneError when the reader has gone."""
        # A response that is never read (the client left before it started) never sets stop:
        # a queue that stays full this long is taken as the same thing.
        waited = 0.0
        while waited < STALLED_SECONDS:
            if self._stop.is_set():
                raise ClientGoneError("the client closed the connection")
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                waited += 0.5
        raise ClientGoneError(f"the client read nothing for {STALLED_SECONDS:g} s")


def _produce(
    store: GraphStore,
    fmt: ExportFormat,
    graph: str | None,
    writer: QueueWriter,
    failure: list[BaseException],
) -> None:
    try:
        fmt.write(store, cast(BinaryIO, writer), graph)
        writer.close()
    except ClientGoneError:
        pass
    except Exception as err:
        log.exception("export %s failed", fmt.name)
        failure.append(err)
    finally:
        # Waits like any chunk: a slow reader still gets the end; a vanished one does not.
        with contextlib.suppress(ClientGoneError):
            writer.send(_END)


def _drain(
    chunks: queue.Queue[object], stop: threading.Event, failure: list[BaseException]
) -> Iterator[bytes]:
    try:
        while True:
            item = chunks.get()
            if item is _END:
                break
            assert isinstance(item, bytes)
            yield item
        if failure:
            # Raising here makes the server abort the response instead of ending it cleanly.
            raise RuntimeError(f"export failed part-way: {failure[0]}")
    finally:
        stop.set()


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
    producer = threading.Thread(
        target=_produce,
        args=(ctx.store, chosen, graph, writer, failure),
        name="export",
        daemon=True,
    )
    producer.start()
    return StreamingResponse(
        _drain(chunks, stop, failure),
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="{chosen.file_name}"'},
    )
