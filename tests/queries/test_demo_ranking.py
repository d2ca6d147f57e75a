"""`tcmkg demo` ingests the bundled illustrative corpus, ranks, explains and says what next."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ingest

TCMKG = Path(sys.executable).with_name("tcmkg")
CORPUS = Path(ingest.__file__).resolve().parent / "examples" / "illustrative_corpus.tsv"


def test_bundled_corpus_is_marked_illustrative_and_carries_no_real_ids() -> None:
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert 15 <= len(rows) <= 40  # a small corpus: the demo runs in seconds
    for row in rows:
        assert row["id"].startswith("illustrative-") and not row["id"].isdigit()
        assert row["title"].startswith("[Illustrative, not a real study]")
        assert "not a real study" in row["abstract"]
        assert "NCT" not in row["abstract"] and "PMID" not in row["abstract"]


@pytest.mark.slow
def test_demo_prints_ranking_explanation_and_next_steps(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    env = {**os.environ, "COLUMNS": "200", "TCMKG_STORE": ""}
    done = subprocess.run(
        [str(TCMKG), "demo", "--store", location],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Candidates for 'diabetic nephropathy'" in out
    assert "TCMKG.HERB:astragali-radix" in out  # the corpus' most studied herb is ranked
    assert "comes first" in out and "Evidence (strongest first)" in out
    assert "TCMKG.DOC:illustrative-" in out  # explanations cite the bundled documents
    assert f"tcmkg serve --store {location}" in out
    rank = subprocess.run(
        [str(TCMKG), "rank", "diabetes mellitus", "--store", location, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert rank.returncode == 0, rank.stderr
    assert '"TCMKG.FORMULA:liu-wei-di-huang-wan"' in rank.stdout  # narrower term counted
