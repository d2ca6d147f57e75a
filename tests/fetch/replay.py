"""A local stand-in for NCBI E-utilities and the ClinicalTrials.gov API v2, on 127.0.0.1.

It answers in the services' real formats from the hand-written synthetic fixtures beside this
file, logs every request with its arrival time, and misbehaves on demand the way the real
services do: HTTP 429 with ``Retry-After``, 5xx, an HTML error page under status 200, a body
cut short (with and without a Content-Length), an expired history handle, or going down for
good after a number of answers (an interrupted download).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

FIXTURES = Path(__file__).parent / "fixtures"
ESEARCH = "/eutils/esearch.fcgi"
EFETCH = "/eutils/efetch.fcgi"
STUDIES = "/ctgov/studies"

_EFETCH_HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def load_articles(name: str) -> dict[str, bytes]:
    """PMID -> serialised ``<PubmedArticle>`` of a fixture file."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(FIXTURES / name), parser).getroot()
    return {
        (a.findtext("MedlineCitation/PMID") or "").strip(): etree.tostring(a)
        for a in root.iterfind("PubmedArticle")
    }


def load_studies() -> list[dict[str, Any]]:
    """The synthetic studies of ``ctgov_studies.json``."""
    data: dict[str, Any] = json.loads((FIXTURES / "ctgov_studies.json").read_text("utf-8"))
    studies: list[dict[str, Any]] = data["studies"]
    return studies


@dataclass
class Logged:
    """One request as the server saw it."""

    at: float
    path: str
    params: dict[str, str]
    method: str


@dataclass
class ReplayService:
    """State of the fake services; tests change it between runs."""

    articles: dict[str, bytes] = field(default_factory=lambda: load_articles("pubmed_records.xml"))
    pmids: list[str] = field(default_factory=list)  # what ESearch returns, in order
    studies: list[dict[str, Any]] = field(default_factory=load_studies)
    webenv: str = "MCID_synthetic_0001"
    faults: dict[str, deque[str]] = field(default_factory=dict)
    down_after: dict[str, int] = field(default_factory=dict)  # path -> answers before outage
    log: list[Logged] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def __post_init__(self) -> None:
        if not self.pmids:
            self.pmids = list(self.articles)

    def fault(self, path: str, *kinds: str) -> None:
        """Queue faults for the next requests to ``path`` (one per request, in order)."""
        self.faults.setdefault(path, deque()).extend(kinds)

    def requests(self, path: str) -> list[Logged]:
        """Logged requests to ``path``."""
        return [r for r in self.log if r.path == path]

    @property
    def eutils(self) -> str:
        """Base URL standing in for ``https://eutils.ncbi.nlm.nih.gov/entrez/eutils``."""
        return f"{self.base}/eutils"

    @property
    def ctgov(self) -> str:
        """Base URL standing in for ``https://clinicaltrials.gov/api/v2``."""
        return f"{self.base}/ctgov"


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most requests seen in any ``window``-second span."""
    times = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class _Handler(BaseHTTPRequestHandler):
    service: ReplayService
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test log holds the requests."""

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        self._handle(url.path, dict(urllib.parse.parse_qsl(url.query)), "GET")

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("ascii")))
        self._handle(url.path, form, "POST")

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self, path: str, params: dict[str, str], method: str) -> None:
        s = self.service
        with s.lock:
            s.log.append(Logged(time.monotonic(), path, params, method))
            answered = sum(1 for r in s.log[:-1] if r.path == path)
            fault = s.faults.get(path, deque()).popleft() if s.faults.get(path) else None
            outage = path in s.down_after and answered >= s.down_after[path]
        if outage or fault == "503":
            self._send(503, b"Service Unavailable", "text/plain")
            return
        if fault == "429":
            self._send(
                429,
                b'{"error":"API rate limit exceeded"}',
                "application/json",
                {"Retry-After": "1"},
            )
            return
        if fault is not None and fault.isdigit():
            self._send(int(fault), b"Server Error", "text/plain")
            return
        if fault == "errorpage":
            self._send(200, (FIXTURES / "error_page.html").read_bytes(), "text/html")
            return
        if path == ESEARCH:
            body, ctype = self._esearch(params), "text/xml; charset=UTF-8"
        elif path == EFETCH:
            body, ctype = self._efetch(params), "text/xml; charset=UTF-8"
        elif path == STUDIES:
            body, ctype = self._studies(params), "application/json"
        else:
            self._send(404, b"Not Found", "text/plain")
            return
        if fault == "truncated":
            # Announce the whole body, send half, hang up: the client sees IncompleteRead.
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        if fault == "cut":
            # No length announced: the body just ends early, as through a broken proxy.
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self._send(200, body, ctype)

    def _esearch(self, params: dict[str, str]) -> bytes:
        s = self.service
        if params.get("term") == "invalid[[":
            return (FIXTURES / "esearch_error.xml").read_bytes()
        limit = int(params.get("retmax", "20"))
        ids = "".join(f"<Id>{p}</Id>" for p in s.pmids[:limit])
        return (
            b'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC '
            b'"-//NLM//DTD esearch 20060628//EN" '
            b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
            + (
                f"<eSearchResult><Count>{len(s.pmids)}</Count><RetMax>{min(limit, len(s.pmids))}"
                f"</RetMax><RetStart>0</RetStart><QueryKey>1</QueryKey><WebEnv>{s.webenv}"
                f"</WebEnv><IdList>{ids}</IdList><TranslationSet/>"
                f"<QueryTranslation>{params.get('term', '')}</QueryTranslation></eSearchResult>"
            ).encode()
        )

    def _efetch(self, params: dict[str, str]) -> bytes:
        s = self.service
        if "id" in params:
            wanted = [p for p in params["id"].split(",") if p]
        else:
            if params.get("WebEnv") != s.webenv:
                return (FIXTURES / "efetch_history_error.xml").read_bytes()
            start = int(params.get("retstart", "0"))
            wanted = s.pmids[start : start + int(params.get("retmax", "20"))]
        parts = [s.articles[p] for p in wanted if p in s.articles]
        body = b"<PubmedArticleSet>\n" + b"\n".join(parts) + b"\n</PubmedArticleSet>\n"
        return _EFETCH_HEAD + body

    def _studies(self, params: dict[str, str]) -> bytes:
        s = self.service
        size = int(params.get("pageSize", "10"))
        start = int(params.get("pageToken", "tok-0").removeprefix("tok-"))
        page: dict[str, Any] = {"studies": s.studies[start : start + size]}
        if params.get("countTotal") == "true" and start == 0:
            page["totalCount"] = len(s.studies)
        if start + size < len(s.studies):
            page["nextPageToken"] = f"tok-{start + size}"
        return json.dumps(page).encode()


def serve(service: ReplayService) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the replay server on a free port of 127.0.0.1; ``service.base`` is its URL."""
    handler = type("Handler", (_Handler,), {"service": service})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    service.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
