"""Pytest plugin: a private Virtuoso Open Source server (Debian's ``virtuoso-t``) on loopback.

The server runs from a temporary directory on free ports, with a configuration modelled on
``shared/notes/virtuoso.ini`` (smaller buffers; no ``DefaultGraph`` so that, as in the embedded
store, a query's default graph is the union of all graphs). The set-up grants
``SPARQL_UPDATE`` to the anonymous ``SPARQL`` user so that SPARQL Update over plain HTTP works
on this private server; the server is stopped at the end of the session.

Where ``virtuoso-t`` is not installed the tests that need it skip, saying why; in CI
(``CI=true``) they fail instead, because ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.store import GraphStore, open_store

IN_CI = os.environ.get("CI") == "true"
# Every graph the tests write lies under the project namespace; the remote store is restricted
# to it so that Virtuoso's own system graphs stay out of counts and dumps.
GRAPH_PREFIX = "https://w3id.org/tcmkg/"

CONFIG = """\
[Database]
DatabaseFile = {d}/db/virtuoso.db
ErrorLogFile = {d}/db/virtuoso.log
LockFile = {d}/db/virtuoso.lck
TransactionFile = {d}/db/virtuoso.trx
xa_persistent_file = {d}/db/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/db/virtuoso-temp.db
TransactionFile = {d}/db/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = ., {d}, /usr/share/virtuoso-opensource-7/vad
CheckpointInterval = 60
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}/www
MaxClientConnections = 10
ServerThreads = 10
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@dataclass(frozen=True)
class VirtuosoServer:
    """A running private Virtuoso: its SPARQL endpoint and the store location to open."""

    query_url: str
    sql_port: int
    directory: Path

    @property
    def location(self) -> str:
        """Store location string for :func:`kg.store.open_store`."""
        return f"sparql:{self.query_url};graphs={GRAPH_PREFIX}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK { }"})
    try:
        with urllib.request.urlopen(probe, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _log_tail(directory: Path) -> str:
    log = directory / "virtuoso.out"
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """Start ``virtuoso-t`` on free loopback ports for the test session, then stop it."""
    binary = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt")
    if binary is None or isql is None:
        reason = "virtuoso-t/isql-vt not installed (Debian package virtuoso-opensource-7-bin)"
        if IN_CI:
            pytest.fail(f"{reason}: CI must install it (.ci/system-deps.sh)")
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("virtuoso")
    (directory / "db").mkdir()
    (directory / "www").mkdir()
    sql_port, http_port = _free_port(), _free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(CONFIG.format(d=directory, sql_port=sql_port, http_port=http_port))
    query_url = f"http://127.0.0.1:{http_port}/sparql"
    with (directory / "virtuoso.out").open("wb") as out:
        process = subprocess.Popen(
            [binary, "+configfile", str(ini), "+foreground"],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while not _answers(query_url):
            if process.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {process.returncode}: {_log_tail(directory)}")
            if time.monotonic() > deadline:
                pytest.fail(f"virtuoso-t did not answer in 90 s: {_log_tail(directory)}")
            time.sleep(0.3)
        granted = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", 'exec=grant SPARQL_UPDATE to "SPARQL";'],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if granted.returncode != 0:
            pytest.fail(f"cannot grant SPARQL_UPDATE: {granted.stdout} {granted.stderr}")
        yield VirtuosoServer(query_url, sql_port, directory)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def virtuoso_store(virtuoso_server: VirtuosoServer) -> Iterator[GraphStore]:
    """The Virtuoso server as a store, emptied of the project's graphs after the test."""
    store = open_store(virtuoso_server.location)
    for graph in store.named_graphs():
        store.drop_graph(graph)
    yield store
    for graph in store.named_graphs():
        store.drop_graph(graph)
    store.close()
