"""The first entity search after a start: index built from the store (cold) vs read back (warm).

``GET /search`` answers from an index of every name in the store (:mod:`api.label_index`).
Generates a synthetic store of about ``--triples`` quads — a name vocabulary of herbs (names in
characters, pinyin and Latin), compounds and targets with synonyms, plus ``treats`` claims with
their evidence from the store benchmark's record bundles (all synthetic, labelled so) — and
bulk-loads it into an embedded on-disk Oxigraph store. Then, in a new process each time, it
opens the store and times the first search:

* cold: no saved index (the cache file is deleted first), so the search reads every label
  from the store and builds the index, then saves it;
* warm: the index saved by the cold run before it, read back for the same unchanged store.

Runs alternate cold and warm, so that other load on the machine slows both alike; the figures
are medians. Every run must find the same hits.

    .venv/bin/python bench/bench_search_index.py [--triples 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_store import bundles  # bench/ is on sys.path when run as a script
from pyoxigraph import Quad, RdfFormat, serialize

from kg.model import Entity, EntityKind, Label
from kg.store import open_store
from kg.writer import bundle_quads, entity_quads

QUERY = "huang"  # a pinyin prefix many synthetic herbs share: exact and prefix matches
VOCABULARY_GRAPH = "https://w3id.org/tcmkg/id/graph/bench/synthetic-vocabulary"
# Characters the synthetic herb names are drawn from (common in real herb names).
CHARACTERS = "黄芪参术草甘归芍地川芎白红花茯苓柴胡枸杞丹皮桂枝半夏陈连翘金银"


def vocabulary(rng: random.Random, entities: int) -> Iterator[Entity]:
    """Synthetic named entities: a tenth herbs, the rest compounds and targets."""
    for i in range(entities):
        if i % 10 == 0:
            zh = "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(2, 4)))
            yield Entity(
                f"TCMKG.HERB:synthetic-{i}",
                EntityKind.HERB,
                f"Synthetic Herb {i} Radix",
                labels=(
                    Label(zh, "zh", True),
                    Label(f"huang synthetic {i}", "zh-Latn-pinyin", True),
                    Label(f"Radix Synthetic Herb {i}", "la"),
                ),
            )
        elif i % 2:
            yield Entity(
                f"PUBCHEM.COMPOUND:{900000000 + i}",
                EntityKind.COMPOUND,
                f"synthetic compound {i}",
                labels=(Label(f"SC-{i}"), Label(f"synthetic compound {i} acid")),
            )
        else:
            yield Entity(
                f"NCBIGene:{900000000 + i}",
                EntityKind.TARGET,
                f"SYN{i}",
                labels=(Label(f"synthetic target protein {i}"),),
            )


def build_store(folder: Path, triples: int, entities: int) -> int:
    """Write about ``triples`` quads to N-Quads, bulk-load them into ``folder/store``."""
    rng = random.Random(7)
    count = 0

    def quads() -> Iterator[Quad]:
        nonlocal count
        for entity in vocabulary(rng, entities):
            for q in entity_quads(entity, VOCABULARY_GRAPH):
                count += 1
                yield q
        for bundle in bundles(rng):
            for q in bundle_quads(bundle):
                count += 1
                yield q
            if count >= triples:
                return

    nq = folder / "bench.nq"
    with nq.open("wb") as out:
        serialize(quads(), out, RdfFormat.N_QUADS)
    store = open_store(f"oxigraph:{folder / 'store'}")
    store.bulk_load(nq, RdfFormat.N_QUADS)
    store.close()
    nq.unlink()
    return count


def child(store: str) -> None:
    """In this new process: open the store, time the first search, print it as JSON."""
    from api.label_index import LabelIndex

    with open_store(f"oxigraph:{store}", must_exist=True) as opened:
        t0 = time.perf_counter()
        found = LabelIndex(opened).search(QUERY, generation=0, limit=50)
        seconds = time.perf_counter() - t0
    hits = [(h.iri, h.match) for h in found.hits]
    print(json.dumps({"seconds": seconds, "hits": hits}))


def first_search(store: Path) -> tuple[float, list[list[str]]]:
    """Seconds of the first search in a new process, and its hits."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(store)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return float(result["seconds"]), result["hits"]


def main() -> None:
    """Generate, load, time cold and warm first searches, print the medians."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--entities", type=int, default=80_000, help="named entities")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        count = build_store(folder, args.triples, args.entities)
        print(
            f"generated and bulk-loaded {count:,} quads ({args.entities:,} named entities) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        store = folder / "store"
        cache = store / "tcmkg" / "cache"
        cold: list[float] = []
        warm: list[float] = []
        expected = None
        for _ in range(args.runs):
            for saved in cache.glob("labels-*.json.gz"):
                saved.unlink()
            seconds, hits = first_search(store)
            cold.append(seconds)
            (saved,) = cache.glob("labels-*.json.gz")
            size = saved.stat().st_size
            expected = expected or hits
            assert hits == expected, "a cold run found other hits"
            seconds, hits = first_search(store)
            warm.append(seconds)
            assert hits == expected, "a warm run found other hits than the cold one"
        assert expected
        cold_median, warm_median = statistics.median(cold), statistics.median(warm)
        print(f"first search {QUERY!r}: {len(expected)} hits; saved index {size / 1e6:.1f} MB")
        print(f"cold (built from the store, then saved)  median {cold_median:7.2f} s")
        print(f"warm (saved index read back)             median {warm_median:7.2f} s")
        print(f"cold / warm: {cold_median / warm_median:.1f}x")
        print("cold runs: " + ", ".join(f"{s:.2f}" for s in cold) + " s")
        print("warm runs: " + ", ".join(f"{s:.2f}" for s in warm) + " s")


if __name__ == "__main__":
    main()
