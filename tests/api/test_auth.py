"""Write endpoints need the API key: refused without it, with a wrong one, and when disabled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.security import KeyHashError, hash_key, parse_key_hash
from kg.iri import graph_iri
from kg.store import open_store
from tests.api.support import API_KEY, LiveServer, fill, settings, start_server
from tests.api.test_ingest import wait

MARK = "http://example.org/auth/written"
UPDATE = f"INSERT DATA {{ GRAPH <{MARK}> {{ <{MARK}> <{MARK}> 'x' }} }}"
ASK = f"ASK {{ <{MARK}> ?p ?o }}"

# Every way of writing to the store over HTTP: (name, method, path, request arguments).
WRITE_PATHS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("update-form", "POST", "/sparql", {"data": {"update": UPDATE}}),
    (
        "update-direct",
        "POST",
        "/sparql",
        {"content": UPDATE.encode(), "headers": {"Content-Type": "application/sparql-update"}},
    ),
    (
        "ingest",
        "POST",
        "/ingest",
        {"files": {"file": ("written.txt", b"Illustrative title\nSome text.\n", "text/plain")}},
    ),
]


def _send(
    client: httpx.Client, method: str, path: str, args: dict[str, Any], auth: dict[str, str]
) -> httpx.Response:
    headers = {**args.get("headers", {}), **auth}
    rest = {k: v for k, v in args.items() if k != "headers"}
    response = client.request(method, path, headers=headers, **rest)
    if response.status_code == 202:
        # An accepted upload is written by a background job: wait for it to end.
        wait(client, response.json()["id"])
    return response


def _written(client: httpx.Client) -> bool:
    """Whether any write path left its mark: the update's graph or the upload's document."""
    doc = graph_iri("TCMKG.DOC:written")
    asks = (ASK, f"ASK {{ GRAPH <{doc}> {{ ?s ?p ?o }} }}")
    return any(client.get("/sparql", params={"query": q}).json()["boolean"] for q in asks)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, LiveServer]]:
    """Two live servers: one with writes enabled by a key, one with no key configured."""
    out: dict[str, LiveServer] = {}
    for name, key_hash in (("enabled", None), ("disabled", "")):
        store = open_store("memory:")
        fill(store)
        overrides = {} if key_hash is None else {"api_key_hash": key_hash}
        out[name] = start_server(create_app(store, settings(**overrides)), store)
    yield out
    for server in out.values():
        server.stop()
        server.store.close()


def _drop_mark(server: LiveServer) -> None:
    doc = graph_iri("TCMKG.DOC:written")
    server.store.update(f"DROP SILENT GRAPH <{MARK}> ; DROP SILENT GRAPH <{doc}>")


@pytest.mark.parametrize(
    ("name", "method", "path", "args"), WRITE_PATHS, ids=[w[0] for w in WRITE_PATHS]
)
@pytest.mark.parametrize(
    ("auth", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong-key"}, 401),
        ({"X-API-Key": "wrong-key"}, 401),
        ({"Authorization": f"Basic {API_KEY}"}, 401),
        ({"Authorization": "Bearer"}, 401),
    ],
    ids=["no-key", "wrong-bearer", "wrong-header", "basic-scheme", "empty-bearer"],
)
def test_write_refused_without_the_right_key(
    servers: dict[str, LiveServer],
    name: str,
    method: str,
    path: str,
    args: dict[str, Any],
    auth: dict[str, str],
    status: int,
) -> None:
    """No key or a wrong key: 401, and the store is unchanged."""
    server = servers["enabled"]
    _drop_mark(server)
    with httpx.Client(base_url=server.url) as client:
        r = _send(client, method, path, args, auth)
        assert r.status_code == status, r.text
        assert "key" in r.json()["detail"]
        assert not _written(client)


@pytest.mark.parametrize(
    ("name", "method", "path", "args"), WRITE_PATHS, ids=[w[0] for w in WRITE_PATHS]
)
@pytest.mark.parametrize(
    "auth",
    [{"Authorization": f"Bearer {API_KEY}"}, {"X-API-Key": API_KEY}],
    ids=["bearer", "header"],
)
def test_write_accepted_with_the_key(
    servers: dict[str, LiveServer],
    name: str,
    method: str,
    path: str,
    args: dict[str, Any],
    auth: dict[str, str],
) -> None:
    """The right key, in either header, is accepted and the write happens."""
    server = servers["enabled"]
    _drop_mark(server)
    with httpx.Client(base_url=server.url) as client:
        r = _send(client, method, path, args, auth)
        assert r.status_code in (200, 202, 204), r.text
        assert _written(client)


@pytest.mark.parametrize(
    ("name", "method", "path", "args"), WRITE_PATHS, ids=[w[0] for w in WRITE_PATHS]
)
def test_writes_disabled_without_configured_key(
    servers: dict[str, LiveServer], name: str, method: str, path: str, args: dict[str, Any]
) -> None:
    """With no key hash configured every write path is 403, whatever key is sent."""
    server = servers["disabled"]
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/health").json()["writes_enabled"] is False
        r = _send(client, method, path, args, {"Authorization": f"Bearer {API_KEY}"})
        assert r.status_code == 403
        assert "TCMKG_API_KEY_HASH" in r.json()["detail"]
        assert not _written(client)


def test_scrypt_hash_round_trip() -> None:
    """``tcmkg serve --hash-key`` hashes: salted (two hashes differ), and only the key matches."""
    first, second = hash_key("s3cret"), hash_key("s3cret")
    assert first != second and first.startswith("scrypt:")
    assert parse_key_hash(first).matches("s3cret")
    assert not parse_key_hash(first).matches("s3cret ")
    assert not parse_key_hash(second).matches("other")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("md5:abcd", "unknown key hash algorithm"),
        ("sha256:xyz", "malformed"),
        ("sha256:abcd", "64 hex digits"),
        ("scrypt:16384:8:1:00", "scrypt:N:R:P"),
        ("scrypt:1000:8:1:00:00", "power of two"),
    ],
)
def test_bad_key_hash_is_refused_at_start(text: str, reason: str) -> None:
    """A malformed TCMKG_API_KEY_HASH stops the server from starting, saying why."""
    with pytest.raises(KeyHashError, match=reason):
        create_app(open_store("memory:"), settings(api_key_hash=text))


def test_hash_key_cli(tmp_path: object) -> None:
    """``tcmkg serve --hash-key`` reads the key from stdin and prints a working hash line."""
    from typer.testing import CliRunner

    from tcmkg.cli import app

    result = CliRunner().invoke(app, ["serve", "--hash-key"], input="my key\n")
    assert result.exit_code == 0
    line = next(ln for ln in result.output.splitlines() if ln.startswith("TCMKG_API_KEY_HASH="))
    assert parse_key_hash(line.split("=", 1)[1]).matches("my key")
