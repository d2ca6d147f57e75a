"""Store benchmark: load and query a generated evidence graph of about 1M triples.

Generates record bundles (claims with evidence, deterministic random) through the project's
writer (:mod:`kg.writer`), writes them to one N-Quads file, then times on disk, in one run:

* raw ``pyoxigraph.Store.bulk_load`` on that file (the baseline);
* the project's bulk path, ``GraphStore.bulk_load`` (``tcmkg load --bulk`` minus the check);
* the project's checked bulk path, ``GraphStore.load_file(bulk=True)`` (parse to check, then
  bulk load: what ``tcmkg load --bulk`` does);
* the per-record transactional path, ``GraphStore.replace_graph``, on a subset of records,
  with the rate extrapolated;
* one GROUP BY ranking query on the loaded store;
* exports of the loaded store through the format registry (``GET /export``, ``tcmkg export``):
  N-Quads (the store's own dump, the baseline) beside KGX edges and nodes, in MB/s and in
  store quads per second.

Prints medians over ``--runs`` runs and ratios against the raw baseline. ``--export-only``
loads the store once and prints the export figures alone.

    .venv/bin/python bench/bench_store.py [--triples 1000000] [--runs 3] [--records 2000]
                                          [--export-only]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import cast

from pyoxigraph import Quad, QuerySolutions, RdfFormat, Store, serialize

from kg import iri
from kg.export import export_format
from kg.model import (
    AgentType,
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    KnowledgeLevel,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore, open_store
from kg.stores.oxigraph import OxigraphStore
from kg.writer import bundle_quads

RANKING_QUERY = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
SELECT ?herb (COUNT(DISTINCT ?ev) AS ?evidence) (AVG(?confidence) AS ?mean_confidence)
WHERE {
  ?claim biolink:subject ?herb ; biolink:object ?disease ; tcm:hasEvidence ?ev .
  ?ev tcm:confidence ?confidence ; tcm:direction tcm:Benefit .
}
GROUP BY ?herb ORDER BY DESC(?evidence) LIMIT 20
"""


ALL_DESIGNS = tuple(StudyDesign)
MIXED_DIRECTIONS = (Direction.BENEFIT, Direction.BENEFIT, Direction.NULL, Direction.HARM)


def bundles(
    rng: random.Random,
    designs: Sequence[StudyDesign] = ALL_DESIGNS,
    directions: Sequence[Direction] = MIXED_DIRECTIONS,
) -> Iterator[RecordBundle]:
    """An endless stream of synthetic record bundles (labelled synthetic, no real ids).

    Each record has three ``treats`` claims with two evidence items each; diseases are named
    ``synthetic disease N`` so that benchmarks can rank by that name.
    """
    herbs = [
        Entity(iri.own_curie("TCMKG.HERB", f"synthetic herb {i}"), EntityKind.HERB, f"herb {i}")
        for i in range(300)
    ]
    diseases = [
        Entity(
            iri.own_curie("TCMKG.DISEASE", f"synthetic disease {i}"),
            EntityKind.DISEASE,
            f"synthetic disease {i}",
        )
        for i in range(60)
    ]
    n = 0
    while True:
        n += 1
        record = f"TCMKG.DOC:synthetic-{n}"
        year = rng.randint(1990, 2024)
        claims = []
        used: list[Entity] = []
        for _ in range(3):
            herb, disease = rng.choice(herbs), rng.choice(diseases)
            used += [herb, disease]
            evidence = tuple(
                EvidenceItem(
                    source=record,
                    design=rng.choice(designs),
                    direction=rng.choice(directions),
                    sentence=f"Synthetic sentence {k} of record {n}.",
                    start=k * 40,
                    end=k * 40 + 35,
                    sample_size=rng.randint(10, 500),
                    year=year,
                    method="bench",
                    confidence=round(rng.uniform(0.3, 1.0), 2),
                    knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
                    agent_type=AgentType.TEXT_MINING_AGENT,
                )
                for k in range(2)
            )
            claims.append(Claim(herb.id, Predicate.TREATS, disease.id, evidence))
        yield RecordBundle(
            SourceRecord(record, RecordKind.DOCUMENT, title=f"Synthetic {n}", year=year),
            entities=tuple(dict.fromkeys(used)),
            claims=tuple(claims),
        )


def generate(path: Path, triples: int, seed: int = 7) -> tuple[int, list[RecordBundle]]:
    """Write about ``triples`` quads to ``path``; return the count and the bundles written."""
    rng = random.Random(seed)
    written: list[RecordBundle] = []
    count = 0

    def quads() -> Iterator[Quad]:
        nonlocal count
        for bundle in bundles(rng):
            written.append(bundle)
            for q in bundle_quads(bundle):
                count += 1
                yield q
            if count >= triples:
                return

    with path.open("wb") as out:
        serialize(quads(), out, RdfFormat.N_QUADS)
    return count, written


def timed(runs: int, setup: Callable[[], object], work: Callable[[object], object]) -> list[float]:
    """Seconds taken by ``work(setup())`` in each run (setup not timed)."""
    times = []
    for _ in range(runs):
        state = setup()
        start = time.perf_counter()
        work(state)
        times.append(time.perf_counter() - start)
    return times


def export_rates(store: GraphStore, folder: Path, quads: int) -> None:
    """Export ``store`` to files as N-Quads and as KGX edges and nodes; print the rates.

    Each format once, N-Quads first and again last, so that a machine slowing down during the
    run shows as two different baselines rather than as a better ratio.
    """
    figures: list[tuple[str, float, int]] = []
    for name in ("nquads", "kgx_edges", "kgx_nodes", "nquads"):
        out = folder / f"export.{name}"
        start = time.perf_counter()
        with out.open("wb") as f:
            export_format(name).write(store, f, None)
        figures.append((name, time.perf_counter() - start, out.stat().st_size))
        out.unlink()
    # The baseline: N-Quads at its mean rate over its two runs, one before and one after.
    base = statistics.mean(size / s for name, s, size in figures if name == "nquads")
    base_s = statistics.mean(s for name, s, _ in figures if name == "nquads")
    print(
        f"\n{'export of the whole store':<26} {'time':>9} {'size':>9} {'rate':>11}  N-Quads mean =1"
    )
    for name, seconds, size in figures:
        rate = size / seconds
        print(
            f"{name:<26} {seconds:8.1f}s {size / 1e6:7.1f}MB {rate / 1e6:7.2f}MB/s  "
            f"{rate / base:5.2f}× MB/s; {quads / seconds / 1e3:6.1f}k store quads/s "
            f"({base_s / seconds:4.2f}× N-Quads' speed over the same store)"
        )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=2_000, help="records for replace_graph")
    parser.add_argument("--export-only", action="store_true", help="only the export figures")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tcmkg-bench-store-"))
    try:
        nq = work / "graph.nq"
        start = time.perf_counter()
        n, written = generate(nq, args.triples)
        gen_s = time.perf_counter() - start
        print(
            f"generated {n:,} quads in {len(written):,} records through kg.writer in {gen_s:.1f} s"
        )
        print(f"file: {nq.stat().st_size / 1e6:.0f} MB N-Quads; runs per figure: {args.runs}\n")

        if args.export_only:
            with open_store(f"oxigraph:{work / 'export-store'}") as st:
                st.bulk_load(nq, RdfFormat.N_QUADS)
                export_rates(st, work, n)
            return

        counter = iter(range(10**9))

        def fresh_dir() -> Path:
            return work / f"store-{next(counter)}"

        def raw_bulk(d: object) -> None:
            Store(str(d)).bulk_load(path=str(nq), format=RdfFormat.N_QUADS)

        def project_bulk(d: object) -> None:
            with open_store(f"oxigraph:{d}") as st:
                st.bulk_load(nq, RdfFormat.N_QUADS)

        def project_checked(d: object) -> None:
            with open_store(f"oxigraph:{d}") as st:
                st.load_file(nq, bulk=True)

        # Interleaved, so that a busy machine slows every path alike and the ratios hold.
        loads: dict[str, list[float]] = {"raw": [], "bulk": [], "checked": []}
        paths = {"raw": raw_bulk, "bulk": project_bulk, "checked": project_checked}
        for run in range(args.runs):
            names = list(paths)
            for name in names[run % 3 :] + names[: run % 3]:
                loads[name] += timed(1, fresh_dir, paths[name])
        raw, bulk, checked = loads["raw"], loads["bulk"], loads["checked"]

        subset = [(iri.graph_iri(b.record.id), bundle_quads(b)) for b in written[: args.records]]
        subset_quads = sum(len(q) for _, q in subset)

        def per_record(d: object) -> None:
            with open_store(f"oxigraph:{d}") as st:
                for graph, quads in subset:
                    st.replace_graph(graph, quads)

        txn = timed(args.runs, fresh_dir, per_record)

        query_store = OxigraphStore(work / "query-store")
        query_store.bulk_load(nq, RdfFormat.N_QUADS)
        rows = len(query_store.select(RANKING_QUERY))
        queries = timed(
            max(args.runs, 5), lambda: None, lambda _: query_store.select(RANKING_QUERY)
        )
        raw_queries = timed(
            max(args.runs, 5),
            lambda: None,
            lambda _: list(
                cast(
                    QuerySolutions,
                    query_store.raw.query(RANKING_QUERY, use_default_graph_as_union=True),
                )
            ),
        )
        export_rates(query_store, work, n)
        query_store.close()

        def line(label: str, times: list[float], quads: int, base: float | None) -> None:
            med = statistics.median(times)
            rate = quads / med
            ratio = f"{rate / base:6.2f}× raw" if base else "baseline"
            print(f"{label:<44} {med:8.2f} s {rate / 1e3:9.0f}k quads/s   {ratio}")

        raw_rate = n / statistics.median(raw)
        print(f"{'load path (on disk, median)':<44} {'time':>10} {'throughput':>17}")
        line("raw pyoxigraph Store.bulk_load", raw, n, None)
        line("GraphStore.bulk_load (project bulk path)", bulk, n, raw_rate)
        line("GraphStore.load_file(bulk=True) (checked)", checked, n, raw_rate)
        line(f"replace_graph per record ({len(subset):,} records)", txn, subset_quads, raw_rate)
        per_rec_ms = statistics.median(txn) / len(subset) * 1e3
        est = statistics.median(txn) / subset_quads * n
        print(f"  per record {per_rec_ms:.2f} ms; extrapolated to all {n:,} quads: {est:.0f} s")
        q_med = statistics.median(queries) * 1e3
        raw_q = statistics.median(raw_queries) * 1e3
        print(
            f"\nGROUP BY ranking query ({rows} rows): {q_med:.1f} ms via GraphStore.select, "
            f"{raw_q:.1f} ms raw pyoxigraph ({q_med / raw_q:.2f}×)"
        )
        for name, times in loads.items():
            print(f"{name} load runs: {', '.join(f'{t:.2f}' for t in times)} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
