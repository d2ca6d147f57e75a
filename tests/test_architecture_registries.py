"""A format is one registration: the CLI and the API offer it with no other edit.

A toy input format and a toy export format registered by a fixture appear in ``tcmkg ingest
--help``, ``tcmkg extract --help``, ``tcmkg export --help`` and the API's OpenAPI enums of an
app built after the registration; the toy reader is chosen by its sniffer and its suffix, and
the toy export is served by ``GET /export``. The CLI and the API list the same export names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest
from typer.testing import CliRunner

from api.app import create_app
from ingest.document import Document, ReadItem
from ingest.problems import ProblemLog
from ingest.readers import (
    DEFAULT_LIMITS,
    ReaderFormat,
    ReaderLimits,
    detect_format,
    format_names,
    read_documents,
    register_reader,
    unregister_reader,
)
from kg.export import (
    EXPORT_ALIASES,
    ExportFormat,
    export_formats,
    register_export,
    unregister_export,
)
from kg.store import GraphStore, open_store
from tcmkg.cli import build_app
from tests.api.support import fill, settings, start_server

TOY_READER = "toy-lines"
TOY_EXPORT = "toy-count"
runner = CliRunner()


def read_toy_lines(
    path: Path, problems: ProblemLog, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Iterator[ReadItem]:
    """Each line after the ``#toy`` header is one document (its title and abstract)."""
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    for index, line in enumerate(lines, 1):
        yield Document(f"TCMKG.DOC:toy-{index}", line, line, source=str(path), record_index=index)


def write_quad_count(store: GraphStore, out: BinaryIO, graph: str | None) -> None:
    """The toy dump: the number of quads, as text."""
    out.write(f"{store.count()}\n".encode())


@pytest.fixture
def toy_formats() -> Iterator[None]:
    """A toy reader and a toy export format, registered for one test only."""
    register_reader(
        ReaderFormat(
            TOY_READER,
            read_toy_lines,
            "toy lines for a test",
            (".toy",),
            lambda first: first.startswith(b"#toy"),
        )
    )
    register_export(
        ExportFormat(TOY_EXPORT, "text/plain", "count.txt", "quad count", write_quad_count)
    )
    try:
        yield
    finally:
        unregister_reader(TOY_READER)
        unregister_export(TOY_EXPORT)


def help_text(*args: str) -> str:
    result = runner.invoke(build_app(), [*args, "--help"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # help is wrapped: compare on words


def openapi_enums(schema: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The upload formats of POST /ingest and the formats of GET /export in ``schema``."""
    body = schema["paths"]["/ingest"]["post"]["requestBody"]["content"]["multipart/form-data"]
    upload = body["schema"]["properties"]["format"]["enum"]
    [param] = [p for p in schema["paths"]["/export"]["get"]["parameters"] if p["name"] == "format"]
    return upload, param["schema"]["enum"]


def test_registered_formats_appear_in_the_cli_help(toy_formats: None) -> None:
    assert TOY_READER in help_text("ingest")
    assert TOY_READER in help_text("extract")
    assert TOY_EXPORT in help_text("export")


def test_registered_formats_appear_in_the_openapi_enums(toy_formats: None) -> None:
    store = open_store("memory:")
    try:
        upload, export = openapi_enums(create_app(store, settings()).openapi())
    finally:
        store.close()
    assert upload == format_names() and TOY_READER in upload
    assert export == [fmt.name for fmt in export_formats()] and TOY_EXPORT in export


def test_formats_registered_later_are_gone_again() -> None:
    assert TOY_READER not in help_text("ingest")
    store = open_store("memory:")
    try:
        upload, export = openapi_enums(create_app(store, settings()).openapi())
    finally:
        store.close()
    assert TOY_READER not in upload and TOY_EXPORT not in export


def test_toy_reader_is_found_by_content_and_by_suffix(toy_formats: None, tmp_path: Path) -> None:
    sniffed = tmp_path / "notes.dat"
    sniffed.write_text("#toy\nAstragali Radix for fatigue\n", encoding="utf-8")
    by_suffix = tmp_path / "more.toy"
    by_suffix.write_text("no header line\nGinseng\n", encoding="utf-8")
    assert detect_format(sniffed) == TOY_READER
    assert detect_format(by_suffix) == TOY_READER
    docs = list(read_documents([sniffed]))
    assert [(d.id, d.title) for d in docs] == [("TCMKG.DOC:toy-1", "Astragali Radix for fatigue")]


def test_toy_export_is_served_by_the_cli_and_the_api(toy_formats: None, tmp_path: Path) -> None:
    location = f"oxigraph:{tmp_path / 'store'}"
    store = open_store(location)
    fill(store)
    count = store.count()
    store.close()
    out = tmp_path / "count.txt"
    result = runner.invoke(build_app(), ["export", TOY_EXPORT, str(out), "--store", location])
    assert result.exit_code == 0, result.output
    assert out.read_text() == f"{count}\n"

    store = open_store(location)
    live = start_server(create_app(store, settings()), store)
    try:
        r = httpx.get(f"{live.url}/export", params={"format": TOY_EXPORT}, timeout=30)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/plain")
        assert 'filename="count.txt"' in r.headers["content-disposition"]
        assert r.text == f"{count}\n"
    finally:
        live.stop()
        store.close()


def test_cli_and_api_list_the_same_export_names() -> None:
    store = open_store("memory:")
    try:
        _, api_names = openapi_enums(create_app(store, settings()).openapi())
    finally:
        store.close()
    text = help_text("export")
    listed = re.findall(r"(\w+) \(", text.split("Export format:", 1)[1])
    assert listed[: len(api_names)] == api_names
    # the older CLI spelling stays accepted, listed apart as what it is
    assert list(EXPORT_ALIASES) == ["kgx"] and "also kgx (" in text
