"""``tcmkg fetch trials``: download study records from the ClinicalTrials.gov API v2.

``GET /studies?query.term=…&pageSize=…&format=json`` returns a page
``{"studies": [...], "nextPageToken": "..."}``; the next page is asked for with
``pageToken``. Each page is checked (JSON, a ``studies`` list) and written as
``ctgov-<key>-<n>.json``, which the trial reader ingests as it is. The token of the next page
is saved after each page, so an interrupted download resumes with the page it had not got.

``--since`` keeps studies whose last update was posted on or after a date
(``AREA[LastUpdatePostDate]RANGE[date,MAX]``): new and revised registrations alike.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from ingest.fetch.http import HttpClient, RetryPolicy
from ingest.fetch.ratelimit import CTGOV_RATE, RateLimiter
from ingest.fetch.state import (
    FetchProgress,
    FetchResult,
    NoFetchProgress,
    load_state,
    query_key,
    save_state,
    write_atomically,
)

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
PAGE_SIZE = 100  # the API allows up to 1,000; 100 keeps each answer small and each retry cheap


def _check_page(body: bytes) -> str | None:
    try:
        page = json.loads(body)
    except ValueError as exc:
        return f"answer is not JSON, cut short or an error page ({exc})"
    if not isinstance(page, dict) or not isinstance(page.get("studies"), list):
        return "answer has no 'studies' list"
    token = page.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        return "answer has a 'nextPageToken' that is not a string"
    return None


class TrialsClient:
    """ClinicalTrials.gov API v2 requests under a polite rate limit."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        policy: RetryPolicy | None = None,
        http: HttpClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpClient(RateLimiter(CTGOV_RATE), policy)

    def page(self, query: str, since: date | None, size: int, token: str | None) -> dict[str, Any]:
        """One page of studies matching ``query`` (after ``token``, if given)."""
        params: dict[str, str | int] = {
            "query.term": query,
            "pageSize": size,
            "format": "json",
            "countTotal": "true",
        }
        if since is not None:
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
        if token:
            params["pageToken"] = token
        body = self.http.get(f"{self.base_url}/studies", params, _check_page)
        page: dict[str, Any] = json.loads(body)
        return page


def page_path(folder: Path, key: str, index: int) -> Path:
    """File of page ``index`` of query ``key``."""
    return folder / f"ctgov-{key}-{index + 1:05d}.json"


def fetch_trials(
    query: str,
    folder: Path,
    *,
    since: date | None = None,
    max_records: int | None = None,
    client: TrialsClient | None = None,
    progress: FetchProgress | None = None,
    page_size: int = PAGE_SIZE,
) -> FetchResult:
    """Download the studies matching ``query`` into ``folder``, resuming an earlier run.

    Raises :class:`~ingest.fetch.http.FetchError` when the service cannot be reached or
    refuses; every page written before that stays, and the next run resumes after it.
    """
    client = client or TrialsClient()
    progress = progress or NoFetchProgress()
    folder.mkdir(parents=True, exist_ok=True)
    key = query_key("ctgov", query, since, max_records, page_size)
    result = FetchResult("ctgov", query)
    before = (client.http.requests, client.http.retries)
    state: dict[str, Any] | None = load_state(folder, key)
    if state is None or state.get("finished"):
        state = {
            "source": "ctgov",
            "query": query,
            "since": since.isoformat() if since else None,
            "pages": [],  # [file name, studies, next token] per page written
            "total": None,
        }
    pages: list[list[Any]] = state["pages"]
    records = 0
    for name, count, _ in pages:
        path = folder / name
        if path.exists():
            result.resumed_batches += 1
            result.files.append(path)
            records += count
    progress.start("ClinicalTrials.gov studies", state["total"])
    progress.advance(records)
    token: str | None = pages[-1][2] if pages else None
    while (not pages or token) and (max_records is None or records < max_records):
        size = page_size if max_records is None else min(page_size, max_records - records)
        page = client.page(query, since, size, token)
        studies: list[Any] = page["studies"]
        if max_records is not None:
            studies = studies[: max_records - records]
        token = page.get("nextPageToken") or None
        if isinstance(page.get("totalCount"), int):
            total = page["totalCount"]
            state["total"] = min(total, max_records) if max_records is not None else total
            result.matches = total
            progress.start("ClinicalTrials.gov studies", state["total"])
            progress.advance(records)
        path = page_path(folder, key, len(pages))
        out = {"studies": studies, "nextPageToken": token}
        write_atomically(path, json.dumps(out, ensure_ascii=False).encode("utf-8"))
        pages.append([path.name, len(studies), token])
        save_state(folder, key, state)
        result.fetched_batches += 1
        result.files.append(path)
        records += len(studies)
        progress.advance(len(studies))
        if not studies:
            break
    result.records = records
    result.matches = result.matches or records
    state["finished"] = True
    save_state(folder, key, state)
    result.requests = client.http.requests - before[0]
    result.retries = client.http.retries - before[1]
    return result
