"""Real-case benchmark: rank, /candidates and memory on the DFI abstracts with SymMap and TCMSP.

The store a hospital R&D group starts from: the 2,267 DFI abstracts (``tcmkg ingest``, the
default pipeline) with SymMap v2 and TCMSP imported beside them (``tcmkg import symmap``,
``tcmkg import tcmsp``), about 4M quads, built through the project's own commands from
``../shared/data`` (or ``TCMKG_SHARED_DATA``). Then prints, each figure beside its target and
a baseline measured in the same run:

* build times, quads, bytes on disk and bytes per quad;
* the raw SPARQL aggregation the ranking is built on (``candidate_evidence_counts.rq``) for
  the indication, the baseline of every ranking figure;
* the first ``tcmkg rank`` after the imports (it builds the ranking's projection), then
  ``tcmkg rank`` in a new process on the unchanged store (whole command, median of 3, beside
  ``python -c 'import tcmkg.cli'``), and after ``tcmkg ingest`` of one abstract;
* ``rank_candidates`` inside one process: the first ranking and a warm one (median of 3);
* ``tcmkg export`` to N-Quads (the baseline), KGX edges and KGX nodes;
* ``GET /candidates`` through ``tcmkg serve``: p50 of the 50 diseases with the most treats
  claims asked for the first time, then again (the answer cache), beside ``GET /health``;
  the server's resident size after 10, 50 and 100 requests.

The abstract written to measure a ranking after a write is marked illustrative (it names no
study); it is written to the benchmark's own store only.

    .venv/bin/python bench/bench_real_case.py [--keep DIR] [--indication diabetes]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_api import (  # bench/ is on sys.path when run as a script
    free_port,
    start_server,
    stop_server,
)
from bench_rank import RANKER
from bench_scale import children_rss, disk_bytes, load, ms, run_peak, status, verdict

from kg.store import open_store
from queries.evidence import nodes
from queries.indications import resolve_indication
from queries.library import query_text

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
ABSTRACTS = DATA / "dfi_pubmed_abstracts" / "dfi_pubmed_abstracts.tsv"
SYMMAP = DATA / "symmap_v2"
TCMSP = DATA / "tcmnp_tcmsp"
TCMSP_ENTITIES = DATA / "tcmsp_entities"

# The diseases most often treated in the store: what a user would rank first.
TOP_DISEASES = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?disease (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?claim) AS ?n) WHERE {
  GRAPH ?g { ?claim biolink:predicate biolink:treats ; biolink:object ?disease . }
  GRAPH ?v { ?disease rdfs:label ?name . }
}
GROUP BY ?disease ORDER BY DESC(?n) ?disease LIMIT 50
"""

ONE_ABSTRACT = (
    "Illustrative abstract written by the benchmark (no study): Astragalus membranaceus "
    "extract reduced fasting blood glucose in patients with type 2 diabetes.\n"
)


def tcmkg(*args: str) -> float:
    """Run ``tcmkg ARGS`` to its end; its wall time in seconds (stops the run if it fails)."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tcmkg", *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"tcmkg {' '.join(args[:2])} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - t0


def build(path: Path) -> None:
    """The store from the abstracts and both imports, each step timed."""
    store = f"oxigraph:{path}"
    steps = (
        ("tcmkg ingest (2,267 DFI abstracts)", ("ingest", "--store", store, str(ABSTRACTS))),
        ("tcmkg import symmap", ("import", "symmap", "--store", store, str(SYMMAP))),
        (
            "tcmkg import tcmsp",
            ("import", "tcmsp", "--store", store, "--entities", str(TCMSP_ENTITIES), str(TCMSP)),
        ),
    )
    for label, args in steps:
        print(f"  {label}: {tcmkg(*args):.0f} s", flush=True)


def main() -> None:
    """Build (or reuse) the store and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keep", type=Path, help="build the store here and keep it (reused)")
    parser.add_argument("--indication", default="diabetes")
    args = parser.parse_args()
    missing = [p for p in (ABSTRACTS, SYMMAP, TCMSP, TCMSP_ENTITIES) if not p.exists()]
    if missing:
        raise SystemExit(f"skipped: {missing[0]} is not here (set TCMKG_SHARED_DATA)")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="tcmkg-real-case-"))
    path = folder / "store"
    indication = args.indication
    print(f"real case: DFI abstracts + SymMap + TCMSP in {path} (load average {load()})")
    if path.exists():
        print("  reusing the store kept by an earlier run")
    else:
        build(path)
    # Each run measures from no saved projection or name table, as right after the imports.
    shutil.rmtree(path / "tcmkg" / "cache", ignore_errors=True)

    with open_store(f"oxigraph:{path}", must_exist=True) as store:
        quads = store.count()
        terms = resolve_indication(store, indication)
        raw_query = query_text("candidate_evidence_counts")
        binding = {"indication": nodes(terms.terms)}
        n_raw = len(store.select(raw_query, binding))
        base = statistics.median(ms(lambda: store.select(raw_query, binding)) for _ in range(3))
        diseases = [str(row["label"].value) for row in store.select(TOP_DISEASES).dicts()]
    shutil.rmtree(path / "tcmkg" / "cache", ignore_errors=True)
    size = disk_bytes(path)
    print(f"  {quads:,} quads; {size / 1e6:,.0f} MB on disk, {size / quads:.0f} bytes per quad")
    print(f"indication {indication!r}: {len(terms.terms)} terms, {n_raw} candidates with evidence")
    print(f"raw aggregation (candidate_evidence_counts), median of 3: {base:8.1f} ms  baseline")

    command = ["rank", indication, "--store", f"oxigraph:{path}", "--format", "json"]
    first = run_peak("-m", "tcmkg", command)
    print(
        f"first tcmkg rank after the imports (builds the projection): {first[0]:8.0f} ms  "
        f"(peak RSS {first[1]} MB)"
    )
    startup = statistics.median(run_peak("-c", "import tcmkg.cli", [])[0] for _ in range(3))
    again = [run_peak("-m", "tcmkg", command) for _ in range(3)]
    again_ms = statistics.median(r[0] for r in again)
    print(f"new process (load average {load()})")
    print(f"  python -c 'import tcmkg.cli' (start-up baseline), median of 3: {startup:7.0f} ms")
    print(
        f"  tcmkg rank, unchanged store, whole command, median of 3:  {again_ms:7.0f} ms  "
        f"target ≤ 3000 ms: {verdict(again_ms, 3000)}  (runs "
        f"{', '.join(f'{r[0]:.0f}' for r in again)} ms; peak RSS {max(r[1] for r in again)} MB)"
    )
    inside = [json.loads(run_peak("-c", RANKER, [str(path), indication])[2]) for _ in range(3)]
    warm = statistics.median(r["warm"] for r in inside)
    first_inside = statistics.median(r["first"] for r in inside)
    print(
        f"  rank_candidates in a new process: first {first_inside:.0f}"
        f" ms, warm {warm:.0f} ms = {warm / base:.2f}× raw   warm target ≤ 1000 ms: "
        f"{verdict(warm, 1000)}  (medians of 3; builds {sum(r['builds'] for r in inside)})"
    )
    after, ingests = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(3):
            text = Path(tmp) / f"illustrative-write-{os.getpid()}-{n}.txt"
            text.write_text(ONE_ABSTRACT, encoding="utf-8")
            ingests.append(tcmkg("ingest", "--store", f"oxigraph:{path}", str(text)))
            after.append(json.loads(run_peak("-c", RANKER, [str(path), indication])[2]))
    after_first = statistics.median(r["first"] for r in after)
    after_cmd = [run_peak("-m", "tcmkg", command)[0]]
    print(
        f"  after tcmkg ingest of one abstract (median of 3, the ingest itself "
        f"{statistics.median(ingests):.1f} s): first rank_candidates {after_first:.0f} ms = "
        f"{after_first / warm:.2f}× warm   target ≤ 2× warm: {verdict(after_first, 2 * warm)}; "
        f"{after_first / first_inside:.2f}× the first rank of a new process with nothing "
        "written  "
        f"(updates {sum(r['updates'] for r in after)}, builds {sum(r['builds'] for r in after)})"
    )
    print(f"  tcmkg rank, whole command, after those writes: {after_cmd[0]:.0f} ms")

    exports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("nquads", "kgx_edges", "kgx_nodes"):
            out = Path(tmp) / f"export.{fmt}"
            seconds = tcmkg("export", fmt, str(out), "--store", f"oxigraph:{path}")
            exports[fmt] = (seconds, out.stat().st_size)
            out.unlink()
    nq = exports["nquads"][0]
    print("tcmkg export, whole command (the store's quads read once each):")
    for fmt, (seconds, size) in exports.items():
        ratio = f"{seconds / nq:.2f}× N-Quads' time" + (
            f"   target ≤ 3×: {verdict(seconds, 3 * nq)}" if fmt.startswith("kgx") else "  baseline"
        )
        print(f"  {fmt:10s} {seconds:6.1f} s  {size / 1e6:7.1f} MB  {ratio}")

    port = free_port()
    server = start_server(path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            health = [ms(lambda: client.get("/health").raise_for_status()) for _ in range(50)]

            def candidates(name: str) -> float:
                t0 = time.perf_counter()
                client.get("/candidates", params={"indication": name, "top": 20})
                return (time.perf_counter() - t0) * 1000

            opening = candidates(indication)
            rss = {}
            first_time, cached = [], []
            for n, name in enumerate(diseases + diseases, start=1):
                (first_time if n <= len(diseases) else cached).append(candidates(name))
                if n in (10, len(diseases), 2 * len(diseases)):
                    rss[n] = (status(server.pid)["VmRSS"], children_rss(server.pid)[1])
        h50, f50, c50 = (statistics.median(x) for x in (health, first_time, cached))
        print(f"HTTP API, tcmkg serve (load average {load()})")
        print(f"  GET /health p50 (baseline), 50 requests: {h50:7.1f} ms")
        print(f"  first /candidates after start ({indication!r}): {opening:7.0f} ms")
        print(
            f"  GET /candidates first-time p50, {len(first_time)} most-treated diseases: "
            f"{f50:7.1f} ms  {f50 / base:.2f}× raw   target ≤ 100 ms: {verdict(f50, 100)}  "
            f"(p95 {sorted(first_time)[int(0.95 * len(first_time)) - 1]:.0f} ms)"
        )
        print(
            f"  GET /candidates cached p50, the same again: {c50:7.1f} ms  {c50 / h50:.2f}× "
            f"/health   target ≤ 10 ms: {verdict(c50, 10)}"
        )
        print(
            "  server RSS after request "
            + ", ".join(f"{n}: {s} MB (+{k} MB in child processes)" for n, (s, k) in rss.items())
        )
    finally:
        stop_server(server, wait=60)
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
