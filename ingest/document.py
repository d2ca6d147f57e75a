"""The document every reader yields: one paper, trial registration, table row or text file.

Whatever the input format, extraction sees the same shape. Its :attr:`Document.text` is
``title + " " + abstract`` (the PubTator convention), and every offset it carries — abstract
sections, PubTator annotations — indexes into that text, so a sentence found by extraction can be
traced back to the characters of its source.

A reader may also yield a :class:`Deletion`: the source's word that a record it published
earlier is withdrawn (PubMed's ``DeleteCitation``). It carries no text and is never extracted;
the ingest run drops the record's named graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.model import RecordKind, SourceRecord


@dataclass(frozen=True, slots=True)
class Section:
    """A labelled part of the text (``BACKGROUND``, ``METHODS`` …): ``text[start:end]``."""

    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Annotation:
    """A mention given by the source (PubTator): ``text[start:end] == text`` of the mention.

    ``type`` is the source's entity type (``Chemical``, ``Disease`` …) and ``ids`` its
    normalised identifiers as CURIEs (``MESH:D003920``); ``-1`` (unmapped) gives no id.
    """

    start: int
    end: int
    text: str
    type: str
    ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TrialInfo:
    """What a ClinicalTrials.gov registration says about the trial itself."""

    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()  # "TYPE: name", e.g. "DRUG: Huangqi granules"
    study_type: str | None = None  # INTERVENTIONAL, OBSERVATIONAL …
    phases: tuple[str, ...] = ()  # PHASE2, PHASE3 …
    allocation: str | None = None  # RANDOMIZED, NON_RANDOMIZED, NA
    intervention_model: str | None = None  # PARALLEL, CROSSOVER …
    masking: str | None = None  # NONE, DOUBLE, QUADRUPLE …
    primary_purpose: str | None = None  # TREATMENT, PREVENTION …
    enrollment: int | None = None
    enrollment_type: str | None = None  # ACTUAL or ESTIMATED
    status: str | None = None  # overallStatus: COMPLETED, RECRUITING …
    start_date: str | None = None  # as registered: "2019-03" or "2019-03-15"
    has_results: bool = False
    brief_summary: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """One input document, as extraction sees it.

    ``id`` is a CURIE: ``PMID:123``, ``NCT:NCT01234567``, or ``TCMKG.DOC:<slug>`` for a text
    file or table row without a PMID. ``source`` is the file it was read from and
    ``record_index`` its 1-based position there, so that a problem found later can still name
    the file and record.
    """

    id: str
    title: str
    abstract: str
    year: int | None = None
    journal: str | None = None
    doi: str | None = None
    publication_types: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()  # MeSH descriptor CURIEs: MESH:D…
    chemicals: tuple[str, ...] = ()  # substance CURIEs from the chemical list: MESH:D…/MESH:C…
    trial_ids: tuple[str, ...] = ()  # NCT CURIEs from the databank list or the text
    sections: tuple[Section, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    kind: RecordKind = RecordKind.PUBLICATION
    source: str = ""
    record_index: int = 0
    revised: str | None = None  # source's revision date, ISO (YYYY-MM-DD)
    retracted: bool = False
    trial: TrialInfo | None = None
    illustrative: bool = False  # bundled example text written by the project

    @property
    def text(self) -> str:
        """``title + " " + abstract``: the text every offset of this document indexes into."""
        return f"{self.title} {self.abstract}"

    @property
    def where(self) -> str:
        """Where the document came from, for messages: ``file, record N (id)``."""
        return f"{self.source}, record {self.record_index} ({self.id})"

    def to_record(self) -> SourceRecord:
        """The graph's source record for this document (its named graph is minted from it)."""
        return SourceRecord(
            id=self.id,
            kind=self.kind,
            title=self.title or None,
            year=self.year,
            journal=self.journal,
            doi=self.doi,
            publication_types=self.publication_types,
            mesh_terms=self.mesh_terms,
            trial_ids=self.trial_ids,
            revised=self.revised,
            retracted=self.retracted,
            illustrative=self.illustrative,
        )


@dataclass(frozen=True, slots=True)
class Deletion:
    """The source withdraws a record: ``id`` is its CURIE (``PMID:123``).

    Read from a PubMed/MEDLINE update or baseline file's ``DeleteCitation`` list. ``source`` is
    the file, ``position`` the entry's 1-based place among the list's entries read (an entry
    lost to broken XML is not counted) and ``line`` the file line it is on (0 when unknown),
    so that a message about it can name where it was read.
    """

    id: str
    source: str = ""
    position: int = 0
    line: int = 0

    @property
    def label(self) -> str:
        """The entry within its file, for problems: ``DeleteCitation entry N, line L (id)``."""
        line = f", line {self.line}" if self.line else ""
        return f"DeleteCitation entry {self.position}{line} ({self.id})"

    @property
    def where(self) -> str:
        """Where the deletion was read, for messages: ``file, DeleteCitation entry N …``."""
        return f"{self.source}, {self.label}"


# What a reader yields: a document to extract, or a record to withdraw.
ReadItem = Document | Deletion
