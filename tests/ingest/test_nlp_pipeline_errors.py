"""What the ingest run does when extraction fails: bad input is a problem record and the run
goes on; a bug in the extractor ends the run loudly. Real pipeline, real in-memory store."""

from __future__ import annotations

from typing import cast

import pytest

from ingest.document import Document
from ingest.extract import ExtractionInputError, Extractor
from ingest.pipeline import extract_documents, ingest
from ingest.problems import ProblemLog
from kg import iri
from kg.store import GraphStore

# Written for these tests; illustrative, not from any paper. Ids are the project's own.
GOOD = Document(
    id="TCMKG.DOC:good", title="Berberine", abstract="Berberine reduced HbA1c.", record_index=2
)


def too_long() -> Document:
    """A document longer than the pipeline takes (a whole book pasted into one text file)."""
    return Document(
        id="TCMKG.DOC:book",
        title="A book",
        abstract="Berberine reduced HbA1c. " * 40_001,  # with the title, 1,000,032 characters
        source="book.txt",
        record_index=1,
    )


def test_a_text_the_extractor_cannot_take_is_reported_and_the_rest_written(
    memory_store: GraphStore,
) -> None:
    log = ProblemLog()
    summary = ingest([too_long(), GOOD], memory_store, log)
    assert (summary.documents, summary.written) == (2, 1)
    (problem,) = list(log)
    assert problem.code == "extract.failed"
    assert problem.file == "book.txt" and "record 1 (TCMKG.DOC:book)" in problem.record
    assert "1,000,032 characters is longer than the extractor takes" in problem.message
    assert memory_store.named_graphs() == [iri.graph_iri("TCMKG.DOC:good")]


def test_the_declared_input_error_of_the_extractor() -> None:
    extractor = Extractor(min_confidence=0.0)
    with pytest.raises(ExtractionInputError, match="longer than the extractor takes"):
        extractor.extract(too_long())
    outcomes = list(extract_documents([GOOD, too_long(), GOOD]))
    assert [o.extraction is not None for o in outcomes] == [True, False, True]
    assert outcomes[1].error is not None and "longer than" in outcomes[1].error


def test_a_bug_in_extraction_fails_loudly_and_is_no_problem_record(
    memory_store: GraphStore,
) -> None:
    # A reader that yields a malformed document (publication types that are not strings) is a
    # programming error: the run must stop with the error, not file it as a bad record.
    broken = Document(
        id="TCMKG.DOC:broken",
        title="Berberine",
        abstract="Berberine reduced HbA1c.",
        publication_types=cast(tuple[str, ...], (None,)),
    )
    log = ProblemLog()
    with pytest.raises(AttributeError):
        ingest([GOOD, broken], memory_store, log)
    assert list(log) == []
    with pytest.raises(AttributeError):
        list(extract_documents([broken], workers=2))
