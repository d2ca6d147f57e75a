"""``tcmkg fetch pubmed``: download PubMed records through NCBI's E-utilities.

ESearch runs once with ``usehistory=y``: it returns the match count, the PMIDs (at most
10,000 — E-utilities serve no more per search) and a history handle (``WebEnv`` +
``query_key``). EFetch then downloads the records as PubMed XML in batches of up to 200 from
that history; each batch is checked (well-formed ``PubmedArticleSet``, nothing cut short) and
written as ``pubmed-<key>-<n>.xml.gz``, the format ``tcmkg ingest`` reads.

``--since`` restricts the search to records *modified* on or after a date (``datetype=mdat``):
new records and revised ones alike, which is what a sync needs. The PMID list is saved with the
download state, so an interrupted download resumes where it stopped; when the history handle
has expired by then (NCBI keeps it for hours, not days), the missing batches are fetched by
their saved PMIDs instead.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree

from ingest.fetch.http import FetchError, HttpClient, RetryPolicy
from ingest.fetch.ratelimit import NCBI_RATE, NCBI_RATE_WITH_KEY, RateLimiter
from ingest.fetch.state import (
    FetchProgress,
    FetchResult,
    NoFetchProgress,
    load_state,
    query_key,
    save_state,
    write_atomically,
)

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
BATCH = 200  # NCBI: "up to 200 records" per EFetch request is the polite size
ESEARCH_LIMIT = 10_000  # ESearch returns no more PMIDs than this for one search
TOOL = "tcmkg"


class HistoryExpiredError(FetchError):
    """EFetch refused the saved history handle; the batch is fetched by its PMIDs instead."""


def _parser() -> etree.XMLParser:
    # Responses are hostile input too: no entities, no DTD, no network.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse(body: bytes) -> etree._Element:
    return etree.fromstring(body, _parser())


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What ESearch returned: the match count, the PMIDs and the history handle."""

    count: int
    pmids: tuple[str, ...]
    webenv: str
    query_key: str


def _error_text(root: etree._Element) -> str | None:
    error = root.findtext("ERROR") or root.findtext(".//ERROR")
    return " ".join(error.split()) if error and error.strip() else None


def _check_esearch(body: bytes) -> str | None:
    try:
        root = _parse(body)
    except etree.XMLSyntaxError as exc:
        return f"ESearch answer is not well-formed XML ({exc})"
    if root.tag != "eSearchResult":
        return f"ESearch answer has root <{root.tag}>, not <eSearchResult>"
    error = _error_text(root)
    if error:
        # The query itself is wrong (syntax, unknown field): retrying cannot help.
        raise FetchError(f"PubMed refused the search: {error}")
    if root.findtext("Count") is None:
        return "ESearch answer has no <Count>"
    return None


def _check_efetch(body: bytes) -> str | None:
    try:
        root = _parse(body)
    except etree.XMLSyntaxError as exc:
        return f"EFetch answer is not well-formed XML, cut short or an error page ({exc})"
    if root.tag == "eFetchResult":
        raise HistoryExpiredError(f"EFetch refused the history handle: {_error_text(root) or '?'}")
    if root.tag != "PubmedArticleSet":
        return f"EFetch answer has root <{root.tag}>, not <PubmedArticleSet>"
    return None


def count_articles(body: bytes) -> int:
    """Number of ``PubmedArticle`` records in an EFetch answer."""
    return sum(1 for _ in _parse(body).iterfind("PubmedArticle"))


class PubMedClient:
    """E-utilities requests with NCBI's identification parameters and rate limit."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: str = "",
        email: str = "",
        policy: RetryPolicy | None = None,
        http: HttpClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.email = email
        rate = NCBI_RATE_WITH_KEY if api_key else NCBI_RATE
        self.http = http or HttpClient(RateLimiter(rate), policy)

    def _identity(self) -> dict[str, str | int]:
        params: dict[str, str | int] = {"tool": TOOL}
        if self.email:
            params["email"] = self.email
        if self.api_key:
            params["api_key"] = self.api_key
        return params

    def search(self, query: str, since: date | None, limit: int) -> SearchResult:
        """Run ESearch with history; return at most ``limit`` PMIDs."""
        params: dict[str, str | int] = {
            "db": "pubmed",
            "term": query,
            "usehistory": "y",
            "retmax": limit,
            **self._identity(),
        }
        if since is not None:
            params.update(datetype="mdat", mindate=since.strftime("%Y/%m/%d"), maxdate="3000/12/31")
        root = _parse(self.http.get(f"{self.base_url}/esearch.fcgi", params, _check_esearch))
        try:
            count = int(root.findtext("Count") or "0")
        except ValueError as exc:
            raise FetchError(f"ESearch answer has a non-numeric <Count>: {exc}") from exc
        pmids = tuple(
            (e.text or "").strip()
            for e in root.iterfind("IdList/Id")
            if (e.text or "").strip().isdigit()
        )
        return SearchResult(
            count, pmids[:limit], root.findtext("WebEnv") or "", root.findtext("QueryKey") or ""
        )

    def fetch_history(self, search: SearchResult, start: int, size: int) -> bytes:
        """EFetch ``size`` records from ``start`` of a search's history, as PubMed XML."""
        params: dict[str, str | int] = {
            "db": "pubmed",
            "WebEnv": search.webenv,
            "query_key": search.query_key,
            "retstart": start,
            "retmax": size,
            "retmode": "xml",
            **self._identity(),
        }
        return self.http.get(f"{self.base_url}/efetch.fcgi", params, _check_efetch)

    def fetch_ids(self, pmids: list[str]) -> bytes:
        """EFetch the records of ``pmids`` (POST: 200 ids do not fit a URL) as PubMed XML."""
        form: dict[str, str | int] = {
            "db": "pubmed",
            "id": ",".join(pmids),
            "retmode": "xml",
            **self._identity(),
        }
        return self.http.post(f"{self.base_url}/efetch.fcgi", form, _check_efetch)


def batch_path(folder: Path, key: str, index: int) -> Path:
    """File of batch ``index`` of query ``key``."""
    return folder / f"pubmed-{key}-{index + 1:05d}.xml.gz"


def fetch_pubmed(
    query: str,
    folder: Path,
    *,
    since: date | None = None,
    max_records: int | None = None,
    client: PubMedClient | None = None,
    progress: FetchProgress | None = None,
    batch_size: int = BATCH,
) -> FetchResult:
    """Download the records matching ``query`` into ``folder``, resuming an earlier run.

    Raises :class:`FetchError` when the service cannot be reached or refuses; every batch
    written before that stays, and the next run resumes after it.
    """
    if not 1 <= batch_size <= BATCH:
        raise ValueError(f"batch size must be 1..{BATCH}, not {batch_size}")
    client = client or PubMedClient()
    progress = progress or NoFetchProgress()
    folder.mkdir(parents=True, exist_ok=True)
    limit = min(max_records if max_records is not None else ESEARCH_LIMIT, ESEARCH_LIMIT)
    key = query_key("pubmed", query, since, limit, batch_size)
    result = FetchResult("pubmed", query)
    before = (client.http.requests, client.http.retries)
    state: dict[str, Any] | None = load_state(folder, key)
    if state is not None and state.get("finished"):
        state = None  # a completed download is not resumed: the same query runs afresh
    if state is None:
        progress.start("PubMed search", None)
        found = client.search(query, since, limit)
        state = {
            "source": "pubmed",
            "query": query,
            "since": since.isoformat() if since else None,
            "count": found.count,
            "pmids": list(found.pmids),
            "webenv": found.webenv,
            "query_key": found.query_key,
            "batch_size": batch_size,
            "done": {},
        }
        save_state(folder, key, state)
    search = SearchResult(
        int(state["count"]), tuple(state["pmids"]), state["webenv"], state["query_key"]
    )
    result.matches = search.count
    if search.count > len(search.pmids) and max_records is None:
        result.notes.append(
            f"{search.count:,} records match but E-utilities serve at most {ESEARCH_LIMIT:,} per "
            "search: narrow the query or use --since"
        )
    total = len(search.pmids)
    done: dict[str, int] = state["done"]
    progress.start(f"PubMed records ({total:,})", total)
    use_history = bool(search.webenv and search.query_key)
    for index in range(math.ceil(total / batch_size)):
        path = batch_path(folder, key, index)
        start = index * batch_size
        ids = list(search.pmids[start : start + batch_size])
        if str(index) in done and path.exists():
            result.resumed_batches += 1
            result.records += done[str(index)]
            result.files.append(path)
            progress.advance(len(ids))
            continue
        body: bytes | None = None
        if use_history:
            try:
                body = client.fetch_history(search, start, len(ids))
            except HistoryExpiredError as exc:
                result.notes.append(f"{exc}; fetching the remaining batches by PMID")
                use_history = False
        if body is None:
            body = client.fetch_ids(ids)
        write_atomically(path, body, gzipped=True)
        done[str(index)] = count_articles(body)
        save_state(folder, key, state)
        result.fetched_batches += 1
        result.records += done[str(index)]
        result.files.append(path)
        progress.advance(len(ids))
    state["finished"] = True
    save_state(folder, key, state)
    result.requests = client.http.requests - before[0]
    result.retries = client.http.retries - before[1]
    return result


def retraction_notices(path: Path) -> list[tuple[str, str]]:
    """(notice PMID, retracted PMID) pairs of the retraction notices in a batch file.

    A "Retraction of Publication" notice names the paper it retracts in its
    ``CommentsCorrections RefType="RetractionOf"``; the paper's own record may not be in the
    same download (it was fetched by an earlier sync), so the pairs are read here.
    """
    pairs: list[tuple[str, str]] = []
    with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as stream:
        events = etree.iterparse(
            stream,
            events=("end",),
            tag="PubmedArticle",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
        )
        try:
            for _, article in events:
                notice = (article.findtext("MedlineCitation/PMID") or "").strip()
                for ref in article.iterfind(
                    "MedlineCitation/CommentsCorrectionsList/CommentsCorrections"
                ):
                    target = (ref.findtext("PMID") or "").strip()
                    if ref.get("RefType") == "RetractionOf" and target.isdigit():
                        pairs.append((notice, target))
                article.clear()
        except (etree.XMLSyntaxError, OSError, EOFError):
            pass  # a broken file is reported by the reader when it is ingested
    return pairs
