"""The file an on-disk store keeps its ranking projection in, and what a new process trusts.

The projection is saved as numpy arrays in one ``.npz`` archive (``STORE/tcmkg/cache/
layer-<key>.npz``; strings in a table in its JSON header, every other array numeric) and read
without unpickling anything. These tests check, on a real on-disk store, that what is read
back is the projection that was saved, exactly; and that a file cut short, with an array of
the wrong type or shape, an index out of range, saved for another state or version, or not
written by tcmkg at all is ignored with a warning that names it and says why, and the
projection is rebuilt: the ranking is the same as ever.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kg.model import Direction, EntityKind, Predicate, StudyDesign
from kg.store import GraphStore, open_store
from queries import mechanism
from queries.mechanism import MechanismLayer, build_layer
from queries.rank import rank_candidates
from tests.queries.conftest import CONFIG, GraphBuilder
from tests.queries.test_rank import DM, DN, T2, mechanism_graph

Arrays = dict[str, npt.NDArray[np.generic]]
Ranking = list[tuple[str, float, float]]


def _build(store: GraphStore) -> None:
    """Clinical, mechanistic and harm evidence, a formula and a cycle (an edge left out)."""
    g = GraphBuilder(store)
    herb, _, _ = mechanism_graph(g, hub_degree=6)
    g.claim("TCMKG.DOC:rct", herb, Predicate.TREATS, DN, n=200, year=2021)
    g.claim("TCMKG.DOC:null", herb, Predicate.TREATS, T2, direction=Direction.NULL, n=80)
    g.claim(
        "TCMKG.DOC:tox",
        herb,
        Predicate.CAUSES,
        DN,
        design=StudyDesign.CASE_REPORT,
        direction=Direction.HARM,
    )
    # A target said to act back on the compound that acts on it: a cycle the build breaks.
    g.claim(
        "TCMKG.DOC:cycle",
        "NCBIGene:100",
        Predicate.ACTIVATES,
        "PUBCHEM.COMPOUND:1",
        design=StudyDesign.IN_VITRO,
    )
    formula = g.entity("TCMKG.FORMULA:two", EntityKind.FORMULA, "Formula of two herbs")
    g.claim("TCMKG.TABLE:formula", formula, Predicate.HAS_PART, herb, design=StudyDesign.DATABASE)
    g.write()


def _ranking(store: GraphStore) -> Ranking:
    return [
        (r.candidate.id, r.score, r.mechanistic) for r in rank_candidates(store, DM, config=CONFIG)
    ]


def _saved_store(tmp_path: Path) -> tuple[str, Path, Ranking]:
    """A store ranked once and closed: its location, the saved projection and the ranking."""
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    _build(store)
    built = _ranking(store)
    store.close()
    mechanism._CACHE.clear()  # what a new process starts with: nothing in memory
    (file,) = (tmp_path / "store" / "tcmkg" / "cache").glob("layer-*.npz")
    return location, file, built


def _arrays(file: Path) -> Arrays:
    with np.load(file, allow_pickle=False) as saved:
        return {name: saved[name] for name in saved.files}


def _save(file: Path, arrays: Arrays) -> None:
    with file.open("wb") as out:
        np.savez(out, **arrays)  # type: ignore[arg-type]


def _header(arrays: Arrays) -> dict[str, object]:
    header: dict[str, object] = json.loads(arrays["header"].tobytes().decode("utf-8"))
    return header


def _with_header(arrays: Arrays, **changes: object) -> Arrays:
    text = json.dumps({**_header(arrays), **changes}).encode("utf-8")
    return {**arrays, "header": np.frombuffer(text, dtype=np.uint8)}


def _same_layer(read: MechanismLayer, built: MechanismLayer) -> None:
    assert list(read.adj.items()) == list(built.adj.items()), "same edges, in the same order"
    assert read.hub == built.hub and read.entities == built.entities
    assert read.harms == built.harms and read.shares == built.shares
    assert read.dropped == built.dropped
    a, b = read.arrays, built.arrays
    assert a.names == b.names and a.index == b.index
    for x, y in ((a.src, b.src), (a.dst, b.dst), (a.weight, b.weight), (a.hub, b.hub)):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    assert [(s, e) for s, e, _ in a.levels] == [(s, e) for s, e, _ in b.levels]
    for (_, _, x), (_, _, y) in zip(a.levels, b.levels, strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def test_the_saved_file_holds_exactly_the_projection(tmp_path: Path) -> None:
    location, file, _ = _saved_store(tmp_path)
    store = open_store(location, must_exist=True, read_only=True)
    try:
        fresh = build_layer(store, CONFIG)
        read = mechanism._read_layer(file, store.state_token(), CONFIG)
    finally:
        store.close()
    assert read is not None
    assert fresh.dropped and fresh.harms, "the graph has a cycle and a harm claim"
    assert any(p == "has_part" for out in fresh.adj.values() for _, p in out.values())
    _same_layer(read, fresh)
    assert not list(file.parent.glob("*.tmp")), "written to a temporary file, renamed"


def _truncated(file: Path) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])


def _changed(change: Callable[[Arrays], Arrays]) -> Callable[[Path], None]:
    def damage(file: Path) -> None:
        _save(file, change(_arrays(file)))

    return damage


def _set(name: str, position: int, value: float) -> Callable[[Path], None]:
    def change(arrays: Arrays) -> Arrays:
        changed = arrays[name].copy()
        changed.flat[position] = value
        return {**arrays, name: changed}

    return _changed(change)


def _foreign_json(file: Path) -> None:
    file.write_text(json.dumps({"format": 2, "adj": {}}), encoding="utf-8")


def _one_array(file: Path) -> None:
    with file.open("wb") as out:
        np.save(out, np.arange(10))


def _unknown_predicate(arrays: Arrays) -> Arrays:
    strings = list(_header(arrays)["strings"])  # type: ignore[call-overload]
    harm_p = arrays["harm_p"].copy()
    harm_p[0] = len(strings)
    return {**_with_header(arrays, strings=[*strings, "heals"]), "harm_p": harm_p}


DAMAGE: list[tuple[str, Callable[[Path], None], str]] = [
    ("cut short", _truncated, "not a zip file"),
    ("empty", lambda f: f.write_bytes(b""), "empty or cut short"),
    ("JSON under the name", _foreign_json, "pickled"),
    ("a single numpy array", _one_array, "not an archive of arrays"),
    (
        "an array missing",
        _changed(lambda a: {k: v for k, v in a.items() if k != "harm_f"}),
        "no array 'harm_f'",
    ),
    (
        "node numbers as floats",
        _changed(lambda a: {**a, "src": a["src"].astype(np.float64)}),
        "array 'src' is float64, not int32",
    ),
    (
        "claims flattened",
        _changed(lambda a: {**a, "share_claims": a["share_claims"].reshape(-1)}),
        "array 'share_claims' has shape",
    ),
    (
        "an edge weight missing",
        _changed(lambda a: {**a, "weight": a["weight"][:-1]}),
        "edges: bad lengths",
    ),
    ("an edge to no node", _set("dst", 0, 10**6), "edges: node out of range"),
    ("a negative string index", _set("ent_label", 0, -1), "array 'ent_label': index out of range"),
    ("a string index past the table", _set("adj_v", 0, 10**6), "array 'adj_v': index out of range"),
    ("a weight that is no number", _set("weight", 0, float("nan")), "array 'weight': not a finite"),
    ("levels that skip an edge", _set("levels", 0, 1), "levels do not cover the edges"),
    ("group lengths that disagree", _set("adj_n", 0, 10**6), "adj_n: bad lengths"),
    ("a predicate tcmkg does not know", _changed(_unknown_predicate), "'heals'"),
    (
        "another state of the store",
        _changed(lambda a: _with_header(a, state="0" * 32)),
        "saved for another state of the store",
    ),
    ("another version", _changed(lambda a: _with_header(a, format=2)), "format 2"),
    (
        "another configuration",
        _changed(lambda a: _with_header(a, config="{}")),
        "saved for another configuration",
    ),
    (
        "a string table of numbers",
        _changed(lambda a: _with_header(a, strings=[1, 2])),
        "bad string table",
    ),
]


@pytest.mark.parametrize(("damage", "reason"), [d[1:] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_a_bad_layer_file_is_ignored_with_a_warning_and_rebuilt(
    tmp_path: Path,
    damage: Callable[[Path], None],
    reason: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    location, file, built = _saved_store(tmp_path)
    damage(file)
    builds: list[int] = []
    real_build = mechanism.build_layer

    def counting_build(*args: object, **kwargs: object) -> MechanismLayer:
        builds.append(1)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mechanism, "build_layer", counting_build)
    store = open_store(location, must_exist=True, read_only=True)
    try:
        with caplog.at_level(logging.WARNING, logger="queries.mechanism"):
            again = _ranking(store)
    finally:
        store.close()
        mechanism._CACHE.clear()
    assert builds == [1], "the projection is rebuilt"
    assert again == built
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(file) in warnings[0] and reason in warnings[0], warnings
    # The rebuilt projection was saved over the bad file: the next process reads it.
    store = open_store(location, must_exist=True, read_only=True)
    try:
        assert mechanism._read_layer(file, store.state_token(), CONFIG) is not None
    finally:
        store.close()


class _Payload:
    """Unpickled, it would create a file: a saved layer must never be unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_a_layer_file_with_pickled_objects_is_not_unpickled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    location, file, built = _saved_store(tmp_path)
    marker = tmp_path / "unpickled"
    arrays = _arrays(file)
    payload = np.empty(1, dtype=object)
    payload[0] = _Payload(marker)
    _save(file, {**arrays, "names": payload})
    store = open_store(location, must_exist=True, read_only=True)
    try:
        with caplog.at_level(logging.WARNING, logger="queries.mechanism"):
            assert _ranking(store) == built
    finally:
        store.close()
        mechanism._CACHE.clear()
    assert not marker.exists(), "nothing in the file was run"
    assert str(file) in caplog.text and "allow_pickle" in caplog.text


def test_a_layer_file_of_an_earlier_version_is_never_read_and_is_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    location, file, built = _saved_store(tmp_path)
    # What an earlier version saved: JSON, under a name of its own.
    old = file.with_name("layer-0123456789abcdef0123456789abcdef.json")
    old.write_text(json.dumps({"format": 2, "adj": {"x": {"y": [1.0, "contains"]}}}))
    file.unlink()
    store = open_store(location, must_exist=True, read_only=True)
    try:
        with caplog.at_level(logging.WARNING, logger="queries.mechanism"):
            assert _ranking(store) == built
    finally:
        store.close()
        mechanism._CACHE.clear()
    assert not caplog.records, "the old file is not even looked at"
    assert file.exists() and not old.exists(), "saving the new projection removes the old file"
