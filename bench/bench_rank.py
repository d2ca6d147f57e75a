"""Benchmark: `rank` latency on a generated ~1M-triple evidence graph, beside raw SPARQL.

Generates a synthetic evidence graph (herbs, formulas, compounds, targets, pathways, a disease
hierarchy; literature `treats` claims with RCT/cohort/animal evidence, null and harm results,
trials reported by several papers; herb–compound and compound–target table edges with
ubiquitous compounds and hub targets; toxicity claims) through the project's writer, bulk-loads
it into an embedded on-disk Oxigraph store, then times, for one broad indication (a parent
disease with its narrower terms):

* the raw SPARQL aggregation the ranking is built on (``candidate_evidence_counts.rq``, evidence
  counts per candidate by direction, bound to the same indication terms) — the baseline;
* ``rank_candidates`` (top 20, every row with its scored evidence);
* ``rank_candidates`` plus the full explanation of the top row (evidence and mechanism paths).

Then, on the same store, what a write costs the next ranking: ``rank_candidates`` warm (the
projection held), the first ``rank_candidates`` after writing one new record (the projection
updated for that record's graph), a ranking that runs while that update is being saved to
the store's folder (a moment after the write), and after the projection is dropped (a fresh
build, what every write cost before).

Then what a command-line user waits for, each in a fresh process (the store closed here):
``tcmkg rank`` once with no saved projection (it builds and saves it), then ``tcmkg rank`` and
``tcmkg explain`` reading the saved projection, beside the bare start-up of the command line
(``python -c "import tcmkg.cli"``) as that part's baseline.

Last, what a write by *another* process costs the next process's ranking (3 runs each, each
its own process, opened read-only as ``tcmkg rank`` opens the store): the first ranking with
the projection saved for the store's current state (the baseline), the first ranking after
another process wrote one record (the projection saved before the write, brought forward
through the store's saved journal of writes), and with no saved projection (a rebuild); each
with the process's wall time and its second, warm ranking. Then ``tcmkg rank`` after another
process's one-record write.

Prints medians and the ratios to the baselines. All synthetic; no real data is used.

    .venv/bin/python bench/bench_rank.py [--triples 1000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from kg.iri import graph_iri, vocabulary_graph
from kg.model import (
    AgentType,
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore, open_store
from kg.writer import bundle_quads, vocabulary_quads
from queries import mechanism
from queries.config import ScoringConfig
from queries.evidence import nodes
from queries.explain import explain_in_context
from queries.indications import resolve_indication
from queries.library import query_text
from queries.rank import prepare, rank_candidates, rank_in_context


def zipf_pick(rng: random.Random, n: int, k: int, skew: float = 1.1) -> list[int]:
    """k distinct indices in range(n), low indices far more likely (hubs and ubiquitous)."""
    weights = [1.0 / (i + 1) ** skew for i in range(n)]
    out: set[int] = set()
    while len(out) < k:
        out.update(rng.choices(range(n), weights=weights, k=k - len(out)))
    return sorted(out)


class BenchEntities(NamedTuple):
    """The generated vocabulary, one list per kind."""

    herbs: list[Entity]
    formulas: list[Entity]
    compounds: list[Entity]
    targets: list[Entity]
    pathways: list[Entity]
    diseases: list[Entity]


def bench_entities(
    n_herbs: int,
    n_formulas: int,
    n_compounds: int,
    n_targets: int,
    n_pathways: int,
    n_top: int,
    n_children: int,
) -> BenchEntities:
    """The generated herbs, formulas, compounds, targets, pathways and a two-level disease
    hierarchy (``n_top`` parents of ``n_children`` narrower terms each); no randomness."""
    diseases: list[Entity] = []
    for t in range(n_top):
        top = Entity(f"TCMKG.DISEASE:bench-{t}", EntityKind.DISEASE, f"bench disease {t}")
        diseases.append(top)
        diseases += [
            Entity(
                f"TCMKG.DISEASE:bench-{t}-{c}",
                EntityKind.DISEASE,
                f"bench disease {t}.{c}",
                broader=(top.id,),
            )
            for c in range(n_children)
        ]
    return BenchEntities(
        [
            Entity(f"TCMKG.HERB:bench-herb-{i}", EntityKind.HERB, f"Bench herb {i}")
            for i in range(n_herbs)
        ],
        [
            Entity(f"TCMKG.FORMULA:bench-formula-{i}", EntityKind.FORMULA, f"Bench formula {i}")
            for i in range(n_formulas)
        ],
        [
            Entity(f"TCMKG.COMPOUND:bench-{i}", EntityKind.COMPOUND, f"bench compound {i}")
            for i in range(n_compounds)
        ],
        [
            Entity(f"TCMKG.TARGET:BENCH{i}", EntityKind.TARGET, f"BENCH{i}")
            for i in range(n_targets)
        ],
        [
            Entity(f"KEGG.PATHWAY:bench{i:05d}", EntityKind.PATHWAY, f"bench pathway {i}")
            for i in range(n_pathways)
        ],
        diseases,
    )


def db_item(source: str) -> EvidenceItem:
    """The evidence item of a generated database-table edge."""
    return EvidenceItem(
        source,
        StudyDesign.DATABASE,
        method="bench-import",
        agent_type=AgentType.MANUAL_AGENT,
        year=2020,
    )


def generate(scale: float, seed: int = 7) -> Iterator[tuple[str, list[Quad]]]:
    """(graph, quads) of a synthetic evidence graph; ~1M triples at scale 1."""
    rng = random.Random(seed)
    n_herbs, n_formulas = int(300 * scale), int(40 * scale)
    n_compounds, n_targets, n_pathways = int(4000 * scale), int(800 * scale), 60
    n_top, n_children = 15, 9
    herbs, formulas, compounds, targets, pathways, diseases = bench_entities(
        n_herbs, n_formulas, n_compounds, n_targets, n_pathways, n_top, n_children
    )
    everything = herbs + formulas + compounds + targets + pathways + diseases
    yield vocabulary_graph("bench"), list(vocabulary_quads(everything, "bench"))

    def table(name: str, claims: list[Claim]) -> tuple[str, list[Quad]]:
        record = SourceRecord(f"TCMKG.TABLE:bench/{name}", RecordKind.TABLE, year=2020)
        return graph_iri(record.id), bundle_quads(RecordBundle(record, (), tuple(claims)))

    src = "TCMKG.TABLE:bench/herb_compound"
    hc = [
        Claim(h.id, Predicate.CONTAINS, compounds[c].id, (db_item(src),))
        for h in herbs
        for c in zipf_pick(rng, n_compounds, 40, 0.9)
    ]
    yield table("herb_compound", hc)
    src = "TCMKG.TABLE:bench/compound_target"
    ct = [
        Claim(
            c.id,
            rng.choice([Predicate.INHIBITS, Predicate.ACTIVATES]),
            targets[t].id,
            (db_item(src),),
        )
        for c in compounds
        for t in zipf_pick(rng, n_targets, 5)
    ]
    yield table("compound_target", ct)
    src = "TCMKG.TABLE:bench/target_disease"
    td = [
        Claim(t.id, Predicate.ASSOCIATED_WITH, d.id, (db_item(src),))
        for t in targets
        for d in rng.sample(diseases, 4)
    ]
    td += [
        Claim(p.id, Predicate.ASSOCIATED_WITH, d.id, (db_item(src),))
        for p in pathways
        for d in rng.sample(diseases, 3)
    ]
    td += [
        Claim(t.id, Predicate.PARTICIPATES_IN, p.id, (db_item(src),))
        for t in targets
        for p in rng.sample(pathways, 2)
    ]
    yield table("target_disease", td)
    src = "TCMKG.TABLE:bench/formula_herb"
    fh = [
        Claim(f.id, Predicate.HAS_PART, herbs[h].id, (db_item(src),))
        for f in formulas
        for h in rng.sample(range(n_herbs), 8)
    ]
    yield table("formula_herb", fh)

    designs = [StudyDesign.RCT, StudyDesign.COHORT, StudyDesign.ANIMAL, StudyDesign.CASE_REPORT]
    directions = [Direction.BENEFIT] * 6 + [Direction.NULL] * 2 + [Direction.HARM]
    candidates = herbs + formulas
    n_papers = int(7000 * scale)
    for p in range(n_papers):
        doc = f"TCMKG.DOC:bench-paper-{p}"
        trial = (f"NCT:NCT{rng.randrange(3000):08d}",) if rng.random() < 0.2 else ()
        year = rng.randrange(1995, 2026)
        record = SourceRecord(
            doc, RecordKind.PUBLICATION, title=f"Bench paper {p}", year=year, trial_ids=trial
        )
        cand = candidates[zipf_pick(rng, len(candidates), 1, 0.7)[0]]
        disease = rng.choice(diseases)
        design = rng.choice(designs)
        items = tuple(
            EvidenceItem(
                doc,
                design,
                rng.choice(directions),
                sentence=f"Synthetic sentence {k} of bench paper {p}.",
                start=100 * k,
                end=100 * k + 60,
                sample_size=rng.randrange(10, 600),
                year=year,
                confidence=round(rng.uniform(0.5, 1.0), 2),
                method="bench",
                agent_type=AgentType.TEXT_MINING_AGENT,
                trial_ids=trial,
            )
            for k in range(rng.choice([1, 1, 2]))
        )
        claims = [Claim(cand.id, Predicate.TREATS, disease.id, items)]
        if rng.random() < 0.05:
            harm = EvidenceItem(
                doc, StudyDesign.CASE_REPORT, Direction.HARM, sentence="Synthetic harm.", year=year
            )
            claims.append(Claim(cand.id, Predicate.CAUSES, rng.choice(diseases).id, (harm,)))
        yield graph_iri(doc), bundle_quads(RecordBundle(record, (), tuple(claims)))


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in milliseconds over ``repeat`` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def build_store(folder: Path, scale: float, location: str) -> GraphStore:
    """Generate the synthetic graph into ``folder`` and bulk-load it; print how long it took."""
    folder.mkdir(parents=True, exist_ok=True)
    nq = folder / "bench.nq"
    t0 = time.perf_counter()
    count = 0
    with nq.open("wb") as out:
        for graph, quads in generate(scale):
            named = [Quad(q.subject, q.predicate, q.object, NamedNode(graph)) for q in quads]
            count += len(named)
            serialize(named, out, RdfFormat.N_QUADS)
    gen_s = time.perf_counter() - t0
    store = open_store(location)
    t0 = time.perf_counter()
    store.bulk_load(nq, RdfFormat.N_QUADS)
    load_s = time.perf_counter() - t0
    nq.unlink()
    print(f"generated {count:,} quads in {gen_s:.1f} s; bulk-loaded in {load_s:.1f} s")
    return store


def run_ms(command: list[str]) -> float:
    """Wall time of one command in a fresh process, in milliseconds (it must succeed)."""
    t0 = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t0) * 1000


def fresh_processes(path: Path, indication: str, candidate: str, repeat: int) -> None:
    """Time ``tcmkg rank`` / ``explain`` as a user runs them: one process per answer."""
    cli = [sys.executable, "-m", "tcmkg"]
    store = ["--store", f"oxigraph:{path}"]
    rank = [*cli, "rank", indication, *store, "--top", "20", "--format", "json"]
    explain = [*cli, "explain", candidate, indication, *store, "--format", "json"]
    startup = statistics.median(
        run_ms([sys.executable, "-c", "import tcmkg.cli"]) for _ in range(repeat)
    )
    builds = []
    for _ in range(3):
        shutil.rmtree(path / "tcmkg" / "cache", ignore_errors=True)
        builds.append(run_ms(rank))
    build = statistics.median(builds)
    saved = statistics.median(run_ms(rank) for _ in range(repeat))
    explained = statistics.median(run_ms(explain) for _ in range(repeat))
    print("fresh process (each its own python)   median")
    print(f"start-up: import tcmkg.cli (baseline) {startup:8.0f} ms   1.00x")
    print(f"tcmkg rank, projection built & saved  {build:8.0f} ms   {build / startup:.2f}x")
    print(f"tcmkg rank, saved projection          {saved:8.0f} ms   {saved / startup:.2f}x")
    print(f"tcmkg explain, saved projection       {explained:8.0f} ms   {explained / startup:.2f}x")


def one_record(n: int, disease: str) -> tuple[str, list[Quad]]:
    """A new publication: one herb treats ``disease`` (an RCT) and one of its compounds acts."""
    doc = f"TCMKG.DOC:bench-new-{n}"
    record = SourceRecord(doc, RecordKind.PUBLICATION, title=f"New bench paper {n}", year=2024)
    item = EvidenceItem(
        doc,
        StudyDesign.RCT,
        Direction.BENEFIT,
        sentence=f"Synthetic sentence of new bench paper {n}.",
        sample_size=120,
        year=2024,
        confidence=0.9,
        method="bench",
        agent_type=AgentType.TEXT_MINING_AGENT,
    )
    claims = (
        Claim(f"TCMKG.HERB:bench-herb-{n % 300}", Predicate.TREATS, disease, (item,)),
        Claim(
            f"TCMKG.COMPOUND:bench-{n % 4000}", Predicate.INHIBITS, "TCMKG.TARGET:BENCH7", (item,)
        ),
    )
    return graph_iri(doc), bundle_quads(RecordBundle(record, (), claims))


def after_write(
    store: GraphStore, path: Path, indication: str, config: ScoringConfig, repeat: int
) -> None:
    """Warm ranking, first ranking after a one-record write, and a fresh build; same store."""

    def rank() -> object:
        return rank_candidates(store, indication, top=20, config=config)

    # The machine may be shared: the load average says how far the figures can be trusted.
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    warm = median_ms(rank, repeat)
    writes, updated = [], []
    for n in range(repeat):
        graph, quads = one_record(n, "TCMKG.DISEASE:bench-3-1")
        t0 = time.perf_counter()
        store.replace_graph(graph, quads)
        writes.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        rank()
        updated.append((time.perf_counter() - t0) * 1000)
    mechanism.wait_for_saves()  # the last update's save must not land after the cache goes
    # The updated projection is saved a moment after the update (SAVE_DELAY): a ranking that
    # runs while it is being encoded shares the interpreter with the save.
    delay = getattr(mechanism, "SAVE_DELAY", 0.0)
    during = []
    for n in range(repeat, repeat + 3):
        store.replace_graph(*one_record(n, "TCMKG.DISEASE:bench-3-1"))
        rank()
        time.sleep(delay)
        t0 = time.perf_counter()
        rank()
        during.append((time.perf_counter() - t0) * 1000)
        mechanism.wait_for_saves()
    fresh = []
    for _ in range(3):
        mechanism._CACHE.clear()  # what a rebuild costs: nothing held, nothing saved
        shutil.rmtree(path / "tcmkg" / "cache", ignore_errors=True)
        t0 = time.perf_counter()
        rank()
        fresh.append((time.perf_counter() - t0) * 1000)
    first, rebuilt = statistics.median(updated), statistics.median(fresh)
    print("after a write (in this process)       median")
    print(f"rank_candidates, warm (baseline)   {warm:8.1f} ms   1.00x")
    print(
        f"first rank after a one-record write {first:7.1f} ms   {first / warm:.2f}x  "
        f"(the write itself: {statistics.median(writes):.0f} ms)"
    )
    saving = statistics.median(during)
    print(
        f"a rank while the update is saved   {saving:8.1f} ms   {saving / warm:.2f}x  "
        f"({delay:.1f} s after the write, 3 writes)"
    )
    print(f"first rank after a fresh build     {rebuilt:8.1f} ms   {rebuilt / warm:.2f}x")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


# A process that writes one record as `tcmkg ingest` does (one replace of the record's graph):
# arguments store folder, record number, indication term.
WRITER = """
import sys
sys.path.insert(0, sys.argv[1])
from bench_rank import one_record
from kg.store import open_store
store = open_store(f"oxigraph:{sys.argv[2]}")
store.replace_graph(*one_record(int(sys.argv[3]), sys.argv[4]))
store.close()
"""

# A process that ranks as `tcmkg rank` does (store opened read-only, the command line's scoring
# configuration), timing its first and second ranking and counting how its projection was had.
RANKER = """
import json, sys, time
from kg.store import open_store
from queries import mechanism
from queries.rank import rank_candidates
from tcmkg.console import scoring_config

calls = {"builds": 0, "updates": 0}
real_build, real_update = mechanism.build_layer, mechanism.update_layer

def build(*args, **kwargs):
    calls["builds"] += 1
    return real_build(*args, **kwargs)

def update(*args, **kwargs):
    calls["updates"] += 1
    return real_update(*args, **kwargs)

mechanism.build_layer, mechanism.update_layer = build, update
config = scoring_config(None)
store = open_store(f"oxigraph:{sys.argv[1]}", must_exist=True, read_only=True)
times = []
for _ in range(2):
    t0 = time.perf_counter()
    rank_candidates(store, sys.argv[2], top=20, config=config)
    times.append((time.perf_counter() - t0) * 1000)
store.close()
print(json.dumps({**calls, "first": times[0], "warm": times[1]}))
"""


def rank_elsewhere(path: Path, indication: str) -> dict[str, float]:
    """Rank in a new process (see RANKER): its wall time, first and warm ranking, counts."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RANKER, str(path), indication],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = (time.perf_counter() - t0) * 1000
    return {**json.loads(done.stdout), "wall": wall}


def write_elsewhere(path: Path, n: int, disease: str) -> None:
    """Write one new record in a process of its own (see WRITER)."""
    bench = str(Path(__file__).resolve().parent)
    subprocess.run([sys.executable, "-c", WRITER, bench, str(path), str(n), disease], check=True)


def after_another_process_write(path: Path, indication: str, runs: int = 3) -> None:
    """The first ranking of a new process: nothing written, another process's write, rebuild."""
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    disease = "TCMKG.DISEASE:bench-3-1"
    rank_elsewhere(path, indication)  # a projection saved for this state, for this config
    saved = [rank_elsewhere(path, indication) for _ in range(runs)]
    written = []
    for n in range(runs):
        write_elsewhere(path, 1000 + n, disease)
        written.append(rank_elsewhere(path, indication))  # saves its update as it exits
    rebuilt = []
    for _ in range(runs):
        for file in (path / "tcmkg" / "cache").glob("layer-*.npz"):
            file.unlink()
        rebuilt.append(rank_elsewhere(path, indication))
    cli = [sys.executable, "-m", "tcmkg", "rank", indication, "--store", f"oxigraph:{path}"]
    command = [*cli, "--top", "20", "--format", "json"]
    commands = []
    for n in range(runs):
        write_elsewhere(path, 1100 + n, disease)
        commands.append(run_ms(command))

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    base, base_wall = med(saved, "first"), med(saved, "wall")
    head = f"a new process ranks (median of {runs})"
    print(f"{head:<45} {'first rank':>15}  {'process wall':>15}")
    for name, rows in (
        ("projection saved for this state (baseline)", saved),
        ("after another process's one-record write", written),
        ("no saved projection (rebuilt)", rebuilt),
    ):
        first, wall = med(rows, "first"), med(rows, "wall")
        builds, updates = sum(r["builds"] for r in rows), sum(r["updates"] for r in rows)
        print(
            f"{name:<45} {first:7.0f} ms {first / base:5.2f}x  "
            f"{wall:6.0f} ms {wall / base_wall:5.2f}x  "
            f"(warm rank {med(rows, 'warm'):.0f} ms; builds {builds:.0f}, updates {updates:.0f})"
        )
    cmd = statistics.median(commands)
    print(f"{'tcmkg rank, after a one-record write':<45} {'':>15}  {cmd:6.0f} ms")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    """Generate, load, time and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="approximate size")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--store", type=Path, help="keep the generated store in this folder; reuse it if present"
    )
    args = parser.parse_args()
    scale = args.triples / 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.store or Path(tmp)
        location = f"oxigraph:{folder / 'store'}"
        if (folder / "store").exists():
            store = open_store(location)
            print(f"reusing the store in {folder}: {len(store.named_graphs()):,} named graphs")
        else:
            store = build_store(folder, scale, location)

        config = ScoringConfig(reference_year=2025)
        indication = "bench disease 3"
        terms = resolve_indication(store, indication)
        raw_query = query_text("candidate_evidence_counts")

        def raw() -> object:
            return store.select(raw_query, {"indication": nodes(terms.terms)})

        def rank() -> object:
            return rank_candidates(store, indication, top=20, config=config)

        def rank_explained() -> object:
            ctx = prepare(store, indication, config)
            rows = rank_in_context(ctx, top=20)
            return explain_in_context(ctx, rows[0].candidate)

        t0 = time.perf_counter()
        rows = rank_candidates(store, indication, top=20, config=config)
        cold_ms = (time.perf_counter() - t0) * 1000
        print(f"first request (projects the mechanism layer once): {cold_ms:.0f} ms")
        n_raw = len(store.select(raw_query, {"indication": nodes(terms.terms)}))
        print(
            f"indication {indication!r}: {len(terms.terms)} terms, {n_raw} candidates "
            f"with treatment evidence, {len(rows)} rows returned"
        )
        base = median_ms(raw, args.repeat)
        ranked = median_ms(rank, args.repeat)
        explained = median_ms(rank_explained, args.repeat)
        print(f"raw SPARQL aggregation (baseline)   median {base:8.1f} ms   1.00x")
        print(f"rank_candidates, top 20             median {ranked:8.1f} ms   {ranked / base:.2f}x")
        print(
            f"rank + explanation of the top row   median {explained:8.1f} ms   "
            f"{explained / base:.2f}x"
        )
        after_write(store, folder / "store", indication, config, args.repeat)
        top = rows[0].candidate.id
        store.close()
        fresh_processes(folder / "store", indication, top, args.repeat)
        after_another_process_write(folder / "store", indication)


if __name__ == "__main__":
    main()
