"""``tcmkg dossier``: one self-contained HTML file a hospital committee can read.

Checked on the small illustrative corpus (every section, figures equal to ``tcmkg explain``)
and on the real-abstract corpus in ``../shared/data`` (every citation is a document of it).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.presentation import build_dossier
from ingest.examples.illustrative import illustrative_bundles
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from ingest.readers.table import read_table
from kg.iri import graph_iri
from kg.store import GraphStore, open_store
from kg.writer import bundle_quads
from queries.config import ScoringConfig
from queries.dossier import graph_version
from queries.explain import explain_candidate
from queries.rank import CandidateKind, rank_candidates
from tests.conftest import shared_data
from tests.web.conftest import fill_web_corpus

HERB = "TCMKG.HERB:astragali-radix"
INDICATION = "Diabetes Mellitus"
TCMKG = shutil.which("tcmkg", path=str(Path(sys.executable).parent)) or "tcmkg"
# Anything the file would fetch when opened: scripts, style sheets, images, fonts, frames.
FETCHES = re.compile(r"<script|<link[^>]+stylesheet|<img|<iframe|\bsrc=|url\(|@import", re.I)
CITATION = re.compile(r'class="citation"[^>]*data-source="([^"]+)"')


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``tcmkg`` through its console script, as a user runs it."""
    return subprocess.run([TCMKG, *args], capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An on-disk store with the small web corpus; yields its location."""
    location = f"oxigraph:{tmp_path_factory.mktemp('dossier') / 'store'}"
    store = open_store(location)
    fill_web_corpus(store)
    store.close()
    yield location


def test_cli_writes_every_section_with_the_ranking_figures(
    corpus_store: str, tmp_path: Path
) -> None:
    out = tmp_path / "astragalus.html"
    done = run_cli("dossier", "黄芪", INDICATION, "-o", str(out), "--store", corpus_store)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert not FETCHES.search(text), FETCHES.search(text)

    store = open_store(corpus_store)
    try:
        ex = explain_candidate(store, HERB, INDICATION)
        version = graph_version(store)
    finally:
        store.close()
    row = ex.row
    # The ranking row shows the same figures as `tcmkg explain`.
    ranking = text[text.index('id="ranking"') : text.index('id="profile"')]
    for figure in (row.score, row.clinical, row.mechanistic):
        assert f"{figure:.3f}" in ranking
    assert row.certainty.label in ranking
    # Both charts: one marker per evidence item; mechanism nodes with belief-weighted edges.
    profile = text[text.index("<svg", text.index('id="profile"')) : text.index('id="mechanism"')]
    assert profile.count("<circle") == len(ex.evidence) >= 3
    mechanism = text[text.index('id="mechanism"') : text.index('id="evidence"')]
    assert "<path" in mechanism and "quercetin" in mechanism
    # Every evidence item with its citation and its sentence, entities highlighted.
    cited = CITATION.findall(text)
    assert sorted(cited) == sorted(e.item.source for e in ex.evidence)
    for e in ex.evidence:
        assert e.item.sentence
        plain = html.unescape(re.sub(r"</?mark>", "", text))
        assert e.item.sentence in plain
    assert "<mark>Astragali Radix</mark>" in text
    # Safety, the formula and its parameters, the graph version and date.
    safety = text[text.index('id="safety"') : text.index('id="scoring"')]
    assert "Hypoglycemia" in safety and "warfarin" in safety
    assert "design_prior.rct" in text and "B = 1 − Π_g" in text
    assert version.digest in text and version.date in text
    # The header shows each name system's preferred name: the seed vocabulary's.
    assert "黄芪" in text and "huang qi" in text
    assert str(out) in " ".join(done.stdout.split())


def test_dossier_shows_changed_scoring_parameters(corpus_store: str) -> None:
    store = open_store(corpus_store)
    try:
        text = build_dossier(store, HERB, INDICATION, ScoringConfig(clinical_weight=0.9))
    finally:
        store.close()
    assert "score = (0.9·clinical" in text
    assert re.search(r"<code>clinical_weight</code></td><td[^>]*>0\.9<", text)


def test_unknown_candidate_fails_cleanly_and_writes_nothing(
    corpus_store: str, tmp_path: Path
) -> None:
    out = tmp_path / "none.html"
    done = run_cli("dossier", "no such herb", INDICATION, "-o", str(out), "--store", corpus_store)
    assert done.returncode == 2
    assert "no such herb" in done.stderr
    assert not out.exists() and not list(tmp_path.iterdir())
    done = run_cli("dossier", "黄芪", "no such illness", "-o", str(out), "--store", corpus_store)
    assert done.returncode == 2 and "no such illness" in done.stderr
    done = run_cli("dossier", "黄芪", INDICATION, "-o", str(tmp_path / "missing" / "x.html"))
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_graph_version_follows_the_records(memory_store: GraphStore) -> None:
    bundles = illustrative_bundles()
    for b in bundles[:-1]:
        memory_store.replace_graph(graph_iri(b.record.id), bundle_quads(b))
    first = graph_version(memory_store)
    again = graph_version(memory_store)
    assert first.digest == again.digest
    # Re-writing the same record changes nothing; adding one changes the version.
    memory_store.replace_graph(graph_iri(bundles[0].record.id), bundle_quads(bundles[0]))
    assert graph_version(memory_store).digest == first.digest
    memory_store.replace_graph(graph_iri(bundles[-1].record.id), bundle_quads(bundles[-1]))
    later = graph_version(memory_store)
    assert later.digest != first.digest and later.graphs == first.graphs + 1


@pytest.mark.slow
def test_real_corpus_dossier_cites_only_documents_of_the_corpus(tmp_path: Path) -> None:
    table = shared_data("dfi_pubmed_abstracts", "dfi_pubmed_abstracts.tsv")
    problems = ProblemLog()
    pmids = {d.id for d in read_table(table, problems)}
    assert len(pmids) > 2000
    location = f"oxigraph:{tmp_path / 'dfi'}"
    store = open_store(location)
    try:
        summary = ingest(read_table(table, ProblemLog()), store, ProblemLog(), workers=2)
        assert summary.written == len(pmids)
        # A real candidate: the best-ranked herb for the indication with the most treatment
        # claims in this corpus (neoplasms, MeSH D009369).
        rows = rank_candidates(store, "MESH:D009369", kind=CandidateKind.TCM, top=5)
    finally:
        store.close()
    best = next(r for r in rows if r.evidence)
    out = tmp_path / "real.html"
    done = run_cli(
        "dossier", best.candidate.id, "MESH:D009369", "-o", str(out), "--store", location
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    cited = CITATION.findall(text)
    assert len(cited) == len(best.evidence) > 0
    assert set(cited) <= pmids, set(cited) - pmids
    for source in set(cited):
        number = source.removeprefix("PMID:")
        assert f'href="https://pubmed.ncbi.nlm.nih.gov/{number}/"' in text
    assert not FETCHES.search(text)
