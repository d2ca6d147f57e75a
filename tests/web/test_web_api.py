"""The JSON resources and files the web page uses, over a real server."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from kg.store import GraphStore
from queries.library import query_names
from tests.api.support import LiveServer, settings, start_server

HERB = "TCMKG.HERB:astragali-radix"


def test_queries_lists_the_library_with_header_comments(live_web: LiveServer) -> None:
    examples = httpx.get(live_web.url + "/queries", timeout=10).json()
    assert [e["name"] for e in examples] == query_names()
    counts = next(e for e in examples if e["name"] == "candidate_evidence_counts")
    assert counts["title"] == "a plain SPARQL ranking: evidence counts per candidate."
    assert counts["description"].startswith("Purpose:")
    assert counts["text"].lstrip().startswith("#") and "SELECT" in counts["text"]


def test_names_by_name_system(live_web: LiveServer) -> None:
    got = httpx.get(
        live_web.url + "/names", params={"id": [HERB, "MESH:D003920"]}, timeout=10
    ).json()
    # Preferred name first (the seed vocabulary's), then the other names of each system.
    assert got[HERB]["zh"] == ["黄芪", "北芪"]
    assert "Astragali Radix" in got[HERB]["latin"] and "Huangqi" in got[HERB]["pinyin"]
    assert got["MESH:D003920"]["zh"] == ["糖尿病"]
    bad = httpx.get(live_web.url + "/names", params={"id": "nonsense:x"}, timeout=10)
    assert bad.status_code == 400 and "nonsense" in bad.json()["detail"]


def test_mechanism_picture_layers_and_beliefs(live_web: LiveServer) -> None:
    got = httpx.get(
        f"{live_web.url}/candidates/{HERB}/mechanism",
        params={"indication": "糖尿病"},
        timeout=30,
    ).json()
    layers = {n["id"]: n["layer"] for n in got["nodes"]}
    assert layers[HERB] == 0 and layers["PUBCHEM.COMPOUND:5280343"] == 2
    assert max(layers.values()) == 5
    for e in got["edges"]:
        assert 0 < e["belief"] <= 1 and layers[e["source"]] < layers[e["target"]]
    missing = httpx.get(
        f"{live_web.url}/candidates/TCMKG.HERB:nothing/mechanism",
        params={"indication": "糖尿病"},
        timeout=10,
    )
    assert missing.status_code == 404


def test_the_page_gets_the_dossiers_charts_and_cards(live_web: LiveServer) -> None:
    params = {"indication": "Diabetes Mellitus"}
    figures = httpx.get(f"{live_web.url}/candidates/{HERB}/figures", params=params, timeout=30)
    evidence = httpx.get(f"{live_web.url}/candidates/{HERB}/evidence", params=params, timeout=30)
    dossier = httpx.get(
        live_web.url + "/dossier", params={"candidate": HERB, **params}, timeout=60
    ).text
    got, items = figures.json(), evidence.json()["evidence"]
    assert len(items) >= 3
    # One drawing: the page's mechanism graph is the dossier's, byte for byte.
    assert got["mechanism"].startswith("<svg") and got["mechanism"] in dossier
    # Marker i and card i are evidence item i of the explanation the page lists.
    markers = re.findall(r'data-index="(\d+)"[^>]*><title>([^<]*)</title>', got["profile"])
    assert sorted(int(i) for i, _ in markers) == list(range(len(items)))
    for i, title in markers:
        assert title.startswith(items[int(i)]["source"]), (i, title)
    cards = re.findall(r'<article [^>]*data-index="(\d+)"', got["cards"])
    assert cards == [str(i) for i in range(len(items))]
    cited = re.findall(r'class="citation"[^>]*data-source="([^"]+)"', got["cards"])
    assert cited == [e["source"] for e in items]
    assert "<mark>Astragali Radix</mark>" in got["cards"]
    missing = httpx.get(
        f"{live_web.url}/candidates/TCMKG.HERB:nothing/figures", params=params, timeout=10
    )
    assert missing.status_code == 404 and "nothing" in missing.json()["detail"]
    designs = httpx.get(live_web.url + "/study-designs", timeout=10).json()
    assert designs[0] == {"id": "meta_analysis", "label": "Meta-analysis"}


def test_source_record_and_unknown_source(live_web: LiveServer) -> None:
    got = httpx.get(
        live_web.url + "/sources/TCMKG.DOC:illustrative-clinical-001", timeout=10
    ).json()
    assert got["illustrative"] is True and got["year"] == 2024 and got["url"] is None
    assert got["graph"].endswith("/graph/TCMKG.DOC/illustrative-clinical-001")
    assert httpx.get(live_web.url + "/sources/PMID:1", timeout=10).status_code == 404
    assert httpx.get(live_web.url + "/sources/bogus", timeout=10).status_code == 400


def test_dossier_download_and_errors(live_web: LiveServer) -> None:
    params = {"candidate": "黄芪", "indication": "Diabetes Mellitus", "download": "true"}
    got = httpx.get(live_web.url + "/dossier", params=params, timeout=60)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/html")
    assert (
        got.headers["content-disposition"] == 'attachment; filename="dossier-astragalus-root.html"'
    )
    assert "<script" not in got.text and "Evidence profile" in got.text
    missing = httpx.get(
        live_web.url + "/dossier",
        params={"candidate": "no such herb", "indication": "Diabetes Mellitus"},
        timeout=30,
    )
    assert missing.status_code == 404 and "no such herb" in missing.json()["detail"]


def test_static_files_are_a_fixed_list(live_web: LiveServer) -> None:
    css = httpx.get(live_web.url + "/static/style.css", timeout=10)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = httpx.get(live_web.url + "/static/app.js", timeout=10)
    assert js.headers["content-type"].startswith("text/javascript")
    for name in ("index.html", "..%2F..%2Fpyproject.toml", "nothing.js"):
        assert httpx.get(f"{live_web.url}/static/{name}", timeout=10).status_code == 404


def test_unknown_names_are_404_and_a_fault_of_the_program_is_a_500(
    live_web: LiveServer, web_store: GraphStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    params = {"indication": "no such illness"}
    missing = httpx.get(live_web.url + "/candidates", params=params, timeout=30)
    assert missing.status_code == 404 and "no such illness" in missing.json()["detail"]

    # NaN passes the scoring file's number check and then fails inside the ranking with a
    # ValueError: a fault of the program, which must not read as "no such indication".
    config = tmp_path / "scoring.toml"
    config.write_text("max_paths = nan\n", encoding="utf-8")
    faulty = start_server(create_app(web_store, settings(scoring_config=config)), web_store)
    try:
        with caplog.at_level(logging.ERROR, logger="api.app"):
            got = httpx.get(
                faulty.url + "/candidates", params={"indication": "Diabetes Mellitus"}, timeout=30
            )
    finally:
        faulty.stop()
    assert got.status_code == 500
    assert got.json() == {"detail": "internal server error"}
    logged = [r.getMessage() for r in caplog.records if r.name == "api.app"]
    assert any("GET /candidates failed: ValueError" in m for m in logged), logged
