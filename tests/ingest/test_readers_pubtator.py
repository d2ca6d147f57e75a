"""PubTator reader: documents, annotation hints whose offsets index the text, the real corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.problems import ProblemLog
from ingest.readers.pubtator import read_pubtator
from tests.conftest import shared_data

FIXTURE = Path(__file__).parent / "fixtures" / "pubtator_sample.txt"


def test_fixture_documents_and_annotations() -> None:
    log = ProblemLog()
    docs = list(read_pubtator(FIXTURE, log))
    assert not log, list(log)
    assert [d.id for d in docs] == ["PMID:99000011", "PMID:99000012"]
    first = docs[0]
    assert [(a.text, a.type, a.ids) for a in first.annotations] == [
        ("ginseng", "Chemical", ("MESH:D999903",)),
        ("fatigue", "Disease", ("MESH:D999904",)),
        ("ginseng", "Chemical", ()),  # -1: unmapped
    ]
    assert docs[1].annotations[0].ids == ("MESH:D999905", "MESH:C999906")  # composite id
    assert docs[1].trial_ids == ("NCT:NCT00000000",)
    assert docs[1].record_index == 2


def test_annotation_with_wrong_offsets_is_dropped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "shifted.pubtator"
    path.write_text(
        "99000031|t|Berberine lowers glucose.\n99000031|a|In illustrative mice.\n"
        "99000031\t0\t9\tBerberine\tChemical\tD999907\n"
        "99000031\t1\t10\tBerberine\tChemical\tD999907\n"
        "99000031\tx\t10\tBerberine\tChemical\n"
    )
    log = ProblemLog()
    docs = list(read_pubtator(path, log))
    assert [a.start for a in docs[0].annotations] == [0]
    assert [(p.code, p.severity, p.record) for p in log] == [
        ("annotation.invalid", "warning", "record 1 (PMID:99000031, line 1; line 4)"),
        # A mention line whose offset is not a number is reported, not taken for a relation.
        ("annotation.invalid", "warning", "record 1 (PMID:99000031, line 1; line 5)"),
    ]


@pytest.mark.slow
def test_bc5cdr_development_set_offsets_index_the_text() -> None:
    path = shared_data("bc5cdr_train_dev", "CDR_DevelopmentSet.PubTator.txt")
    log = ProblemLog()
    docs = list(read_pubtator(path, log))
    assert not log, list(log)[:5]
    assert len(docs) == 500
    assert all(d.id.startswith("PMID:") for d in docs)
    assert len({d.id for d in docs}) == 500
    mentions = [(d, a) for d in docs for a in d.annotations]
    assert len(mentions) == 9591  # every mention line of the set (SOURCE.md)
    assert all(d.text[a.start : a.end] == a.text for d, a in mentions)
    assert all(i.startswith("MESH:") for _, a in mentions for i in a.ids)


def test_biored_relation_lines_between_gene_ids_are_not_mentions(tmp_path: Path) -> None:
    # BioRED relation lines end in Novel/No and may pair two NCBI Gene ids (numbers).
    text = "TNF raised IL6. TNF raised IL6 levels in mice."
    path = tmp_path / "biored.PubTator"
    path.write_text(
        "99000951|t|TNF raised IL6.\n"
        "99000951|a|TNF raised IL6 levels in mice.\n"
        "99000951\t0\t3\tTNF\tGeneOrGeneProduct\t7124\n"
        "99000951\tAssociation\t7124\t3569\tNovel\n"
        "99000951\tPositive_Correlation\t7124\tD003920\tNo\n\n",
        encoding="utf-8",
    )
    log = ProblemLog()
    docs = list(read_pubtator(path, log))
    assert not log, list(log)
    assert docs[0].text == text
    assert [(a.text, a.ids) for a in docs[0].annotations] == [("TNF", ("NCBIGene:7124",))]
