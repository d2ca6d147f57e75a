"""``POST /ingest`` and ``GET /jobs/{id}``: uploads become background jobs with problems."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.routers.ingest import server_file_name
from kg.iri import graph_iri
from tests.api.support import API_KEY, LiveServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
TEXT = (
    "Illustrative note on Huang Qi for fatigue\n"
    "Astragalus root reduced fatigue in 40 patients in a randomised controlled trial.\n"
)


def wait(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll the job until it ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_upload_is_ingested_as_a_job(live: LiveServer) -> None:
    """A text upload is accepted (202 + Location), ingested, and its graph is in the store."""
    with httpx.Client(base_url=live.url, timeout=30) as client:
        r = client.post(
            "/ingest",
            files={"file": ("Illustrative Note.txt", TEXT.encode(), "text/plain")},
            headers=AUTH,
        )
        assert r.status_code == 202
        assert r.headers["location"] == f"/jobs/{r.json()['id']}"
        job = wait(client, r.json()["id"])
        assert job["state"] == "succeeded", job
        assert job["summary"]["documents"] == 1 and job["summary"]["written"] == 1
        assert job["done"] == 1
        assert graph_iri("TCMKG.DOC:illustrative-note") in live.store.named_graphs()
        # Re-uploading the same document replaces its graph: nothing is duplicated.
        before = live.store.count(graph_iri("TCMKG.DOC:illustrative-note"))
        again = client.post(
            "/ingest",
            files={"file": ("Illustrative Note.txt", TEXT.encode(), "text/plain")},
            headers=AUTH,
        )
        wait(client, again.json()["id"])
        assert live.store.count(graph_iri("TCMKG.DOC:illustrative-note")) == before


def test_hostile_xml_reports_problems_and_expands_nothing(live: LiveServer) -> None:
    """An XML upload declaring entities goes through the hardened reader: problems, no crash."""
    xml = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY boom "lol">]>\n'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><Article>"
        b"<ArticleTitle>&boom;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        b"</PubmedArticleSet>"
    )
    with httpx.Client(base_url=live.url, timeout=30) as client:
        r = client.post(
            "/ingest", files={"file": ("evil.xml", xml, "application/xml")}, headers=AUTH
        )
        job = wait(client, r.json()["id"])
    assert job["state"] == "succeeded"
    assert job["summary"]["written"] == 0
    codes = {(p["code"], p["file"]) for p in job["problems"]}
    assert ("xml.entity", "evil.xml") in codes
    ask = httpx.get(f"{live.url}/sparql", params={"query": 'ASK { ?s ?p "lol" }'}).json()
    assert ask["boolean"] is False


def test_bad_encoding_is_a_problem_naming_the_upload(live: LiveServer) -> None:
    """Bytes that are not UTF-8 become a problem naming the uploaded file, not a failure."""
    with httpx.Client(base_url=live.url, timeout=30) as client:
        r = client.post(
            "/ingest",
            files={"file": ("latin1.txt", "Título\nfiebre é\n".encode("latin-1"), "text/plain")},
            data={"format": "text"},
            headers=AUTH,
        )
        job = wait(client, r.json()["id"])
    assert job["state"] == "succeeded"
    assert [(p["code"], p["file"]) for p in job["problems"]] == [("encoding.invalid", "latin1.txt")]


def test_upload_form_errors(live: LiveServer) -> None:
    """No file part, or an unknown format, is a 422 saying which."""
    with httpx.Client(base_url=live.url, timeout=30) as client:
        no_file = client.post("/ingest", data={"format": "auto"}, headers=AUTH)
        assert no_file.status_code == 422
        assert "file" in no_file.json()["detail"]
        bad_format = client.post(
            "/ingest",
            files={"file": ("a.txt", b"x", "text/plain")},
            data={"format": "exe"},
            headers=AUTH,
        )
        assert bad_format.status_code == 422
        assert client.get("/jobs/not-a-job").status_code == 404


@pytest.mark.parametrize(
    ("client_name", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\\\Windows\\\\evil.XML", "evil.xml"),
        ("/abs/path/pubmed23n0001.xml.gz", "pubmed23n0001.xml.gz"),
        ("notes.exe", "notes-exe"),
        ("..", "upload"),
        (None, "upload"),
    ],
)
def test_client_file_names_never_become_paths(client_name: str | None, stored: str) -> None:
    """The stored name is a slug plus a known suffix: no directories, no traversal."""
    name = server_file_name(client_name)
    assert name == stored
    assert "/" not in name and "\\\\" not in name and not name.startswith(".")


def test_an_uploaded_pubmed_update_file_withdraws_what_it_deletes(
    live: LiveServer, tmp_path: Path
) -> None:
    from tests.ingest.test_ingest_pubmed_deletions import A, B, pubmed_file

    baseline = pubmed_file(tmp_path / "base.xml", [A, B]).read_bytes()
    update = pubmed_file(tmp_path / "update.xml", [], deleted=[A]).read_bytes()
    with httpx.Client(base_url=live.url, timeout=30) as client:
        first = client.post(
            "/ingest", files={"file": ("base.xml", baseline, "application/xml")}, headers=AUTH
        )
        assert wait(client, first.json()["id"])["summary"]["written"] == 2
        assert graph_iri(f"PMID:{A}") in live.store.named_graphs()
        second = client.post(
            "/ingest", files={"file": ("update.xml", update, "application/xml")}, headers=AUTH
        )
        job = wait(client, second.json()["id"])
    assert job["state"] == "succeeded" and job["summary"]["withdrawn"] == 1
    graphs = live.store.named_graphs()
    assert graph_iri(f"PMID:{A}") not in graphs and graph_iri(f"PMID:{B}") in graphs
