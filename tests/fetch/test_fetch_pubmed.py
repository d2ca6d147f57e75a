"""``tcmkg fetch pubmed`` against the replay server: batches, retries, rate limit, resume."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.fetch.http import FetchError, HttpClient, RetryPolicy
from ingest.fetch.pubmed import PubMedClient, fetch_pubmed
from ingest.fetch.ratelimit import RateLimiter
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from tests.fetch.replay import EFETCH, ESEARCH, ReplayService, max_in_window

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, timeout=5)


def client(service: ReplayService, *, rate: float = 100.0, api_key: str = "") -> PubMedClient:
    http = HttpClient(RateLimiter(rate), FAST)
    return PubMedClient(service.eutils, api_key=api_key, email="dev@example.org", http=http)


def test_downloads_batches_that_ingest_reads(service: ReplayService, tmp_path: Path) -> None:
    result = fetch_pubmed("astragalus", tmp_path, client=client(service), batch_size=2)
    assert result.matches == 5 and result.records == 5
    assert [p.name.endswith(".xml.gz") for p in result.files] == [True, True, True]
    problems = ProblemLog()
    docs = list(read_documents([tmp_path], problems=problems))
    assert not problems, list(problems)
    assert sorted(d.id for d in docs) == [f"PMID:9910000{i}" for i in range(1, 6)]
    assert {d.revised for d in docs if d.id == "PMID:99100001"} == {"2024-03-02"}
    (search,) = service.requests(ESEARCH)
    assert search.params["usehistory"] == "y" and search.params["term"] == "astragalus"
    assert search.params["tool"] == "tcmkg" and search.params["email"] == "dev@example.org"
    fetches = service.requests(EFETCH)
    assert [(r.params["retstart"], r.params["retmax"]) for r in fetches] == [
        ("0", "2"),
        ("2", "2"),
        ("4", "1"),
    ]
    assert {r.params["WebEnv"] for r in fetches} == {service.webenv}


def test_since_and_max(service: ReplayService, tmp_path: Path) -> None:
    from datetime import date

    result = fetch_pubmed(
        "x", tmp_path, since=date(2024, 2, 1), max_records=3, client=client(service)
    )
    assert result.records == 3
    (search,) = service.requests(ESEARCH)
    assert search.params["datetype"] == "mdat" and search.params["mindate"] == "2024/02/01"
    assert search.params["retmax"] == "3"


def test_retries_rate_limits_errors_and_cut_bodies(service: ReplayService, tmp_path: Path) -> None:
    service.fault(ESEARCH, "429", "500")
    service.fault(EFETCH, "truncated", "errorpage", "cut")
    c = client(service)
    started = time.monotonic()
    result = fetch_pubmed("x", tmp_path, client=c, batch_size=5)
    assert result.records == 5 and result.retries == 5
    # The 429 said Retry-After: 1; the client held back for it.
    assert time.monotonic() - started >= 1.0
    docs = list(read_documents(result.files))
    assert len(docs) == 5


def test_keeps_to_three_requests_per_second(service: ReplayService, tmp_path: Path) -> None:
    started = time.monotonic()
    fetch_pubmed("x", tmp_path, client=client(service, rate=3), batch_size=1)
    elapsed = time.monotonic() - started
    times = [r.at for r in service.log]
    assert len(times) == 6  # one ESearch, five EFetch
    assert max_in_window(times) <= 3
    assert elapsed >= 1.0  # the fourth request had to wait


def test_api_key_raises_the_rate_to_ten(service: ReplayService, tmp_path: Path) -> None:
    c = PubMedClient(service.eutils, api_key="k3y", policy=FAST)
    assert c.http.limiter.limit == 10
    fetch_pubmed("x", tmp_path, client=c, batch_size=1)
    assert {r.params["api_key"] for r in service.log} == {"k3y"}
    assert max_in_window([r.at for r in service.log]) <= 10


def test_resumes_an_interrupted_download(service: ReplayService, tmp_path: Path) -> None:
    service.down_after[EFETCH] = 1
    with pytest.raises(FetchError, match="gave up after 4 attempts: HTTP 503"):
        fetch_pubmed("x", tmp_path, client=client(service), batch_size=2)
    assert len(list(tmp_path.glob("*.xml.gz"))) == 1
    assert not list(tmp_path.glob(".*.part"))
    del service.down_after[EFETCH]
    service.log.clear()
    result = fetch_pubmed("x", tmp_path, client=client(service), batch_size=2)
    assert (result.resumed_batches, result.fetched_batches, result.records) == (1, 2, 5)
    assert service.requests(ESEARCH) == []  # the saved PMIDs and history are reused
    assert [r.params["retstart"] for r in service.requests(EFETCH)] == ["2", "4"]
    assert len(list(read_documents([tmp_path]))) == 5
    # A finished download is not resumed: the same fetch asks the service afresh.
    service.log.clear()
    fetch_pubmed("x", tmp_path, client=client(service), batch_size=2)
    assert len(service.requests(ESEARCH)) == 1


def test_resume_after_the_history_expired_fetches_by_pmid(
    service: ReplayService, tmp_path: Path
) -> None:
    service.down_after[EFETCH] = 1
    with pytest.raises(FetchError):
        fetch_pubmed("x", tmp_path, client=client(service), batch_size=2)
    del service.down_after[EFETCH]
    service.webenv = "MCID_synthetic_0002"  # NCBI forgot the old handle
    service.log.clear()
    result = fetch_pubmed("x", tmp_path, client=client(service), batch_size=2)
    assert result.records == 5
    assert any("history" in n for n in result.notes)
    posts = [r for r in service.requests(EFETCH) if r.method == "POST"]
    assert [p.params["id"] for p in posts] == ["99100003,99100004", "99100005"]


def test_a_refused_query_fails_at_once(service: ReplayService, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="PubMed refused the search: Invalid query"):
        fetch_pubmed("invalid[[", tmp_path, client=client(service))
    assert len(service.requests(ESEARCH)) == 1


def test_an_unreachable_service_names_the_url(tmp_path: Path) -> None:
    c = PubMedClient("http://127.0.0.1:9/eutils", http=HttpClient(RateLimiter(100), FAST))
    with pytest.raises(FetchError, match=r"127\.0\.0\.1:9/eutils/esearch\.fcgi.*connection"):
        fetch_pubmed("x", tmp_path, client=c)
