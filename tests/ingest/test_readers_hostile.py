"""Hostile input: each bad file or record gives a clear problem and the rest is still read."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

import pytest

from ingest.document import Document
from ingest.problems import Problem, ProblemLog
from ingest.readers import read_documents

FIXTURES = Path(__file__).parent / "fixtures"


def _article(pmid: int, abstract: str = "Synthetic abstract.", title: str = "Title") -> str:
    return (
        "<PubmedArticle><MedlineCitation><PMID>"
        f"{pmid}</PMID><Article><ArticleTitle>{title}</ArticleTitle>"
        f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract></Article>"
        "</MedlineCitation></PubmedArticle>\n"
    )


def _xml(*articles: str, doctype: str = "") -> str:
    return f'<?xml version="1.0"?>\n{doctype}<PubmedArticleSet>\n{"".join(articles)}'


def _read(*paths: Path, fmt: str = "auto") -> tuple[list[Document], list[Problem]]:
    log = ProblemLog()
    docs = list(read_documents(paths, fmt=fmt, problems=log))
    return docs, list(log)


def _only(problems: list[Problem], code: str) -> Problem:
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, problems
    return matching[0]


def test_truncated_xml_keeps_records_before_the_cut(tmp_path: Path) -> None:
    text = _xml(_article(99000101), _article(99000102), _article(99000103))
    path = tmp_path / "truncated.xml"
    path.write_text(text[: text.rindex("<PubmedArticle>") + 60])
    docs, problems = _read(path)
    assert [d.id for d in docs] == ["PMID:99000101", "PMID:99000102"]
    problem = _only(problems, "xml.malformed")
    assert problem.file == str(path)
    assert "PMID:99000102" in problem.message  # the last good record
    assert problem.record.startswith("line ")


def test_malformed_record_is_skipped_and_reading_resumes(tmp_path: Path) -> None:
    broken = _article(99000202).replace("</ArticleTitle>", "</ArticleTitel>")
    path = tmp_path / "malformed.xml"
    path.write_text(_xml(_article(99000201), broken, _article(99000203)) + "</PubmedArticleSet>\n")
    docs, problems = _read(path)
    assert [d.id for d in docs] == ["PMID:99000201", "PMID:99000203"]
    problem = _only(problems, "xml.malformed")
    assert problem.record == "line 4 (PMID:99000202)"
    assert "ArticleTitel" in problem.message or "mismatch" in problem.message


def test_billion_laughs_is_not_expanded(tmp_path: Path) -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    doctype = "<!DOCTYPE PubmedArticleSet [\n" + "\n".join(levels) + "\n]>\n"
    bomb = _article(99000302).replace("<PMID>", '<PMID Version="&lol9;">')
    path = tmp_path / "laughs.xml"
    path.write_text(
        _xml(
            _article(99000301),
            bomb,
            _article(99000303, "x &lol9; y"),
            _article(99000304),
            doctype=doctype,
        )
        + "</PubmedArticleSet>\n"
    )
    started = time.perf_counter()
    docs, problems = _read(path)
    assert time.perf_counter() - started < 5
    assert [d.id for d in docs] == ["PMID:99000301", "PMID:99000304"]
    assert all("lol" not in d.text for d in docs)
    entity_problems = [p for p in problems if p.code == "xml.entity"]
    assert entity_problems[0].record == "DOCTYPE" and "lol9" in entity_problems[0].message
    # Each record that used an entity is named.
    named = {p.record for p in entity_problems[1:]}
    assert named == {"line 16 (PMID:99000302)", "line 17 (PMID:99000303)"}


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP server that records every connection it receives."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            received.append(connection.recv(1024))
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


def test_external_entities_are_neither_read_nor_fetched(
    tmp_path: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    doctype = (
        "<!DOCTYPE PubmedArticleSet [\n"
        f'<!ENTITY local SYSTEM "file://{secret}">\n'
        '<!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
        f'<!ENTITY remote SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n'
        f'<!ENTITY % param SYSTEM "http://127.0.0.1:{port}/param.dtd">\n'
        "%param;\n"
        "]>\n"
    )
    path = tmp_path / "external.xml"
    path.write_text(
        _xml(
            _article(99000401, "&local; &passwd;"),
            _article(99000402, "&remote;"),
            _article(99000403),
            doctype=doctype,
        )
        + "</PubmedArticleSet>\n"
    )
    docs, problems = _read(path)
    time.sleep(0.3)  # give a stray connection time to arrive
    assert received == []
    assert [d.id for d in docs] == ["PMID:99000403"]
    assert all("TOP-SECRET" not in d.text and "root:" not in d.text for d in docs)
    assert {p.code for p in problems} == {"xml.entity"}
    assert {p.record for p in problems} >= {"DOCTYPE", "line 10 (PMID:99000401)"}


def test_invalid_utf8_skips_only_the_row_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "abstracts.tsv"
    path.write_bytes(
        b"pmid\ttitle\tabstract\n"
        b"99000501\tGood\tFine text.\n"
        b"99000502\tBad\tLatin-1 caf\xe9 here.\n"
        b"99000503\tGood too\tMore text.\n"
    )
    docs, problems = _read(path)
    assert [d.id for d in docs] == ["PMID:99000501", "PMID:99000503"]
    problem = _only(problems, "encoding.invalid")
    assert problem.record == "row 2 (line 3)" and problem.file == str(path)
    assert "\\xe9" in problem.message


def test_invalid_utf8_in_pubtator_and_text_files(tmp_path: Path) -> None:
    pubtator = tmp_path / "docs.pubtator"
    pubtator.write_bytes(
        b"99000601|t|Good.\n99000601|a|Fine.\n\n"
        b"99000602|t|Bad \xff title.\n99000602|a|Text.\n\n"
        b"99000603|t|Good.\n99000603|a|Fine.\n"
    )
    text = tmp_path / "note.txt"
    text.write_bytes(b"Heading\nline two\nline \xc3\x28 three\n")
    docs, problems = _read(pubtator, text)
    assert [d.id for d in docs] == ["PMID:99000601", "PMID:99000603"]
    assert [(p.code, p.record) for p in problems] == [
        ("encoding.invalid", "record 2 (PMID:99000602, line 4)"),
        ("encoding.invalid", "line 3"),
    ]


def test_five_megabyte_abstract_is_refused_quickly_in_every_format(tmp_path: Path) -> None:
    giant = "word " * 1_000_000  # 5 MB
    xml = tmp_path / "giant.xml"
    xml.write_text(
        _xml(_article(99000701), _article(99000702, giant), _article(99000703))
        + "</PubmedArticleSet>"
    )
    tsv = tmp_path / "giant.tsv"
    tsv.write_text(f"pmid\tabstract\n99000711\tsmall\n99000712\t{giant}\n99000713\tsmall\n")
    pubtator = tmp_path / "giant.pubtator"
    pubtator.write_text(
        f"99000721|t|T\n99000721|a|small\n\n99000722|t|T\n99000722|a|{giant}\n\n"
        "99000723|t|T\n99000723|a|small\n"
    )
    started = time.perf_counter()
    docs, problems = _read(xml, tsv, pubtator)
    assert time.perf_counter() - started < 10
    assert [d.id for d in docs] == [
        "PMID:99000701",
        "PMID:99000703",
        "PMID:99000711",
        "PMID:99000713",
        "PMID:99000721",
        "PMID:99000723",
    ]
    assert [(p.code, p.file, p.record) for p in problems] == [
        ("field.too_large", str(xml), "record 2 (PMID:99000702)"),
        ("field.too_large", str(tsv), "row 2 (line 3)"),
        ("field.too_large", str(pubtator), "record 2 (PMID:99000722, line 4)"),
    ]
    assert "above the limit of 1,000,000" in problems[0].message


def test_table_with_missing_columns_reads_nothing_and_says_what_it_found(tmp_path: Path) -> None:
    path = tmp_path / "no_text.csv"
    path.write_text("pmid,title,year\n99000801,Only a title,2020\n")
    docs, problems = _read(path, fmt="tsv")
    assert docs == []
    problem = _only(problems, "column.missing")
    assert problem.file == str(path)
    assert (
        "'abstract' or 'text'" in problem.message and "'pmid', 'title', 'year'" in problem.message
    )


@pytest.mark.parametrize("fmt", ["pubmed-xml", "pubtator", "tsv", "text", "ctgov"])
def test_empty_file_is_reported_by_every_reader(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "empty.dat"
    path.write_bytes(b"")
    docs, problems = _read(path, fmt=fmt)
    assert docs == []
    if fmt == "pubtator":  # an empty PubTator file is an empty collection, not an error
        assert problems == []
    else:
        assert [(p.code, p.file) for p in problems] == [("file.empty", str(path))]


def test_gz_that_is_not_gzip_and_gzip_cut_short(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xml.gz"
    fake.write_text(_xml(_article(99000901)))
    # Hashes as abstracts compress poorly, so half the compressed bytes hold many records.
    articles = (_article(99000910 + i, sha256(bytes([i])).hexdigest() * 8) for i in range(40))
    full = gzip.compress((_xml(*articles) + "</PubmedArticleSet>").encode())
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(full[: len(full) // 2])
    good = tmp_path / "good.tsv"
    good.write_text("pmid\tabstract\n99000999\tStill read after the broken files.\n")
    docs, problems = _read(fake, cut, good)
    assert [p.code for p in problems] == ["gzip.invalid", "gzip.invalid"]
    assert problems[0].file == str(fake) and "not gzip" in problems[0].message
    assert problems[1].file == str(cut)
    # The good file after them is read, and so is the readable part of the cut one.
    assert docs[-1].id == "PMID:99000999"
    cut_docs = docs[:-1]
    assert len(cut_docs) >= 10
    assert all(d.id.startswith("PMID:990009") for d in cut_docs)


def test_malformed_json_and_wrong_shapes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"studies": [ {"protocolSection": ')
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    lines = tmp_path / "studies.jsonl"
    good = FIXTURES.joinpath("ctgov_page.json").read_text()
    first_study = json.dumps(json.loads(good)["studies"][0])
    lines.write_text(f"{first_study}\n{{not json\n\n{first_study}\n")
    docs, problems = _read(broken, deep, lines)
    assert [d.id for d in docs] == ["NCT:NCT00000000", "NCT:NCT00000000"]
    assert [(p.code, p.file, p.record) for p in problems] == [
        ("json.malformed", str(broken), "line 1"),
        ("json.malformed", str(deep), "-"),
        ("json.malformed", str(lines), "line 2"),
    ]


def test_unreadable_path_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("A title\nA body.")
    docs, problems = _read(tmp_path / "missing.xml", good)
    assert [d.id for d in docs] == ["TCMKG.DOC:good"]
    assert [(p.code, p.file) for p in problems] == [
        ("file.unreadable", str(tmp_path / "missing.xml"))
    ]
