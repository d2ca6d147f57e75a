"""The OpenAPI schema says what the server does: schemathesis with every check finds nothing.

A real ``tcmkg serve`` over the API tests' illustrative graph is fuzzed by the schemathesis
command line with every check (no 5xx, documented statuses and content types, responses valid
by their schema, schema-valid requests accepted, schema-violating ones refused, ``Allow`` on
405 …) and every phase including the stateful one, with ``bench/schemathesis.toml``. CI runs
fewer examples per operation than ``bench/bench_schemathesis.py`` (100) and a fixed seed, so a
run is repeatable; the few places a schema cannot express (the SPARQL grammar, ``graph`` with a
KGX export) are named in that file.

The single findings schemathesis reported before the schema was fixed are kept below as plain
requests, so each stays covered whatever the fuzzer happens to draw.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.store import open_store
from tests.api.support import API_KEY, fill
from tests.security.test_keys import REPO, Served, serve

CONFIG = REPO / "bench" / "schemathesis.toml"
CI_EXAMPLES = 15
SEED = 20260101


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``tcmkg serve`` over an on-disk store holding the illustrative graph, writes enabled."""
    location = f"oxigraph:{tmp_path_factory.mktemp('schema') / 'store'}"
    store = open_store(location)
    try:
        fill(store)
    finally:
        store.close()
    server = serve("sha256:" + hashlib.sha256(API_KEY.encode()).hexdigest(), location)
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        # Valid by the old schema, answered 400: now outside the schema, and still 400.
        ("/entities/0", {}, 400),
        ("/sparql", {"query": ""}, 400),
        ("/export", {"graph": ""}, 400),
        # Inside the schema: answered without a 400.
        ("/entities/TCMKG.HERB:astragali-radix", {}, 200),
        ("/entities/TCMKG.GRAPH:x#G", {}, 404),
        ("/claims", {"subject": ""}, 200),
    ],
)
def test_former_findings(served: Served, path: str, params: dict[str, str], status: int) -> None:
    """The requests schemathesis reported, answered as the schema now says."""
    r = httpx.get(served.url + path, params=params, timeout=60)
    assert r.status_code == status, r.text


def test_schema_describes_the_refusals(served: Served) -> None:
    """The schema gives CURIE/IRI patterns, a non-empty query and the write routes' 400/429."""
    spec = httpx.get(served.url + "/openapi.json", timeout=60).json()
    entity = spec["paths"]["/entities/{curie}"]["get"]["parameters"][0]["schema"]
    assert re.fullmatch(entity["pattern"], "TCMKG.HERB:astragali-radix")
    assert not re.fullmatch(entity["pattern"], "0")
    query = next(p for p in spec["paths"]["/sparql"]["get"]["parameters"] if p["name"] == "query")
    assert query["required"] and query["schema"]["minLength"] == 1
    ingest = spec["paths"]["/ingest"]["post"]
    form = ingest["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "" not in form["properties"]["format"]["enum"]
    for route in (ingest, spec["paths"]["/sparql"]["post"]):
        assert {"400", "401", "403", "429", "503"} <= set(route["responses"])


def test_empty_upload_format_is_refused(served: Served) -> None:
    """``format=""`` on /ingest is refused as the schema's enum says, not read as auto."""
    r = httpx.post(
        served.url + "/ingest",
        files={"file": ("a.txt", b"Illustrative title\nSome text.\n", "text/plain")},
        data={"format": ""},
        headers={"X-API-Key": API_KEY},
        timeout=60,
    )
    assert r.status_code == 422, r.text
    assert "format must be one of" in r.json()["detail"]


def test_allow_lists_every_method_of_the_path(served: Served) -> None:
    """A 405 on /sparql names both methods the path serves."""
    r = httpx.request("DELETE", served.url + "/sparql", timeout=60)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"


# Last in the module: the fuzzer sends wrong keys, which lock the loopback address out of
# writes for a minute (the key tests above need to write).
@pytest.mark.slow
def test_schemathesis_all_checks_and_stateful(served: Served, tmp_path: Path) -> None:
    """Every check, every phase: no server error and no schema finding."""
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{served.url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(CI_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "60",
        "--no-color",
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=1200)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[output.find("FAILURES") :]
    assert re.search(r"\d+ generated", output), output
    assert "Stateful" in output
