"""Extraction on Dask distributed: a real local cluster of worker processes, the real pipeline
and real stores, against extraction in this process.

Each local cluster start costs seconds (worker processes, then each worker's pipeline), so the
inputs are a few documents of the bundled illustrative corpus.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster, Worker, get_worker
from pyoxigraph import Quad
from typer.testing import CliRunner

from ingest.document import Document
from ingest.extract import extraction_json
from ingest.pipeline import Outcome, extract_documents
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from kg.store import open_store
from tcmkg.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "ingest" / "examples" / "illustrative_corpus.tsv"
runner = CliRunner()


def example_documents(n: int = 12) -> list[Document]:
    """The first ``n`` documents of the bundled illustrative corpus."""
    return list(read_documents([EXAMPLES], "tsv", ProblemLog()))[:n]


def example_file(tmp_path: Path, n: int = 12) -> Path:
    """A table of the first ``n`` rows of the bundled illustrative corpus."""
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "examples.tsv"
    path.write_text("".join(lines[: n + 1]), encoding="utf-8")
    return path


def as_json(outcomes: list[Outcome]) -> list[tuple[str, str | None, str | None]]:
    """Each outcome's document id, extraction JSON (its output line) and error, in order."""
    return [
        (
            o.document.id,
            None if o.extraction is None else json.dumps(extraction_json(o.extraction)),
            o.error,
        )
        for o in outcomes
    ]


def quads_of(location: str) -> set[Quad]:
    store = open_store(location, must_exist=True)
    try:
        return set(store.quads())
    finally:
        store.close()


@pytest.fixture(scope="module")
def in_process() -> list[tuple[str, str | None, str | None]]:
    """The outcomes of the example documents extracted in this process."""
    return as_json(list(extract_documents(example_documents(), chunk=2)))


@pytest.mark.parametrize("workers", [2, 4])
def test_a_local_cluster_gives_the_in_process_outcomes_in_order(
    workers: int, in_process: list[tuple[str, str | None, str | None]]
) -> None:
    # Chunks of 2: six tasks, more than the window of chunks in flight, so results come back
    # while later chunks are still being sent. Four workers on two cores compete for them.
    outcomes = as_json(list(extract_documents(example_documents(), workers=workers, chunk=2)))
    assert outcomes == in_process
    assert all(extraction is not None for _, extraction, _ in outcomes)


@dataclass(frozen=True, slots=True)
class DiesOnce(Document):
    """A document whose first reading in a Dask worker ends that worker's process at once.

    ``flag`` is a file made just before: a later reading (the chunk's retry on a new worker,
    or any reading outside a worker) is an ordinary document's.
    """

    flag: str = ""

    @property
    def text(self) -> str:
        try:
            get_worker()
        except ValueError:
            pass  # not in a worker
        else:
            if not os.path.exists(self.flag):
                Path(self.flag).touch()
                os._exit(1)  # the worker process dies mid-chunk, as on a crash or OOM kill
        return f"{self.title} {self.abstract}"


def test_a_worker_dying_mid_chunk_has_its_chunk_extracted_again(
    tmp_path: Path, in_process: list[tuple[str, str | None, str | None]]
) -> None:
    flag = tmp_path / "died"
    documents: list[Document] = example_documents()
    documents[5] = DiesOnce(**{f: getattr(documents[5], f) for f in _fields()}, flag=str(flag))
    outcomes = as_json(list(extract_documents(documents, workers=2, chunk=2)))
    assert flag.exists()  # a worker did die
    assert outcomes == in_process


def _fields() -> list[str]:
    return [f for f in Document.__dataclass_fields__]


def test_cli_ingest_on_workers_writes_the_same_store_and_reruns_idempotently(
    tmp_path: Path,
) -> None:
    table = example_file(tmp_path)
    stores = {}
    for workers in ("1", "2"):
        location = f"oxigraph:{tmp_path / f'store{workers}'}"
        args = ["ingest", str(table), "--store", location, "--workers", workers]
        result = runner.invoke(app, [*args, "--problems", str(tmp_path / "p.jsonl")])
        assert result.exit_code == 0, result.output
        assert "documents written" in result.output
        stores[workers] = quads_of(location)
    assert stores["1"] == stores["2"]
    assert len({q.graph_name for q in stores["2"]}) > 12  # each document's graph, and more
    # Again, with the name the option had before: the same store, not one quad more.
    location = f"oxigraph:{tmp_path / 'store2'}"
    again = runner.invoke(
        app,
        ["ingest", str(table), "--store", location, "--processes", "2", "--problems",
         str(tmp_path / "p.jsonl")],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert quads_of(location) == stores["2"]


def test_cli_extract_with_processes_still_runs_on_workers(tmp_path: Path) -> None:
    table = example_file(tmp_path, 4)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    for out, args in ((one, []), (two, ["-p", "2"])):
        result = runner.invoke(app, ["extract", str(table), "-o", str(out), *args])
        assert result.exit_code == 0, result.output
    assert len(two.read_text(encoding="utf-8").splitlines()) == 4
    assert one.read_bytes() == two.read_bytes()


def plugins_of(dask_worker: Worker) -> list[str]:
    """The names of the plugins a worker holds (run on the worker)."""
    return list(dask_worker.plugins)


def test_cli_extract_on_an_existing_cluster(tmp_path: Path) -> None:
    # A cluster started apart, as `dask scheduler` and `dask worker` would run it: the command
    # connects to its scheduler, and leaves it running, without the run's vocabulary.
    table = example_file(tmp_path, 4)
    here, there = tmp_path / "here.jsonl", tmp_path / "there.jsonl"
    assert runner.invoke(app, ["extract", str(table), "-o", str(here)]).exit_code == 0
    with (
        LocalCluster(n_workers=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        address = cluster.scheduler_address
        result = runner.invoke(
            app, ["extract", str(table), "-o", str(there), "--scheduler", address]
        )
        assert result.exit_code == 0, result.output
        assert f"the Dask cluster at {address}" in result.output
        assert client.status == "running" and len(client.scheduler_info()["workers"]) == 1
        held = client.run(plugins_of)
        assert not any("tcmkg" in name for names in held.values() for name in names)
    assert there.read_bytes() == here.read_bytes()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize("command", ["ingest", "extract"])
def test_an_unreachable_scheduler_fails_clearly_before_anything_is_written(
    tmp_path: Path, command: str
) -> None:
    table = example_file(tmp_path, 2)
    address = f"tcp://127.0.0.1:{closed_port()}"
    store, out = tmp_path / "store", tmp_path / "out.jsonl"
    args = (
        ["ingest", str(table), "--store", f"oxigraph:{store}"]
        if command == "ingest"
        else ["extract", str(table), "-o", str(out)]
    )
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = runner.invoke(app, [*args, "--scheduler", address])
    assert result.exit_code == 2, result.output
    assert f"cannot reach the Dask scheduler at {address}" in result.output
    assert "Traceback" not in result.output
    assert not store.exists() and not out.exists()


def test_scheduler_and_several_local_workers_are_exclusive(tmp_path: Path) -> None:
    table = example_file(tmp_path, 2)
    store = tmp_path / "store"
    result = runner.invoke(
        app,
        ["ingest", str(table), "--store", f"oxigraph:{store}", "--scheduler",
         "tcp://127.0.0.1:8786", "--workers", "2"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--scheduler tcp://127.0.0.1:8786" in result.output and "--workers 2" in result.output
    assert not store.exists()


def test_a_scheduler_address_that_is_none_fails_at_once(tmp_path: Path) -> None:
    table = example_file(tmp_path, 2)
    store = tmp_path / "store"
    for address, reason in (
        ("http://127.0.0.1:8786", "unknown address scheme 'http'"),
        ("tcp://127.0.0.1", "missing port number"),
    ):
        result = runner.invoke(
            app, ["ingest", str(table), "--store", f"oxigraph:{store}", "--scheduler", address]
        )
        assert result.exit_code == 2, result.output
        assert f"'{address}' is not a Dask scheduler address" in result.output
        assert reason in result.output and "Traceback" not in result.output
    assert not store.exists()
