"""Benchmark: ``tcmkg ingest`` on a Dask cluster, record by record vs ``--shards``, same input.

On the DFI PubMed abstracts (``../shared/data/dfi_pubmed_abstracts``), with one local Dask
cluster of ``--workers`` worker processes started once beforehand (what a run with
``--scheduler`` costs; the workers still build the run's pipeline each pass), each pass ingests
every abstract into a new on-disk Oxigraph store, alternating the two ways:

* records — the outcomes come back to this process, which builds each record's quads and
  replaces its graph in one transaction (``tcmkg ingest --workers W``);
* shards — each worker writes its partitions' records as N-Quads shards in a local folder and
  this process bulk-loads them (``tcmkg ingest --workers W --shards DIR``).

Printed per way: the median over ``--repeat`` passes of the wall time (abstracts per second) and
of the CPU time of this process (the writer's share: reading the input, receiving the results,
building quads or checking shards, and writing), with the load average before and after (the
machine may be shared). The stores of the first pass of each way are compared quad by quad.

    .venv/bin/python bench/bench_ingest_shards.py [--repeat 3] [--workers 2] \
        [--models trained|none] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from distributed import Client

from ingest.cluster import dask_client
from ingest.document import Document
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from kg.store import open_store

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
CORPUS = DATA / "dfi_pubmed_abstracts" / "dfi_pubmed_abstracts.tsv"


def one_pass(
    docs: list[Document], client: Client, folder: Path, shards: bool, models: bool
) -> tuple[float, float, int, set[object]]:
    """Ingest ``docs`` into a new store; wall seconds, CPU seconds here, quads, the quads."""
    store = open_store(f"oxigraph:{folder / 'store'}")
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        summary = ingest(
            docs,
            store,
            ProblemLog(),
            client=client,
            models=models,
            shards=folder / "shards" if shards else None,
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert summary.documents == len(docs), summary
        return wall, cpu, store.count(), set(store.quads())
    finally:
        store.close()


def main() -> None:
    """Run the passes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", choices=["trained", "none"], default="trained")
    parser.add_argument("--limit", type=int, default=None, help="the first N abstracts only")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"third-party data not present: {CORPUS}")
    docs = list(islice(read_documents([CORPUS], "tsv", ProblemLog()), args.limit))
    models = args.models == "trained"
    load_before = os.getloadavg()
    walls: dict[str, list[float]] = {"records": [], "shards": []}
    cpus: dict[str, list[float]] = {"records": [], "shards": []}
    first: dict[str, set[object]] = {}
    quads = 0
    with dask_client(args.workers) as client, tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            for way in ("records", "shards"):  # alternated: a busy spell hits both alike
                folder = Path(tmp) / f"{way}-{i}"
                wall, cpu, quads, found = one_pass(docs, client, folder, way == "shards", models)
                walls[way].append(wall)
                cpus[way].append(cpu)
                first.setdefault(way, found)
    load_after = os.getloadavg()
    same = first["records"] == first["shards"]
    print(
        f"corpus: {len(docs)} abstracts; {args.workers} workers, models {args.models}; "
        f"{quads:,} quads per store; stores identical: {same}"
    )
    print(f"{'way':10s} {'abstracts/s':>12s} {'wall s':>8s} {'writer CPU s':>13s}  (medians)")
    for way in ("records", "shards"):
        wall, cpu = statistics.median(walls[way]), statistics.median(cpus[way])
        print(f"{way:10s} {len(docs) / wall:12,.1f} {wall:8.2f} {cpu:13.2f}")
    print("passes (wall s): " + "; ".join(f"{w}: {walls[w]}" for w in walls))
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    if not same:
        sys.exit("the two ways wrote different stores")


if __name__ == "__main__":
    main()
