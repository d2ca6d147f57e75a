"""End to end on real text: ingest the real herbal abstracts, rank, check every row's evidence.

The abstracts are the third-party DFI corpus beside the checkout
(``../shared/data/dfi_pubmed_abstracts``), read through the project's own TSV reader and
ingested with the project's extraction pipeline into a real on-disk store. For the indication
the corpus discusses most, every returned row's evidence items must point to documents whose
text really names both the candidate and the indication (by any of their labels).
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.iri import expand
from kg.store import GraphStore, open_store
from queries.config import ScoringConfig
from queries.explain import explain_candidate
from queries.rank import SHOWN_EVIDENCE, CandidateKind, rank_candidates, with_row_sentences
from tests.conftest import shared_data

pytestmark = pytest.mark.slow

MOST_TREATED = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
SELECT ?indication (COUNT(DISTINCT ?candidate) AS ?n) WHERE {
  ?candidate biolink:treats ?indication .
  ?candidate a ?cls . VALUES ?cls { tcm:Herb tcm:Formula tcm:HospitalPreparation tcm:Compound }
  ?indication a tcm:Indication .
} GROUP BY ?indication ORDER BY DESC(?n) LIMIT 1
"""

LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?label WHERE { ?entity rdfs:label|skos:prefLabel|skos:altLabel ?label }
"""


def _words(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " " + re.sub(r"[\W_]+", " ", text).strip() + " "


def _names(store: GraphStore, curie: str, vocabulary: dict[str, set[str]]) -> set[str]:
    from pyoxigraph import NamedNode

    found = {
        str(r["label"].value)
        for r in store.select(LABELS, {"entity": NamedNode(expand(curie))}).dicts()
    }  # type: ignore[union-attr]
    return {n for n in found | vocabulary.get(curie, set()) if n.strip()}


def _mentions(text: str, names: set[str]) -> bool:
    words = _words(text)
    return any(_words(n) in words for n in names)


@pytest.fixture(scope="module")
def ingested(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GraphStore, dict[str, str]]]:
    if importlib.util.find_spec("ingest.pipeline") is None:
        pytest.skip("the ingest pipeline (ingest.pipeline) is not available yet")
    from ingest.pipeline import ingest
    from ingest.problems import ProblemLog
    from ingest.readers import read_documents

    corpus = shared_data("dfi_pubmed_abstracts", "dfi_pubmed_abstracts.tsv")
    problems = ProblemLog()
    documents = list(read_documents([corpus], "tsv", problems))
    texts = {d.id: d.text for d in documents}
    store = open_store(f"oxigraph:{Path(tmp_path_factory.mktemp('real')) / 'store'}")
    summary = ingest(documents, store, problems, workers=2)
    assert summary.written > 0
    yield store, texts
    store.close()


def test_every_ranked_row_cites_documents_naming_candidate_and_indication(
    ingested: tuple[GraphStore, dict[str, str]],
) -> None:
    from ingest.vocabulary import load_seed

    store, texts = ingested
    top = store.select(MOST_TREATED).rows
    assert top, "the extraction found no treatment claims in the corpus"
    indication_iri = top[0][0]
    assert indication_iri is not None
    from kg.iri import contract

    indication = contract(str(indication_iri.value))  # type: ignore[union-attr]
    vocabulary = {
        e.id: {e.label, *(lab.text for lab in e.labels)} for e in load_seed().entities.values()
    }
    config = ScoringConfig(reference_year=2025)
    rows = rank_candidates(store, indication, CandidateKind.ALL, top=10, config=config)
    assert rows, f"no ranked rows for {indication}"
    checked = 0
    for row in rows:
        if not row.evidence:
            continue  # mechanism-only rows cite no documents
        cand_names = _names(store, row.candidate.id, vocabulary)
        # A row carries the sentences of the items it shows; the rest are read on demand.
        assert all(e.item.sentence for e in row.evidence[:SHOWN_EVIDENCE])
        for scored in with_row_sentences(store, row, None).evidence:
            item = scored.item
            text = texts[item.source]
            ind_names = _names(store, item.object, vocabulary)
            assert _mentions(text, cand_names), (row.candidate, item.source, cand_names)
            assert _mentions(text, ind_names), (item.object, item.source, ind_names)
            assert item.sentence and item.sentence in text
            checked += 1
    assert checked > 0
    explained = explain_candidate(store, rows[0].candidate.id, indication, config)
    assert [e.item.source for e in explained.evidence] == [e.item.source for e in rows[0].evidence]
