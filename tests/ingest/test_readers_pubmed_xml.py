"""PubMed XML reader on the synthetic fixture: every field a user relies on, plain and gzipped."""

from __future__ import annotations

import gzip
from pathlib import Path

from ingest.document import Document
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from ingest.readers.pubmed_xml import read_pubmed_xml
from kg.model import RecordKind

FIXTURE = Path(__file__).parent / "fixtures" / "pubmed_sample.xml"


def _read(path: Path) -> tuple[list[Document], ProblemLog]:
    log = ProblemLog()
    return list(read_pubmed_xml(path, log)), log


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
