"""The ``tcmkg fetch`` and ``tcmkg sync`` commands, pointed at the replay server by settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.fetch.sync import saved_queries
from kg.settings import get_settings
from kg.store import open_store
from tcmkg.cli import app
from tests.fetch.replay import ESEARCH, ReplayService


@pytest.fixture
def configured(service: ReplayService, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayService]:
    monkeypatch.setenv("TCMKG_NCBI_BASE_URL", service.eutils)
    monkeypatch.setenv("TCMKG_CTGOV_BASE_URL", service.ctgov)
    monkeypatch.setenv("TCMKG_NCBI_EMAIL", "dev@example.org")
    get_settings.cache_clear()
    yield service
    get_settings.cache_clear()


def test_fetch_pubmed_writes_batches(configured: ReplayService, tmp_path: Path) -> None:
    out = tmp_path / "pubmed"
    result = CliRunner().invoke(app, ["fetch", "pubmed", "astragalus", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 records" in result.output
    assert len(list(out.glob("pubmed-*.xml.gz"))) == 1
    assert configured.requests(ESEARCH)[0].params["email"] == "dev@example.org"


def test_fetch_trials_and_a_bad_date(configured: ReplayService, tmp_path: Path) -> None:
    out = tmp_path / "trials"
    ok = CliRunner().invoke(app, ["fetch", "trials", "astragalus", "-o", str(out), "--max", "2"])
    assert ok.exit_code == 0, ok.output
    assert "2 records" in ok.output
    bad = CliRunner().invoke(app, ["fetch", "trials", "x", "-o", str(out), "--since", "May"])
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_fetch_failure_exits_2_and_says_it_resumes(
    configured: ReplayService, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, ["fetch", "pubmed", "invalid[[", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "PubMed refused the search: Invalid query" in result.output
    assert "resume" in result.output


def test_sync_add_list_and_run(configured: ReplayService, tmp_path: Path) -> None:
    store = f"oxigraph:{tmp_path / 'store'}"
    runner = CliRunner()
    empty = runner.invoke(app, ["sync", "--store", store])
    assert empty.exit_code == 2 and "no saved queries" in empty.output
    added = runner.invoke(app, ["sync", "add", "trials", "astragalus", "--store", store])
    assert added.exit_code == 0, added.output
    work = ["--work", str(tmp_path / "work")]
    first = runner.invoke(app, ["sync", "--store", store, *work])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["sync", "--store", store, *work])
    assert second.exit_code == 0, second.output
    listed = runner.invoke(app, ["sync", "list", "--store", store])
    assert listed.exit_code == 0 and "saved queries" in listed.output
    with open_store(store) as st:
        (saved,) = saved_queries(st)
    assert (saved.source, saved.text, saved.runs) == ("ctgov", "astragalus", 2)
    assert (saved.last.new, saved.last.unchanged) == (0, 3)  # the withdrawn one is skipped
