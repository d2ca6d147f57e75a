"""PubMed XML reader on the synthetic fixture: every field a user relies on, plain and gzipped."""

from __future__ import annotations

import gzip
from pathlib import Path

from ingest.document import Deletion, Document, ReadItem
from ingest.problems import ProblemLog
from ingest.readers import read_documents, read_items
from ingest.readers.pubmed_xml import read_pubmed_xml
from kg.model import RecordKind

FIXTURE = Path(__file__).parent / "fixtures" / "pubmed_sample.xml"


def _read(path: Path) -> tuple[list[Document], ProblemLog]:
    log = ProblemLog()
    return [d for d in read_pubmed_xml(path, log) if isinstance(d, Document)], log


def _read_items(path: Path) -> tuple[list[ReadItem], ProblemLog]:
    log = ProblemLog()
    return list(read_pubmed_xml(path, log)), log


# An update file as NLM writes them: records, then the PMIDs deleted since the last file.
# Placeholder PMIDs (99,000,000 and above), illustrative text.
UPDATE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">99000301</PMID>
<Article><ArticleTitle>Illustrative update record.</ArticleTitle></Article>
<CommentsCorrectionsList><CommentsCorrections RefType="CommentOn"><RefSource>x</RefSource>
<PMID Version="1">99000399</PMID></CommentsCorrections></CommentsCorrectionsList>
</MedlineCitation></PubmedArticle>
<DeleteCitation>
<PMID Version="1">99000302</PMID>
<PMID Version="1">99000303</PMID>
</DeleteCitation>
</PubmedArticleSet>
"""


def test_delete_citation_gives_one_deletion_per_pmid_after_the_records(tmp_path: Path) -> None:
    path = tmp_path / "pubmed24n1234.xml"
    path.write_text(UPDATE, encoding="utf-8")
    items, log = _read_items(path)
    assert not log, list(log)
    assert items[0] == _read(path)[0][0] and items[0].id == "PMID:99000301"
    # The PMID a record cites (CommentsCorrections) is not a deletion.
    assert items[1:] == [
        Deletion("PMID:99000302", source=str(path), position=1, line=10),
        Deletion("PMID:99000303", source=str(path), position=2, line=11),
    ]
    assert items[1].where == f"{path}, DeleteCitation entry 1, line 10 (PMID:99000302)"


def test_malformed_pmid_in_delete_citation_is_reported_and_the_rest_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pubmed24n1235.xml"
    entries = ["99000302", "not-a-pmid", "", "\u00b2", "0", "0099000303"]
    listed = "".join(f'<PMID Version="1">{e}</PMID>\n' for e in entries)
    path.write_text(UPDATE.replace(UPDATE[UPDATE.index("<DeleteCitation>") :], "")
                    + f"<DeleteCitation>\n{listed}</DeleteCitation>\n</PubmedArticleSet>\n",
                    encoding="utf-8")  # fmt: skip
    items, log = _read_items(path)
    deletions = [i for i in items if isinstance(i, Deletion)]
    assert [(d.id, d.position) for d in deletions] == [("PMID:99000302", 1), ("PMID:99000303", 6)]
    problems = list(log)
    assert [p.code for p in problems] == ["record.no_id"] * 4
    assert {p.file for p in problems} == {str(path)}
    assert [p.record for p in problems] == [
        "DeleteCitation entry 2, line 11",
        "DeleteCitation entry 3, line 12",
        "DeleteCitation entry 4, line 13",
        "DeleteCitation entry 5, line 14",
    ]
    assert "'not-a-pmid' is not a PMID" in problems[0].message


def test_gzipped_update_file_gives_the_same_deletions(tmp_path: Path) -> None:
    plain = tmp_path / "pubmed24n1234.xml"
    plain.write_text(UPDATE, encoding="utf-8")
    packed = tmp_path / "packed" / "pubmed24n1234.xml.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    log = ProblemLog()
    items = list(read_items([packed], problems=log))
    assert not log
    assert [(type(i).__name__, i.id) for i in items] == [
        ("Document", "PMID:99000301"),
        ("Deletion", "PMID:99000302"),
        ("Deletion", "PMID:99000303"),
    ]
    # Callers that only extract get the documents alone.
    assert [d.id for d in read_documents([packed])] == ["PMID:99000301"]


def test_a_long_delete_citation_is_read_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "pubmed24n1236.xml.gz"
    listed = "".join(f"<PMID>{99_100_000 + i}</PMID>\n" for i in range(20_000))
    path.write_bytes(
        gzip.compress(f"<PubmedArticleSet><DeleteCitation>\n{listed}</DeleteCitation>"
                      "</PubmedArticleSet>".encode())
    )  # fmt: skip
    items, log = _read_items(path)
    assert not log
    assert len(items) == 20_000
    assert items[-1] == Deletion("PMID:99119999", str(path), 20_000, 20_001)


def test_a_record_whose_pmid_is_not_ascii_digits_is_reported_not_fatal(tmp_path: Path) -> None:
    # "\u00b2" passes str.isdigit() but is no number: the record is reported, the next read.
    path = tmp_path / "hostile.xml"
    record = "<PubmedArticle><MedlineCitation><PMID>{}</PMID><Article><ArticleTitle>t"
    record += "</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
    path.write_text(
        f"<PubmedArticleSet>{record.format(chr(0xB2))}{record.format('99000304')}"
        "</PubmedArticleSet>",
        encoding="utf-8",
    )
    docs, log = _read(path)
    assert [d.id for d in docs] == ["PMID:99000304"]
    ((code, record_label),) = [(p.code, p.record) for p in log]
    assert code == "record.no_id" and record_label.startswith("record 1 ")


def test_reads_every_record_with_its_fields() -> None:
    docs, log = _read(FIXTURE)
    assert not log, list(log)
    assert [d.id for d in docs] == ["PMID:99000001", "PMID:99000002", "PMID:99000003"]
    first = docs[0]
    assert first.title.startswith("Illustrative Astragalus decoction")  # inline <i> kept as text
    assert first.year == 2021
    assert first.journal == "Journal of Illustrative Herbal Medicine"
    assert first.doi == "10.5555/illustrative.0001"
    assert first.publication_types == ("Journal Article", "Randomized Controlled Trial")
    assert first.mesh_terms == ("MESH:D999901", "MESH:D999902")
    assert first.chemicals == ("MESH:C999901",)
    # Databank list first, then ids mentioned in the text.
    assert first.trial_ids == ("NCT:NCT00000001", "NCT:NCT00000000")
    assert first.revised == "2024-03-07"
    assert first.kind is RecordKind.PUBLICATION
    assert first.record_index == 1 and first.source == str(FIXTURE)
    assert not first.retracted


def test_labelled_abstract_is_joined_with_labels_and_sections_index_the_text() -> None:
    first = _read(FIXTURE)[0][0]
    assert first.abstract.startswith("BACKGROUND: This synthetic abstract")
    assert " METHODS: Participants were randomly assigned" in first.abstract
    labels = [s.label for s in first.sections]
    assert labels == ["TITLE", "BACKGROUND", "METHODS", "RESULTS"]
    methods = first.sections[2]
    assert first.text[methods.start : methods.end].startswith("Participants were randomly")
    assert first.text[methods.start : methods.end].endswith("(trial NCT00000000).")
    assert first.text == f"{first.title} {first.abstract}"


def test_year_falls_back_to_medline_date_then_article_date() -> None:
    docs = _read(FIXTURE)[0]
    assert docs[1].year == 2019  # MedlineDate "2019 Nov-Dec"
    assert docs[2].year == 2023  # no PubDate year: ArticleDate
    assert docs[1].journal == "Illus Pharmacol"  # ISO abbreviation when there is no title


def test_retraction_from_publication_type_or_retraction_notice() -> None:
    docs = _read(FIXTURE)[0]
    assert docs[1].retracted  # PublicationType "Retracted Publication"
    assert docs[2].retracted  # CommentsCorrections RefType="RetractionIn"
    assert docs[2].abstract == ""
    assert docs[2].to_record().retracted


def test_gzipped_file_reads_the_same(tmp_path: Path) -> None:
    packed = tmp_path / "pubmed25n0001.xml.gz"
    packed.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    plain = _read(FIXTURE)[0]
    log = ProblemLog()
    unpacked = list(read_documents([packed], problems=log))
    assert not log
    assert [(d.id, d.text, d.sections) for d in unpacked] == [
        (d.id, d.text, d.sections) for d in plain
    ]


def test_to_record_carries_the_graph_fields() -> None:
    first = _read(FIXTURE)[0][0]
    record = first.to_record()
    assert record.id == "PMID:99000001"
    assert record.year == 2021 and record.doi == "10.5555/illustrative.0001"
    assert record.trial_ids == first.trial_ids
    assert record.mesh_terms == first.mesh_terms
    assert record.kind is RecordKind.PUBLICATION


def test_deletions_after_a_broken_record_are_still_read_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "pubmed24n1237.xml"
    broken = UPDATE.replace("</ArticleTitle></Article>", "</ArticleTitle></Artcle>")
    path.write_text(broken, encoding="utf-8")
    items, log = _read_items(path)
    assert [p.code for p in log] == ["xml.malformed"]
    assert items == [
        Deletion("PMID:99000302", source=str(path), position=1, line=10),
        Deletion("PMID:99000303", source=str(path), position=2, line=11),
    ]


def test_a_broken_entry_of_delete_citation_loses_only_that_entry(tmp_path: Path) -> None:
    path = tmp_path / "pubmed24n1238.xml"
    listed = '<PMID Version="1">99000302</PMID>\n<PMID Version="1">99000305</PMD>\n'
    listed += '<PMID Version="1">99000303</PMID>\n'
    start = UPDATE.index("<DeleteCitation>")
    path.write_text(
        UPDATE[:start] + f"<DeleteCitation>\n{listed}</DeleteCitation>\n</PubmedArticleSet>\n",
        encoding="utf-8",
    )
    items, log = _read_items(path)
    (problem,) = list(log)
    assert problem.code == "xml.malformed"
    assert problem.record == "line 11 (DeleteCitation)"
    assert problem.message.endswith("reading resumes at the next entry of the list")
    assert [(i.id, getattr(i, "line", None)) for i in items] == [
        ("PMID:99000301", None),
        ("PMID:99000302", 10),
        ("PMID:99000303", 12),
    ]
