"""`tcmkg rank` and `tcmkg explain` through the real console script on an on-disk store."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.model import Direction, EntityKind, Label, Predicate, StudyDesign
from kg.store import open_store
from tests.queries.conftest import GraphBuilder
from tests.queries.test_rank import T2, diseases, mechanism_graph

TCMKG = Path(sys.executable).parent / "tcmkg"


@pytest.fixture(scope="module")
def store_location(tmp_path_factory: pytest.TempPathFactory) -> str:
    location = f"oxigraph:{tmp_path_factory.mktemp('rank') / 'store'}"
    store = open_store(location)
    g = GraphBuilder(store)
    diseases(g)
    specific, hubby, _ = mechanism_graph(g, hub_degree=10)
    g.claim("TCMKG.DOC:rct", specific, Predicate.TREATS, T2, n=250, trials=("NCT:NCT00000001",))
    g.claim(
        "TCMKG.DOC:tox",
        hubby,
        Predicate.CAUSES,
        "MESH:D003928",
        design=StudyDesign.CASE_REPORT,
        direction=Direction.HARM,
    )
    g.write()
    store.close()
    return location


def run(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    # A user's own scoring file must not change the figures these tests check.
    env = {k: v for k, v in os.environ.items() if k != "TCMKG_SCORING_CONFIG"}
    if config is not None:
        env["TCMKG_SCORING_CONFIG"] = str(config)
    return subprocess.run(
        [str(TCMKG), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_rank_json_rows_carry_the_documented_fields(store_location: str) -> None:
    done = run("rank", "Diabetes mellitus", "--format", "json", "--store", store_location)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["candidate"]["id"] for r in rows] == ["TCMKG.HERB:specific", "TCMKG.HERB:hubby"]
    for row in rows:
        assert {
            "candidate",
            "clinical",
            "mechanistic",
            "score",
            "certainty",
            "supporting",
            "contradicting",
            "safety",
        } <= set(row)
        assert set(row["candidate"]) == {"id", "label", "kind"}
    assert rows[0]["candidate"]["kind"] == "Herb" and rows[0]["supporting"] == 1
    assert rows[1]["safety"][0]["kind"] == "toxicity"
    assert rows[0]["top_evidence"][0]["trials"] == ["NCT:NCT00000001"]


def test_rank_kind_csv_and_certainty_filter(store_location: str) -> None:
    done = run("rank", "糖尿病", "--kind", "compound", "--format", "csv", "--store", store_location)
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert table and {r["kind"] for r in table} == {"Compound"}
    assert table[0]["label"] == "compound one"
    strict = run(
        "rank", T2, "--min-certainty", "high", "--format", "json", "--store", store_location
    )
    assert strict.returncode == 0 and json.loads(strict.stdout) == []


def test_explain_json(store_location: str) -> None:
    done = run(
        "explain",
        "Specific herb",
        "diabetes mellitus",
        "--format",
        "json",
        "--store",
        store_location,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["candidate"]["id"] == "TCMKG.HERB:specific"
    assert data["indication"]["query"] == "diabetes mellitus"
    (item,) = data["evidence"]
    assert (
        item["source"],
        item["year"],
        item["design"],
        item["sample_size"],
        item["direction"],
    ) == ("TCMKG.DOC:rct", 2020, "rct", 250, "benefit")
    assert item["sentence"]
    assert data["paths"][0]["nodes"][0]["id"] == "TCMKG.HERB:specific"
    table = run("explain", "TCMKG.HERB:specific", "diabetes mellitus", "--store", store_location)
    assert table.returncode == 0 and "Mechanism paths" in table.stdout


def test_bad_input_gives_exit_code_2_and_the_reason(store_location: str, tmp_path: Path) -> None:
    unknown = run("rank", "no such disease", "--store", store_location)
    assert unknown.returncode == 2 and "no indication named 'no such disease'" in unknown.stderr
    bad_grade = run("rank", T2, "--min-certainty", "great", "--store", store_location)
    assert bad_grade.returncode == 2 and "unknown certainty" in bad_grade.stderr
    config = tmp_path / "scoring.toml"
    config.write_text("[design_prior]\nrtc = 0.5\n", encoding="utf-8")
    bad_config = run("rank", T2, "--config", str(config), "--store", store_location)
    assert bad_config.returncode == 2 and "rtc" in bad_config.stderr
    missing = run("explain", "nobody", T2, "--store", store_location)
    assert missing.returncode == 2 and "no herb" in missing.stderr


def test_scoring_config_from_the_environment(store_location: str, tmp_path: Path) -> None:
    config = tmp_path / "clinical-only.toml"
    config.write_text("clinical_weight = 1.0\nmechanistic_weight = 0.0\n", encoding="utf-8")
    done = run("rank", T2, "--format", "json", "--store", store_location, config=config)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and all(r["score"] == r["clinical"] for r in rows if not r["safety"])
    assert rows[0]["candidate"]["id"] == "TCMKG.HERB:specific" and not rows[0]["safety"]


def test_explain_says_which_other_kinds_share_the_name(tmp_path: Path) -> None:
    # "licorice" names the herb and, in some tables, a compound: the herb is explained and
    # the compound is named, as the API's also_named does.
    herb, compound = "TCMKG.HERB:glycyrrhizae-radix-et-rhizoma", "PUBCHEM.COMPOUND:99000001"
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    g = GraphBuilder(store)
    diseases(g)
    g.entity(herb, EntityKind.HERB, "Glycyrrhizae Radix et Rhizoma", labels=(Label("licorice"),))
    g.entity(compound, EntityKind.COMPOUND, "licorice", labels=())
    g.claim("TCMKG.DOC:lic", herb, Predicate.TREATS, T2, n=80)
    g.write()
    store.close()
    table = run("explain", "licorice", "diabetes mellitus", "--store", location)
    assert table.returncode == 0, table.stderr
    assert f"also named 'licorice': licorice (Compound, {compound})" in table.stdout
    done = run("explain", "licorice", "diabetes mellitus", "--format", "json", "--store", location)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["candidate"]["id"] == herb
    assert [c["id"] for c in data["also_named"]] == [compound]
