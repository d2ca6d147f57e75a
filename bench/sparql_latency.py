"""Latency of a small SPARQL SELECT against real ``tcmkg serve`` processes, and their memory.

    python bench/sparql_latency.py [OTHER_CHECKOUT] [--requests 300]

Builds a small store (the API tests' illustrative graph), serves it with this checkout and,
when given, with another checkout of the project (for a before/after comparison in the same
run), sends the same small SELECT to each in turn, and prints the median and p95 latency, the
resident memory of each server and of its query workers, and how long after a 503 at the
deadline the server's processes stop using CPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.store import open_store
from tests.api.support import fill
from tests.security import server

SMALL = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 5"
SLOW = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Computes every row before its first (a sort of millions of rows): nothing to stop at.
SORTED = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


def _cpu_idle_after_deadline(url: str, pid: int, query: str) -> float:
    httpx.get(f"{url}/sparql", params={"query": query}, timeout=60)
    start = time.monotonic()
    last = server.cpu_seconds(pid)
    while time.monotonic() - start < 30:
        time.sleep(0.1)
        now = server.cpu_seconds(pid)
        if now - last < 0.005:
            return time.monotonic() - start
        last = now
    return float("inf")


def main() -> None:
    """Run the comparison and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("other", nargs="?", help="another checkout to compare with")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tcmkg-bench-"))
    checkouts = {"this": server.REPO}
    if args.other:
        checkouts["other"] = Path(args.other).resolve()
    servers = {}
    for name, repo in checkouts.items():
        store_dir = folder / name
        store = open_store(f"oxigraph:{store_dir}")
        fill(store)
        store.close()
        server.REPO = repo  # start() serves the code of server.REPO
        servers[name] = server.start(f"oxigraph:{store_dir}", {"TCMKG_QUERY_TIMEOUT_SECONDS": "2"})
    times: dict[str, list[float]] = {name: [] for name in servers}
    clients = {name: httpx.Client(base_url=url) for name, (url, _) in servers.items()}
    for client in clients.values():  # warm up
        for _ in range(10):
            client.get("/sparql", params={"query": SMALL}).raise_for_status()
    for _ in range(args.requests):
        for name, client in clients.items():
            start = time.perf_counter()
            client.get("/sparql", params={"query": SMALL}).raise_for_status()
            times[name].append((time.perf_counter() - start) * 1000)
    for name, (_url, pid) in servers.items():
        t = sorted(times[name])
        workers = server.children(pid)
        print(
            f"{name} ({checkouts[name]}): small SELECT median {statistics.median(t):.2f} ms, "
            f"p95 {t[int(len(t) * 0.95)]:.2f} ms over {len(t)} requests; server RSS "
            f"{server.rss_mb(pid):.0f} MB, workers {len(workers)} x "
            f"{', '.join(f'{server.rss_mb(w):.0f}' for w in workers) or '-'} MB"
        )
    for name, (url, pid) in servers.items():
        for label, query in (("streamed", SLOW), ("sorted", SORTED)):
            idle = _cpu_idle_after_deadline(url, pid, query)
            print(f"{name}: {label} query, CPU idle {idle:.2f} s after the 503")
    for client in clients.values():
        client.close()
    for _, pid in servers.values():
        server.stop(pid)


if __name__ == "__main__":
    main()
