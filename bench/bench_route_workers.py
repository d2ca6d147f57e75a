"""What evaluating the REST routes' store queries in route workers costs, against in process.

While a ``GET`` request runs on an on-disk store, its store queries go to route workers (child
processes killed at the request's deadline, :mod:`api.route_deadline`); the rows come back
pickled over a pipe. This benchmark times the store reads of ``/claims`` (one unfiltered page
and eight subjects, as ``bench_load.py`` sends them) and of an entity page's claims, both in
the server process (the baseline) and through the route workers, alternating run by run so
that other load on the machine touches both alike. Prints medians and ratios.

    .venv/bin/python bench/bench_route_workers.py --store DIR [--repeat 21]

``DIR`` is an on-disk store (e.g. the one ``bench_load.py`` ingests from the DFI abstracts); it
is only read. The ordered claim lists ``/claims`` keeps per store state are cleared before each
run, so each run reads its claims as the first request after a write would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyoxigraph import NamedNode

from api.query_runner import QueryRunner
from api.routers import claims
from kg.sparql import BindValue, load_query
from kg.store import GraphStore, evaluated_by, open_store


def requests(store: GraphStore) -> list[tuple[str, dict[str, BindValue]]]:
    """The /claims filters timed: none, then eight subjects that have claims."""
    rows = store.select(load_query("api", "claim_ids_scan")).rows
    subjects: list[str] = []
    for row in rows:
        claim = row[0]
        if not isinstance(claim, NamedNode):
            continue
        found = store.select(load_query("api", "claims"), {"claim": [claim]}).rows
        subject = found[0][1] if found else None
        if isinstance(subject, NamedNode) and subject.value not in subjects:
            subjects.append(subject.value)
        if len(subjects) == 8:
            break
    chosen: list[tuple[str, dict[str, BindValue]]] = [("unfiltered", {})]
    chosen += [(s.rsplit("/", 1)[-1], {"subject": NamedNode(s)}) for s in subjects]
    return chosen


def claims_page(store: GraphStore, bindings: dict[str, BindValue]) -> Callable[[], object]:
    """The store reads of one /claims request (page of 50 and its evidence)."""

    def run() -> object:
        claims._claim_lists.clear()
        rows, _ = claims._page(store, bindings, 50, 0)
        page = [r[0] for r in rows if isinstance(r[0], NamedNode)]
        return claims._evidence_of(store, page)

    return run


def main() -> None:
    """Time every request both ways, alternating, and print the medians."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="an on-disk store folder")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    store = open_store(f"oxigraph:{args.store.resolve()}", read_only=True)
    runner = QueryRunner(store, timeout=30.0, max_rows=100_000, route_timeout=60.0)
    runner.start()
    try:
        chosen = requests(store)
        print(f"store {args.store} ({store.count():,} quads); {args.repeat} runs each, alternating")
        print(f"machine load average (1 min) {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'/claims request':<28} {'in process':>11} {'route workers':>14} {'ratio':>7}")
        ratios = []
        for name, bindings in chosen:
            run = claims_page(store, bindings)
            inside: list[float] = []
            outside: list[float] = []
            for _ in range(args.repeat + 1):  # the first pair warms up and is dropped
                t0 = time.perf_counter()
                run()
                inside.append((time.perf_counter() - t0) * 1000)
                with evaluated_by(runner.route_evaluator(time.monotonic())):
                    t0 = time.perf_counter()
                    run()
                    outside.append((time.perf_counter() - t0) * 1000)
            a, b = statistics.median(inside[1:]), statistics.median(outside[1:])
            ratios.append(b / a)
            print(f"{name:<28} {a:>9.1f} ms {b:>12.1f} ms {b / a:>6.2f}x")
        print(f"median ratio {statistics.median(ratios):.2f}x")
    finally:
        runner.close()
        store.close()


if __name__ == "__main__":
    main()
