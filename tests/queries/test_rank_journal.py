"""A ranking in a new process after another process wrote: the saved projection, brought forward.

An on-disk store saves its journal of graph writes (state before, state after, graphs written)
beside the projection it saves for the next process (:mod:`kg.stores.journal`). A process that
finds no projection for the store's current state but one for an earlier state, and a chain
of journal entries from there to now, updates that projection for the graphs written instead
of rebuilding it. These tests write in one process and rank in another, as a user runs
``tcmkg ingest`` and then ``tcmkg rank``, and check that the first ranking is an update, not a
build, and ranks exactly like a fresh build; and that any missing link (the journal deleted
or damaged, a write the journal cannot name) rebuilds and still ranks right.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, serialize

from kg.iri import graph_iri
from kg.model import (
    Claim,
    Entity,
    EntityKind,
    EvidenceItem,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import open_store
from kg.stores import journal
from kg.writer import bundle_quads
from queries import mechanism
from queries.rank import rank_candidates
from tests.queries.conftest import CONFIG
from tests.queries.test_rank import DM, DN
from tests.queries.test_rank_cache import _build

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}

# Writes record graphs into the store, as `tcmkg ingest` does (one replace per record), or
# through the bulk path (which the journal cannot name); with --hold, keeps the store open
# (as a server does) until the file `release` appears beside the store.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pyoxigraph import RdfFormat, parse
    from kg.store import open_store

    store_path, *args = sys.argv[1:]
    hold = "--hold" in args
    args = [a for a in args if a != "--hold"]
    store = open_store(f"oxigraph:{store_path}")
    for how, graph, file in zip(args[::3], args[1::3], args[2::3]):
        quads = list(parse(path=file, format=RdfFormat.N_QUADS))
        if how == "replace":
            store.replace_graph(graph, quads)
        else:
            store.bulk_extend(quads)
    if hold:
        folder = Path(store_path).parent
        (folder / "ready").touch()
        while not (folder / "release").exists():
            time.sleep(0.05)
    store.close()
    """
)

# Ranks as `tcmkg rank` does (the store opened read-only, in a process of its own) and says
# how the projection was had: built whole, or updated from one held or saved.
RANKER = textwrap.dedent(
    """
    import json, sys
    from kg.store import open_store
    from queries import mechanism
    from queries.config import ScoringConfig
    from queries.rank import rank_candidates

    calls = {"builds": 0, "updates": 0}
    real_build, real_update = mechanism.build_layer, mechanism.update_layer

    def build(*args, **kwargs):
        calls["builds"] += 1
        return real_build(*args, **kwargs)

    def update(*args, **kwargs):
        calls["updates"] += 1
        return real_update(*args, **kwargs)

    mechanism.build_layer, mechanism.update_layer = build, update
    store = open_store(f"oxigraph:{sys.argv[1]}", must_exist=True, read_only=True)
    rows = rank_candidates(store, sys.argv[2], config=ScoringConfig(reference_year=2025))
    store.close()
    mechanism.wait_for_saves()
    scores = [[r.candidate.id, r.score, r.mechanistic] for r in rows]
    print(json.dumps({**calls, "rows": scores}))
    """
)

Rows = list[tuple[str, float, float]]
Record = tuple[str, list[tuple[str, Predicate, str]], list[Entity]]  # id, claims, new entities


def _record(record_id: str, claims: list[tuple[str, Predicate, str]], new: list[Entity]) -> str:
    """The N-Quads text of one record graph: database claims, and the entities it adds."""
    source = SourceRecord(record_id, RecordKind.PUBLICATION, title=record_id, year=2022)
    item = EvidenceItem(
        record_id, StudyDesign.IN_VITRO, sentence=f"{record_id} says so.", year=2022, end=10
    )
    bundle = RecordBundle(source, tuple(new), tuple(Claim(s, p, o, (item,)) for s, p, o in claims))
    data = serialize(bundle_quads(bundle), format=RdfFormat.N_QUADS)
    assert data is not None
    return data.decode("utf-8")


# A new compound of the hub herb that acts on the specific target: a new mechanism path that
# changes the hub herb's score.
NEW_PATH: Record = (
    "TCMKG.DOC:new-path",
    [
        ("TCMKG.HERB:hubby", Predicate.CONTAINS, "PUBCHEM.COMPOUND:77"),
        ("PUBCHEM.COMPOUND:77", Predicate.INHIBITS, "NCBIGene:100"),
    ],
    [Entity("PUBCHEM.COMPOUND:77", EntityKind.COMPOUND, "compound seventy-seven")],
)
# Another record: the specific herb is also said to treat the narrower disease.
OTHER: Record = (
    "TCMKG.DOC:other",
    [("TCMKG.HERB:specific", Predicate.TREATS, DN)],
    [],
)


def _write(
    store: Path, *records: tuple[str, Record], hold: bool = False
) -> subprocess.Popen[bytes] | None:
    """Write ``(how, record)`` pairs in a process of its own (how: replace or bulk).

    With ``hold`` the process keeps the store open until told to go, and is returned.
    """
    args: list[str] = []
    for n, (how, (record_id, claims, new)) in enumerate(records):
        file = store.parent / f"record-{record_id.rsplit(':', 1)[-1]}-{n}.nq"
        file.write_text(_record(record_id, claims, new), encoding="utf-8")
        args += [how, graph_iri(record_id), str(file)]
    command = [sys.executable, "-c", WRITER, str(store), *args, *(["--hold"] if hold else [])]
    if hold:
        return subprocess.Popen(command, env=ENV)
    subprocess.run(command, env=ENV, check=True, timeout=120)
    return None


def _rank_elsewhere(store: Path) -> tuple[int, int, Rows]:
    """Rank in a process of its own: (projections built, projections updated, rows)."""
    done = subprocess.run(
        [sys.executable, "-c", RANKER, str(store), DM],
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = json.loads(done.stdout)
    rows = [(str(c), float(s), float(m)) for c, s, m in out["rows"]]
    return int(out["builds"]), int(out["updates"]), rows


def _fresh_rows(store: Path) -> Rows:
    """What a fresh build ranks: nothing held in memory, nothing saved on disk."""
    mechanism._CACHE.clear()
    for file in (store / "tcmkg" / "cache").glob("layer-*.npz"):
        file.unlink()
    st = open_store(f"oxigraph:{store}", must_exist=True, read_only=True)
    try:
        rows = rank_candidates(st, DM, config=CONFIG)
    finally:
        st.close()
        mechanism._CACHE.clear()
    return [(r.candidate.id, r.score, r.mechanistic) for r in rows]


def _same(rows: Rows, fresh: Rows) -> None:
    assert [r[0] for r in rows] == [r[0] for r in fresh]
    for (_, score, mech), (_, fresh_score, fresh_mech) in zip(rows, fresh, strict=True):
        assert score == pytest.approx(fresh_score, abs=1e-9, rel=0)
        assert mech == pytest.approx(fresh_mech, abs=1e-9, rel=0)


def _ranked_store(tmp_path: Path) -> tuple[Path, Rows]:
    """A store ranked once (its projection saved), closed; and that ranking."""
    path = tmp_path / "store"
    store = open_store(f"oxigraph:{path}")
    _build(store)
    rows = rank_candidates(store, DM, config=CONFIG)
    store.close()
    mechanism._CACHE.clear()
    assert len(list((path / "tcmkg" / "cache").glob("layer-*.npz"))) == 1
    return path, [(r.candidate.id, r.score, r.mechanistic) for r in rows]


def test_a_new_process_brings_the_saved_projection_forward_over_another_process_writes(
    tmp_path: Path,
) -> None:
    path, before = _ranked_store(tmp_path)
    # Two `ingest` runs, one record each: the chain runs across both writing processes.
    _write(path, ("replace", NEW_PATH))
    _write(path, ("replace", OTHER))
    builds, updates, rows = _rank_elsewhere(path)
    assert (builds, updates) == (0, 1), "the saved projection is updated, not rebuilt"
    assert rows != before, "the writes changed the ranking"
    # The updated projection was saved for the new state: the next process just reads it.
    assert _rank_elsewhere(path) == (0, 0, rows)
    _same(rows, _fresh_rows(path))


def test_a_reader_brings_the_projection_forward_while_the_writer_holds_the_store(
    tmp_path: Path,
) -> None:
    path, before = _ranked_store(tmp_path)
    # A server-like writer: writes one record and keeps the store open; the ranking reads the
    # checkpoint it published, and the journal saved with it.
    writer = _write(path, ("replace", NEW_PATH), hold=True)
    assert writer is not None
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "ready").exists():
            assert writer.poll() is None, "the writer failed"
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.05)
        builds, updates, rows = _rank_elsewhere(path)
    finally:
        (tmp_path / "release").touch()
        assert writer.wait(timeout=60) == 0
    assert (builds, updates) == (0, 1)
    assert rows != before
    _same(rows, _fresh_rows(path))


@pytest.mark.parametrize("gap", ["journal deleted", "a bulk write"])
def test_a_missing_link_rebuilds_and_ranks_right(tmp_path: Path, gap: str) -> None:
    path, before = _ranked_store(tmp_path)
    if gap == "journal deleted":
        _write(path, ("replace", NEW_PATH))
        (path / "tcmkg" / "cache" / journal.FILE_NAME).unlink()
    else:
        # The new path through the bulk path, which names no graph, then a journalled write:
        # a chain that skipped the first would miss the new path.
        _write(path, ("bulk", NEW_PATH), ("replace", OTHER))
    builds, updates, rows = _rank_elsewhere(path)
    assert (builds, updates) == (1, 0)
    assert rows != before
    _same(rows, _fresh_rows(path))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00\xff{", "unreadable"),
        (b'{"format": "something else", "entries": []}', "not a saved journal of writes"),
        (
            json.dumps(
                {"format": "tcmkg-graph-journal", "version": 1, "entries": [["a", "b", []]]}
            ).encode(),
            "entry 1: not two distinct store states",
        ),
    ],
)
def test_a_damaged_journal_is_ignored_with_a_warning(
    tmp_path: Path,
    content: bytes,
    reason: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, _ = _ranked_store(tmp_path)
    _write(path, ("replace", NEW_PATH))
    file = path / "tcmkg" / "cache" / journal.FILE_NAME
    file.write_bytes(content)
    builds: list[int] = []
    real_build = mechanism.build_layer

    def counting_build(*args: object, **kwargs: object) -> mechanism.MechanismLayer:
        builds.append(1)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mechanism, "build_layer", counting_build)
    store = open_store(f"oxigraph:{path}", must_exist=True, read_only=True)
    with caplog.at_level(logging.WARNING, logger="kg.stores.journal"):
        rows = [
            (r.candidate.id, r.score, r.mechanistic)
            for r in rank_candidates(store, DM, config=CONFIG)
        ]
    store.close()
    mechanism.wait_for_saves()
    mechanism._CACHE.clear()
    assert builds == [1]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and all(str(file) in w and reason in w for w in warnings), warnings
    monkeypatch.undo()
    _same(rows, _fresh_rows(path))
    # The next writer replaces the damaged file with a journal of its own writes.
    _write(path, ("replace", OTHER))
    assert len(journal.read_journal(file)) == 1


def test_the_saved_journal_keeps_the_newest_entries(tmp_path: Path) -> None:
    file = tmp_path / journal.FILE_NAME
    states = [f"{n:032x}" for n in range(journal.LIMIT + 11)]
    entries = {
        before: (after, frozenset([f"https://example.org/g{n}"]))
        for n, (before, after) in enumerate(itertools.pairwise(states))
    }
    journal.write_journal(file, entries)
    saved = journal.read_journal(file)
    assert len(saved) == journal.LIMIT
    assert list(saved.items()) == list(entries.items())[-journal.LIMIT :]
    assert not list(tmp_path.glob("*.tmp")), "written through a temporary file, renamed"
