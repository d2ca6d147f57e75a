"""The store commands as a user runs them: stats, query, load, export and their exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store, parse
from typer.testing import CliRunner

from kg import iri
from kg.model import (
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.writer import bundle_quads
from tcmkg.cli import app
from tests.virtuoso import VirtuosoServer

HERB = iri.herb_curie("Astragali Radix")
T2DM = "MESH:D003924"

runner = CliRunner()


def _nquads(record: str, label: str = "黄芪") -> bytes:
    bundle = RecordBundle(
        record=SourceRecord(id=record, kind=RecordKind.DOCUMENT, illustrative=True),
        entities=(
            Entity(id=HERB, kind=EntityKind.HERB, label=label),
            Entity(id=T2DM, kind=EntityKind.DISEASE, label="Diabetes Mellitus, Type 2"),
        ),
        claims=(
            Claim(
                HERB,
                Predicate.TREATS,
                T2DM,
                (EvidenceItem(source=record, design=StudyDesign.RCT, direction=Direction.BENEFIT),),
            ),
        ),
    )
    return b"".join(f"{q} .\n".encode() for q in bundle_quads(bundle))


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def store_location(tmp_path: Path) -> str:
    return f"oxigraph:{tmp_path / 'store'}"


@pytest.fixture
def loaded(tmp_path: Path, store_location: str) -> str:
    """A store with two illustrative records loaded through the CLI."""
    a = tmp_path / "a.nq"
    a.write_bytes(_nquads("TCMKG.DOC:cli-1"))
    b = tmp_path / "b.nq.gz"
    import gzip

    b.write_bytes(gzip.compress(_nquads("TCMKG.DOC:cli-2")))
    code, _, err = run("load", str(a), str(b), "--no-vocabulary", "--store", store_location)
    assert code == 0, err
    return store_location


def test_stats_counts_quads_and_graphs(loaded: str) -> None:
    code, out, _ = run("stats", "--store", loaded)
    assert code == 0
    assert "named graphs" in out
    assert " 2 " in out.split("named graphs")[1].splitlines()[0]


def test_query_from_rq_file_with_curie_parameter_as_csv(loaded: str, tmp_path: Path) -> None:
    rq = tmp_path / "evidence.rq"
    rq.write_text(
        "# Evidence items for claims about one herb.\n"
        "PREFIX biolink: <https://w3id.org/biolink/vocab/>\n"
        "PREFIX tcm: <https://w3id.org/tcmkg/ontology#>\n"
        "SELECT DISTINCT ?ev WHERE { ?c biolink:subject ?herb ; tcm:hasEvidence ?ev }\n"
        "ORDER BY ?ev\n",
        encoding="utf-8",
    )
    code, out, err = run(
        "query", str(rq), "--param", f"herb={HERB}", "--format", "csv", "--store", loaded
    )
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["ev"]
    assert len(rows) == 3  # one evidence item per record
    assert all(r[0].startswith(iri.PREFIXES["TCMKG.EVIDENCE"]) for r in rows[1:])


def test_query_json_and_tsv_are_sparql_results(loaded: str) -> None:
    text = "SELECT ?label WHERE { ?h <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    code, out, _ = run(
        "query", text, "-p", f"h=<{iri.expand(HERB)}>", "-f", "json", "--store", loaded
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["head"]["vars"] == ["label"]
    assert {b["label"]["value"] for b in doc["results"]["bindings"]} == {"黄芪"}
    code, out, _ = run("query", text, "-p", f"h={HERB}", "-f", "tsv", "--store", loaded)
    assert code == 0
    assert out.splitlines()[0] == "?label"
    assert set(out.splitlines()[1:]) == {'"黄芪"'}


def test_string_parameter_is_a_literal_not_query_text(loaded: str) -> None:
    text = "SELECT ?h WHERE { ?h <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    code, out, _ = run(
        "query", text, "-p", 'label=黄芪" } ?h ?p ?o {', "-f", "csv", "--store", loaded
    )
    assert code == 0
    assert out.splitlines() == ["h"]


def test_syntax_error_exits_2_with_the_parsers_message(loaded: str) -> None:
    code, _, err = run("query", "SELECT ?s WHERE { ?s ?p }", "--store", loaded)
    assert code == 2
    assert "syntax error" in err.lower()


def test_missing_query_file_exits_2(loaded: str, tmp_path: Path) -> None:
    code, _, err = run("query", str(tmp_path / "nope.rq"), "--store", loaded)
    assert code == 2
    assert "nope.rq" in err


def test_malformed_file_is_named_and_writes_nothing(store_location: str, tmp_path: Path) -> None:
    good = tmp_path / "good.nq"
    good.write_bytes(_nquads("TCMKG.DOC:cli-1"))
    bad = tmp_path / "bad.nq"
    bad.write_bytes(_nquads("TCMKG.DOC:cli-2") + b"<https://w3id.org/tcmkg/id/x> <oops\n")
    for bulk in ([], ["--bulk"]):
        code, _, err = run(
            "load", str(bad), str(good), *bulk, "--no-vocabulary", "--store", store_location
        )
        assert code == 2
        assert "bad.nq" in err and "line" in err
        code, out, _ = run(
            "query",
            "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            "-f",
            "csv",
            "--store",
            store_location,
        )
        assert out.splitlines()[1:] == [iri.graph_iri("TCMKG.DOC:cli-1")]


def test_wrong_encoding_is_reported(store_location: str, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.nt"
    latin1.write_bytes(
        '<http://example.org/h> <http://example.org/p> "Huángqí" .\n'.encode("latin-1")
    )
    code, _, err = run(
        "load", str(latin1), "--graph", iri.graph_iri("TCMKG.DOC:x"), "--store", store_location
    )
    assert code == 2
    assert "latin1.nt" in err


def test_export_formats_round_trip(loaded: str, tmp_path: Path) -> None:
    expected = set(
        parse(_nquads("TCMKG.DOC:cli-1") + _nquads("TCMKG.DOC:cli-2"), format=RdfFormat.N_QUADS)
    )
    for name, fmt, file in [
        ("nquads", RdfFormat.N_QUADS, "dump.nq"),
        ("trig", RdfFormat.TRIG, "dump.trig"),
        ("jsonld", RdfFormat.JSON_LD, "dump.jsonld"),
    ]:
        code, _, err = run("export", name, str(tmp_path / file), "--store", loaded)
        assert code == 0, err
        assert set(parse((tmp_path / file).read_bytes(), format=fmt)) == expected
    graph = iri.graph_iri("TCMKG.DOC:cli-1")
    code, out, _ = run("export", "ntriples", "-", "--graph", graph, "--store", loaded)
    assert code == 0
    triples = {q.triple for q in parse(out.encode(), format=RdfFormat.N_TRIPLES)}
    assert triples == {q.triple for q in expected if q.graph_name.value == graph}


def test_export_kgx_directory(loaded: str, tmp_path: Path) -> None:
    code, _, err = run("export", "kgx", str(tmp_path / "kgx"), "--store", loaded)
    assert code == 0, err
    edges = [json.loads(x) for x in (tmp_path / "kgx" / "edges.jsonl").read_text().splitlines()]
    assert [(e["subject"], e["predicate"], e["object"]) for e in edges] == [
        (HERB, "biolink:treats", T2DM)
    ]


def test_unknown_export_format_is_a_usage_error(loaded: str, tmp_path: Path) -> None:
    code, _, _ = run("export", "rdfa", str(tmp_path / "x"), "--store", loaded)
    assert code == 2


def test_locked_store_exits_2_naming_the_store(tmp_path: Path) -> None:
    path = tmp_path / "store"
    holder = Store(str(path))  # another process would hold the same lock
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tcmkg", "stats", "--store", f"oxigraph:{path}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        del holder
    assert done.returncode == 2
    assert str(path) in done.stderr
    assert "lock" in done.stderr.lower()


@pytest.mark.parametrize(
    "command",
    [["stats"], ["query", "ASK { ?s ?p ?o }"], ["export", "nquads", "-"], ["validate"]],
)
def test_reading_a_missing_store_exits_2_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "typo"
    code, _, err = run(*command, "--store", f"oxigraph:{path}")
    assert code == 2
    assert "no store at" in err and str(path) in err
    assert not path.exists()


def test_loading_into_a_new_store_creates_it(tmp_path: Path) -> None:
    source = tmp_path / "one.nq"
    source.write_bytes(_nquads("PMID:1"))
    path = tmp_path / "new"
    code, _, _ = run("load", str(source), "--no-vocabulary", "--store", f"oxigraph:{path}")
    assert code == 0
    code, out, _ = run("stats", "--store", f"oxigraph:{path}")
    assert code == 0 and "named graphs" in out


def test_unreachable_sparql_server_exits_2_naming_the_url() -> None:
    url = "http://127.0.0.1:9/sparql"  # the discard port: nothing answers there
    code, _, err = run("stats", "--store", f"sparql:{url}")
    assert code == 2
    assert url in err


@pytest.mark.virtuoso
def test_load_and_query_against_virtuoso(
    virtuoso_server: VirtuosoServer, virtuoso_store: object, tmp_path: Path
) -> None:
    a = tmp_path / "a.nq"
    a.write_bytes(_nquads("TCMKG.DOC:cli-1"))
    code, _, err = run("load", str(a), "--no-vocabulary", "--store", virtuoso_server.location)
    assert code == 0, err
    code, out, _ = run(
        "query",
        "SELECT ?label WHERE { ?h <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
        "-p",
        f"h={HERB}",
        "-f",
        "csv",
        "--store",
        virtuoso_server.location,
    )
    assert code == 0
    assert out.splitlines() == ["label", "黄芪"]
    code, _, err = run("query", "SELECT ?s WHERE { ?s ?p }", "--store", virtuoso_server.location)
    assert code == 2
    assert virtuoso_server.query_url in err
