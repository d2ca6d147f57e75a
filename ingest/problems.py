"""Problems found in input: one catalogue of codes, and a log that collects them.

Readers treat their input as hostile. A bad record does not raise out of a reader: it becomes a
:class:`Problem` naming the file, the record and the reason, collected in a :class:`ProblemLog`
that the run summary (and ``problems.jsonl``) reports. Programming errors still raise.

A log keeps the first :data:`DEFAULT_PROBLEMS_KEPT` problems in full (``TCMKG_MAX_PROBLEMS_KEPT``
for the command line and the API), and the first :data:`KEPT_PER_CODE` of every code after them
(so that the one ``input.too_large`` after a million ``record.invalid`` is still listed), and
only counts the rest, by code, so that a file of millions of bad records cannot exhaust memory;
the problems it lists then end with one ``problems.dropped`` entry saying how many more there
were.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    """How bad a problem is: ``error`` loses data (a record or file skipped), ``warning`` not."""

    ERROR = "error"
    WARNING = "warning"


class ProblemCode(StrEnum):
    """Catalogue of problem codes; :data:`DESCRIPTIONS` says what each one means."""

    FILE_UNREADABLE = "file.unreadable"
    FILE_EMPTY = "file.empty"
    FORMAT_UNKNOWN = "format.unknown"
    GZIP_INVALID = "gzip.invalid"
    XML_MALFORMED = "xml.malformed"
    XML_ENTITY = "xml.entity"
    JSON_MALFORMED = "json.malformed"
    ENCODING_INVALID = "encoding.invalid"
    FIELD_TOO_LARGE = "field.too_large"
    FIELD_INVALID = "field.invalid"
    COLUMN_MISSING = "column.missing"
    RECORD_NO_ID = "record.no_id"
    RECORD_EMPTY = "record.empty"
    RECORD_INVALID = "record.invalid"
    ANNOTATION_INVALID = "annotation.invalid"
    NAME_UNRESOLVED = "name.unresolved"
    NAME_AMBIGUOUS = "name.ambiguous"
    EXTRACT_FAILED = "extract.failed"
    RECORD_UNWRITABLE = "record.unwritable"
    RECORD_DUPLICATE = "record.duplicate"
    RECORD_SUSPICIOUS = "record.suspicious"
    SHARD_UNLOADABLE = "shard.unloadable"
    INPUT_TOO_LARGE = "input.too_large"
    PROBLEMS_DROPPED = "problems.dropped"


DESCRIPTIONS: dict[ProblemCode, str] = {
    ProblemCode.FILE_UNREADABLE: "the file could not be opened or read (missing, permissions, I/O)",
    ProblemCode.FILE_EMPTY: "the file holds no data",
    ProblemCode.FORMAT_UNKNOWN: "the input format could not be recognised",
    ProblemCode.GZIP_INVALID: "a .gz file that is not gzip, or a gzip stream that is cut short",
    ProblemCode.XML_MALFORMED: "XML that is not well-formed or is truncated; records before the "
    "error are kept, reading resumes at the next record",
    ProblemCode.XML_ENTITY: "an XML DOCTYPE declaring entities, or a record using them; entities "
    "are never expanded or fetched, and a record that uses one is skipped",
    ProblemCode.JSON_MALFORMED: "JSON that does not parse, or does not have the expected shape",
    ProblemCode.ENCODING_INVALID: "bytes that are not valid UTF-8; the record holding them is "
    "skipped",
    ProblemCode.FIELD_TOO_LARGE: "a field or line above the configured size limit; the record is "
    "skipped",
    ProblemCode.FIELD_INVALID: "a field whose value cannot be used (e.g. a year that is not a "
    "year); the field is dropped and the record kept",
    ProblemCode.COLUMN_MISSING: "a table lacks a required column; no record of it is read",
    ProblemCode.RECORD_NO_ID: "a record without the identifier its format requires",
    ProblemCode.RECORD_EMPTY: "a record with neither title nor text",
    ProblemCode.RECORD_INVALID: "a record whose structure is not what its format requires",
    ProblemCode.ANNOTATION_INVALID: "a PubTator annotation line that is malformed or whose "
    "offsets do not match the text; the annotation is dropped, the document kept",
    ProblemCode.NAME_UNRESOLVED: "a name in a curated table that no vocabulary entry carries "
    "(e.g. an unknown herb in a formula composition); the row is skipped",
    ProblemCode.NAME_AMBIGUOUS: "a name in a curated table that several vocabulary entries "
    "carry; it is not resolved to one of them and the row is skipped",
    ProblemCode.EXTRACT_FAILED: "extraction failed on a record (a bug to report); the record is "
    "skipped and the run goes on",
    ProblemCode.RECORD_UNWRITABLE: "a record's graph could not be built (e.g. an identifier the "
    "graph cannot mint an IRI for); the record is skipped",
    ProblemCode.RECORD_DUPLICATE: "a document whose identifier, made from its file name, another "
    "file of the same run already gave (two 'abstract.txt' in different folders); it is "
    "skipped rather than replacing the first: rename one of the files",
    ProblemCode.RECORD_SUSPICIOUS: "a record that is read but looks wrong (an identifier that is "
    "not one, control characters, a row with the wrong number of columns); check the input",
    ProblemCode.SHARD_UNLOADABLE: "an N-Quads shard of `ingest --shards` that is missing, altered "
    "since its worker wrote it, or malformed; none of its records is written (the store is as "
    "before), the rest of the run goes on and the file is kept",
    ProblemCode.INPUT_TOO_LARGE: "a compressed file that expands beyond the decompressed-size or "
    "compression-ratio limit (a decompression bomb); records before the limit are kept, the rest "
    "of the file is not read",
    ProblemCode.PROBLEMS_DROPPED: "more problems than the log keeps in full; they are counted by "
    "code but not listed one by one",
}

_ERROR = Severity.ERROR
# Problems a log keeps in full; the rest are only counted (TCMKG_MAX_PROBLEMS_KEPT).
DEFAULT_PROBLEMS_KEPT = 1_000
# Problems of each code kept beyond those, so that every kind found has examples listed.
KEPT_PER_CODE = 10


@dataclass(frozen=True)
class Problem:
    """One problem: which code, in which file and record, and why.

    ``record`` names the record as a user would find it: ``PMID:123``, ``line 42``,
    ``row 17 (PMID:123)``, or ``-`` when the problem concerns the whole file.
    """

    code: str
    file: str
    record: str
    message: str
    severity: str = Severity.ERROR.value

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: [{self.code}] {self.message}"


class ProblemLog:
    """Collects the problems of one run, in the order found, keeping the first ``keep`` in full.

    Beyond ``keep`` (and :data:`KEPT_PER_CODE` of each code) problems are counted by code and
    severity, not stored, so memory stays
    bounded whatever the input; iterating the log then yields the kept problems and a final
    ``problems.dropped`` problem saying how many more there were. ``len`` and :meth:`counts`
    are exact either way.
    """

    def __init__(self, keep: int = DEFAULT_PROBLEMS_KEPT) -> None:
        if keep < 0:
            raise ValueError(f"keep must be 0 or more, not {keep}")
        self.keep = keep
        self._problems: list[Problem] = []
        self._kept_by_code: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()
        self._errors = 0
        self._total = 0

    def add(self, problem: Problem) -> Problem:
        """Record a problem and return it (kept in full while fewer than ``keep`` are kept)."""
        self._total += 1
        self._counts[problem.code] += 1
        if problem.severity == Severity.ERROR:
            self._errors += 1
        if len(self._problems) < self.keep or self._kept_by_code[problem.code] < KEPT_PER_CODE:
            self._problems.append(problem)
            self._kept_by_code[problem.code] += 1
            self.kept(problem)
        return problem

    def report(
        self,
        code: ProblemCode,
        file: str | Path,
        record: str,
        message: str,
        severity: Severity = Severity.ERROR,
    ) -> Problem | None:
        """Record a problem from its parts (the form readers use); return it if it is kept.

        Once ``keep`` problems (and :data:`KEPT_PER_CODE` of its code) are kept, a problem is
        only counted: no object is made for it, so a file of millions of bad records costs
        little time and no memory here.
        """
        # Plain strings from here on: hashing an enum member runs Python code, and this is
        # called once per bad record.
        key = str(code)
        if len(self._problems) >= self.keep and self._kept_by_code[key] >= KEPT_PER_CODE:
            self._total += 1
            self._counts[key] += 1
            if severity is _ERROR:
                self._errors += 1
            return None
        return self.add(Problem(key, str(file), record, message, str(severity)))

    def lists(self, code: ProblemCode) -> bool:
        """Whether a problem of ``code`` reported now would be kept in full.

        Once False it stays False, so a reader meeting millions of one bad record may count
        them itself and give the log the number (:meth:`count`).
        """
        return len(self._problems) < self.keep or self._kept_by_code[str(code)] < KEPT_PER_CODE

    def count(self, code: ProblemCode, n: int, severity: Severity = Severity.ERROR) -> None:
        """Count ``n`` problems of ``code`` that are not listed (see :meth:`lists`)."""
        key = str(code)
        self._total += n
        self._counts[key] += n
        if severity is _ERROR:
            self._errors += n

    def kept(self, problem: Problem) -> None:
        """Called for each problem kept in full; a log that passes problems on overrides it."""

    @property
    def dropped(self) -> int:
        """How many problems were counted but not kept."""
        return self._total - len(self._problems)

    def dropped_problem(self) -> Problem | None:
        """The closing ``problems.dropped`` entry, or None when every problem was kept."""
        if not self.dropped:
            return None
        return Problem(
            ProblemCode.PROBLEMS_DROPPED.value,
            "-",
            "-",
            f"{self.dropped:,} more problems were found and counted but not listed (the first "
            f"{self.keep:,} are, and the first {KEPT_PER_CODE} of each code after them; raise "
            "TCMKG_MAX_PROBLEMS_KEPT to list more); by code: "
            + ", ".join(f"{code} {n:,}" for code, n in self.counts().items()),
            Severity.WARNING.value,
        )

    def __iter__(self) -> Iterator[Problem]:
        closing = self.dropped_problem()
        return iter([*self._problems, *([closing] if closing else [])])

    def __len__(self) -> int:
        return self._total

    def __bool__(self) -> bool:
        return self._total > 0

    @property
    def errors(self) -> list[Problem]:
        """The kept problems of severity ``error`` (data was lost)."""
        return [p for p in self._problems if p.severity == Severity.ERROR]

    @property
    def error_count(self) -> int:
        """How many problems of severity ``error`` were found, kept or not."""
        return self._errors

    def counts(self) -> dict[str, int]:
        """Number of problems by code, most frequent first (every problem, kept or not)."""
        # A copy first (one C call): another thread may read the counts of a running log.
        counts = Counter({str(code): n for code, n in dict(self._counts).items()})
        return dict(counts.most_common())

    def write_jsonl(self, path: str | Path) -> int:
        """Write one JSON object per listed problem to ``path``; return how many were written.

        The kept problems are written, then the ``problems.dropped`` entry if some were not kept.
        """
        written = 0
        with Path(path).open("w", encoding="utf-8") as out:
            for problem in self:
                out.write(json.dumps(asdict(problem), ensure_ascii=False) + "\n")
                written += 1
        return written
