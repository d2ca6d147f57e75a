"""Input limits through ``tcmkg ingest``: bombs, giant rows, bad offsets and garbage rows.

The same inputs as the upload tests of ``tests/security``, given to the command line: each
dropped or suspicious record is in the problems file with file, record and reason, the rest
of the file is written, and problem lists stay capped while their counts stay exact. All
documents are made up for these tests (PMIDs from 99,000,000).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ingest.problems import KEPT_PER_CODE, ProblemCode, ProblemLog
from kg.iri import graph_iri
from kg.store import open_store
from tcmkg.cli import app

runner = CliRunner()
MiB = 1 << 20


def ingest(tmp_path: Path, *inputs: Path) -> tuple[list[dict[str, Any]], set[str], str]:
    """Run ``tcmkg ingest``; return its problems file, the graphs written and its output."""
    problems = tmp_path / "problems.jsonl"
    location = f"oxigraph:{tmp_path / 'store'}"
    result = runner.invoke(
        app, ["ingest", *map(str, inputs), "--store", location, "--problems", str(problems)]
    )
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in problems.read_text(encoding="utf-8").splitlines()]
    store = open_store(location)
    try:
        graphs = set(store.named_graphs())
    finally:
        store.close()
    return listed, graphs, result.output


def named(problems: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Problems as (code, file, record)."""
    return [(p["code"], p["file"], p["record"]) for p in problems]


def test_gzip_bomb_is_stopped_at_the_ratio_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.tsv.gz"
    # 2.4 MB of concatenated gzip members that expand to 2.5 GB of 'A' after one good row.
    head = gzip.compress(b"pmid\tabstract\n99002001\tAstragalus root eased fatigue in rats.\n")
    path.write_bytes(head + gzip.compress(b"A" * MiB, 9) * 2_400)
    problems, graphs, _ = ingest(tmp_path, path)
    assert named(problems) == [("input.too_large", str(path), "line 3")]
    assert "compression-ratio limit of 100" in problems[0]["message"]
    assert graph_iri("PMID:99002001") in graphs


def test_row_above_the_line_limit_is_reported_and_the_rest_written(tmp_path: Path) -> None:
    path = tmp_path / "giant-row.tsv"
    path.write_bytes(
        b"pmid\tabstract\n99002101\tHuang qi reduced fatigue in mice.\n"
        + b"99002102\t"
        + b"word " * 3_400_000
        + b"\n99002103\tDan shen improved blood flow in rats.\n"
    )
    problems, graphs, _ = ingest(tmp_path, path)
    assert named(problems) == [("field.too_large", str(path), "row 2 (line 3)")]
    assert "17,000,010 bytes, above the line limit" in problems[0]["message"]
    assert {graph_iri("PMID:99002101"), graph_iri("PMID:99002103")} <= graphs


def test_pubtator_offsets_negative_or_not_numbers(tmp_path: Path) -> None:
    path = tmp_path / "offsets.pubtator"
    path.write_text(
        "99002201|t|Berberine lowers glucose.\n"
        "99002201|a|In illustrative mice.\n"
        "99002201\t0\t9\tBerberine\tChemical\tD999907\n"
        "99002201\t-5\t4\tBerberine\tChemical\tD999907\n"
        "99002201\tx\ty\tBerberine\tChemical\tD999907\n"
        "99002201\tCID\tD999907\tD999908\n"
    )
    problems, graphs, _ = ingest(tmp_path, path)
    assert named(problems) == [
        ("annotation.invalid", str(path), "record 1 (PMID:99002201, line 1; line 4)"),
        ("annotation.invalid", str(path), "record 1 (PMID:99002201, line 1; line 5)"),
    ]
    assert "negative" in problems[0]["message"]
    assert "'x', 'y' are not integers" in problems[1]["message"]
    assert graph_iri("PMID:99002201") in graphs


def test_garbage_rows_are_named_and_rows_without_text_not_written(tmp_path: Path) -> None:
    path = tmp_path / "garbage.tsv"
    path.write_bytes(
        b"pmid\ttitle\tabstract\n"
        b"99002301\tGood\tHuang qi reduced fatigue in mice.\n"
        b"99002302\t12345\t-- 678 --\n"
        b"99002303\tJunk\t\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\n"
        b"not-a-pmid\tOdd id\tDan shen improved blood flow in rats.\n"
        b"99002305\tDan shen eased angina in a trial.\n"
        b"99002306\tGood too\tBerberine lowered glucose in rats.\t\n"  # trailing tab: fine
    )
    problems, graphs, _ = ingest(tmp_path, path)
    assert [(p["code"], p["record"], p["severity"]) for p in problems] == [
        ("record.empty", "row 2 (line 3)", "error"),
        ("record.invalid", "row 3 (line 4)", "error"),
        ("record.suspicious", "row 4 (line 5)", "warning"),
        ("record.suspicious", "row 5 (line 6)", "warning"),
    ]
    assert all(p["file"] == str(path) for p in problems)
    assert "no text" in problems[0]["message"] and "binary data" in problems[1]["message"]
    assert "'not-a-pmid' is not a PMID" in problems[2]["message"]
    assert "row has 2 columns, the header 3" in problems[3]["message"]
    written = {graph_iri(c) for c in ("PMID:99002301", "PMID:99002305", "PMID:99002306")}
    assert written <= graphs
    assert not {graph_iri("PMID:99002302"), graph_iri("PMID:99002303")} & graphs


def test_million_bad_json_records_give_a_capped_list_and_exact_counts(tmp_path: Path) -> None:
    path = tmp_path / "dicts.json"
    count = 1_000_000
    path.write_bytes(b"[" + b"{}," * (count - 1) + b"{}]")
    problems, _, output = ingest(tmp_path, path)
    assert len(problems) == 1_001
    assert named(problems[:2]) == [
        ("record.invalid", str(path), "study 1"),
        ("record.invalid", str(path), "study 2"),
    ]
    assert problems[-1]["code"] == "problems.dropped"
    assert "999,000 more problems" in problems[-1]["message"]
    assert "record.invalid 1,000,000" in problems[-1]["message"]
    assert "1,000,000" in output  # the summary counts every one


def test_json_study_above_the_record_limit_is_skipped_and_the_next_read(tmp_path: Path) -> None:
    study = json.loads(Path(__file__).parent.joinpath("fixtures", "ctgov_page.json").read_text())[
        "studies"
    ][0]
    giant = {"protocolSection": {"items": [{}] * 200_000}}  # 200,000 objects: about 13 MB
    path = tmp_path / "studies.json"
    path.write_text(json.dumps([study, giant, study]))
    deep = tmp_path / "deep.json"
    deep.write_text("[" + "[" * 100_000 + "]" * 100_000 + "]")
    problems, graphs, _ = ingest(tmp_path, path, deep)
    assert named(problems) == [
        ("field.too_large", str(path), "study 2 (line 1)"),
        ("json.malformed", str(deep), "-"),
    ]
    assert "above the limit of 8,000,000 bytes" in problems[0]["message"]
    assert "nested too deeply" in problems[1]["message"]
    assert graph_iri(f"NCT:{study['protocolSection']['identificationModule']['nctId']}") in graphs


def test_log_keeps_the_first_problems_and_some_of_every_kind() -> None:
    log = ProblemLog(keep=3)
    for n in range(50):
        log.report(ProblemCode.RECORD_INVALID, "a.json", f"study {n + 1}", "bad")
    log.report(ProblemCode.INPUT_TOO_LARGE, "a.json", "line 1", "bomb")
    listed = list(log)
    assert len(log) == 51 and log.error_count == 51
    assert log.counts() == {"record.invalid": 50, "input.too_large": 1}
    assert [p.record for p in listed[:KEPT_PER_CODE]] == [
        f"study {n}" for n in range(1, KEPT_PER_CODE + 1)
    ]
    assert listed[KEPT_PER_CODE].code == "input.too_large"
    assert listed[-1].code == "problems.dropped" and listed[-1].message.startswith("40 more")
    assert len(listed) == KEPT_PER_CODE + 2


def test_json_string_above_the_token_limit_ends_the_file_after_the_studies_before(
    tmp_path: Path,
) -> None:
    study = json.loads(Path(__file__).parent.joinpath("fixtures", "ctgov_page.json").read_text())[
        "studies"
    ][0]
    path = tmp_path / "token.json"
    path.write_text(json.dumps({"studies": [study, {"x": "a" * 20_000_000}, study]}))
    problems, graphs, _ = ingest(tmp_path, path)
    assert named(problems) == [("field.too_large", str(path), "line 1")]
    assert "larger than 16,000,000 bytes" in problems[0]["message"]
    assert "after study 1" in problems[0]["message"]
    assert graph_iri(f"NCT:{study['protocolSection']['identificationModule']['nctId']}") in graphs
