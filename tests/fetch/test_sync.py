"""``tcmkg sync``: saved queries in the store, new and revised records only, retractions."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from ingest.fetch.ctgov import TrialsClient
from ingest.fetch.http import HttpClient, RetryPolicy
from ingest.fetch.pubmed import PubMedClient
from ingest.fetch.ratelimit import RateLimiter
from ingest.fetch.sync import remove_query, save_query, saved_queries, sync_store
from kg import iri
from kg.store import GraphStore
from tests.fetch.replay import EFETCH, ESEARCH, ReplayService, load_articles

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, timeout=5)
TREATS = "https://w3id.org/biolink/vocab/treats"


def clients(service: ReplayService) -> dict[str, object]:
    return {
        "pubmed": PubMedClient(service.eutils, http=HttpClient(RateLimiter(100), FAST)),
        "trials": TrialsClient(service.ctgov, http=HttpClient(RateLimiter(100), FAST)),
    }


def objects_of(store: GraphStore, record: str, subject: str) -> set[str]:
    """Objects of direct claims about ``subject`` in the named graph of ``record``."""
    graph = iri.graph_iri(record)
    s = NamedNode(iri.expand(subject))
    return {
        iri.contract(q.object.value)
        for q in store.quads(graph)
        if q.subject == s and isinstance(q.object, NamedNode) and q.predicate.value == TREATS
    }


def test_saved_queries_live_in_the_store(memory_store: GraphStore) -> None:
    first = save_query(memory_store, "pubmed", "  astragalus   diabetes ")
    again = save_query(memory_store, "pubmed", "astragalus diabetes")
    assert first.id == again.id and first.text == "astragalus diabetes"
    save_query(memory_store, "ctgov", "astragalus")
    listed = saved_queries(memory_store)
    assert sorted((q.source, q.text, q.runs, q.last_run) for q in listed) == [
        ("ctgov", "astragalus", 0, None),
        ("pubmed", "astragalus diabetes", 0, None),
    ]
    assert iri.graph_iri(first.id) in memory_store.named_graphs()
    assert remove_query(memory_store, first.id)
    assert [q.source for q in saved_queries(memory_store)] == ["ctgov"]
    with pytest.raises(ValueError, match="unknown source"):
        save_query(memory_store, "scopus", "x")


def test_sync_twice_ingests_nothing_the_second_time_and_replaces_revised_records(
    memory_store: GraphStore, service: ReplayService, tmp_path: Path
) -> None:
    save_query(memory_store, "pubmed", "astragalus")
    (first,) = sync_store(memory_store, tmp_path, **clients(service))  # type: ignore[arg-type]
    assert first.error is None
    assert (first.counts.fetched, first.counts.new, first.counts.unchanged) == (5, 5, 0)
    herb = "TCMKG.HERB:astragali-radix"
    before = objects_of(memory_store, "PMID:99100001", herb)
    assert "MESH:D003924" in before and "MESH:D003928" not in before  # type 2 diabetes
    graphs_after_first = memory_store.count()

    service.log.clear()
    (second,) = sync_store(memory_store, tmp_path, **clients(service))  # type: ignore[arg-type]
    assert (second.counts.ingested, second.counts.unchanged) == (0, 5)
    assert memory_store.count() == graphs_after_first
    (search,) = service.requests(ESEARCH)
    assert search.params["datetype"] == "mdat" and "mindate" in search.params
    (saved,) = saved_queries(memory_store)
    assert saved.runs == 2 and saved.last_run is not None and saved.last.unchanged == 5

    # PubMed revises 99100001 (a new finding) and retracts 99100002 by a notice.
    service.articles.update(load_articles("pubmed_revised.xml"))
    service.pmids = ["99100001", "99100006"]
    service.log.clear()
    (third,) = sync_store(memory_store, tmp_path, **clients(service))  # type: ignore[arg-type]
    c = third.counts
    assert (c.revised, c.new, c.retracted, c.unchanged) == (1, 1, 1, 0)
    found = objects_of(memory_store, "PMID:99100001", herb)
    # The revised finding (diabetic nephropathy) replaced the old graph's claims.
    assert "MESH:D003928" in found and "MESH:D003924" not in found
    retracted = iri.graph_iri("PMID:99100002")
    quads = list(memory_store.quads(retracted))
    assert {q.predicate.value for q in quads} >= {iri.term("retracted")}
    assert not [q for q in quads if q.predicate.value == TREATS]  # its evidence is gone
    assert len(service.requests(EFETCH)) == 1


def test_trials_sync_skips_withdrawn_registrations_and_removes_them_later(
    memory_store: GraphStore, service: ReplayService, tmp_path: Path
) -> None:
    save_query(memory_store, "ctgov", "herbal")
    withdrawn = service.studies[2]
    status = withdrawn["protocolSection"]["statusModule"]
    status["overallStatus"] = "RECRUITING"
    (first,) = sync_store(memory_store, tmp_path, **clients(service))  # type: ignore[arg-type]
    assert first.counts.new == 4
    assert iri.graph_iri("NCT:NCT99000003") in memory_store.named_graphs()
    status["overallStatus"] = "WITHDRAWN"
    status["lastUpdatePostDateStruct"]["date"] = "2025-02-01"
    (second,) = sync_store(memory_store, tmp_path, **clients(service))  # type: ignore[arg-type]
    assert (second.counts.withdrawn, second.counts.unchanged) == (1, 3)
    assert iri.graph_iri("NCT:NCT99000003") not in memory_store.named_graphs()


def test_a_failed_fetch_keeps_the_last_run_and_records_the_error(
    memory_store: GraphStore, service: ReplayService, tmp_path: Path
) -> None:
    save_query(memory_store, "pubmed", "astragalus")
    service.down_after[ESEARCH] = 0
    (outcome,) = sync_store(memory_store, tmp_path, **clients(service))  # type: ignore[arg-type]
    assert outcome.error is not None and "HTTP 503" in outcome.error
    (saved,) = saved_queries(memory_store)
    assert saved.last_run is None and saved.runs == 0
    assert saved.error is not None and "HTTP 503" in saved.error
