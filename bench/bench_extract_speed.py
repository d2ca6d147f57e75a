"""Benchmark: ``tcmkg extract`` throughput on the 2,267 real abstracts, and memory over corpus size.

In one run, median of ``--repeat`` passes each:

* baseline — a bare ``spacy.blank("en")`` tokenisation pass over the same texts;
* dictionary only, one process — the pipeline without its trained models (``--models none``:
  no entity recogniser, relation classifier or effect model);
* extract, one process — the whole pipeline plus the JSON line of each document (what
  ``tcmkg extract`` writes), in this process;
* extract, ``--processes 2`` — the same through the worker pool (pool start-up included);

printed as abstracts per second and as a ratio to the baseline. Memory: the peak resident
size after streaming the corpus once and then ``--memory-copies`` times over (documents
re-read from the file each time, never held in a list), which stays flat when extraction
streams.

    .venv/bin/python bench/bench_extract_speed.py [--repeat 3] [--memory-copies 4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path

import spacy

from ingest.document import Document
from ingest.extract import Extractor, extraction_json
from ingest.pipeline import extract_documents
from ingest.problems import ProblemLog
from ingest.readers import read_documents

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
CORPUS = DATA / "dfi_pubmed_abstracts" / "dfi_pubmed_abstracts.tsv"


def documents(copies: int = 1) -> Iterator[Document]:
    """The corpus, streamed from the file ``copies`` times over."""
    return chain.from_iterable(read_documents([CORPUS], "tsv", ProblemLog()) for _ in range(copies))


def timed(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Median seconds of ``run`` over ``repeat`` passes, and the count it returned."""
    times = []
    n = 0
    for _ in range(repeat):
        start = time.perf_counter()
        n = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), n


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Run the throughput and memory measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-copies", type=int, default=4)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"third-party data not present: {CORPUS}")
    docs = list(documents())
    texts = [d.text for d in docs]
    print(f"corpus: {len(docs)} abstracts, {sum(map(len, texts)) / len(texts):.0f} characters each")

    blank = spacy.blank("en")
    for text in texts[:200]:
        blank.make_doc(text)  # warm the tokenizer's cache and vocabulary, as extract's is
    base, n = timed(lambda: len([blank.make_doc(t) for t in texts]), args.repeat)

    start = time.perf_counter()
    extractor = Extractor()
    build = time.perf_counter() - start
    dictionary = Extractor(models=False)
    for document in docs[:200]:
        extractor.extract(document)
        dictionary.extract(document)

    def dictionary_only() -> int:
        return sum(len(json.dumps(extraction_json(x))) > 0 for x in dictionary.extract_all(docs))

    def one_process() -> int:
        return sum(len(json.dumps(extraction_json(x))) > 0 for x in extractor.extract_all(docs))

    def two_processes() -> int:
        return sum(
            len(json.dumps(extraction_json(o.extraction))) > 0
            for o in extract_documents(docs, processes=2)
            if o.extraction is not None
        )

    plain, n0 = timed(dictionary_only, args.repeat)
    single, n1 = timed(one_process, args.repeat)
    double, n2 = timed(two_processes, args.repeat)
    assert n == n0 == n1 == n2 == len(docs)
    print(f"pipeline build (seed vocabulary): {build:.2f} s, once per process")
    print(f"{'pass':38s} {'abstracts/s':>12s} {'vs blank':>9s}")
    for name, seconds in (
        ('spacy.blank("en") tokenisation (baseline)', base),
        ("dictionary only, 1 process", plain),
        ("extract, 1 process", single),
        ("extract, --processes 2", double),
    ):
        print(f"{name:38s} {len(docs) / seconds:12,.0f} {base / seconds:9.3f}")
    print(f"2 processes / 1 process: {single / double:.2f}x")
    print(f"trained recogniser's cost: {single / plain:.2f}x the dictionary-only time")

    before = peak_rss_mb()
    for _ in extractor.extract_all(documents(1)):
        pass
    once = peak_rss_mb()
    for _ in extractor.extract_all(documents(args.memory_copies)):
        pass
    many = peak_rss_mb()
    print(
        f"peak RSS: {before:.0f} MB before streaming, {once:.0f} MB after 1x corpus, "
        f"{many:.0f} MB after {args.memory_copies}x corpus (growth {many - once:+.0f} MB)"
    )


if __name__ == "__main__":
    main()
