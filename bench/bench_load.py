"""Load on a real ``tcmkg serve``: mixed cheap traffic, alone and beside expensive SPARQL.

    python bench/bench_load.py --store DIR [--rate 50] [--seconds 60] [--expensive 4]

Serves the store in ``DIR`` on loopback (ingesting the 2,267 DFI abstracts into it first when
``DIR`` does not exist yet, so one store can be reused between runs), then sends an open-loop
stream of requests at ``--rate`` per second for ``--seconds``, cycling through ``/candidates``
(a few indications, so mostly cached answers), ``/search``, ``/claims`` and a small ``/sparql``
SELECT. Each request's latency counts from the moment it was *due*, so a client or server that
falls behind shows up in the figures instead of slowing the sender down (no coordinated
omission). Prints p50/p95/p99 per route, the errors (anything but 200, or no answer), and the
resident memory of the server process before and after.

Then the same traffic again while ``--expensive`` clients each send expensive SPARQL queries
(a GROUP BY over a two-hop join, a cartesian product) back to back, and the ratio of the cheap
routes' p95 with and without them. The expensive queries end at the server's query deadline
(``--deadline``, TCMKG_QUERY_TIMEOUT_SECONDS); their 503s are counted separately, not as errors.

Targets (issue 16): p95 < 200 ms, zero errors, RSS growth < 10 %, and p95 of the cheap routes
with the expensive queries running < 2x without them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.security import server

DFI = Path("/work/shared/data/dfi_pubmed_abstracts/dfi_pubmed_abstracts.tsv")
SMALL = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 5"
EXPENSIVE = (
    # Computes before its first row: a GROUP BY over a two-hop join of every record graph.
    "SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?b ?q ?c . ?c ?r ?d } "
    "GROUP BY ?a ORDER BY DESC(?n)",
    # A cartesian product of the whole store with itself, counted.
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
)
# Names to try; the routes are fed only those the store answers with 200.
INDICATIONS = ("hypertension", "diabetes mellitus", "breast cancer", "depression", "asthma")
SEARCHES = ("ginseng", "warfarin", "ginkgo", "curcumin", "liquorice", "berberine", "St John's wort")
ROUTES = ("/candidates", "/search", "/claims", "/sparql")

Request = tuple[str, str, dict[str, Any]]


def ensure_store(folder: Path) -> None:
    """Ingest the DFI abstracts into ``folder`` unless it exists already."""
    if folder.exists():
        return
    if not DFI.is_file():
        raise SystemExit(f"missing {DFI}: give --store an existing store folder")
    print(f"ingesting {DFI.name} into {folder} …", flush=True)
    subprocess.run(
        [sys.executable, "-m", "tcmkg", "ingest", str(DFI), "--store", str(folder)],
        cwd=server.REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build_requests(url: str) -> dict[str, list[Request]]:
    """The requests of each route, with parameters the store answers (200) for."""
    requests: dict[str, list[Request]] = {r: [] for r in ROUTES}
    with httpx.Client(base_url=url, timeout=120) as client:
        for name in INDICATIONS:
            params = {"indication": name}
            if client.get("/candidates", params=params).status_code == 200:  # warms the cache
                requests["/candidates"].append(("GET", "/candidates", params))
        for name in SEARCHES:
            requests["/search"].append(("GET", "/search", {"q": name}))
        page = client.get("/claims", params={"limit": 200}).json()["items"]
        subjects = sorted({c["subject"] for c in page})[:8]
        requests["/claims"] = [("GET", "/claims", {"limit": 50})] + [
            ("GET", "/claims", {"subject": s, "limit": 20}) for s in subjects
        ]
        requests["/sparql"].append(("GET", "/sparql", {"query": SMALL}))
    for route, chosen in requests.items():
        if not chosen:
            raise SystemExit(f"no request of {route} answers on this store")
    return requests


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def run_traffic(
    url: str, requests: dict[str, list[Request]], rate: float, seconds: float
) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    """Send the mixed traffic open-loop; latencies (s) and errors per route."""
    latencies: dict[str, list[float]] = {r: [] for r in ROUTES}
    errors: dict[str, list[str]] = {r: [] for r in ROUTES}
    lock = threading.Lock()
    local = threading.local()

    def send(due: float, route: str, request: Request) -> None:
        client: httpx.Client | None = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=url, timeout=30)
        method, path, params = request
        try:
            status = client.request(method, path, params=params).status_code
            problem = None if status == 200 else str(status)
        except httpx.HTTPError as err:
            problem = type(err).__name__
        elapsed = time.monotonic() - due
        with lock:
            latencies[route].append(elapsed)
            if problem is not None:
                errors[route].append(problem)

    total = int(rate * seconds)
    cursor = dict.fromkeys(ROUTES, 0)
    with ThreadPoolExecutor(max_workers=64) as pool:
        start = time.monotonic()
        for i in range(total):
            due = start + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            route = ROUTES[i % len(ROUTES)]
            chosen = requests[route][cursor[route] % len(requests[route])]
            cursor[route] += 1
            pool.submit(send, due, route, chosen)
    return latencies, errors


def expensive_clients(
    url: str, count: int, address: str
) -> tuple[Callable[[], dict[int, int]], threading.Event]:
    """Start ``count`` clients sending expensive queries back to back; (stop-and-count, stop).

    They send from ``address`` (another loopback address, as another host would; empty: the
    same address as the cheap traffic) and, like HTTP clients, wait as long as a 429's
    Retry-After asks before sending again.
    """
    stop = threading.Event()
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def loop(n: int) -> None:
        transport = httpx.HTTPTransport(local_address=address) if address else None
        with httpx.Client(base_url=url, timeout=120, transport=transport) as client:
            while not stop.is_set():
                query = EXPENSIVE[n % len(EXPENSIVE)]
                retry_after = 0.0
                try:
                    answer = client.get("/sparql", params={"query": query})
                    status = answer.status_code
                    if status == 429:
                        retry_after = float(answer.headers.get("Retry-After", "1"))
                except httpx.HTTPError:
                    status = 0
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                stop.wait(retry_after)

    threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()

    def finish() -> dict[int, int]:
        stop.set()
        for thread in threads:
            thread.join()
        return statuses

    return finish, stop


def own_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process alone (not its query workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_note(pid: int, cpu_before: float) -> str:
    """The server's CPU time since ``cpu_before`` and the machine's load (others share it)."""
    return (
        f"server process CPU {own_cpu_seconds(pid) - cpu_before:.1f} s; "
        f"machine load average (1 min) {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


def report(title: str, latencies: dict[str, list[float]], errors: dict[str, list[str]]) -> None:
    """Print p50/p95/p99 (ms) and errors per route."""
    print(f"\n{title}")
    print(f"{'route':<12} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'errors':>7}")
    for route in ROUTES:
        ms = [x * 1000 for x in latencies[route]]
        print(
            f"{route:<12} {len(ms):>5} {statistics.median(ms):>8.1f} {percentile(ms, 0.95):>8.1f} "
            f"{percentile(ms, 0.99):>8.1f} {len(errors[route]):>7}"
        )
        if errors[route]:
            kinds = sorted(set(errors[route]))
            print(f"{'':<12} errors: {', '.join(f'{k} x{errors[route].count(k)}' for k in kinds)}")


def main() -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="store folder (made if absent)")
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--expensive", type=int, default=4, help="expensive query clients")
    parser.add_argument(
        "--expensive-address",
        default="127.0.0.2",
        help="loopback address the expensive clients send from ('' : the cheap traffic's)",
    )
    parser.add_argument("--deadline", type=float, default=5.0, help="query time limit (s)")
    args = parser.parse_args()
    ensure_store(args.store)
    url, pid = server.start(
        f"oxigraph:{args.store.resolve()}",
        {"TCMKG_QUERY_TIMEOUT_SECONDS": str(args.deadline)},
    )
    try:
        requests = build_requests(url)
        print(
            f"store {args.store}; {args.rate:g} requests/s for {args.seconds:g} s per phase; "
            f"query deadline {args.deadline:g} s; query workers: default"
        )
        print("requests:", {r: len(v) for r, v in requests.items()})
        print(
            f"expensive clients send from {args.expensive_address or 'the same address'}; "
            "query workers per client: default"
        )
        run_traffic(url, requests, args.rate, 5)  # warm-up, not counted
        rss_before = server.rss_mb(pid)
        cpu = own_cpu_seconds(pid)
        alone, alone_errors = run_traffic(url, requests, args.rate, args.seconds)
        rss_after = server.rss_mb(pid)
        report("cheap traffic alone (ms)", alone, alone_errors)
        print(machine_note(pid, cpu))
        growth = (rss_after - rss_before) / rss_before * 100
        print(f"server RSS {rss_before:.0f} MB before, {rss_after:.0f} MB after ({growth:+.1f} %)")

        finish, _ = expensive_clients(url, args.expensive, args.expensive_address)
        time.sleep(1.0)  # the expensive queries occupy the workers before the traffic starts
        cpu = own_cpu_seconds(pid)
        busy, busy_errors = run_traffic(url, requests, args.rate, args.seconds)
        note = machine_note(pid, cpu)
        statuses = finish()
        rss_busy = server.rss_mb(pid)
        report(f"the same beside {args.expensive} expensive SPARQL clients (ms)", busy, busy_errors)
        print(note)
        print(f"expensive queries answered: {dict(sorted(statuses.items()))}")
        print(f"server RSS after: {rss_busy:.0f} MB ({(rss_busy - rss_before) / rss_before:+.1%})")
        print("\np95 with expensive queries / p95 without:")
        for route in ROUTES:
            ratio = percentile(busy[route], 0.95) / percentile(alone[route], 0.95)
            print(f"  {route:<12} {ratio:.2f}x")
    finally:
        server.stop(pid)


if __name__ == "__main__":
    main()
