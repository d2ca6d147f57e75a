"""``GET /export``: streamed dumps that parse back to the graph that was dumped.

On an embedded store the dump is written by a child process from the snapshot taken at the
request: the same bytes as an export of the store itself, none of the writes that land while it
streams, at idle CPU priority, and gone soon after the client leaves.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from pyoxigraph import RdfFormat, parse

from api.app import create_app
from kg import iri
from kg.export import export_format, export_formats
from kg.iri import expand, graph_iri
from kg.model import RecordBundle, RecordKind, SourceRecord
from kg.store import GraphStore, open_store
from kg.writer import bundle_quads
from tests.api.support import ASTRAGALUS, LiveServer, fill, settings, start_server
from tests.security import server

# rdflib, used here as an independent parser, warns about its own deprecated internals.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")


@pytest.mark.parametrize(
    ("fmt", "rdflib_format", "media"),
    [
        ("nquads", "nquads", "application/n-quads"),
        ("trig", "trig", "application/trig"),
    ],
)
def test_dataset_dump_round_trips(
    live: LiveServer, fmt: str, rdflib_format: str, media: str
) -> None:
    """A dataset dump holds every quad of the store, in its named graphs."""
    with httpx.stream("GET", f"{live.url}/export", params={"format": fmt}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(media)
        assert "attachment" in r.headers["content-disposition"]
        data = r.read()
    dataset = rdflib.Dataset()
    dataset.parse(data=data.decode("utf-8"), format=rdflib_format)
    assert len(list(dataset.quads((None, None, None, None)))) == live.store.count()
    record_graph = graph_iri("TCMKG.DOC:api-test-1")
    assert record_graph in {str(g.identifier) for g in dataset.graphs()}


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld"])
def test_one_graph_dump(live: LiveServer, fmt: str) -> None:
    """One named graph in a triple format: exactly that graph's triples."""
    graph = graph_iri("TCMKG.DOC:api-test-1")
    r = httpx.get(f"{live.url}/export", params={"format": fmt, "graph": graph})
    assert r.status_code == 200
    parsed = rdflib.Graph().parse(
        data=r.text, format={"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}[fmt]
    )
    assert len(parsed) == live.store.count(graph)
    assert (rdflib.URIRef(expand(ASTRAGALUS)), None, None) in parsed


def test_kgx_nodes_and_edges(live: LiveServer) -> None:
    """KGX JSON Lines: one node per entity, one edge per claim, each line a JSON object."""
    nodes = httpx.get(f"{live.url}/export", params={"format": "kgx_nodes"})
    edges = httpx.get(f"{live.url}/export", params={"format": "kgx_edges"})
    node_ids = {json.loads(line)["id"] for line in nodes.text.splitlines()}
    assert ASTRAGALUS in node_ids
    edge_rows = [json.loads(line) for line in edges.text.splitlines()]
    assert {(e["subject"], e["object"]) for e in edge_rows if e["subject"] == ASTRAGALUS}
    assert all("predicate" in e for e in edge_rows)


def test_export_bad_input(live: LiveServer) -> None:
    """An unknown format is 422; a graph that is not an IRI, or a graph with KGX, is 400."""
    assert httpx.get(f"{live.url}/export", params={"format": "xlsx"}).status_code == 422
    bad = httpx.get(f"{live.url}/export", params={"format": "turtle", "graph": "no iri"})
    assert bad.status_code == 400
    kgx = httpx.get(
        f"{live.url}/export", params={"format": "kgx_edges", "graph": "http://example.org/g"}
    )
    assert kgx.status_code == 400


def test_large_dump_streams_in_many_chunks() -> None:
    """A dump far larger than one chunk and the queue arrives whole, chunk by chunk."""
    store = open_store("memory:")
    quads = "\n".join(
        f'<http://example.org/s{i}> <http://example.org/p> "{"x" * 200} {i}" '
        f"<http://example.org/g{i % 7}> ."
        for i in range(20_000)
    )
    store.load(quads.encode(), RdfFormat.N_QUADS)
    server = start_server(create_app(store, settings()), store)
    try:
        received = 0
        lines = 0
        with httpx.stream("GET", f"{server.url}/export", params={"format": "nquads"}) as r:
            for chunk in r.iter_bytes():
                received += len(chunk)
                lines += chunk.count(b"\n")
        assert lines == 20_000
        assert received > 4_000_000  # ~60 chunks of 64 KiB through a 32-chunk queue
    finally:
        server.stop()
        store.close()


# -- the export child -----------------------------------------------------------------------
BUILT_IN = ("turtle", "ntriples", "nquads", "trig", "jsonld", "kgx_nodes", "kgx_edges")
FILLER_QUADS = 60_000  # ~15 MB of N-Quads: far more than the queue, the pipe and the sockets


def direct_dump(store: GraphStore, fmt: str, graph: str | None = None) -> bytes:
    """What :mod:`kg.export` writes for ``store`` itself, in this process."""
    out = io.BytesIO()
    export_format(fmt).write(store, out, graph)
    return out.getvalue()


def export_children(parent: int | None = None) -> list[int]:
    """Process ids of the export children of ``parent`` (this process), zombies included."""
    parent = os.getpid() if parent is None else parent
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if int(stat[1]) == parent and b"kg.export_child" in cmdline:
            found.append(int(proc.name))
    return found


@contextlib.contextmanager
def slow_reader(timeout: float = 120) -> Iterator[httpx.Client]:
    """A client whose socket buffers little of what it does not read yet.

    Linux lets a loopback receive buffer grow to tens of megabytes: a client reading one chunk
    would otherwise let the whole dump leave the server at once, and the export would be over
    before a test could look at it mid-stream.
    """
    small = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)]
    transport = httpx.HTTPTransport(socket_options=small)
    with httpx.Client(transport=transport, timeout=timeout) as client:
        yield client


def exists(pid: int) -> bool:
    """Whether ``pid`` is still a process (a zombie not yet reaped counts)."""
    return Path(f"/proc/{pid}").exists()


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def filler_quads() -> bytes:
    """N-Quads of one large filler graph, so that a dump takes a while to stream."""
    return "\n".join(
        f'<http://example.org/s{i}> <http://example.org/p> "{"x" * 200} {i}" '
        "<http://example.org/filler> ."
        for i in range(FILLER_QUADS)
    ).encode()


@pytest.fixture(scope="module")
def small_disk_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server over an on-disk store holding the illustrative graph."""
    store = open_store(f"oxigraph:{tmp_path_factory.mktemp('export') / 'store'}")
    fill(store)
    server = start_server(create_app(store, settings()), store)
    yield server
    server.stop()
    store.close()


@pytest.fixture(scope="module")
def disk_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server over an on-disk store: the illustrative graph and a large filler graph."""
    store = open_store(f"oxigraph:{tmp_path_factory.mktemp('export') / 'store'}")
    fill(store)
    store.load(filler_quads(), RdfFormat.N_QUADS)
    server = start_server(create_app(store, settings()), store)
    yield server
    server.stop()
    store.close()


def test_built_in_formats_are_those_the_child_writes() -> None:
    """Every format these tests compare is registered (a new one is compared once added)."""
    assert set(BUILT_IN) <= {fmt.name for fmt in export_formats()}


@pytest.mark.parametrize("fmt", BUILT_IN)
def test_dump_is_byte_identical_to_a_direct_export(small_disk_live: LiveServer, fmt: str) -> None:
    """On disk the child reads a checkpoint of the store: the very bytes of a direct export."""
    r = httpx.get(f"{small_disk_live.url}/export", params={"format": fmt}, timeout=60)
    assert r.status_code == 200
    assert r.content == direct_dump(small_disk_live.store, fmt)


def rdf_content(fmt: str, data: bytes) -> set[object]:
    """The quads (or triples) a dump holds, whatever their order."""
    if fmt.startswith("kgx"):
        return {line for line in data.splitlines()}
    rdf = {"turtle": RdfFormat.TURTLE, "trig": RdfFormat.TRIG, "jsonld": RdfFormat.JSON_LD}
    if fmt in rdf:
        return set(parse(data, rdf[fmt]))
    return set(data.splitlines())


@pytest.mark.parametrize("fmt", BUILT_IN)
def test_memory_store_dump_holds_the_same_graph(live: LiveServer, fmt: str) -> None:
    """In memory the child loads an N-Quads snapshot: the same statements, in its own order.

    A memory store lists its quads in the order they were inserted, which a reload does not
    keep; the graph is the same.
    """
    r = httpx.get(f"{live.url}/export", params={"format": fmt}, timeout=60)
    assert r.status_code == 200
    direct = direct_dump(live.store, fmt)
    assert len(r.content) == len(direct)
    assert rdf_content(fmt, r.content) == rdf_content(fmt, direct)


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_one_graph_dump_is_byte_identical(small_disk_live: LiveServer, fmt: str) -> None:
    """A named graph's dump from the child is the direct export of that graph."""
    graph = graph_iri("TCMKG.DOC:api-test-3")
    r = httpx.get(
        f"{small_disk_live.url}/export", params={"format": fmt, "graph": graph}, timeout=60
    )
    assert r.status_code == 200
    assert r.content == direct_dump(small_disk_live.store, fmt, graph)


def new_record(n: int) -> tuple[str, list[object]]:
    """A new illustrative record: its graph IRI and quads."""
    bundle = RecordBundle(
        SourceRecord(
            f"TCMKG.DOC:api-export-write-{n}",
            RecordKind.DOCUMENT,
            title=f"Illustrative record {n} written while an export streams",
            year=2024,
            illustrative=True,
        )
    )
    quads = bundle_quads(bundle)
    return quads[0].graph_name.value, list(quads)  # type: ignore[union-attr]


def test_write_during_an_export_is_not_in_the_dump(disk_live: LiveServer) -> None:
    """The dump is the store at the request: a record written while it streams is absent."""
    store = disk_live.store
    before = direct_dump(store, "nquads")
    graph, quads = new_record(1)
    received = bytearray()
    try:
        with (
            slow_reader() as client,
            client.stream("GET", f"{disk_live.url}/export", params={"format": "nquads"}) as r,
        ):
            chunks = r.iter_bytes()
            received += next(chunks)
            # Mid-stream: the child is still writing the dump when the record lands.
            assert export_children(), "the export ended before the write: make the filler larger"
            store.replace_graph(graph, quads)  # type: ignore[arg-type]
            assert store.count(graph) > 0
            for chunk in chunks:
                received += chunk
        assert graph.encode() not in received
        assert bytes(received) == before
        # The next export is taken after the write and holds the record.
        after = httpx.get(f"{disk_live.url}/export", params={"format": "nquads"}, timeout=60)
        assert graph.encode() in after.content
    finally:
        store.drop_graph(graph)


CLAIMS = 20_000  # ~10 MB of KGX edges, read in 40 batches of claims
BIOLINK = "https://w3id.org/biolink/vocab/"
CLAIM_TYPE = "https://w3id.org/tcmkg/ontology#Claim"


@pytest.fixture(scope="module")
def claims_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server over an on-disk store of many bare claims (synthetic, illustrative)."""
    store = open_store(f"oxigraph:{tmp_path_factory.mktemp('claims') / 'store'}")
    padding = "x" * 300  # long subject IRIs: a large dump from a store quick to build
    lines = []
    for i in range(CLAIMS):
        claim, graph = f"<http://example.org/claim/{i}>", f"<http://example.org/record/{i % 50}>"
        lines += [
            f"{claim} <{iri.RDF}type> <{CLAIM_TYPE}> {graph} .",
            f"{claim} <{BIOLINK}subject> <http://example.org/herb/{padding}/{i}> {graph} .",
            f"{claim} <{BIOLINK}predicate> <{BIOLINK}treats> {graph} .",
            f"{claim} <{BIOLINK}object> <http://example.org/disease/{i % 7}> {graph} .",
        ]
    store.load("\n".join(lines).encode(), RdfFormat.N_QUADS)
    server = start_server(create_app(store, settings()), store)
    yield server
    server.stop()
    store.close()


def test_evidence_written_during_a_kgx_export_is_not_in_it(claims_live: LiveServer) -> None:
    """KGX edges are read claim batch by claim batch: evidence added mid-stream is in none."""
    store = claims_live.store
    before = direct_dump(store, "kgx_edges")
    source = expand("PMID:12345678")
    add_evidence = f"""
        INSERT {{ GRAPH ?g {{
            ?claim <https://w3id.org/tcmkg/ontology#hasEvidence> ?evidence .
            ?evidence <http://www.w3.org/ns/prov#wasDerivedFrom> <{source}> }} }}
        WHERE {{ GRAPH ?g {{ ?claim a <{CLAIM_TYPE}> }}
                 BIND(IRI(CONCAT(STR(?claim), "/evidence")) AS ?evidence) }}"""
    received = bytearray()
    try:
        with (
            slow_reader() as client,
            client.stream("GET", f"{claims_live.url}/export", params={"format": "kgx_edges"}) as r,
        ):
            chunks = r.iter_bytes()
            received += next(chunks)
            assert export_children(), "the export ended before the write: add claims"
            store.update(add_evidence)
            for chunk in chunks:
                received += chunk
        assert b"PMID:12345678" not in received
        assert bytes(received) == before
        after = httpx.get(f"{claims_live.url}/export", params={"format": "kgx_edges"}, timeout=120)
        assert after.content.count(b"PMID:12345678") == CLAIMS
    finally:
        derived = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
        store.update(f"DELETE WHERE {{ GRAPH ?g {{ ?e {derived} <{source}> }} }}")


def test_export_child_is_gone_after_the_client_leaves(disk_live: LiveServer) -> None:
    """A client that disconnects mid-stream: the child is killed and reaped within seconds."""
    with (
        slow_reader() as client,
        client.stream("GET", f"{disk_live.url}/export", params={"format": "nquads"}) as r,
    ):
        chunks = r.iter_bytes()  # kept: a dropped iterator closes the connection
        next(chunks)
        children = export_children()
        assert children, "no export child while the dump streams"
    # Leaving the block closed the connection with most of the dump unread.
    deadline = time.monotonic() + 10
    while any(exists(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(exists(pid) for pid in children), "the export child outlived its client"


def test_export_child_dies_with_the_server(tmp_path: Path) -> None:
    """A server killed outright (SIGKILL) mid-export takes its export child with it."""
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    fill(store)
    store.load(filler_quads(), RdfFormat.N_QUADS)
    store.close()
    url, pid = server.start(location)
    try:
        with slow_reader() as client:
            request = client.build_request("GET", f"{url}/export", params={"format": "nquads"})
            response = client.send(request, stream=True)
            chunks = response.iter_bytes()  # kept: a dropped iterator closes the connection
            next(chunks)
            children = export_children(pid)
            assert children, "no export child while the dump streams"
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while any(running(c) for c in children) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not any(running(c) for c in children), "the export child outlived the server"
            with contextlib.suppress(httpx.HTTPError):  # the connection died with the server
                response.close()
    finally:
        server.stop(pid)


def idle_class_permitted() -> bool:
    """Whether a process here may move itself into SCHED_IDLE (a container may forbid it)."""
    probe = "import os; os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def test_export_child_runs_in_the_idle_class(disk_live: LiveServer) -> None:
    """The export yields the CPU to the server's own work: SCHED_IDLE and nice 5 or more."""
    if not hasattr(os, "SCHED_IDLE") or not idle_class_permitted():
        pytest.skip("this machine does not let a process enter the idle scheduling class")
    with (
        slow_reader() as client,
        client.stream("GET", f"{disk_live.url}/export", params={"format": "nquads"}) as r,
    ):
        chunks = r.iter_bytes()  # kept: a dropped iterator closes the connection
        next(chunks)
        [child] = export_children()
        assert os.sched_getscheduler(child) == os.SCHED_IDLE
        nice = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert nice >= 5


def test_export_child_reports_a_failure() -> None:
    """A snapshot that cannot be opened: exit status 1 and the reason on standard error."""
    missing = "/nonexistent/tcmkg-snapshot"
    result = subprocess.run(
        [sys.executable, "-m", "kg.export_child", str(os.getpid()), "oxigraph", missing, "nquads"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "export nquads" in result.stderr and missing in result.stderr
