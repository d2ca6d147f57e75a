"""A store filled only by ``tcmkg load`` of a dump without the vocabulary graph finds names.

The dump is one illustrative record written by the project's writer: Astragali Radix treats
"Diabetes Mellitus, Type 2", the only name of that disease in the file. After ``tcmkg load``
the store must find "diabetes" and 糖尿病 (names of Diabetes Mellitus that only the shipped
vocabulary holds) and widen Diabetes Mellitus to its type 2 subtype (a hierarchy only the
vocabulary holds), so the loaded trial ranks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, serialize
from typer.testing import CliRunner

from ingest.examples.illustrative import HUANGQI
from ingest.vocabulary.store_seed import SEED_GRAPH, held_seed_version, seed_version
from kg.model import (
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    Label,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import open_store
from kg.writer import bundle_quads
from tcmkg.cli import app

runner = CliRunner()
T2 = "MESH:D003924"


def _dump(path: Path) -> Path:
    """An N-Quads file of one illustrative trial; it holds no vocabulary graph."""
    record = SourceRecord(
        id="TCMKG.DOC:illustrative-load-names",
        kind=RecordKind.DOCUMENT,
        title="Illustrative trial written for the tcmkg load name tests",
        year=2023,
        illustrative=True,
    )
    disease = Entity(
        T2,
        EntityKind.DISEASE,
        "Diabetes Mellitus, Type 2",
        (Label("Diabetes Mellitus, Type 2", "en", True),),
    )
    item = EvidenceItem(
        source=record.id,
        design=StudyDesign.RCT,
        direction=Direction.BENEFIT,
        sample_size=120,
        species="human",
        year=2023,
        method="manual",
    )
    claim = Claim(HUANGQI.id, Predicate.TREATS, T2, (item,))
    bundle = RecordBundle(record, (HUANGQI, disease), (claim,))
    data = serialize(bundle_quads(bundle), format=RdfFormat.N_QUADS)
    assert data is not None
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("load-names")
    dump = _dump(root / "dump.nq")
    text = dump.read_text(encoding="utf-8")
    assert SEED_GRAPH not in text and "糖尿病" not in text and '"diabetes"' not in text.lower()
    location = f"oxigraph:{root / 'store'}"
    result = runner.invoke(app, ["load", str(dump), "--store", location])
    assert result.exit_code == 0, result.output
    assert "shipped vocabulary" in result.output
    return location


@pytest.mark.parametrize("typed", ["diabetes", "糖尿病", "type 2 diabetes", "T2DM"])
def test_a_loaded_store_finds_the_vocabulary_names(loaded: str, typed: str) -> None:
    result = runner.invoke(app, ["rank", typed, "--format", "json", "--store", loaded])
    assert result.exit_code == 0, result.output
    assert [r["candidate"]["id"] for r in json.loads(result.output)] == [HUANGQI.id]


def test_load_writes_the_vocabulary_once_per_version(loaded: str, tmp_path: Path) -> None:
    with open_store(loaded) as store:
        assert held_seed_version(store) == seed_version()
    # Loading again: the vocabulary of this version is there already and is not rewritten.
    again = runner.invoke(app, ["load", str(_dump(tmp_path / "again.nq")), "--store", loaded])
    assert again.exit_code == 0, again.output
    assert "shipped vocabulary" not in again.output


def test_no_vocabulary_loads_only_the_files(tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'raw'}"
    dump = _dump(tmp_path / "raw.nq")
    result = runner.invoke(app, ["load", str(dump), "--no-vocabulary", "--store", location])
    assert result.exit_code == 0, result.output
    with open_store(location) as store:
        assert held_seed_version(store) is None
    missed = runner.invoke(app, ["rank", "糖尿病", "--store", location])
    assert missed.exit_code == 2 and "no indication named" in missed.output
