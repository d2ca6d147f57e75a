"""``tcmkg demo`` and ``tcmkg validate`` through the real console script, and the demo's data."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode, RdfFormat, serialize

from ingest.examples.illustrative import (
    LIUWEI_COMPOSITION,
    UNCHECKED_IDS,
    VOCABULARY_SOURCE,
    illustrative_bundles,
    illustrative_entities,
)
from kg import iri
from kg.model import EntityKind, EvidenceItem, RecordKind
from kg.store import open_store
from kg.terms import DESIGN_OF_IRI
from kg.writer import bundle_quads, vocabulary_quads
from tests.conftest import shared_data

TCMKG = Path(sys.executable).with_name("tcmkg")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, wide enough that tables do not wrap.

    Preparation ids keyed on a hospital's pinyin run to 70 characters, so the ranking table
    needs more than 200 columns to show them whole.
    """
    environ = {**os.environ, "COLUMNS": "240", "TCMKG_STORE": "", **(env or {})}
    return subprocess.run(
        [str(TCMKG), *args], capture_output=True, text=True, env=environ, timeout=300
    )


# An embedded store keeps its lock until the object is gone, so these helpers open a store
# only inside their own frame: on return it is freed and the console script can open it.


def store_contents(location: str) -> tuple[int, list[str]]:
    """(quads, named graphs) of a store."""
    with open_store(location) as store:
        return store.count(), store.named_graphs()


def seed_other_data(location: str) -> None:
    """Put a graph the demo did not write into a store."""
    with open_store(location) as store:
        store.load(
            b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
            RdfFormat.N_TRIPLES,
            graph="http://example.org/mine",
        )


PREPARATION = iri.preparation_curie(
    "示例中医医院", "Qi Dan Jiang Tang Keli", "Shili Zhongyi Yiyuan"
)
PREPARATION_EVIDENCE = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
SELECT DISTINCT ?design WHERE {
  ?claim biolink:subject ?prep ; biolink:predicate biolink:treats ; tcm:hasEvidence ?e .
  ?e tcm:studyDesign ?design .
}
"""


def preparation_evidence_designs(location: str) -> set[str]:
    """Local names of the study designs behind the illustrative preparation's treats claims."""
    with open_store(location) as store:
        result = store.select(PREPARATION_EVIDENCE, {"prep": NamedNode(iri.expand(PREPARATION))})
        designs = [row.get("design") for row in result.dicts()]
        return {DESIGN_OF_IRI[d.value].value for d in designs if isinstance(d, NamedNode)}


def table_count(output: str, row: str) -> int:
    match = re.search(rf"│\s*{re.escape(row)}\s*│\s*([\d,]+)\s*│", output)
    assert match, f"no row {row!r} in:\n{output}"
    return int(match.group(1).replace(",", ""))


def expected_counts() -> dict[str, int]:
    bundles = illustrative_bundles()
    claims = {(c.subject, c.predicate, c.object) for b in bundles for c in b.claims}
    evidence = {
        iri.evidence_curie(
            iri.claim_curie(c.subject, c.predicate.value, c.object),
            e.source,
            e.start,
            e.end,
            e.sentence,
        )
        for b in bundles
        for c in b.claims
        for e in c.evidence
    }
    counts = {"claims": len(claims), "evidence items": len(evidence)}
    for kind in EntityKind:
        counts[kind.value] = sum(1 for e in illustrative_entities() if e.kind is kind)
    return counts


def test_demo_builds_validates_and_prints_statistics(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    done = run("demo", "--store", location)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "ILLUSTRATIVE" in out
    assert "valid" in out and "0 violation(s), 0 warning(s)" in out
    # The illustrative graph is all there; the ingested illustrative corpus adds to it.
    for row, n in expected_counts().items():
        assert table_count(out, row) >= n, row
    # One graph per record, plus the ontology and the vocabulary graph.
    assert table_count(out, "named graphs") >= len(illustrative_bundles()) + 2
    assert f"tcmkg validate --store {location}" in out

    quads, graphs = store_contents(location)
    assert table_count(out, "quads") == quads
    assert iri.ONTOLOGY_GRAPH in graphs

    # The illustrative hospital catalogue is imported by default, before the corpus: the
    # bundled abstracts naming one of its preparations give it study evidence beside the
    # catalogue's stated indication, and the preparations are ranked on their own.
    assert table_count(out, "HospitalPreparation") >= 4
    assert "Hospital preparations for 'diabetic nephropathy'" in out
    assert PREPARATION in out
    designs = preparation_evidence_designs(location)
    assert "traditional" in designs  # the catalogue's own indication
    assert designs - {"traditional"}, "no study evidence for the catalogue's preparation"

    again = run("demo", "--store", location)
    assert again.returncode == 0, again.stderr
    assert table_count(again.stdout, "quads") == quads  # fresh each run, not doubled

    checked = run("validate", "--store", location)
    assert checked.returncode == 0, checked.stderr
    assert "valid" in checked.stdout


def test_demo_default_store_lives_in_the_user_data_folder(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    done = run("demo", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tcmkg" / "demo").is_dir()
    assert not (tmp_path / "tcmkg" / "store").exists()  # the user's main store is untouched
    without = run("demo", "--no-preparations", env=env)
    assert without.returncode == 0, without.stderr
    # Without the catalogue its preparations are neither stored nor ranked (the illustrative
    # graph's own preparation may still be, on its herbs' mechanism paths).
    assert PREPARATION in done.stdout
    assert PREPARATION not in without.stdout
    assert table_count(without.stdout, "HospitalPreparation") < table_count(
        done.stdout, "HospitalPreparation"
    )


def test_demo_refuses_a_store_holding_other_data(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    seed_other_data(location)
    refused = run("demo", "--store", location)
    assert refused.returncode == 2
    assert "did not write" in refused.stderr
    assert store_contents(location) == (1, ["http://example.org/mine"])  # left as it was
    forced = run("demo", "--store", location, "--force")
    assert forced.returncode == 0, forced.stderr


def _write_bundle_file(path: Path, quads: list) -> Path:  # type: ignore[type-arg]
    path.write_bytes(serialize(quads, format=RdfFormat.N_QUADS) or b"")
    return path


def test_validate_files_exit_codes(tmp_path: Path) -> None:
    good_quads = [q for b in illustrative_bundles() for q in bundle_quads(b)]
    good_quads += vocabulary_quads(illustrative_entities(), VOCABULARY_SOURCE)
    good = _write_bundle_file(tmp_path / "good.nq", good_quads)
    ok = run("validate", str(good))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "valid" in ok.stdout

    first = illustrative_bundles()[0]
    claim = first.claims[0]
    broken_claim = type(claim)(
        claim.subject,
        claim.predicate,
        claim.object,
        (EvidenceItem(first.record.id, sample_size=-1),),
    )
    broken = type(first)(first.record, first.entities, (broken_claim,))
    bad = _write_bundle_file(tmp_path / "bad.nq", bundle_quads(broken))
    failed = run("validate", str(bad))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "EvidenceItemShape" in failed.stdout
    assert "tcm:sampleSize" in failed.stdout
    assert first.record.id in failed.stdout  # the record to fix or re-ingest

    malformed = tmp_path / "malformed.ttl"
    malformed.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    error = run("validate", str(malformed), str(good))
    assert error.returncode == 2
    assert "malformed.ttl" in error.stderr and "line 2" in error.stderr
    assert "good.nq" in error.stdout  # the readable file was still validated

    missing = run("validate", str(tmp_path / "absent.ttl"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


# -- the bundled illustrative data -------------------------------------------------------------


def test_illustrative_records_are_marked_and_carry_no_real_identifiers() -> None:
    for bundle in illustrative_bundles():
        record = bundle.record
        assert record.illustrative
        assert record.id.startswith(("TCMKG.DOC:", "TCMKG.TABLE:")), record.id
        assert record.doi is None
        assert all(t.startswith("TCMKG.DOC:") for t in record.trial_ids)
        for claim in bundle.claims:
            for item in claim.evidence:
                assert item.source == record.id
                assert all(t.startswith("TCMKG.DOC:") for t in item.trial_ids)
                if item.sentence is not None:
                    assert bundle.text is not None
                    assert bundle.text[item.start : item.end] == item.sentence
        if bundle.text is not None:
            assert "Illustrative" in bundle.text
    kinds = {b.record.kind for b in illustrative_bundles()}
    assert RecordKind.DOCUMENT in kinds


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.slow
def test_illustrative_identifiers_match_the_reference_tables() -> None:
    symmap = shared_data("symmap_v2")
    diseases = _tsv(symmap / "symmap_v2_SMDE.tsv")
    mesh = {r["MeSH_id"]: r for r in diseases}
    umls = {r["UMLS_id"] for r in diseases}
    pubchem = {
        cid for r in _tsv(symmap / "symmap_v2_SMIT.tsv") for cid in r["PubChem_CID"].split("|")
    }
    genes = {r["NCBI_id"]: r["Gene_symbol"] for r in _tsv(symmap / "symmap_v2_SMTT.tsv")}
    herbs = _tsv(symmap / "symmap_v2_SMHB.tsv")
    cdr = shared_data("bc5cdr_train_dev", "CDR_TrainingSet.PubTator.txt").read_text("utf-8")
    chemicals = set(re.findall(r"\tChemical\t(D\d+)", cdr))

    identifiers = {e.id for e in illustrative_entities()}
    identifiers |= {x for e in illustrative_entities() for x in (*e.xrefs, *e.broader)}
    checked = set()
    for curie in sorted(identifiers - UNCHECKED_IDS):
        prefix, local = iri.split_curie(curie)
        if prefix == "MESH":
            assert local in mesh or local in chemicals, curie
        elif prefix == "PUBCHEM.COMPOUND":
            assert local in pubchem, curie
        elif prefix == "NCBIGene":
            entity = next(e for e in illustrative_entities() if e.id == curie)
            assert genes.get(local) == entity.label, curie
        elif prefix == "UMLS":
            assert local in umls, curie
        else:
            assert prefix.startswith("TCMKG."), f"{curie} is neither checked nor marked unchecked"
            continue
        checked.add(curie)
    assert len(checked) >= 8

    # Herbs: Chinese name, pinyin and pharmaceutical Latin agree with SymMap.
    for entity in illustrative_entities():
        if entity.kind is not EntityKind.HERB:
            continue
        zh = next(lab.text for lab in entity.labels if lab.lang == "zh")
        row = next(r for r in herbs if r["Chinese_name"] == zh)
        latin = {name.strip() for name in row["Latin_name"].split(",")}
        assert entity.label in latin, entity.label
        pinyin = {lab.text for lab in entity.labels if lab.lang == "zh-Latn-pinyin"}
        assert row["Pinyin_name"] in pinyin

    # The classical composition of Liu Wei Di Huang Wan, doses included.
    table = _tsv(shared_data("tcmnp_tcmsp", "formula_composition.tsv"))
    doses = {r["herb_cn"]: r["dose"] for r in table if r["formula_cn"] == "六味地黄丸"}
    ours = {
        next(lab.text for lab in herb.labels if lab.lang == "zh"): dose.replace(" g", "克")
        for herb, dose in LIUWEI_COMPOSITION
    }
    assert ours == doses


# -- the mechanistic axis of the demo -----------------------------------------------------------

ASTRAGALUS = iri.herb_curie("Astragali Radix")
DIABETIC_NEPHROPATHY = "MESH:D003928"
ACTS_ON = {"inhibits", "activates", "binds"}


def explain_json(location: str, candidate: str) -> dict[str, Any]:
    """``tcmkg explain CANDIDATE "diabetic nephropathy" --format json`` on a store."""
    done = run(
        "explain", candidate, "diabetic nephropathy", "--store", location, "--format", "json"
    )
    assert done.returncode == 0, done.stderr
    explanation: dict[str, Any] = json.loads(done.stdout)
    return explanation


def test_demo_ranks_astragalus_and_its_formulas_on_mechanism_paths(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    done = run("demo", "--store", location)
    assert done.returncode == 0, done.stderr
    ranked = run("rank", "diabetic nephropathy", "--store", location, "--format", "json")
    assert ranked.returncode == 0, ranked.stderr
    rows = {row["candidate"]["id"]: row for row in json.loads(ranked.stdout)}

    # The illustrative animal and cell abstracts link astragaloside IV, a constituent of
    # Astragalus root, to targets associated with diabetic nephropathy.
    assert rows[ASTRAGALUS]["mechanistic"] > 0
    herb = explain_json(location, "Astragali Radix")
    assert herb["score"]["mechanistic"] > 0
    assert herb["paths"], "no mechanism path for Astragalus root"
    for path in herb["paths"]:
        nodes = [node["id"] for node in path["nodes"]]
        assert nodes[0] == ASTRAGALUS and nodes[-1] == DIABETIC_NEPHROPATHY, nodes
        assert ACTS_ON & set(path["predicates"]), path["predicates"]
        assert path["predicates"][-1] == "associated_with", path["predicates"]
        assert path["weight"] > 0
    # A compound reported *not* to inhibit its target gives no path (a null finding).
    calycosin = "PUBCHEM.COMPOUND:5280448"
    assert all(calycosin not in [n["id"] for n in p["nodes"]] for p in herb["paths"])

    # A formula holding Astragalus root inherits a share of its mechanistic support.
    formulas = [
        row
        for row in rows.values()
        if row["candidate"]["kind"] == "Formula" and row["mechanistic"] > 0
    ]
    assert formulas, "no formula with a mechanistic axis"
    through_astragalus = []
    for row in formulas:
        paths = explain_json(location, row["candidate"]["id"])["paths"]
        if any(path["nodes"][1]["id"] == ASTRAGALUS for path in paths):
            through_astragalus.append(row)
    assert through_astragalus, [row["candidate"]["label"] for row in formulas]
