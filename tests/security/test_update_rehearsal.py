"""An update's rehearsal on a copy of the store changes neither the store nor its snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api.query_runner import QueryFailedError, QueryRunner, QueryTimeoutError
from kg.store import QuerySyntaxError, open_store
from tests.api.support import fill

MARKER = "<http://example.org/rehearsal/x>"
ASK = f"ASK {{ {MARKER} ?p ?o }}"
INSERT = (
    f"INSERT {{ GRAPH <http://example.org/rehearsal> {{ {MARKER} {MARKER} ?o }} }} "
    "WHERE { GRAPH ?g { ?s ?p ?o } }"
)


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()
    }


def test_rehearsal_leaves_store_and_snapshot_untouched(tmp_path: Path) -> None:
    """A rehearsed INSERT … WHERE writes nothing; the snapshot's files are byte-for-byte kept."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    fill(store)
    runner = QueryRunner(store, timeout=20, max_rows=1000, workers=1, memory_mb=512)
    try:
        before = store.count()
        snapshot = store.reader_snapshot()
        assert snapshot is not None
        files = _files(Path(snapshot.where))
        runner.rehearse_update(INSERT)
        assert store.count() == before
        assert _files(Path(snapshot.where)) == files
        # No copy is left beside the snapshot.
        assert sorted(os.listdir(Path(snapshot.where).parent)) == [Path(snapshot.where).name]
        # The snapshot still answers queries, without the rehearsed triples.
        assert runner.run(ASK) is False
        with pytest.raises(QuerySyntaxError, match="update syntax"):
            runner.rehearse_update("INSERT { ?s ?p } WHERE")
    finally:
        runner.close()
        store.close()


def test_rehearsal_past_the_deadline_is_refused(tmp_path: Path) -> None:
    """A rehearsal that outlasts the deadline raises QueryTimeoutError and leaves no copy."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    fill(store)
    runner = QueryRunner(store, timeout=1.0, max_rows=1000, workers=1, memory_mb=512)
    join = " ".join(f"GRAPH ?g{i} {{ ?a{i} ?b{i} ?c{i} }}" for i in range(5))
    slow = (
        f"INSERT {{ {MARKER} {MARKER} ?n }} WHERE {{ SELECT (COUNT(*) AS ?n) WHERE {{ {join} }} }}"
    )
    try:
        snapshot = store.reader_snapshot()
        assert snapshot is not None
        with pytest.raises((QueryTimeoutError, QueryFailedError), match="nothing was written"):
            runner.rehearse_update(slow)
        assert sorted(os.listdir(Path(snapshot.where).parent)) == [Path(snapshot.where).name]
        assert runner.run(ASK) is False
    finally:
        runner.close()
        store.close()
