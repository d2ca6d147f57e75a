"""The bundled illustrative data, in one home: what ``tcmkg demo`` builds and tests reuse.

ILLUSTRATIVE DATA, WRITTEN BY THE PROJECT: no real study, PMID, NCT number or DOI.

- :mod:`ingest.examples.illustrative`: a small hand-made graph (entities and record bundles)
  that exercises every entity kind, record kind, predicate and evidence field;
- ``illustrative_corpus.tsv``: abstracts written by the project, read by the normal ingest
  pipeline (see ``README.md`` here);
- ``preparations_catalogue.csv``: an invented hospital preparation catalogue;
- :mod:`ingest.examples.demo`: the use cases that load them into a store (:func:`load_demo`,
  :func:`load_catalogue`, :func:`load_corpus`) and the graphs they write.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
CORPUS_FILE = EXAMPLES / "illustrative_corpus.tsv"
EXAMPLE_CATALOGUE = EXAMPLES / "preparations_catalogue.csv"

__all__ = ["CORPUS_FILE", "EXAMPLES", "EXAMPLE_CATALOGUE"]
