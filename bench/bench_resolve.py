"""Name resolution latency beside a point lookup by id, on one generated store in one run.

Builds a store of about ``--triples`` quads (the synthetic evidence graph of
``bench/bench_store.py``) plus the shipped vocabulary's names (the seed vocabulary graph every
filled store holds), then times, as medians over ``--runs`` calls with the store unchanged:

* a point lookup by id (kind and label of one entity: ``entity_labels.rq``), the baseline;
* an indication found by name ("type 2 diabetes": the answer reused while the store is
  unchanged; "T2DM": the name index alone);
* an ambiguous candidate name ("fangji": two herbs, both returned);
* an unknown indication with suggestions ("diabtes": up to five, best first);
* the first resolution after the store changed (the table of names is read and indexed).

    .venv/bin/python bench/bench_resolve.py [--triples 1000000] [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import generate

from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from kg.store import open_store
from queries.explain import UnknownCandidateError, candidates_named
from queries.indications import UnknownIndicationError, resolve_indication
from queries.names import name_table
from queries.rank import entity_info


def median_ms(runs: int, work: Callable[[], object]) -> float:
    """Median wall time of ``work`` in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    """Build the store, time each resolution, print one line per case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "bench.nq"
        count, _ = generate(dump, args.triples)
        with open_store(f"oxigraph:{Path(tmp) / 'store'}") as store:
            store.bulk_load(dump)
            ensure_seed_vocabulary(store)
            print(f"store: {count:,} generated quads + the seed vocabulary graph")
            state = store.state_token()

            def unknown() -> None:
                try:
                    resolve_indication(store, "diabtes", state=state)
                except UnknownIndicationError as err:
                    assert err.suggestions
                else:
                    raise AssertionError("diabtes resolved")

            def ambiguous() -> None:
                try:
                    assert len(candidates_named(store, "fangji", state=state)) == 2
                except UnknownCandidateError as err:
                    raise AssertionError("fangji unknown") from err

            started = time.perf_counter()
            resolve_indication(store, "type 2 diabetes", state=state)
            first = (time.perf_counter() - started) * 1000
            ambiguous()  # builds the candidates' table of names once
            cases = {
                "point lookup by id (baseline)": lambda: entity_info(
                    store, ["TCMKG.HERB:astragali-radix"]
                ),
                "found: 'type 2 diabetes' (answer reused)": lambda: resolve_indication(
                    store, "type 2 diabetes", state=state
                ),
                "found: 'T2DM' (name index only)": lambda: name_table(
                    store, "indication_names", "term", state=state
                ).resolve("T2DM"),
                "ambiguous: 'fangji' (2 herbs)": ambiguous,
                "unknown with suggestions: 'diabtes'": unknown,
            }
            for name, work in cases.items():
                print(f"{name:<40} {median_ms(args.runs, work):8.2f} ms (median of {args.runs})")
            print(f"{'first resolution after a change':<40} {first:8.2f} ms (table of names read)")


if __name__ == "__main__":
    main()
