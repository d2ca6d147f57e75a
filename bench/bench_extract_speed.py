"""Benchmark: ``tcmkg extract`` throughput on the 2,267 real abstracts, and memory over corpus size.

In one run, median of ``--repeat`` passes each:

* baseline — a bare ``spacy.blank("en")`` tokenisation pass over the same texts;
* dictionary only, one process — the pipeline without its trained models (``--models none``:
  no entity recogniser, relation classifier or effect model);
* extract, one process — the whole pipeline plus the JSON line of each document (what
  ``tcmkg extract`` writes), in this process, the pipeline built beforehand;
* extract, in process — the same through ``extract_documents`` (``tcmkg extract`` without
  ``--workers``), the pipeline's build included;
* extract on Dask, W workers, for each W of ``--workers`` — the same on a local Dask cluster of
  W worker processes, started and closed by each pass (start-up and the workers' pipeline
  builds included: what one ``tcmkg extract --workers W`` costs, for W > 1);
* extract on Dask, W workers, running cluster — the cluster started once beforehand (what a
  run with ``--scheduler`` costs: the workers still build the run's pipeline);

printed as abstracts per second and as a ratio to the baseline, with the load average before
and after (the machine may be shared). Memory: the peak resident size after streaming the
corpus once and then ``--memory-copies`` times over (documents re-read from the file each
time, never held in a list), which stays flat when extraction streams. ``--limit N`` takes the
first N abstracts only. ``--model DIR`` (repeatable) adds an "extract, 1 process" pass with
that recogniser (a ``tcmkg train-ner`` output directory) in place of the shipped one, right
after the shipped one's, to weigh a retrained model's cost.

    .venv/bin/python bench/bench_extract_speed.py [--repeat 3] [--memory-copies 4] \
        [--workers 1 2] [--limit 300] [--model DIR ...]
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
from itertools import chain, islice
from pathlib import Path

import spacy
from distributed import Client

from ingest.cluster import dask_client
from ingest.document import Document
from ingest.extract import Extractor, extraction_json
from ingest.pipeline import Outcome, extract_documents
from ingest.problems import ProblemLog
from ingest.readers import read_documents

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TCMKG_SHARED_DATA", REPO.parent / "shared" / "data"))
CORPUS = DATA / "dfi_pubmed_abstracts" / "dfi_pubmed_abstracts.tsv"


def documents(copies: int = 1, limit: int | None = None) -> Iterator[Document]:
    """The corpus (its first ``limit`` abstracts), streamed from the file ``copies`` times over."""
    return chain.from_iterable(
        islice(read_documents([CORPUS], "tsv", ProblemLog()), limit) for _ in range(copies)
    )


def written(outcomes: Iterator[Outcome]) -> int:
    """How many outcomes gave a JSON line (each one serialised, as ``tcmkg extract`` does)."""
    return sum(
        len(json.dumps(extraction_json(o.extraction))) > 0
        for o in outcomes
        if o.extraction is not None
    )


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
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limit", type=int, default=None, help="the first N abstracts only")
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another recogniser (tcmkg train-ner output) to time in one process; repeatable",
    )
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"third-party data not present: {CORPUS}")
    missing = [m for m in args.model if not (m / "config.cfg").is_file()]
    if missing:
        sys.exit(f"no recogniser model in: {', '.join(map(str, missing))}")
    load_before = os.getloadavg()
    docs = list(documents(limit=args.limit))
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
    candidates = {}
    unique = len({m.name for m in args.model}) == len(args.model)
    for model in args.model:
        candidate = Extractor()
        candidate.nlp.replace_pipe("tcm_ner", "tcm_ner", config={"model": str(model)})
        # named by its directory, or by its whole path when two directories share a name
        candidates[model.name if unique else str(model)] = candidate
    for document in docs[:200]:
        extractor.extract(document)
        dictionary.extract(document)
        for candidate in candidates.values():
            candidate.extract(document)

    def dictionary_only() -> int:
        return sum(len(json.dumps(extraction_json(x))) > 0 for x in dictionary.extract_all(docs))

    def one_process() -> int:
        return sum(len(json.dumps(extraction_json(x))) > 0 for x in extractor.extract_all(docs))

    def in_process() -> int:
        return written(extract_documents(docs))

    def on_workers(workers: int) -> Callable[[], int]:
        def run() -> int:
            # As `--workers W` does, but for W = 1 too (the option extracts in process then).
            with dask_client(workers) as client:
                return written(extract_documents(docs, client=client))

        return run

    def on_running(client: Client) -> Callable[[], int]:
        return lambda: written(extract_documents(docs, client=client))

    plain, n0 = timed(dictionary_only, args.repeat)
    single, n1 = timed(one_process, args.repeat)
    passes = [
        ('spacy.blank("en") tokenisation (baseline)', base),
        ("dictionary only, 1 process", plain),
        ("extract, 1 process (pipeline built)", single),
    ]
    counts = {n0, n1}
    for name, candidate in candidates.items():

        def with_candidate(candidate: Extractor = candidate) -> int:
            return sum(len(json.dumps(extraction_json(x))) > 0 for x in candidate.extract_all(docs))

        seconds, count = timed(with_candidate, args.repeat)
        passes.append((f"extract, 1 process, NER {name}", seconds))
        counts.add(count)
    built, n2 = timed(in_process, args.repeat)
    passes.append(("extract, in process", built))
    counts.add(n2)
    for workers in args.workers:
        seconds, count = timed(on_workers(workers), args.repeat)
        passes.append((f"extract, Dask, {workers} worker(s), start-up incl.", seconds))
        counts.add(count)
    for workers in args.workers:
        with dask_client(workers) as client:
            seconds, count = timed(on_running(client), args.repeat)
        passes.append((f"extract, Dask, {workers} worker(s), running cluster", seconds))
        counts.add(count)
    assert counts == {n} == {len(docs)}, counts
    load_after = os.getloadavg()
    print(f"pipeline build (seed vocabulary): {build:.2f} s, once per process")
    width = max(46, *(len(name) for name, _ in passes))
    print(f"{'pass':{width}s} {'abstracts/s':>12s} {'vs blank':>9s}")
    for name, seconds in passes:
        print(f"{name:{width}s} {len(docs) / seconds:12,.1f} {base / seconds:9.3f}")
    print(f"trained recogniser's cost: {single / plain:.2f}x the dictionary-only time")
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )

    before = peak_rss_mb()
    for _ in extractor.extract_all(documents(1, args.limit)):
        pass
    once = peak_rss_mb()
    for _ in extractor.extract_all(documents(args.memory_copies, args.limit)):
        pass
    many = peak_rss_mb()
    print(
        f"peak RSS: {before:.0f} MB before streaming, {once:.0f} MB after 1x corpus, "
        f"{many:.0f} MB after {args.memory_copies}x corpus (growth {many - once:+.0f} MB)"
    )


if __name__ == "__main__":
    main()
