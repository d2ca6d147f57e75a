"""Benchmark: PubMed XML reader throughput and memory on a synthetic baseline-sized file.

Writes a gzipped ``PubmedArticleSet`` of N synthetic records (placeholder PMIDs, generated
text), then, each in a fresh process, reads it with the streaming reader and, as the baseline,
parses it whole with ``lxml.etree.parse`` (what a naive reader does). Prints the median time
over the runs, records per second and peak resident memory, with the ratios.

    .venv/bin/python bench/readers_pubmed_xml.py [N_RECORDS] [RUNS]
"""

from __future__ import annotations

import gzip
import hashlib
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_ARTICLE = (
    "<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><JournalIssue>"
    "<PubDate><Year>2020</Year></PubDate></JournalIssue><Title>Synthetic Journal</Title>"
    "</Journal><ArticleTitle>Synthetic record {pmid}</ArticleTitle><Abstract>"
    '<AbstractText Label="BACKGROUND">{a}</AbstractText>'
    '<AbstractText Label="RESULTS">{b}</AbstractText></Abstract><PublicationTypeList>'
    "<PublicationType>Journal Article</PublicationType></PublicationTypeList></Article>"
    "</MedlineCitation></PubmedArticle>\n"
)

_STREAM = """
import resource, sys, time
from pathlib import Path
from ingest.problems import ProblemLog
from ingest.readers.pubmed_xml import read_pubmed_xml
start = time.perf_counter()
count = sum(1 for _ in read_pubmed_xml(Path(sys.argv[1]), ProblemLog()))
print(count, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_WHOLE = """
import gzip, resource, sys, time
from lxml import etree
start = time.perf_counter()
with gzip.open(sys.argv[1]) as handle:
    tree = etree.parse(handle, etree.XMLParser(resolve_entities=False, no_network=True))
count = sum(1 for _ in tree.iterfind("PubmedArticle"))
print(count, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _write(path: Path, records: int) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write('<?xml version="1.0"?>\n<PubmedArticleSet>\n')
        for i in range(records):
            words = " ".join(hashlib.sha1(f"{i}-{j}".encode()).hexdigest() for j in range(40))
            out.write(_ARTICLE.format(pmid=90_000_000 + i, a=words, b=words[::-1]))
        out.write("</PubmedArticleSet>\n")


def _run(code: str, path: Path) -> tuple[int, float, int]:
    output = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(output[0]), float(output[1]), int(output[2])


def main() -> None:
    """Write the file, time both readers, print medians and ratios."""
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic_baseline.xml.gz"
        _write(path, records)
        size = path.stat().st_size
        results: dict[str, list[tuple[int, float, int]]] = {"stream": [], "whole": []}
        for _ in range(runs):
            results["stream"].append(_run(_STREAM, path))
            results["whole"].append(_run(_WHOLE, path))
    print(f"{records:,} records, {size / 1e6:.1f} MB gzipped, median of {runs} runs")
    medians = {}
    for name, rows in results.items():
        assert all(count == records for count, _, _ in rows), rows
        seconds = statistics.median(r[1] for r in rows)
        peak_mb = statistics.median(r[2] for r in rows) / 1024
        medians[name] = (seconds, peak_mb)
        label = "read_pubmed_xml (streaming)" if name == "stream" else "etree.parse (baseline)"
        print(f"{label:30s} {seconds:7.2f} s  {records / seconds:9,.0f} rec/s  {peak_mb:8.0f} MB")
    (stream_s, stream_mb), (whole_s, whole_mb) = medians["stream"], medians["whole"]
    print(
        f"ratio streaming/baseline: time x{stream_s / whole_s:.2f}, "
        f"peak memory x{stream_mb / whole_mb:.2f}"
    )


if __name__ == "__main__":
    main()
