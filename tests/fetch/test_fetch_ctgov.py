"""``tcmkg fetch trials`` against the replay server: paging, retries, resume."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.fetch.ctgov import TrialsClient, fetch_trials
from ingest.fetch.http import FetchError, HttpClient, RetryPolicy
from ingest.fetch.ratelimit import RateLimiter
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from tests.fetch.replay import STUDIES, ReplayService, max_in_window

FAST = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, timeout=5)


def client(service: ReplayService, rate: float = 100.0) -> TrialsClient:
    return TrialsClient(service.ctgov, http=HttpClient(RateLimiter(rate), FAST))


def test_pages_with_page_tokens_into_files_the_reader_ingests(
    service: ReplayService, tmp_path: Path
) -> None:
    result = fetch_trials("astragalus", tmp_path, client=client(service), page_size=3)
    assert (result.records, result.matches, result.fetched_batches) == (4, 4, 2)
    calls = service.requests(STUDIES)
    assert [c.params.get("pageToken") for c in calls] == [None, "tok-3"]
    assert calls[0].params["query.term"] == "astragalus" and calls[0].params["format"] == "json"
    problems = ProblemLog()
    docs = list(read_documents([tmp_path], problems=problems))
    assert not problems, list(problems)
    assert [d.id for d in docs] == [f"NCT:NCT9900000{i}" for i in range(1, 5)]
    first = docs[0]
    assert first.trial is not None and first.trial.allocation == "RANDOMIZED"
    assert first.revised == "2024-06-11"


def test_since_filters_on_the_last_update_and_max_caps(
    service: ReplayService, tmp_path: Path
) -> None:
    result = fetch_trials(
        "x", tmp_path, since=date(2024, 1, 1), max_records=3, client=client(service), page_size=2
    )
    assert result.records == 3
    calls = service.requests(STUDIES)
    assert calls[0].params["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]"
    assert [c.params["pageSize"] for c in calls] == ["2", "1"]
    saved = [json.loads(p.read_text()) for p in result.files]
    assert [len(page["studies"]) for page in saved] == [2, 1]


def test_retries_429_error_pages_and_cut_bodies(service: ReplayService, tmp_path: Path) -> None:
    service.fault(STUDIES, "429", "errorpage", "truncated", "cut", "502")
    result = fetch_trials("x", tmp_path, client=client(service), page_size=2)
    assert result.records == 4 and result.retries == 5
    assert len(list(read_documents([tmp_path]))) == 4


def test_keeps_its_rate(service: ReplayService, tmp_path: Path) -> None:
    fetch_trials("x", tmp_path, client=client(service, rate=3), page_size=1)
    times = [r.at for r in service.requests(STUDIES)]
    assert len(times) == 4 and max_in_window(times) <= 3


def test_resumes_with_the_saved_page_token(service: ReplayService, tmp_path: Path) -> None:
    service.down_after[STUDIES] = 1
    with pytest.raises(FetchError, match="gave up after 6 attempts: HTTP 503"):
        fetch_trials("x", tmp_path, client=client(service), page_size=3)
    assert len(list(tmp_path.glob("ctgov-*.json"))) == 1
    del service.down_after[STUDIES]
    service.log.clear()
    result = fetch_trials("x", tmp_path, client=client(service), page_size=3)
    assert (result.resumed_batches, result.fetched_batches, result.records) == (1, 1, 4)
    assert [c.params.get("pageToken") for c in service.requests(STUDIES)] == ["tok-3"]
    assert len(list(read_documents([tmp_path]))) == 4
