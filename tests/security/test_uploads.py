"""Hostile uploads through ``POST /ingest`` on a real ``tcmkg serve`` on loopback.

Each test sends one reproduction of the security issue's upload findings and checks that the
server answers cleanly, still answers ``/health``, keeps its memory bounded (its peak resident
size, read from ``/proc``), and reports every dropped or suspicious record with file, record
and reason while the rest of the upload still goes in. All documents are made up for these
tests (PMIDs from 99,000,000).
"""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.iri import graph_iri
from tests.security.server import API_KEY, start, stop

AUTH = {"Authorization": f"Bearer {API_KEY}"}
# Peak resident size the server may reach over every upload of this module (measured: about
# 160 MB; the JSON bomb alone took it to 4.6 GB before).
MAX_PEAK_RSS_BYTES = 500 * 1024 * 1024
MiB = 1 << 20


@dataclass
class Server:
    """A ``tcmkg serve`` subprocess on 127.0.0.1 (started by :mod:`tests.security.server`)."""

    url: str
    pid: int

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.url.rsplit(":", 1)[1])

    def peak_rss(self) -> int:
        """The server's peak resident set size in bytes (VmHWM of /proc/PID/status).

        Uploads are read and ingested in the server process itself (a job thread), so its own
        peak is what an upload can make it take.
        """
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM in /proc status")

    def healthy(self) -> bool:
        """Whether ``/health`` answers 200 within 5 s."""
        try:
            return httpx.get(f"{self.url}/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module, taking one upload job at a time (TCMKG_MAX_INGEST_JOBS=1)."""
    folder = tmp_path_factory.mktemp("upload-server")
    url, pid = start(f"oxigraph:{folder / 'store'}", {"TCMKG_MAX_INGEST_JOBS": "1"})
    try:
        yield Server(url, pid)
    finally:
        stop(pid)


def upload(server: Server, name: str, data: bytes, fmt: str = "auto") -> dict[str, Any]:
    """POST the upload, then poll its job until it ends; return the job."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        answer = client.post(
            "/ingest", files={"file": (name, data)}, data={"format": fmt}, headers=AUTH
        )
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            job: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
            if job["state"] in ("succeeded", "failed"):
                return job
            time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not end")


def problems_of(job: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The job's listed problems as (code, file, record)."""
    return [(p["code"], p["file"], p["record"]) for p in job["problems"]]


def in_store(server: Server, curie: str) -> bool:
    """Whether the document's named graph is in the server's store (asked over SPARQL)."""
    query = f"ASK {{ GRAPH <{graph_iri(curie)}> {{ ?s ?p ?o }} }}"
    answer = httpx.get(f"{server.url}/sparql", params={"query": query}, timeout=30)
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def test_json_bomb_of_small_objects_is_read_in_bounded_memory(server: Server) -> None:
    """48.7 KB of gzip, 50 MB of '[{},{},…]': bounded memory, capped problems, counts exact.

    The bomb is also one by its compression ratio (about 1,000:1), so reading stops at the
    ratio limit, after 16 MB (some 5.3 million empty records, each reported).
    """
    count = 16_700_000
    bomb = gzip.compress(b"[" + b"{}," * (count - 1) + b"{}]", 9)
    assert len(bomb) < 50_000
    started = time.monotonic()
    job = upload(server, "dicts_50mb.json.gz", bomb)
    elapsed = time.monotonic() - started
    assert job["state"] == "succeeded", job
    assert job["summary"]["documents"] == 0
    counts = job["problem_counts"]
    assert set(counts) == {"record.invalid", "input.too_large"}
    assert counts["input.too_large"] == 1 and 5_000_000 < counts["record.invalid"] < 5_500_000
    assert job["problems_total"] == sum(counts.values())
    # The first 1,000 in full, each naming file and record; the one of another kind; then one
    # entry counting the rest.
    assert len(job["problems"]) == 1_002
    first = job["problems"][0]
    assert (first["code"], first["file"], first["record"]) == (
        "record.invalid",
        "dicts_50mb.json.gz",
        "study 1",
    )
    assert "protocolSection" in first["message"]
    limit = job["problems"][-2]
    assert (limit["code"], limit["file"]) == ("input.too_large", "dicts_50mb.json.gz")
    assert "compression-ratio limit" in limit["message"]
    closing = job["problems"][-1]
    assert closing["code"] == "problems.dropped"
    assert f"{job['problems_total'] - 1_001:,} more" in closing["message"]
    assert server.peak_rss() < MAX_PEAK_RSS_BYTES, server.peak_rss()
    assert server.healthy()
    print(f"JSON bomb: {elapsed:.1f} s, server peak RSS {server.peak_rss() / MiB:.0f} MiB")


def test_gzip_bomb_stops_at_the_ratio_limit_and_keeps_the_rows_before(server: Server) -> None:
    """2.4 MB of gzip expanding to 2.5 GB: an input.too_large problem, not '0 problems'."""
    head = gzip.compress(b"pmid\tabstract\n99001001\tAstragalus root eased fatigue in rats.\n")
    # Concatenated gzip members are one stream (RFC 1952): 2,400 of 1 MiB of 'A' each.
    member = gzip.compress(b"A" * MiB, 9)
    bomb = head + member * 2_400
    assert 2_000_000 < len(bomb) < 3_000_000
    started = time.monotonic()
    job = upload(server, "bomb.tsv.gz", bomb)
    elapsed = time.monotonic() - started
    assert job["state"] == "succeeded", job
    assert job["summary"]["written"] == 1
    (problem,) = [p for p in job["problems"] if p["code"] == "input.too_large"]
    assert problem["file"] == "bomb.tsv.gz"
    assert problem["record"].startswith("line ")
    assert "compression-ratio limit of 100" in problem["message"]
    assert in_store(server, "PMID:99001001")
    assert elapsed < 120
    assert server.peak_rss() < MAX_PEAK_RSS_BYTES
    assert server.healthy()


def test_tsv_row_above_the_line_limit_is_reported_and_the_rest_goes_in(server: Server) -> None:
    """A 17 MB row between two good ones: field.too_large naming the row, not '0 problems'."""
    giant = b"99001102\t" + b"word " * 3_400_000 + b"\n"
    table = (
        b"pmid\tabstract\n99001101\tHuang qi reduced fatigue in mice.\n"
        + giant
        + b"99001103\tDan shen improved blood flow in rats.\n"
    )
    job = upload(server, "giant-row.tsv", table)
    assert job["state"] == "succeeded", job
    assert problems_of(job) == [("field.too_large", "giant-row.tsv", "row 2 (line 3)")]
    assert "above the line limit" in job["problems"][0]["message"]
    assert job["summary"]["written"] == 2
    assert in_store(server, "PMID:99001101") and in_store(server, "PMID:99001103")
    assert server.peak_rss() < MAX_PEAK_RSS_BYTES


def test_pubtator_offsets_negative_or_not_numbers_are_reported(server: Server) -> None:
    """Mention lines with offsets -5 or 'x' are reported (annotation.invalid); the rest stays."""
    pubtator = (
        "99001201|t|Berberine lowers glucose.\n"
        "99001201|a|In illustrative mice.\n"
        "99001201\t0\t9\tBerberine\tChemical\tD999907\n"
        "99001201\t-5\t4\tBerberine\tChemical\tD999907\n"
        "99001201\tx\ty\tBerberine\tChemical\tD999907\n"
        "99001201\tCID\tD999907\tD999908\n"
    )
    job = upload(server, "offsets.pubtator", pubtator.encode())
    assert job["state"] == "succeeded", job
    assert problems_of(job) == [
        ("annotation.invalid", "offsets.pubtator", "record 1 (PMID:99001201, line 1; line 4)"),
        ("annotation.invalid", "offsets.pubtator", "record 1 (PMID:99001201, line 1; line 5)"),
    ]
    assert "negative" in job["problems"][0]["message"]
    assert "not integers" in job["problems"][1]["message"]
    assert job["summary"]["written"] == 1


def test_garbage_rows_of_a_table_are_named(server: Server) -> None:
    """Rows with no text, binary junk, a bad pmid or the wrong column count are reported."""
    table = (
        b"pmid\ttitle\tabstract\n"
        b"99001301\tGood\tHuang qi reduced fatigue in mice.\n"
        b"99001302\t12345\t-- 678 --\n"  # no letter: no document
        b"99001303\tJunk\t\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\n"  # binary: skipped
        b"not-a-pmid\tOdd id\tDan shen improved blood flow in rats.\n"  # kept, warned
        b"99001305\tDan shen eased angina in a trial.\n"  # two columns of three: warned
        b"99001306\tGood too\tBerberine lowered glucose in rats.\n"
    )
    job = upload(server, "garbage.tsv", table)
    assert job["state"] == "succeeded", job
    assert problems_of(job) == [
        ("record.empty", "garbage.tsv", "row 2 (line 3)"),
        ("record.invalid", "garbage.tsv", "row 3 (line 4)"),
        ("record.suspicious", "garbage.tsv", "row 4 (line 5)"),
        ("record.suspicious", "garbage.tsv", "row 5 (line 6)"),
    ]
    messages = [p["message"] for p in job["problems"]]
    assert "no text" in messages[0] and "binary" in messages[1]
    assert "'not-a-pmid' is not a PMID" in messages[2] and "2 columns" in messages[3]
    assert [p["severity"] for p in job["problems"]] == ["error", "error", "warning", "warning"]
    assert job["summary"]["documents"] == 4 and job["summary"]["written"] == 4
    assert in_store(server, "PMID:99001301") and in_store(server, "PMID:99001306")
    assert not in_store(server, "PMID:99001302") and not in_store(server, "PMID:99001303")


def _upload_headers(boundary: str, *, close: bool = False) -> bytes:
    """Headers of an upload that declares 50 MB of body."""
    return (
        "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {API_KEY}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {50 * MiB}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    ).encode()


def _read_answer(connection: socket.socket) -> str | None:
    """Everything the server sends until it closes the connection; None if it waits instead."""
    chunks = []
    try:
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    except TimeoutError:
        return None
    return b"".join(chunks).decode("latin-1")


def _answered(connection: socket.socket) -> bool:
    """Whether the server has sent anything on ``connection`` (without waiting)."""
    connection.setblocking(False)
    try:
        return bool(connection.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    finally:
        connection.setblocking(True)


def test_full_job_queue_answers_429_before_reading_the_body(server: Server) -> None:
    """With the one job place held by an upload still arriving, another POST gets 429 at once."""
    boundary = "upload-boundary"
    refused = None
    deadline = time.monotonic() + 60
    while refused is None and time.monotonic() < deadline:
        # An upload that declares 50 MB and sends only its first bytes holds the place.
        held = socket.create_connection(("127.0.0.1", server.port))
        held.sendall(
            _upload_headers(boundary)
            + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="slow.tsv"\r\n\r\npmid\tabstract\n'.encode()
        )
        time.sleep(0.5)
        # The refused client declares a large body too and sends none of it: the answer
        # comes without the server waiting for (or storing) any of it.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as other:
            other.sendall(_upload_headers(boundary, close=True))
            answer = _read_answer(other)
        # Which of the two took the place depends on timing: retry until it is the held one.
        if answer is not None and answer.startswith("HTTP/1.1 429") and not _answered(held):
            refused = answer
        else:
            held.close()
            time.sleep(0.5)
    assert refused is not None, "the second upload was never refused"
    try:
        head, _, body = refused.partition("\r\n\r\n")
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:])
        }
        assert int(headers["retry-after"]) > 0
        assert headers["content-type"] == "application/json"
        assert "jobs are already queued or running" in body
    finally:
        held.close()
    assert server.healthy()
    # The abandoned upload gives its place back: the next upload is taken.
    deadline = time.monotonic() + 30
    while True:
        job = httpx.post(
            f"{server.url}/ingest",
            files={"file": ("after.tsv", b"pmid\tabstract\n99001401\tHuang qi eased fatigue.\n")},
            headers=AUTH,
            timeout=30,
        )
        if job.status_code == 202 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert job.status_code == 202, job.text
