"""Benchmark: what ranking within a TCM syndrome (病证结合) costs beside the plain ranking.

Builds the demo's illustrative store (ontology, seed vocabulary with its 118 syndromes and
TCM theory tables, the illustrative corpus and catalogue) in a temporary on-disk Oxigraph
store, optionally with the Pharmacopoeia property table and SymMap's theory imported on top
(``--symmap DIR --properties FILE``, e.g. from ``../shared/data``), then times, in this process:

* ``rank_candidates`` for the demo indication, warm (the baseline);
* the same ranking with ``syndrome=`` (population weights, traditional axis), warm;
* the first ranking with a syndrome after a write (the theory layer read again), and the
  first plain ranking after a write (only the Pharmacopoeia grades read again);
* ``browse`` of herbs by one action, and ``search_syndromes`` for a typed prefix, warm.

Prints medians and the ratios to the baseline. The data are the project's illustrative demo
(and, when given, the third-party tables the user points at); nothing is tuned on them.

    .venv/bin/python bench/bench_syndrome.py [--repeat 15] [--symmap DIR --properties FILE]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench_rank import median_ms  # bench/ is on sys.path when run as a script

from ingest.examples.demo import EXAMPLE_INDICATION, load_catalogue, load_corpus, load_demo
from ingest.vocabulary import load_seed
from kg.store import GraphStore, open_store
from queries import traditional
from queries.browse import BrowseKind, browse, search_syndromes
from queries.config import ScoringConfig
from queries.rank import rank_candidates

SYNDROME = "qi-yin deficiency"


def build(location: str, symmap: Path | None, properties: Path | None) -> GraphStore:
    """The demo store, with SymMap's theory and the property table when given."""
    store = open_store(location)
    load_demo(store)
    load_catalogue(store)
    load_corpus(store)
    if symmap is not None:
        from ingest.importers.symmap import import_symmap

        import_symmap(symmap, store, load_seed())
    if properties is not None:
        from ingest.importers.herb_properties import import_herb_properties

        import_herb_properties(properties, store, load_seed())
    return store


def main() -> None:
    """Build, time and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--symmap", type=Path, help="SymMap v2 TSV folder to import first")
    parser.add_argument("--properties", type=Path, help="herb property table to import first")
    args = parser.parse_args()
    config = ScoringConfig(reference_year=2025)
    with tempfile.TemporaryDirectory() as tmp:
        store = build(f"oxigraph:{Path(tmp) / 'store'}", args.symmap, args.properties)
        layer = traditional.theory_layer(store)
        claims = sum(len(f) for p in layer.facts.values() for f in p.values())
        print(
            f"store: {store.count():,} quads; theory: {len(layer.syndromes())} syndromes, "
            f"{len(layer.concepts)} concepts, {claims:,} theory claims"
        )

        def plain() -> object:
            return rank_candidates(store, EXAMPLE_INDICATION, top=20, config=config)

        def within() -> object:
            return rank_candidates(
                store, EXAMPLE_INDICATION, top=20, config=config, syndrome=SYNDROME
            )

        def after_write() -> object:
            traditional._LAYERS.clear()  # what the first ranking after any write pays
            return within()

        def plain_after_write() -> object:
            traditional._LAYERS.clear()  # a plain ranking reads the toxicity grades only
            return plain()

        plain()
        within()
        base = median_ms(plain, args.repeat)
        synd = median_ms(within, args.repeat)
        fresh = median_ms(after_write, max(3, args.repeat // 3))
        fresh_plain = median_ms(plain_after_write, max(3, args.repeat // 3))
        browsed = median_ms(lambda: browse(store, BrowseKind.HERB, action="活血化瘀"), args.repeat)
        searched = median_ms(lambda: search_syndromes(store, "qi yin"), args.repeat)
        print(f"rank {EXAMPLE_INDICATION!r}, top 20 (baseline)      {base:8.1f} ms   1.00x")
        print(f"same, --syndrome {SYNDROME!r}           {synd:8.1f} ms   {synd / base:.2f}x")
        print(f"same, theory layer read afresh           {fresh:8.1f} ms   {fresh / base:.2f}x")
        print(
            f"plain, toxicity grades read afresh       {fresh_plain:8.1f} ms   "
            f"{fresh_plain / base:.2f}x"
        )
        print(f"browse herbs by action 活血化瘀          {browsed:8.1f} ms   {browsed / base:.2f}x")
        print(
            f"syndrome suggestions for 'qi yin'       {searched:8.1f} ms   {searched / base:.2f}x"
        )
        store.close()


if __name__ == "__main__":
    main()
