"""A SPARQL server that cuts long results silently (Virtuoso's ``ResultSetMaxRows``).

A private Virtuoso capped at 20 rows per result: a plain SELECT of 25 rows through the remote
store is refused with an error naming the cap instead of answering 20 rows as if that were
all; a result of exactly the cap that is complete, and any shorter one, is answered;
``select_all`` and ``quads`` read every row in pages of the cap.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from api.app import create_app
from kg.store import GraphStore, open_store
from kg.stores.sparql_remote import ResultCutError
from tests import virtuoso
from tests.api.support import settings, start_server

pytestmark = [pytest.mark.virtuoso, pytest.mark.slow]

CAP = 20
GRAPH = NamedNode(f"{virtuoso.GRAPH_PREFIX}test/row-cap")
P = NamedNode(f"{virtuoso.GRAPH_PREFIX}test/value")
ROWS = f"SELECT ?s ?o WHERE {{ GRAPH {GRAPH} {{ ?s {P} ?o }} }}"


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Virtuoso whose results hold at most CAP rows; its store location (max-rows=CAP)."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        reason = "virtuoso-t not installed (Debian package virtuoso-opensource-7-bin)"
        if virtuoso.IN_CI:
            pytest.fail(f"{reason}: CI must install it")
        pytest.skip(reason)
    directory: Path = tmp_path_factory.mktemp("virtuoso-capped")
    (directory / "db").mkdir()
    (directory / "www").mkdir()
    sql_port, http_port = virtuoso._free_port(), virtuoso._free_port()
    config = virtuoso.CONFIG.replace("ResultSetMaxRows = 1000000", f"ResultSetMaxRows = {CAP}")
    assert config != virtuoso.CONFIG
    ini = directory / "virtuoso.ini"
    ini.write_text(config.format(d=directory, sql_port=sql_port, http_port=http_port))
    url = f"http://127.0.0.1:{http_port}/sparql"
    with (directory / "virtuoso.out").open("wb") as out:
        process = subprocess.Popen(
            [binary, "+configfile", str(ini), "+foreground"],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while not virtuoso._answers(url):
            assert process.poll() is None, virtuoso._log_tail(directory)
            assert time.monotonic() < deadline, virtuoso._log_tail(directory)
            time.sleep(0.3)
        granted = subprocess.run(
            [
                "isql-vt",
                f"127.0.0.1:{sql_port}",
                "dba",
                "dba",
                'exec=grant SPARQL_UPDATE to "SPARQL";',
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert granted.returncode == 0, granted.stdout + granted.stderr
        yield f"sparql:{url};graphs={virtuoso.GRAPH_PREFIX};max-rows={CAP}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _write(store: GraphStore, n: int) -> None:
    subjects = [NamedNode(f"{virtuoso.GRAPH_PREFIX}test/s{i:02d}") for i in range(n)]
    store.replace_graph(
        GRAPH.value, [Quad(s, P, Literal(i), GRAPH) for i, s in enumerate(subjects)]
    )


def test_a_cut_result_is_an_error_naming_the_cap(capped: str) -> None:
    """25 rows behind a 20-row cap: query raises; select_all and quads read all 25."""
    store = open_store(capped)
    try:
        _write(store, 25)
        with pytest.raises(ResultCutError, match=r"20 of 25 rows.*ResultSetMaxRows"):
            store.select(ROWS)
        assert len(store.select_all(ROWS).rows) == 25
        assert len(list(store.quads(GRAPH.value))) == 25
        # A LIMIT above the cap is cut all the same.
        with pytest.raises(ResultCutError, match="20 of 25 rows"):
            store.select(ROWS + " LIMIT 25")
        # Asked for no more than the cap, the same query is answered.
        assert len(store.select(ROWS + " LIMIT 20").rows) == 20
        assert len(store.select(ROWS + " LIMIT 7").rows) == 7
    finally:
        store.drop_graph(GRAPH.value)
        store.close()


def test_a_complete_result_of_exactly_the_cap_is_answered(capped: str) -> None:
    """20 rows behind a 20-row cap: the count confirms the result is whole."""
    store = open_store(capped)
    try:
        _write(store, CAP)
        assert len(store.select(ROWS).rows) == CAP
    finally:
        store.drop_graph(GRAPH.value)
        store.close()


def test_the_endpoint_answers_a_cut_result_with_422(capped: str) -> None:
    """Through ``/sparql`` on a real server: the cut is the question's size (422), not an outage."""
    store = open_store(capped)
    server = start_server(create_app(store, settings(max_result_rows=1000)), store)
    try:
        _write(store, 25)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            cut = client.get("/sparql", params={"query": ROWS})
            assert cut.status_code == 422, cut.text
            assert "20 of 25 rows" in cut.json()["detail"]
            assert "unavailable" not in cut.json()["detail"]
            whole = client.get("/sparql", params={"query": ROWS + " LIMIT 20"})
            assert whole.status_code == 200, whole.text
            assert len(whole.json()["results"]["bindings"]) == 20
    finally:
        server.stop()
        store.drop_graph(GRAPH.value)
        store.close()
