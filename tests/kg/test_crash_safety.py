"""Writing a record is one transaction: a writer killed mid-write leaves the old or the new
version of the record's graph, never a mix.

A child process rewrites one record graph in an on-disk Oxigraph store over and over,
alternating a small old version and a much bigger new one; it is killed with SIGKILL at
random moments, and after each kill the store is reopened and checked.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from kg.store import open_store

REPO = Path(__file__).resolve().parents[2]
KILLS = 6

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from pyoxigraph import RdfFormat, serialize

    from kg import iri
    from kg.model import (
        Claim, Direction, EvidenceItem, Predicate, RecordBundle, RecordKind, SourceRecord,
        StudyDesign,
    )
    from kg.store import open_store
    from kg.writer import bundle_quads

    store_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    record = "TCMKG.DOC:crash-test"
    herb = iri.herb_curie("Astragali Radix")

    def version(n: int, tag: str) -> list:
        evidence = tuple(
            EvidenceItem(
                source=record, design=StudyDesign.RCT, direction=Direction.BENEFIT,
                sentence=f"{tag} sentence {i}", start=i, end=i + 5, sample_size=i + 1,
            )
            for i in range(n)
        )
        claims = (Claim(herb, Predicate.TREATS, "MESH:D003924", evidence),)
        return bundle_quads(
            RecordBundle(SourceRecord(record, RecordKind.DOCUMENT, title=tag), claims=claims)
        )

    old, new = version(3, "old"), version(400, "new")
    (out / "old.nq").write_bytes(serialize(old, format=RdfFormat.N_QUADS))
    (out / "new.nq").write_bytes(serialize(new, format=RdfFormat.N_QUADS))
    graph = iri.graph_iri(record)
    store = open_store(f"oxigraph:{store_path}")
    store.replace_graph(graph, old)
    (out / "ready").write_text("ready")
    while True:
        store.replace_graph(graph, new)
        store.replace_graph(graph, old)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_killed_writer_leaves_old_or_new_record(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    rng = random.Random(20240611)
    seen: set[str] = set()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for attempt in range(KILLS):
        (tmp_path / "ready").unlink(missing_ok=True)
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store_path), str(tmp_path)],
            env=env,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while not (tmp_path / "ready").exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "writer did not start"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL

        old = set(parse((tmp_path / "old.nq").read_bytes(), format=RdfFormat.N_QUADS))
        new = set(parse((tmp_path / "new.nq").read_bytes(), format=RdfFormat.N_QUADS))
        graph = next(iter(old)).graph_name.value
        store = open_store(f"oxigraph:{store_path}")
        try:
            found = set(store.quads(graph))
        finally:
            store.close()
        assert found in (old, new), (
            f"kill {attempt + 1}: the record graph holds {len(found)} quads, "
            f"{len(found & old)} of the old version ({len(old)}) and "
            f"{len(found & new)} of the new ({len(new)})"
        )
        seen.add("old" if found == old else "new")
    # Not an assertion on luck: both outcomes are correct; this only records what happened.
    print(f"versions found after {KILLS} kills: {sorted(seen)}")


CORPUS = REPO / "ingest" / "examples" / "illustrative_corpus.tsv"
INGEST_KILLS = 10


def _ingest(store: Path, problems: Path) -> subprocess.Popen[bytes]:
    """Start ``tcmkg ingest`` of the illustrative corpus into ``store``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TCMKG_")}
    environ.update({"PYTHONPATH": str(REPO), "NO_COLOR": "1"})
    command = [sys.executable, "-m", "tcmkg", "ingest", str(CORPUS)]
    return subprocess.Popen(
        [*command, "--store", f"oxigraph:{store}", "--problems", str(problems)],
        env=environ,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _graphs(store: Path) -> dict[str, frozenset[object]]:
    with open_store(f"oxigraph:{store}") as opened:
        return {g: frozenset(opened.quads(g)) for g in opened.named_graphs()}


def _holder_pid(store: Path) -> int | None:
    try:
        return int(json.loads((store / "tcmkg" / "holder.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def _generation(store: Path) -> str:
    try:
        return (store / "tcmkg" / "generation").read_text()
    except OSError:
        return ""


def _first_write(child: subprocess.Popen[bytes], store: Path) -> float | None:
    """When ``child`` began writing records (its store's generation changed); None if never."""
    deadline = time.monotonic() + 300
    while _holder_pid(store) != child.pid:
        if child.poll() is not None:
            return None
        assert time.monotonic() < deadline, "ingest never opened the store"
        time.sleep(0.005)
    opened = _generation(store)
    while _generation(store) == opened:
        if child.poll() is not None:
            return None
        time.sleep(0.005)
    return time.monotonic()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_killed_ingest_leaves_whole_record_graphs_and_a_rerun_gives_the_clean_store(
    tmp_path: Path,
) -> None:
    """``tcmkg ingest`` killed at random moments, then run again (the issue's probe, smaller).

    After each kill every graph in the store is exactly that graph of a clean run (a record is
    there whole or not at all, whatever the earlier kills left); running the ingest to its end
    then gives exactly the clean store.
    """
    clean = tmp_path / "clean"
    reference = _ingest(clean, tmp_path / "clean-problems.jsonl")
    first = _first_write(reference, clean)
    assert first is not None, reference.stderr.read() if reference.stderr else ""
    last, seen = first, _generation(clean)
    while reference.poll() is None:
        if _generation(clean) != seen:
            last, seen = time.monotonic(), _generation(clean)
        time.sleep(0.005)
    assert reference.returncode == 0, reference.stderr.read() if reference.stderr else ""
    # Kills land while records are written: from the first write to a little after the last.
    window = (last - first) * 1.2 + 0.05
    expected = _graphs(clean)
    assert len(expected) >= 20

    store = tmp_path / "killed"
    rng = random.Random(20261202)
    partial_states: list[int] = []
    for attempt in range(INGEST_KILLS):
        if attempt == INGEST_KILLS // 2:
            shutil.rmtree(store)  # half of the kills start from an empty store again
        child = _ingest(store, tmp_path / "problems.jsonl")
        assert _first_write(child, store) is not None, "ingest ended before it wrote"
        time.sleep(rng.uniform(0.0, window))
        child.send_signal(signal.SIGKILL)
        child.wait()
        found = _graphs(store)
        broken = [g for g, quads in found.items() if quads != expected.get(g)]
        assert not broken, f"kill {attempt + 1}: graphs not as in a clean run: {broken[:3]}"
        partial_states.append(len(found))

    rerun = _ingest(store, tmp_path / "problems.jsonl")
    assert rerun.wait(timeout=600) == 0, rerun.stderr.read() if rerun.stderr else ""
    assert _graphs(store) == expected
    # Recorded, not asserted (any number is correct): how far the killed runs had come.
    print(f"write window {window:.2f} s; graphs after each kill: {partial_states}")
