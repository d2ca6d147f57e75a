"""The search index an on-disk store keeps between runs, and when it must let it go.

``GET /search`` answers from an index of every name in the store (``api/label_index.py``).
Built once per store state, it is saved in the store's cache folder, so a server started again
on an unchanged store answers its first search without reading every label; any write retires
it, and a damaged saved index only costs a rebuild. The illustrative graph of the API tests is
the data.
"""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest

from api.label_index import LabelIndex
from api.models import SearchOut
from kg.iri import herb_curie
from kg.model import Entity, EntityKind, Label
from kg.store import GraphStore, open_store
from kg.writer import vocabulary_quads
from tests.api.support import ASTRAGALUS, fill

# Exact names in characters, pinyin and Latin (either word order), a shared name, a prefix,
# pinyin with tone marks, and a misspelling answered with suggestions.
QUERIES = (
    "黄芪",
    "huang qi",
    "Radix Astragali",
    "fangji",
    "guang fang",
    "Huáng-qí",
    "Astragalis Radx",
)
NEW_HERB = herb_curie("Illustrative Novaherba Radix")


def _results(index: LabelIndex) -> list[SearchOut]:
    return [index.search(q, generation=0) for q in QUERIES]


def _saved(store_path: Path) -> list[Path]:
    return sorted((store_path / "tcmkg" / "cache").glob("labels-*.json.gz"))


class _CountingIndex(LabelIndex):
    """A search index that counts how often it reads every label from the store."""

    def __init__(self, store: GraphStore) -> None:
        super().__init__(store)
        self.builds = 0

    def _build(self) -> None:
        self.builds += 1
        super()._build()


def _add_herb(store: GraphStore) -> None:
    """Write a herb whose names nothing else carries (a record of its own)."""
    herb = Entity(
        NEW_HERB,
        EntityKind.HERB,
        "Illustrative Novaherba Radix",
        labels=(Label("novaherba", "zh-Latn-pinyin", True),),
    )
    quads = list(vocabulary_quads((herb,), "api-tests-added"))
    store.replace_graph(quads[0].graph_name.value, quads)  # type: ignore[union-attr]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """An on-disk store holding the illustrative graph (closed again)."""
    path = tmp_path / "store"
    with open_store(f"oxigraph:{path}") as store:
        fill(store)
    return path


def test_a_restarted_server_reads_the_saved_index(store_path: Path) -> None:
    location = f"oxigraph:{store_path}"
    with open_store(location, must_exist=True) as store:
        first = _CountingIndex(store)
        built = _results(first)
        assert first.builds == 1
    assert len(_saved(store_path)) == 1, "the first search saves the index"
    assert [h.id for h in built[0].hits] == [ASTRAGALUS]

    with open_store(location, must_exist=True) as store:
        again = _CountingIndex(store)
        read = _results(again)
        assert again.builds == 0, "an unchanged store's saved index is read, not rebuilt"
        # The resolver's index of the same names comes back as it was built (the pinyin of
        # names in characters, the names shown for suggestions).
        assert again._index == first._index
    assert read == built
    assert read[-1].suggestions, "near names are still suggested"


def test_a_write_is_found_by_the_next_search(store_path: Path) -> None:
    location = f"oxigraph:{store_path}"
    with open_store(location, must_exist=True) as store:
        index = _CountingIndex(store)
        assert index.search("novaherba", generation=0).hits == []
        before = _saved(store_path)
        # Written beside the API (its write count, ``generation``, stays the same): the
        # store's state changed, so the next search rebuilds.
        _add_herb(store)
        hits = index.search("novaherba", generation=0).hits
        assert [h.id for h in hits] == [NEW_HERB]
        assert index.builds == 2
    after = _saved(store_path)
    assert len(after) == 1 and after != before, "the earlier state's index is replaced"
    with open_store(location, must_exist=True) as store:
        restarted = _CountingIndex(store)
        assert [h.id for h in restarted.search("novaherba", generation=0).hits] == [NEW_HERB]
        assert restarted.builds == 0


def test_a_write_by_another_opening_retires_the_saved_index(store_path: Path) -> None:
    location = f"oxigraph:{store_path}"
    with open_store(location, must_exist=True) as store:
        assert LabelIndex(store).search("novaherba", generation=0).hits == []
    # Another process opens the store and writes to it, without ever searching.
    with open_store(location, must_exist=True) as store:
        _add_herb(store)
    with open_store(location, must_exist=True) as store:
        index = _CountingIndex(store)
        assert [h.id for h in index.search("novaherba", generation=0).hits] == [NEW_HERB]
        assert index.builds == 1, "the index saved before the write is not taken"


def _foreign(state_of: Path) -> bytes:
    """The saved index with a name pointing at no entity (well-formed gzip'd JSON)."""
    data = json.loads(gzip.decompress(state_of.read_bytes()))
    data["names"]["entities"] = [len(data["entities"]) + 5]  # a number of no entity
    return gzip.compress(json.dumps(data).encode())


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda f: f.read_bytes()[: f.stat().st_size // 2], "unreadable"),
        (lambda f: b"\x00\xff not gzip", "unreadable"),
        (lambda f: gzip.compress(b'{"names": [1, 2'), "unreadable"),
        (lambda f: gzip.compress(b'{"format": "something else"}'), "not a saved search index"),
        (_foreign, "names"),
    ],
    ids=["truncated", "not-gzip", "truncated-json", "foreign", "wrong-entity-number"],
)
def test_a_damaged_saved_index_only_costs_a_rebuild(
    store_path: Path, damage: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    location = f"oxigraph:{store_path}"
    with open_store(location, must_exist=True) as store:
        built = _results(LabelIndex(store))
    (file,) = _saved(store_path)
    file.write_bytes(damage(file))  # type: ignore[operator]
    with open_store(location, must_exist=True) as store, caplog.at_level(logging.WARNING):
        index = _CountingIndex(store)
        assert _results(index) == built
        assert index.builds == 1
    warning = next(r for r in caplog.records if r.levelno == logging.WARNING)
    assert str(file) in warning.getMessage() and reason in warning.getMessage()
    # The rebuild saved a sound index again.
    with open_store(location, must_exist=True) as store:
        again = _CountingIndex(store)
        assert _results(again) == built
        assert again.builds == 0


def test_an_index_saved_for_another_state_is_not_taken(
    store_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    location = f"oxigraph:{store_path}"
    with open_store(location, must_exist=True) as store:
        LabelIndex(store).search("huang qi", generation=0)
    (file,) = _saved(store_path)
    data = json.loads(gzip.decompress(file.read_bytes()))
    data["state"] = "another"
    file.write_bytes(gzip.compress(json.dumps(data).encode()))
    with open_store(location, must_exist=True) as store, caplog.at_level(logging.WARNING):
        index = _CountingIndex(store)
        assert [h.id for h in index.search("huang qi", generation=0).hits] == [ASTRAGALUS]
        assert index.builds == 1
    assert "saved for another state" in caplog.text


def test_a_memory_store_keeps_its_index_in_memory_only() -> None:
    with open_store("memory:") as store:
        fill(store)
        assert store.cache_folder() is None
        index = _CountingIndex(store)
        assert [h.id for h in index.search("huang qi", generation=0).hits] == [ASTRAGALUS]
        assert index.search("novaherba", generation=0).hits == []
        assert index.builds == 1
        _add_herb(store)
        # As before: the API's write count tells a memory store's index to rebuild.
        assert [h.id for h in index.search("novaherba", generation=1).hits] == [NEW_HERB]
        assert index.builds == 2
