"""Benchmark: SHACL validation (``kg.validate``) of the demo graph and of larger synthetic graphs.

For each size it times, median of ``--repeat`` runs:

* the baseline: turning the quads into the rdflib graph pyshacl needs (pyoxigraph → N-Triples →
  rdflib), which any pyshacl-based validation has to pay;
* ``validate_quads`` (baseline + ontology merge + pyshacl + report);

and prints the ratio. At the demo size it also times pyshacl with RDFS inference instead of
none, the choice ``kg.validate`` makes. Sizes above the demo replicate the illustrative records
under new record ids (synthetic; no real data).

    .venv/bin/python bench/bench_validate.py [--sizes 1,20,100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import rdflib
from pyoxigraph import Quad, RdfFormat, serialize

from ingest.examples.illustrative import (
    VOCABULARY_SOURCE,
    illustrative_bundles,
    illustrative_entities,
)
from kg.model import RecordBundle
from kg.validate import _ontology_ntriples, shapes_graph, validate_quads
from kg.writer import bundle_quads, vocabulary_quads


def copies(n: int) -> list[Quad]:
    """The illustrative graph with its records repeated ``n`` times under new ids."""
    quads = list(vocabulary_quads(illustrative_entities(), VOCABULARY_SOURCE))
    for i in range(n):
        for bundle in illustrative_bundles():
            if i == 0:
                quads += bundle_quads(bundle)
                continue
            record = replace(bundle.record, id=f"{bundle.record.id}-copy-{i}")
            claims = tuple(
                replace(c, evidence=tuple(replace(e, source=record.id) for e in c.evidence))
                for c in bundle.claims
            )
            quads += bundle_quads(RecordBundle(record, bundle.entities, claims, bundle.text))
    return quads


def to_rdflib(quads: list[Quad]) -> rdflib.Graph:
    data = serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES) or b""
    return rdflib.Graph().parse(data=data, format="nt")


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,20,100", help="copies of the illustrative records")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from pyshacl import validate

    validate_quads(copies(1), "warm-up")  # imports and parses the shapes once
    print(f"{'copies':>6} {'triples':>8} {'baseline s':>11} {'validate s':>11} {'ratio':>6}")
    for n in (int(s) for s in args.sizes.split(",")):
        quads = copies(n)
        report = validate_quads(quads, "bench")
        assert report.conforms
        base = median_seconds(lambda q=quads: to_rdflib(q), args.repeat)  # type: ignore[misc]
        full = median_seconds(lambda q=quads: validate_quads(q, "bench"), args.repeat)  # type: ignore[misc]
        print(f"{n:>6} {report.triples:>8,} {base:>11.3f} {full:>11.3f} {full / base:>6.1f}")

    quads = copies(1)

    def with_inference(mode: str) -> None:
        graph = to_rdflib(quads)
        graph.parse(data=_ontology_ntriples(), format="nt")
        validate(graph, shacl_graph=shapes_graph(), inference=mode, inplace=True)

    none = median_seconds(lambda: with_inference("none"), args.repeat)
    rdfs = median_seconds(lambda: with_inference("rdfs"), args.repeat)
    print(
        f"demo graph, pyshacl inference none: {none:.3f} s, rdfs: {rdfs:.3f} s "
        f"(rdfs / none = {rdfs / none:.1f})"
    )


if __name__ == "__main__":
    main()
