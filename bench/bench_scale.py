"""Scale benchmark: rank, /candidates, bytes on disk and peak memory on 1M and 10M triples.

Generates, per size, a synthetic evidence graph (no real data) and bulk-loads it into an
on-disk Oxigraph store:

* a TCMSP-shaped table block in the TCMSP importer's own format (its evidence items, its graph
  names, written by the importer's claim templates, ``ingest.importers.graph_load``): 500
  herbs, 13,000 compounds, 3,000 targets, 40,000 herb–compound ``contains`` and 130,000
  compound–target ``binds`` edges at 10M triples (170,000 edges, as TCMSP), hub-heavy: a few
  compounds in hundreds of herbs, five compounds with 1,000–2,500 targets, Zipf-chosen targets
  of which the first few bind thousands of compounds. Below 10M triples the edge counts shrink
  in proportion, the entity lists stay, and every compound keeps a target (at 1M: 4,000 and
  17,822 edges);
* target–disease, pathway and formula–herb tables as ``bench_rank.py`` writes them;
* literature: synthetic papers (as ``bench_rank.py``: RCT, cohort, animal, case-report
  evidence, null and harm results, shared trial ids, 5 % harm claims) through ``kg.writer``
  until the size is reached; a two-level disease hierarchy of 15·√(size/1M) parents with 9
  narrower terms each. The tables come to about 730,000 triples at 1M (3.5M at 10M): a size
  below 1M holds few papers or none, and so nothing to rank.

Prints the TCMSP block's edge counts and its largest hubs, and progress every million lines
generated. With ``--keep DIR`` each size's store is built in ``DIR/scale-SIZE`` and kept; a
later run with the same ``--keep`` measures the kept store again (its saved projection removed,
so the first ranking builds it again) instead of generating it.

Then prints, each figure beside its target and a baseline measured in the same run:

* triples, bytes on disk (the store folder without its projection cache) and bytes per triple;
* the raw SPARQL aggregation the ranking is built on (``candidate_evidence_counts.rq``), the
  baseline of every ranking figure;
* ``rank_candidates`` top 20 warm (median of 3), and the first ranking after a one-record
  write in the same process (median of 3 writes; target ≤ 2× warm);
* a new process: ``tcmkg rank`` (whole command wall, Python start-up included, median of 3)
  and, apart, the first ``rank_candidates`` call inside a new process (as ``bench_rank.py``'s
  RANKER; median of 3), with nothing written and after another process's one-record write;
* ``GET /candidates`` through ``tcmkg serve``: p50 of 50 indications asked for the first time
  (broad ones, a parent with its 9 narrower terms, and narrow ones, a single term, in turn
  while both last; their p50s apart), beside the same questions ranked in one process (the
  process below), then of the same 50 asked again (answered from the answer cache), beside
  ``GET /health``;
* peak RSS (VmHWM) of the ``tcmkg rank`` command, of a process ranking 100 times (50
  indications, then the same 50 again), and of the server (its query worker processes apart)
  over those 100 requests and up to 200 more for other indications, with the resident size
  after rank or request 1 or 10, 50, 100 and the last.

The load average is printed beside each part: on 2 shared cores the figures depend on it.

    .venv/bin/python bench/bench_scale.py [--sizes 1000000 10000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import bisect
import collections
import functools
import itertools
import json
import math
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

import httpx
from bench_api import (  # bench/ is on sys.path when run as a script
    free_port,
    start_server,
    stop_server,
)
from bench_rank import RANKER, bench_entities, db_item, one_record, write_elsewhere
from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from ingest.importers.graph_load import ClaimTemplates, quad_lines
from ingest.importers.tcmsp import (
    HERB_MOLECULE_RECORD,
    MOLECULE_TARGET_RECORD,
    constituent_evidence,
    target_evidence,
)
from kg.iri import graph_iri, vocabulary_graph
from kg.model import (
    AgentType,
    Claim,
    Direction,
    EvidenceItem,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore, open_store
from kg.writer import bundle_quads, record_quads, vocabulary_quads
from queries import mechanism
from queries.evidence import nodes
from queries.indications import resolve_indication
from queries.library import query_text
from queries.rank import rank_candidates
from tcmkg.console import scoring_config

FULL = 10_000_000  # the size at which the TCMSP block has TCMSP's edge counts
N_HERBS, N_FORMULAS, N_COMPOUNDS, N_TARGETS, N_PATHWAYS = 500, 60, 13_000, 3_000, 300
HERB_COMPOUND, COMPOUND_TARGET = 40_000, 130_000
HUB_COMPOUNDS = 5  # compounds with 1,000–2,500 targets each
WRITE_DISEASE = "TCMKG.DISEASE:bench-3-1"  # what bench_rank.one_record's writes treat
INDICATION = "bench disease 3"


class Picker:
    """Zipf-weighted distinct picks from range(n), cumulative weights computed once."""

    def __init__(self, rng: random.Random, n: int, skew: float) -> None:
        self.rng, self.n = rng, n
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** skew for i in range(n)))

    def pick(self, k: int) -> list[int]:
        """``k`` distinct indices (all of them if ``k`` ≥ n), low ones far more likely."""
        k = min(k, self.n)
        out: set[int] = set()
        total = self.cum[-1]
        while len(out) < k:
            x = self.rng.random() * total
            out.add(min(bisect.bisect_left(self.cum, x), self.n - 1))
        return sorted(out)


def _graph_lines(text: str, graph: str) -> str:
    """N-Triples text as N-Quads in ``graph`` (a raw newline never occurs inside a literal)."""
    return text.replace(" .\n", f" <{graph}> .\n")


def _table(record_id: str, claims: Iterator[Claim]) -> Iterator[str]:
    """N-Quads of a table graph as the importers write one (record, then claim templates)."""
    record = SourceRecord(record_id, RecordKind.TABLE, year=2020)
    graph = graph_iri(record_id)
    yield _graph_lines("".join(quad_lines(record_quads(record, graph))), graph)
    templates = ClaimTemplates(graph, record)
    for claim in claims:
        yield _graph_lines(templates.lines(claim), graph)


def generate(triples: int, stats: dict[str, int], seed: int = 7) -> Iterator[str]:
    """N-Quads text of the synthetic graph, about ``triples`` lines in all.

    ``stats`` receives the TCMSP block's edge counts and hubs, and the papers written so far.
    """
    rng = random.Random(seed)
    block = min(1.0, triples / FULL)
    n_top = max(15, round(15 * math.sqrt(triples / 1_000_000)))
    herbs, formulas, compounds, targets, pathways, diseases = bench_entities(
        N_HERBS, N_FORMULAS, N_COMPOUNDS, N_TARGETS, N_PATHWAYS, n_top, 9
    )
    vocab = vocabulary_graph("bench")
    everything = herbs + formulas + compounds + targets + pathways + diseases
    yield _graph_lines("".join(quad_lines(vocabulary_quads(everything, "bench"))), vocab)

    # TCMSP block: herbs' constituent counts vary (5–600), compounds Zipf-chosen so that a few
    # are in hundreds of herbs; five hub compounds bind 1,000–2,500 targets, the rest a few
    # Zipf-chosen targets each (so the first targets bind thousands of compounds).
    by_compound = Picker(rng, N_COMPOUNDS, 0.9)
    sizes = [min(600, max(5, round(rng.lognormvariate(3.9, 0.9)))) for _ in herbs]
    want = HERB_COMPOUND * block
    sizes = [max(1, round(s * want / sum(sizes))) for s in sizes]
    contains = [(h, c) for h, k in enumerate(sizes) for c in by_compound.pick(k)]
    herbs_of = collections.Counter(c for _, c in contains)
    stats.update(
        herb_compound=len(contains),
        max_herbs_per_compound=max(herbs_of.values()),
        max_compounds_per_herb=max(sizes),
    )
    yield from _table(
        HERB_MOLECULE_RECORD,
        (
            Claim(herbs[h].id, Predicate.CONTAINS, compounds[c].id, (constituent_evidence(),))
            for h, c in contains
        ),
    )
    by_target = Picker(rng, N_TARGETS, 1.1)
    hub_k = [round(rng.uniform(1000, 2500) * block) for _ in range(HUB_COMPOUNDS)]
    rest = (COMPOUND_TARGET * block - sum(hub_k)) / (N_COMPOUNDS - HUB_COMPOUNDS)
    per_compound = hub_k + [
        max(1, round(rng.expovariate(1 / rest))) for _ in range(N_COMPOUNDS - HUB_COMPOUNDS)
    ]
    binds = [(c, t) for c, k in enumerate(per_compound) for t in by_target.pick(k)]
    compounds_of = collections.Counter(t for _, t in binds)
    stats.update(
        compound_target=len(binds),
        max_targets_per_compound=max(per_compound),
        max_compounds_per_target=max(compounds_of.values()),
    )
    yield from _table(
        MOLECULE_TARGET_RECORD,
        (
            Claim(compounds[c].id, Predicate.BINDS, targets[t].id, (target_evidence(),))
            for c, t in binds
        ),
    )
    src = "TCMKG.TABLE:bench/target_disease"
    td = [
        Claim(t.id, Predicate.ASSOCIATED_WITH, d.id, (db_item(src),))
        for t in targets
        for d in rng.sample(diseases, 2)
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
    yield from _table(src, iter(td))
    src = "TCMKG.TABLE:bench/formula_herb"
    yield from _table(
        src,
        (
            Claim(f.id, Predicate.HAS_PART, herbs[h].id, (db_item(src),))
            for f in formulas
            for h in rng.sample(range(N_HERBS), 8)
        ),
    )

    # Literature: papers until the size is reached (the caller stops reading).
    designs = [StudyDesign.RCT, StudyDesign.COHORT, StudyDesign.ANIMAL, StudyDesign.CASE_REPORT]
    directions = [Direction.BENEFIT] * 6 + [Direction.NULL] * 2 + [Direction.HARM]
    candidates = herbs + formulas
    by_candidate = Picker(rng, len(candidates), 0.7)
    for p in itertools.count():
        stats["papers"] = p + 1
        doc = f"TCMKG.DOC:bench-paper-{p}"
        trial = (f"NCT:NCT{rng.randrange(3000 * n_top // 15):08d}",) if rng.random() < 0.2 else ()
        year = rng.randrange(1995, 2026)
        record = SourceRecord(
            doc, RecordKind.PUBLICATION, title=f"Bench paper {p}", year=year, trial_ids=trial
        )
        cand = candidates[by_candidate.pick(1)[0]]
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
        claims = [Claim(cand.id, Predicate.TREATS, rng.choice(diseases).id, items)]
        if rng.random() < 0.05:
            harm = EvidenceItem(
                doc, StudyDesign.CASE_REPORT, Direction.HARM, sentence="Synthetic harm.", year=year
            )
            claims.append(Claim(cand.id, Predicate.CAUSES, rng.choice(diseases).id, (harm,)))
        graph = NamedNode(graph_iri(doc))
        quads = [
            Quad(q.subject, q.predicate, q.object, graph)
            for q in bundle_quads(RecordBundle(record, (), tuple(claims)))
        ]
        text = serialize(quads, None, RdfFormat.N_QUADS)
        assert text is not None  # no output file given: the bytes are returned
        yield text.decode()


def disk_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder``, without the project's cache folder."""
    total = 0
    for root, dirs, files in os.walk(folder):
        if Path(root) == folder:
            dirs[:] = [d for d in dirs if d != "tcmkg"]
        total += sum((Path(root) / f).stat().st_size for f in files)
    return total


def build(folder: Path, triples: int) -> tuple[GraphStore, int, float, float]:
    """Generate and bulk-load; the store, lines written, generation and load seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    nq = folder / "bench.nq"
    t0 = time.perf_counter()
    count, step = 0, 1_000_000
    stats: dict[str, int] = {}
    with nq.open("w", encoding="utf-8") as out:
        for text in generate(triples, stats):
            out.write(text)
            count += text.count("\n")
            if count >= step:
                print(f"  generated {count:,} lines, {time.perf_counter() - t0:.0f} s")
                step += 1_000_000
            if count >= triples:
                break
    gen_s = time.perf_counter() - t0
    print(
        "TCMSP-shaped block: {herb_compound:,} herb–compound edges (a herb up to "
        "{max_compounds_per_herb:,} compounds, a compound in up to {max_herbs_per_compound:,} "
        "herbs), {compound_target:,} compound–target edges (a compound up to "
        "{max_targets_per_compound:,} targets, a target up to {max_compounds_per_target:,} "
        "compounds); {papers:,} papers".format(**{"papers": 0, **stats})
    )
    if not stats.get("papers"):
        print("  (no literature: the tables alone fill this size; use 1,000,000 or more)")
    store = open_store(f"oxigraph:{folder / 'store'}")
    t0 = time.perf_counter()
    store.bulk_load(nq, RdfFormat.N_QUADS)
    load_s = time.perf_counter() - t0
    nq.unlink()
    return store, count, gen_s, load_s


def ms(fn: Callable[[], object]) -> float:
    """Wall time of one call, in milliseconds."""
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def load() -> str:
    """The load average, for the record of how busy the machine was."""
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) of a live process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def children_rss(pid: int) -> tuple[int, int, int]:
    """(how many descendants, their summed VmRSS, their summed VmHWM in MB) of a live process.

    Summed, pages the workers share (the interpreter, the libraries) count once per worker.
    """
    seen, todo = 0, [pid]
    rss = hwm = 0
    while todo:
        p = todo.pop()
        try:
            kids = [
                int(k)
                for task in Path(f"/proc/{p}/task").iterdir()
                for k in (task / "children").read_text().split()
            ]
        except OSError:
            continue
        for k in kids:
            try:
                figures = status(k)
            except OSError:
                continue
            rss += figures.get("VmRSS", 0)
            hwm += figures.get("VmHWM", 0)
            seen += 1
            todo.append(k)
    return seen, rss, hwm


# Runs a module (``-m``) or a script (``-c``) as Python would, and at exit writes the process's
# peak resident size (VmHWM) to the file named by BENCH_PEAK_FILE. The parent's own rusage of a
# child (wait4's ru_maxrss) is no use here: it counts the pages the child shared with this
# (large) process between fork and exec.
PEAK_WRAPPER = """
import atexit, os, runpy, sys
from pathlib import Path

def _peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(os.environ["BENCH_PEAK_FILE"]).write_text(line.split()[1])

atexit.register(_peak)
mode, what = sys.argv[1], sys.argv[2]
if mode == "-m":
    sys.argv = [what, *sys.argv[3:]]
    runpy.run_module(what, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *sys.argv[3:]]
    exec(compile(what, "<script>", "exec"), {"__name__": "__main__"})
"""


def run_peak(mode: str, what: str, args: list[str]) -> tuple[float, int, str]:
    """Run ``python MODE WHAT ARGS`` to its end: (wall ms, peak RSS in MB, its stdout)."""
    with tempfile.NamedTemporaryFile(prefix="tcmkg-bench-peak-") as peak:
        env = {**os.environ, "BENCH_PEAK_FILE": peak.name}
        command = [sys.executable, "-c", PEAK_WRAPPER, mode, what, *args]
        t0 = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = (time.perf_counter() - t0) * 1000
        if done.returncode:
            raise SystemExit(f"{what[:40]!r} failed ({done.returncode}): {done.stderr[-2000:]}")
        return wall, int(Path(peak.name).read_text()) // 1024, done.stdout


# A process that ranks as `tcmkg rank` does, 100 times: 50 indications, then the same 50 again;
# the resident size after ranking 1, 10, 50 and 100 times, and its peak.
REPEAT_RANKER = """
import json, sys, time
from pathlib import Path
from kg.store import open_store
from queries.rank import rank_candidates
from tcmkg.console import scoring_config

def rss():
    fields = dict(l.split(":", 1) for l in Path("/proc/self/status").read_text().splitlines())
    return {k: int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM")}

config = scoring_config(None)
store = open_store(f"oxigraph:{sys.argv[1]}", must_exist=True, read_only=True)
names = json.loads(sys.argv[2])
marks, times = {}, []
for n, name in enumerate(names + names, start=1):
    t0 = time.perf_counter()
    rank_candidates(store, name, top=20, config=config)
    times.append((time.perf_counter() - t0) * 1000)
    if n in (1, 10, len(names), 2 * len(names)):
        marks[n] = rss()
store.close()
print(json.dumps({"marks": marks, "times": times}))
"""


def indications(triples: int) -> list[str]:
    """The generated hierarchy's disease names but INDICATION's, broad and narrow in turn.

    A broad one (a parent: its 9 narrower terms with it) alternates with a narrow one (a single
    term) while both last, so the first 50 hold as many of each as the size has (at 1M only 14
    parents are left).
    """
    n_top = max(15, round(15 * math.sqrt(triples / 1_000_000)))
    broad = [f"bench disease {t}" for t in range(n_top) if t != 3]
    narrow = [f"bench disease {t}.{c}" for c in range(9) for t in range(n_top)]
    mixed = [name for pair in zip(broad, narrow, strict=False) for name in pair]
    return mixed + broad[len(mixed) // 2 :] + narrow[len(mixed) // 2 :]


def is_broad(name: str) -> bool:
    """Whether ``name`` (of :func:`indications`) is a parent disease, not a narrower term."""
    return "." not in name


def verdict(value: float, target: float) -> str:
    """'met' or 'NOT met (x× the target)'."""
    return "met" if value <= target else f"NOT met ({value / target:.1f}× the target)"


def measure(triples: int, folder: Path) -> None:
    """Build one size and print its figures."""
    print(f"\n=== {triples:,} triples (synthetic, generated) — load average {load()}")
    path = folder / "store"
    if path.exists():
        # A store kept by an earlier run (--keep): measured again as it is, less its saved
        # projection and journal, so that the first ranking below builds as on a new store.
        shutil.rmtree(path / "tcmkg" / "cache", ignore_errors=True)
        store = open_store(f"oxigraph:{path}", must_exist=True)
        quads = store.count()
        print(f"reused the store kept in {path} (its saved projection removed): {quads:,} quads")
    else:
        store, written, gen_s, load_s = build(folder, triples)
        quads = store.count()
        print(
            f"generated {written:,} N-Quads lines in {gen_s:.0f} s; bulk-loaded in "
            f"{load_s:.0f} s; {quads:,} quads in the store"
        )
    # The command line's scoring configuration, as the new processes below use: the store keeps
    # one saved projection, for one configuration, so another one here would make them rebuild.
    config = scoring_config(None)
    terms = resolve_indication(store, INDICATION)
    raw_query = query_text("candidate_evidence_counts")
    binding = {"indication": nodes(terms.terms)}

    def raw() -> object:
        return store.select(raw_query, binding)

    def rank() -> object:
        return rank_candidates(store, INDICATION, top=20, config=config)

    n_raw = len(store.select(raw_query, binding))
    raws = [ms(raw) for _ in range(3)]
    build_ms = ms(rank)
    mechanism.wait_for_saves()  # the built projection's save must not overlap the figures below
    base = statistics.median(raws)
    print(f"indication {INDICATION!r}: {len(terms.terms)} terms, {n_raw} candidates with evidence")
    print(f"raw aggregation (candidate_evidence_counts), median of 3: {base:8.1f} ms  baseline")
    print(f"first rank in this process (projection built):           {build_ms:8.0f} ms")
    # Interleaved, each write's save let finish before the next: a warm ranking, one new
    # record written, the first ranking after it.
    warm, writes, after = [], [], []
    for n in range(3):
        warm.append(ms(rank))
        graph, record = one_record(n, WRITE_DISEASE)
        writes.append(ms(functools.partial(store.replace_graph, graph, record)))
        after.append(ms(rank))
        mechanism.wait_for_saves()
    warm_ms, after_ms = statistics.median(warm), statistics.median(after)
    print(
        f"rank top 20 warm, median of 3:                           {warm_ms:8.1f} ms  "
        f"{warm_ms / base:5.2f}× raw   target ≤ 1000 ms: {verdict(warm_ms, 1000)}"
    )
    print(
        f"first rank after a one-record write, median of 3:       {after_ms:8.1f} ms  "
        f"{after_ms / warm_ms:5.2f}× warm   target ≤ 2× warm: "
        f"{verdict(after_ms, 2 * warm_ms)}  (the write itself {statistics.median(writes):.0f} ms; "
        f"warm {', '.join(f'{t:.0f}' for t in warm)}; after {', '.join(f'{t:.0f}' for t in after)})"
    )
    mechanism.wait_for_saves()
    store.close()
    # Measured closed: right after the bulk load, with the store open, its folder does not yet
    # hold all of its files.
    size = disk_bytes(path)
    cache = sum(f.stat().st_size for f in (path / "tcmkg").rglob("*") if f.is_file())
    print(
        f"on disk (store closed): {size / 1e6:,.0f} MB, {size / quads:.0f} bytes per triple "
        f"(the store folder without the projection cache, {cache / 1e6:.1f} MB more)"
    )

    # A new process (the store closed here): the whole command, and the ranking inside one.
    rank_cmd = ["rank", INDICATION, "--store", f"oxigraph:{path}", "--top", "20"]
    rank_cmd += ["--format", "json"]
    startup = statistics.median(run_peak("-c", "import tcmkg.cli", [])[0] for _ in range(3))
    run_peak("-m", "tcmkg", rank_cmd)  # must read the projection the ranking above saved
    commands = [run_peak("-m", "tcmkg", rank_cmd) for _ in range(3)]
    ranker = [str(path), INDICATION]
    inside_runs = [run_peak("-c", RANKER, ranker) for _ in range(3)]
    inside = [json.loads(r[2]) for r in inside_runs]
    cmd_ms = statistics.median(c[0] for c in commands)
    first_ms = statistics.median(r["first"] for r in inside)
    print(f"new process (load average {load()})")
    print(f"  python -c 'import tcmkg.cli' (start-up baseline), median of 3: {startup:7.0f} ms")
    print(
        f"  tcmkg rank, whole command wall, median of 3:          {cmd_ms:7.0f} ms  "
        f"target ≤ 3000 ms: {verdict(cmd_ms, 3000)}  "
        f"(runs {', '.join(f'{c[0]:.0f}' for c in commands)} ms; "
        f"peak RSS {max(c[1] for c in commands)} MB)"
    )
    print(
        f"  first rank_candidates inside a new process, median 3: {first_ms:7.0f} ms  "
        f"{first_ms / base:5.2f}× raw  (second, warm: "
        f"{statistics.median(r['warm'] for r in inside):.0f} ms; "
        f"builds {sum(r['builds'] for r in inside)}, updates {sum(r['updates'] for r in inside)}; "
        f"peak RSS {max(r[1] for r in inside_runs)} MB)"
    )
    elsewhere = []
    for n in range(3):
        write_elsewhere(path, 1000 + n, WRITE_DISEASE)
        elsewhere.append(json.loads(run_peak("-c", RANKER, ranker)[2]))
    other = statistics.median(r["first"] for r in elsewhere)
    other_warm = statistics.median(r["warm"] for r in elsewhere)
    print(
        f"  first rank in a new process after another process's one-record write: {other:.0f}"
        f" ms = {other / other_warm:.2f}× its warm rank ({other_warm:.0f} ms), "
        f"{other / first_ms:.2f}× nothing written (builds "
        f"{sum(r['builds'] for r in elsewhere)}, updates {sum(r['updates'] for r in elsewhere)})"
    )

    every = indications(triples)
    names, more = every[:50], every[50:250]
    _, peak, out = run_peak("-c", REPEAT_RANKER, [str(path), json.dumps(names)])
    result = json.loads(out)
    marks = result["marks"]
    times = result["times"]
    print(
        f"one process ranking 100 times (50 indications, then the same 50 again): RSS after "
        f"rank {' / '.join(marks)}: {' / '.join(str(m['VmRSS']) for m in marks.values())} MB, "
        f"peak {peak} MB; rank median {statistics.median(times[1:50]):.0f} ms the first time, "
        f"{statistics.median(times[50:]):.0f} ms the second"
    )

    # The HTTP API: first-time and cached /candidates, /health as the stack's baseline.
    port = free_port()
    server = start_server(path, port)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=600) as client:
            health = [ms(lambda: client.get("/health").raise_for_status()) for _ in range(50)]
            opening = ms(
                lambda: client.get(
                    "/candidates", params={"indication": INDICATION, "top": 20}
                ).raise_for_status()
            )
            rss: dict[int, tuple[dict[str, int], tuple[int, int, int]]] = {}
            first: list[float] = []
            cached: list[float] = []

            def candidates(name: str) -> None:
                client.get("/candidates", params={"indication": name, "top": 20}).raise_for_status()

            # 50 indications asked for the first time, the same 50 again (cached), then the
            # rest of the hierarchy's names (up to 200 more: past the answer cache's 128
            # entries at 10M), for the server's resident size.
            for n, name in enumerate(names + names + more, start=1):
                took = ms(functools.partial(candidates, name))
                if n <= 2 * len(names):
                    (first if n <= len(names) else cached).append(took)
                if n in (10, len(names), 2 * len(names), 2 * len(names) + len(more)):
                    rss[n] = (status(server.pid), children_rss(server.pid))
        h50, f50, c50 = (statistics.median(x) for x in (health, first, cached))
        broad = [t for name, t in zip(names, first, strict=True) if is_broad(name)]
        narrow = [t for name, t in zip(names, first, strict=True) if not is_broad(name)]

        def in_process(kind: Callable[[str], bool]) -> tuple[float, float]:
            """p50 of the same first-time questions (the first left out: it read the saved
            projection) ranked by the process above, and through the server."""
            asked = [n for n in range(1, len(names)) if kind(names[n])]
            return (
                statistics.median(times[n] for n in asked),
                statistics.median(first[n] for n in asked),
            )

        print(f"HTTP API, tcmkg serve (load average {load()})")
        print(f"  GET /health p50 (baseline), 50 requests:                {h50:7.1f} ms")
        print(f"  first /candidates after start (reads the projection):   {opening:7.0f} ms")
        print(
            f"  GET /candidates first-time p50, {len(first)} indications:      {f50:7.1f} ms  "
            f"{f50 / base:5.2f}× raw   target ≤ 100 ms: {verdict(f50, 100)}  "
            f"(p95 {sorted(first)[int(0.95 * len(first)) - 1]:.0f} ms)"
        )
        print(
            f"    of which broad (a parent and its 9 narrower terms), p50 of {len(broad)}: "
            f"{statistics.median(broad):.1f} ms ({statistics.median(broad) / base:.2f}× raw); "
            f"narrow (one term), p50 of {len(narrow)}: {statistics.median(narrow):.1f} ms"
        )
        line = (
            "  the same questions ranked in one process (rank_candidates, p50, the first left out)"
        )
        for label, kind in (
            ("all", lambda name: True),
            ("broad", is_broad),
            ("narrow", lambda name: not is_broad(name)),
        ):
            alone, served = in_process(kind)
            line += f"; {label} {alone:.1f} ms (server {served / alone:.2f}×)"
        print(line)
        print(
            f"  GET /candidates cached p50, the same {len(cached)} again:       {c50:7.1f} ms  "
            f"{c50 / h50:5.2f}× /health   target ≤ 10 ms: {verdict(c50, 10)}"
        )
        line = (
            f"  server RSS after request (10, 50, 100 and {len(more)} new ones more) "
            + ", ".join(
                f"{n}: {s['VmRSS']} MB (+{k[1]} MB in {k[0]} child processes)"
                for n, (s, k) in rss.items()
            )
        )
        last, workers = rss[max(rss)]
        print(
            f"{line}; peak (VmHWM): server {last['VmHWM']} MB, its {workers[0]} worker "
            f"processes {workers[2]} MB summed"
        )
    finally:
        stop_server(server)
    print(f"load average at the end: {load()}")


def main() -> None:
    """Build each size in turn, measure, print, delete."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, FULL])
    parser.add_argument(
        "--keep", type=Path, help="build the stores here and keep them; one kept is measured again"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in a log
    here = Path(__file__).resolve().parent.parent

    def git(*words: str) -> str:
        command = ["git", "-C", str(here), *words]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    # A shared checkout may hold others' edits: the figures are of the files as they are.
    changed = len(git("status", "--porcelain", "--untracked-files=no").splitlines())
    print(
        f"commit {head or '?'}"
        + (f" (with {changed} changed files)" if changed else "")
        + f"; {os.cpu_count()} cores; load average {load()}"
    )
    for triples in args.sizes:
        if args.keep:
            measure(triples, args.keep / f"scale-{triples}")
            continue
        with tempfile.TemporaryDirectory(prefix="tcmkg-bench-scale-") as tmp:
            measure(triples, Path(tmp))


if __name__ == "__main__":
    main()
