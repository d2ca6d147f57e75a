"""Load benchmark of the HTTP API on 127.0.0.1: /health, /candidates and a /sparql aggregation.

Generates a synthetic evidence graph of about ``--triples`` triples through the project's
writer (:mod:`kg.writer`; herbs, diseases, ``treats`` claims with RCT, cohort, animal … evidence
and null/harm results — all synthetic, labelled so), bulk-loads it into an embedded on-disk
Oxigraph store, starts ``tcmkg serve`` on that store in a separate process on a free loopback
port, then sends a bounded number of requests to each endpoint from ``--concurrency``
keep-alive connections (asyncio + httpx) and prints requests/s, p50 and p95 latency:

* ``GET /health`` — a trivial endpoint, the baseline measured in the same run;
* ``GET /candidates?indication=…`` — the ranking of ``tcmkg rank``: first-time latency for a
  few indications (computed in full), then load on one repeated question (answered from the
  API's answer cache, which any write through the API drops);
* ``GET /sparql`` — a GROUP BY aggregation over claims and evidence.

The client runs on the same 2 cores as the server, so the trivial endpoint's rate is bounded
by the Python client as much as by the server; the ratios are what to compare.

    .venv/bin/python bench/bench_api.py [--triples 1000000] [--requests 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_store import RANKING_QUERY, bundles  # bench/ is on sys.path when run as a script
from pyoxigraph import RdfFormat, serialize

from kg.model import (
    Direction,
    StudyDesign,
)
from kg.store import open_store
from kg.writer import bundle_quads

INDICATION = "synthetic disease 3"
AGGREGATION = RANKING_QUERY  # the GROUP BY the store benchmark times, here over HTTP
DESIGNS = [
    StudyDesign.RCT,
    StudyDesign.META_ANALYSIS,
    StudyDesign.COHORT,
    StudyDesign.CASE_CONTROL,
    StudyDesign.ANIMAL,
    StudyDesign.IN_VITRO,
    StudyDesign.IN_SILICO,
]
DIRECTIONS = [Direction.BENEFIT, Direction.BENEFIT, Direction.BENEFIT, Direction.NULL]


def build_store(folder: Path, triples: int) -> int:
    """Write about ``triples`` quads to N-Quads, bulk-load them into ``folder/store``."""
    rng = random.Random(7)
    count = 0
    nq = folder / "bench.nq"
    with nq.open("wb") as out:
        for bundle in bundles(rng, DESIGNS, DIRECTIONS):
            quads = bundle_quads(bundle)
            serialize(quads, out, RdfFormat.N_QUADS)
            count += len(quads)
            if count >= triples:
                break
    store = open_store(f"oxigraph:{folder / 'store'}")
    store.bulk_load(nq, RdfFormat.N_QUADS)
    store.close()
    nq.unlink()
    return count


def stop_server(server: subprocess.Popen[bytes], wait: float = 30) -> None:
    """Stop a server started by :func:`start_server`: asked first, killed after ``wait`` s."""
    server.terminate()
    try:
        server.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        # uvicorn waits for requests in flight; a ranking still computing is cut off.
        server.kill()
        server.wait(timeout=10)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(store: Path, port: int) -> subprocess.Popen[bytes]:
    """``tcmkg serve`` on the store, in its own process; waits until /health answers."""
    env = {**os.environ, "TCMKG_API_KEY_HASH": "", "TCMKG_QUERY_TIMEOUT_SECONDS": "600"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tcmkg",
            "serve",
            "--store",
            f"oxigraph:{store}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


async def load(
    url: str, params: dict[str, str], requests: int, concurrency: int, max_seconds: float
) -> tuple[float, list[float], int]:
    """Send ``requests`` GETs from ``concurrency`` connections; (wall s, latencies ms, errors)."""
    latencies: list[float] = []
    errors = 0
    remaining = requests
    deadline = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.monotonic() < deadline:
            remaining -= 1
            t0 = time.perf_counter()
            response = await client.get(url, params=params)
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                errors += 1

    async with httpx.AsyncClient(limits=limits, timeout=600) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return wall, latencies, errors


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    """Generate, load, serve, measure and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint (health: x5)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cold", type=int, default=3, help="indications ranked first-time")
    parser.add_argument(
        "--max-seconds", type=float, default=90, help="stop sending to an endpoint after this"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        count = build_store(folder, args.triples)
        print(f"generated and bulk-loaded {count:,} quads in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        server = start_server(folder / "store", port)
        base = f"http://127.0.0.1:{port}"
        endpoints = [
            ("GET /health (trivial, baseline)", "/health", {}, args.requests * 5),
            (
                "GET /candidates (repeated, cached)",
                "/candidates",
                {"indication": INDICATION, "top": "20"},
                args.requests,
            ),
            ("GET /sparql aggregation", "/sparql", {"query": AGGREGATION}, args.requests),
        ]
        try:
            # Cold: a ranking not asked before is computed in full (median of a few
            # indications); the load below then repeats one question, answered from the cache.
            cold = []
            for n in range(args.cold):
                t0 = time.perf_counter()
                response = httpx.get(
                    base + "/candidates",
                    params={"indication": f"synthetic disease {10 + n}", "top": "20"},
                    timeout=600,
                )
                response.raise_for_status()
                cold.append((time.perf_counter() - t0) * 1000)
            print(
                "GET /candidates, first time asked (computed): "
                f"median {statistics.median(cold):.0f} ms over {len(cold)} indications"
            )
            for _, path, params, _ in endpoints:
                response = httpx.get(base + path, params=params, timeout=600)
                response.raise_for_status()
            rows = httpx.get(
                base + "/candidates", params={"indication": INDICATION, "top": "20"}, timeout=600
            ).json()["rows"]
            print(
                f"/candidates for {INDICATION!r}: {len(rows)} rows; {args.concurrency} connections"
            )
            baseline_rate = 0.0
            baseline_p50 = 0.0
            for label, path, params, n in endpoints:
                wall, latencies, errors = asyncio.run(
                    load(base + path, params, n, args.concurrency, args.max_seconds)
                )
                rate = len(latencies) / wall
                p50 = statistics.median(latencies)
                p95 = percentile(latencies, 95)
                if not baseline_rate:
                    baseline_rate, baseline_p50 = rate, p50
                print(
                    f"{label:34s} {len(latencies):6d} req  {rate:8.1f} req/s  "
                    f"p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  errors {errors}  "
                    f"rate {rate / baseline_rate:.3f}x  p50 {p50 / baseline_p50:.1f}x"
                )
        finally:
            stop_server(server, wait=10)


if __name__ == "__main__":
    main()
