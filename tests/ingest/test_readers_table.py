"""Abstract tables (TSV/CSV): columns by name, quoting, ids, the real DFI abstract corpus."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.problems import ProblemLog
from ingest.readers.table import read_table
from kg.model import RecordKind
from tests.conftest import shared_data

FIXTURE = Path(__file__).parent / "fixtures" / "table_sample.tsv"


def test_fixture_rows() -> None:
    log = ProblemLog()
    docs = list(read_table(FIXTURE, log))
    assert len(docs) == 3
    first, unnamed, bad_year = docs
    assert first.id == "PMID:99000021" and first.year == 2020
    assert first.kind is RecordKind.PUBLICATION
    assert first.text == "An illustrative table row. Synthetic abstract text about Coptis."
    # Quoted field with a doubled quote and a tab inside, and no id: a stable content id.
    assert unnamed.abstract == 'Text with a "quoted" word\tand a tab.'
    assert unnamed.id.startswith("TCMKG.DOC:table-sample-")
    assert unnamed.kind is RecordKind.DOCUMENT and unnamed.year == 2018
    assert bad_year.year is None
    assert [(p.code, p.severity) for p in log] == [("field.invalid", "warning")]
    assert "row 3" in next(iter(log)).record


def test_csv_with_columns_in_another_order_and_case(tmp_path: Path) -> None:
    path = tmp_path / "abstracts.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Text", "Journal", "ID", "DOI"])
        writer.writerow(["Body, with a comma\nand a line break.", "J Illus", "NCT00000000", ""])
        writer.writerow(["Second body.", "", "my-note-7", "10.5555/x"])
    log = ProblemLog()
    docs = list(read_table(path, log))
    assert not log, list(log)
    assert docs[0].abstract == "Body, with a comma\nand a line break."
    assert docs[0].id == "NCT:NCT00000000" and docs[0].kind is RecordKind.CLINICAL_TRIAL
    assert docs[0].journal == "J Illus" and docs[0].doi is None
    assert docs[1].id == "TCMKG.DOC:my-note-7" and docs[1].doi == "10.5555/x"


def test_content_id_does_not_depend_on_row_order(tmp_path: Path) -> None:
    rows = ["text\n", "first body\n", "second body\n"]
    one, two = tmp_path / "a.tsv", tmp_path / "b" / "a.tsv"
    two.parent.mkdir()
    one.write_text("".join(rows))
    two.write_text("".join([rows[0], rows[2], rows[1]]))
    ids_one = {d.abstract: d.id for d in read_table(one, ProblemLog())}
    ids_two = {d.abstract: d.id for d in read_table(two, ProblemLog())}
    assert ids_one == ids_two and len(set(ids_one.values())) == 2


@pytest.mark.slow
def test_dfi_pubmed_abstracts() -> None:
    path = shared_data("dfi_pubmed_abstracts", "dfi_pubmed_abstracts.tsv")
    log = ProblemLog()
    docs = list(read_table(path, log))
    assert not log, list(log)[:5]
    assert len(docs) == 2267
    assert all(d.id.startswith("PMID:") for d in docs)
    assert len({d.id for d in docs}) == 2267
    years = [d.year for d in docs if d.year is not None]
    assert len(years) > 2100  # a few rows have an empty pubdate
    assert all(1900 < y < 2030 for y in years)
    assert all(d.abstract or d.title for d in docs)
    # The row numbers name records a user can find again in the file.
    assert [d.record_index for d in docs[:3]] == [1, 2, 3]
