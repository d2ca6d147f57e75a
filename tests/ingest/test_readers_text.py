"""Plain-text reader: one document per file."""

from __future__ import annotations

from pathlib import Path

from ingest.problems import ProblemLog
from ingest.readers.text import read_text
from kg.model import RecordKind


def test_first_line_is_the_title_and_the_rest_the_abstract(tmp_path: Path) -> None:
    path = tmp_path / "Hospital Note 01.txt"
    path.write_text(
        "\ufeff\n  Huangqi granules note  \n\nFirst paragraph (NCT00000000).\n\nSecond.\n"
    )
    log = ProblemLog()
    (doc,) = read_text(path, log)
    assert not log
    assert doc.id == "TCMKG.DOC:hospital-note-01"
    assert doc.title == "Huangqi granules note"
    assert doc.abstract == "First paragraph (NCT00000000).\n\nSecond."
    assert doc.kind is RecordKind.DOCUMENT and doc.record_index == 1
    assert doc.trial_ids == ("NCT:NCT00000000",)
    assert doc.to_record().kind is RecordKind.DOCUMENT


def test_utf16_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("Title\nBody".encode("utf-16"))
    log = ProblemLog()
    assert list(read_text(path, log)) == []
    (problem,) = log
    assert problem.code == "encoding.invalid" and "UTF-16" in problem.message
