"""Reader registry: format detection, directories, the problem log a run summary is built from."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from ingest.problems import DESCRIPTIONS, ProblemCode, ProblemLog
from ingest.readers import READERS, detect_format, read_documents

FIXTURES = Path(__file__).parent / "fixtures"


def test_every_format_is_registered() -> None:
    assert set(READERS) == {"pubmed-xml", "pubtator", "tsv", "text", "ctgov"}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.xml", b'<?xml version="1.0"?>\n<PubmedArticleSet/>', "pubmed-xml"),
        ("efetch.dat", b"<PubmedArticleSet>\n</PubmedArticleSet>", "pubmed-xml"),
        ("cdr.txt", b"123|t|A title\n123|a|An abstract\n", "pubtator"),
        ("page.dat", b'{"studies": [{"protocolSection": {}}]}', "ctgov"),
        ("rows.dat", b"PMID\tYear\tAbstract\n1\t2000\tx\n", "tsv"),
        ("rows.csv", b"id,body_text\n1,x\n", "tsv"),  # by extension
        ("note.txt", b"A plain note\nabout herbs.\n", "text"),
        ("note.md", b"Plain text, no known columns", "text"),
        ("studies.jsonl", b'{"protocolSection": {}}\n', "ctgov"),
    ],
)
def test_detect_format(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) == expected


def test_detect_format_looks_inside_gzip(tmp_path: Path) -> None:
    path = tmp_path / "pubmed25n0001.xml.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf<?xml version='1.0'?><PubmedArticleSet/>"))
    assert detect_format(path) == "pubmed-xml"


def test_directory_of_mixed_formats(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "nested").mkdir(parents=True)
    shutil.copy(FIXTURES / "pubmed_sample.xml", corpus / "nested" / "pubmed.xml")
    shutil.copy(FIXTURES / "pubtator_sample.txt", corpus / "cdr.txt")
    shutil.copy(FIXTURES / "ctgov_page.json", corpus / "trials.json")
    (corpus / "note.txt").write_text("A note\nAbout Astragali Radix.")
    (corpus / ".hidden.txt").write_text("never read")
    log = ProblemLog()
    docs = list(read_documents([corpus], problems=log))
    assert [d.id for d in docs] == [
        "PMID:99000011",
        "PMID:99000012",
        "PMID:99000001",
        "PMID:99000002",
        "PMID:99000003",
        "TCMKG.DOC:note",
        "NCT:NCT00000000",
        "NCT:NCT00000001",
    ]
    assert log.counts() == {"record.no_id": 1, "record.invalid": 1}


def test_forced_format_and_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "cdr.dat"
    shutil.copy(FIXTURES / "pubtator_sample.txt", path)
    assert [d.title for d in read_documents([path], fmt="text")] == [
        "99000011|t|Illustrative title about ginseng and fatigue."
    ]
    with pytest.raises(ValueError, match="unknown input format 'pdf'"):
        list(read_documents([path], fmt="pdf"))


def test_problem_log_counts_and_jsonl(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"pmid\tabstract\n1\tok\n2\t\xff\n3\t\xfe\n")
    log = ProblemLog()
    docs = list(read_documents([bad, tmp_path / "missing.xml"], problems=log))
    assert [d.id for d in docs] == ["PMID:1"]
    assert log.counts() == {"encoding.invalid": 2, "file.unreadable": 1}
    assert len(log.errors) == 3
    out = tmp_path / "problems.jsonl"
    assert log.write_jsonl(out) == 3
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0] == {
        "code": "encoding.invalid",
        "file": str(bad),
        "record": "row 2 (line 3)",
        "message": rows[0]["message"],
        "severity": "error",
    }
    assert str(next(iter(log))).startswith(f"{bad}: row 2 (line 3): [encoding.invalid]")


def test_every_problem_code_is_described() -> None:
    assert set(DESCRIPTIONS) == set(ProblemCode)
    assert all(text.strip() for text in DESCRIPTIONS.values())
