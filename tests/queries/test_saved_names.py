"""The table of indication names an on-disk store keeps between processes.

Each ``tcmkg rank`` is a new process that resolves its indication by name, which reads every
disease label of the store: seconds once SymMap is imported. The table is saved in the store's
cache folder for the store's state, read by the next process, retired by any write, and a
damaged file only costs a rebuild. Real on-disk Oxigraph stores throughout; a new process is
played by forgetting the tables held in memory.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.iri import graph_iri, vocabulary_graph
from kg.model import Entity, EntityKind, Label, RecordBundle, RecordKind, SourceRecord
from kg.store import open_store
from kg.writer import bundle_quads, vocabulary_quads
from queries import names
from queries.indications import resolve_indication
from tests.queries.conftest import GraphBuilder

DM = "MESH:D003920"
T2 = "MESH:D003924"
GOUT = "MESH:D006073"


def _saved(path: Path) -> list[Path]:
    return sorted((path / "tcmkg" / "cache").glob("names-indication_names-*.json.gz"))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """An on-disk store with two diabetes terms, one named in Chinese."""
    location = tmp_path / "store"
    with open_store(f"oxigraph:{location}") as store:
        g = GraphBuilder(store)
        g.entity(DM, EntityKind.DISEASE, "Diabetes mellitus", labels=(Label("糖尿病", "zh"),))
        g.entity(T2, EntityKind.DISEASE, "Diabetes Mellitus, Type 2", broader=(DM,))
        g.write()
    return location


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each reading of every label from the store (the cost the saved table spares)."""
    calls: list[str] = []
    read = names._read

    def counted(store, query, entity):  # type: ignore[no-untyped-def]
        calls.append(query)
        return read(store, query, entity)

    monkeypatch.setattr(names, "_read", counted)
    yield calls


def _new_process() -> None:
    names._TABLES.clear()


def test_a_new_process_reads_the_saved_table(path: Path, reads: list[str]) -> None:
    location = f"oxigraph:{path}"
    with open_store(location, must_exist=True) as store:
        assert set(resolve_indication(store, "糖尿病").terms) == {DM, T2}
    assert reads == ["indication_names"]
    assert len(_saved(path)) == 1
    _new_process()
    with open_store(location, must_exist=True) as store:
        assert set(resolve_indication(store, "糖尿病").terms) == {DM, T2}
        assert set(resolve_indication(store, "Diabetes Mellitus, type 2").terms) == {T2}
        # Suggestions come from the saved table as well.
        with pytest.raises(LookupError, match="Diabetes mellitus"):
            resolve_indication(store, "diabetis melitus")
    assert reads == ["indication_names"], "the unchanged store's saved table was read"


def test_a_write_brings_the_saved_table_forward(path: Path, reads: list[str]) -> None:
    location = f"oxigraph:{path}"
    with open_store(location, must_exist=True) as store, pytest.raises(LookupError):
        resolve_indication(store, "gout")
    before = _saved(path)
    # Another process writes a disease without ranking anything.
    _new_process()
    with open_store(location, must_exist=True) as store:
        gout = Entity(GOUT, EntityKind.DISEASE, "Gout", labels=(Label("痛风", "zh"),))
        store.replace_graph(vocabulary_graph("added"), list(vocabulary_quads((gout,), "added")))
    _new_process()
    with open_store(location, must_exist=True) as store:
        assert resolve_indication(store, "痛风").terms == (GOUT,)
        assert set(resolve_indication(store, "糖尿病").terms) == {DM, T2}
    assert reads == ["indication_names"], "the saved table was brought forward, not reread"
    after = _saved(path)
    assert len(after) == 1 and after != before, "the earlier state's table is replaced"


def test_an_entity_no_graph_names_any_more_is_not_found(path: Path, reads: list[str]) -> None:
    location = f"oxigraph:{path}"
    record = graph_iri("TCMKG.DOC:gout-paper")
    gout = Entity(GOUT, EntityKind.DISEASE, "Gout", labels=(Label("痛风", "zh"),))
    with open_store(location, must_exist=True) as store:
        store.replace_graph(
            record,
            bundle_quads(
                RecordBundle(
                    SourceRecord("TCMKG.DOC:gout-paper", RecordKind.PUBLICATION), (gout,), ()
                )
            ),
        )
        assert resolve_indication(store, "gout").terms == (GOUT,)
    _new_process()
    # The record is withdrawn by another process: gout is named nowhere any more.
    with open_store(location, must_exist=True) as store:
        store.drop_graph(record)
    _new_process()
    with open_store(location, must_exist=True) as store:
        with pytest.raises(LookupError, match="no indication named"):
            resolve_indication(store, "gout")
        assert set(resolve_indication(store, "糖尿病").terms) == {DM, T2}
    assert reads == ["indication_names"], "brought forward over the dropped graph"


def test_a_table_is_read_whole_again_after_many_writes(
    path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(names, "MAX_FORWARD_GRAPHS", 1)
    location = f"oxigraph:{path}"
    with open_store(location, must_exist=True) as store:
        resolve_indication(store, "糖尿病")
        for n in range(2):
            record = graph_iri(f"TCMKG.DOC:paper-{n}")
            store.replace_graph(
                record,
                bundle_quads(
                    RecordBundle(
                        SourceRecord(f"TCMKG.DOC:paper-{n}", RecordKind.PUBLICATION), (), ()
                    )
                ),
            )
        assert set(resolve_indication(store, "糖尿病").terms) == {DM, T2}
    assert len(reads) == 2


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[: len(raw) // 2], id="cut short"),
        pytest.param(lambda raw: b"not gzip at all", id="not gzip"),
        pytest.param(
            lambda raw: gzip.compress(
                json.dumps(
                    {
                        **json.loads(gzip.decompress(raw)),
                        "iris": {"keys": ["x"], "counts": [1], "entities": [10**6]},
                    }
                ).encode()
            ),
            id="entity number out of range",
        ),
        pytest.param(
            lambda raw: gzip.compress(
                json.dumps({**json.loads(gzip.decompress(raw)), "version": 99}).encode()
            ),
            id="another layout version",
        ),
    ],
)
def test_a_damaged_saved_table_is_rebuilt_and_named(
    path: Path, reads: list[str], caplog: pytest.LogCaptureFixture, damage
) -> None:  # type: ignore[no-untyped-def]
    location = f"oxigraph:{path}"
    with open_store(location, must_exist=True) as store:
        resolve_indication(store, "diabetes mellitus")
    (file,) = _saved(path)
    file.write_bytes(damage(file.read_bytes()))
    _new_process()
    with caplog.at_level(logging.WARNING), open_store(location, must_exist=True) as store:
        assert set(resolve_indication(store, "糖尿病").terms) == {DM, T2}
    assert len(reads) == 2, "rebuilt from the store"
    assert any(file.name in r.getMessage() for r in caplog.records), "the file is named"
    _new_process()
    with open_store(location, must_exist=True) as store:
        resolve_indication(store, "糖尿病")
    assert len(reads) == 2, "the rebuilt table was saved whole again"
