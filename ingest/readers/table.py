"""Abstract tables: TSV or CSV with a header row, one document per row.

Columns are matched by name, case-insensitively, in any order; unknown columns are ignored.
Required: ``abstract`` or ``text``. Optional: ``pmid`` (or ``id``), ``title``, ``year`` (or
``pubdate``), ``journal``, ``doi``. A table without a required column yields nothing and one
``column.missing`` problem listing the columns it has.

Quoting is the ``csv`` module's standard (RFC 4180: double quotes, doubled to escape), as in
``dfi_pubmed_abstracts.tsv``; the delimiter is a tab for ``.tsv``/``.tab``, a comma for
``.csv``, and sniffed from the header otherwise. A row holding bytes that are not UTF-8 is
skipped with an ``encoding.invalid`` problem naming its line, a line above the line limit with
``field.too_large``; the rest of the table is read.

Rows that look wrong are reported, never taken silently: a row without a letter of text
(``record.empty``) or holding binary data (NUL, or more than 1% control characters:
``record.invalid``) is skipped; a row whose column count differs from the header's, a ``pmid``
that is not a PMID, or a stray control character gives a ``record.suspicious`` warning and the
row is kept.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ingest.document import Document
from ingest.problems import ProblemCode, ProblemLog, Severity
from ingest.readers.identifiers import (
    content_curie,
    document_curie,
    nct_curie,
    nct_curies_in,
    pmid_curie,
)
from ingest.readers.limits import DEFAULT_LIMITS, ReaderLimits, oversized_field
from ingest.readers.opening import (
    InputError,
    RawLine,
    decode_utf8,
    iter_lines,
    logical_name,
    open_binary,
)
from kg.model import RecordKind

_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("pmid", "id", "doc_id", "document_id", "nct_id", "nctid"),
    "text": ("abstract", "text", "abstracttext", "body"),
    "title": ("title", "articletitle"),
    "year": ("year", "pubdate", "publication_year", "pub_year", "date"),
    "journal": ("journal", "source"),
    "doi": ("doi",),
}
# Above this share of control characters a row is binary junk, not text with a stray byte.
_MAX_CONTROL_SHARE = 0.01
_YEAR = re.compile(r"\b(1[5-9]\d\d|2[01]\d\d)\b")


class _Lines:
    """Decoded lines for ``csv.reader``, remembering which line numbers were bad, and why."""

    def __init__(self, stream_lines: Iterator[RawLine]) -> None:
        self._lines = stream_lines
        self.number = 0
        self.bad: dict[int, tuple[ProblemCode, str]] = {}

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        number, data = raw.number, raw.data
        self.number = number
        if data is None:
            self.bad[number] = (
                ProblemCode.FIELD_TOO_LARGE,
                f"line has {raw.size:,} bytes, above the line limit; row skipped",
            )
            return "\n"
        text, reason = decode_utf8(data)
        if reason:
            self.bad[number] = (ProblemCode.ENCODING_INVALID, f"{reason}; row skipped")
        return text


def _delimiter(path: Path, header: str) -> str:
    suffix = Path(logical_name(path)).suffix.lower()
    if suffix in (".tsv", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    return "\t" if header.count("\t") >= header.count(",") else ","


def _year(value: str) -> int | None:
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def read_table(
    path: Path, problems: ProblemLog, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Iterator[Document]:
    """Documents from the rows of a TSV/CSV abstract table."""
    # Abstracts can exceed csv's 128 KB default field size; our own limit is enforced per row.
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_line_bytes))
    lines: _Lines | None = None
    try:
        with open_binary(path, limits) as stream:
            lines = _Lines(iter_lines(stream, limits.max_line_bytes))
            yield from _read_rows(path, lines, problems, limits)
    except InputError as exc:
        where = f"line {lines.number + 1}" if lines is not None and lines.number else "-"
        problems.report(exc.code, path, where, exc.message)


def _read_rows(
    path: Path, lines: _Lines, problems: ProblemLog, limits: ReaderLimits
) -> Iterator[Document]:
    header_line = next(lines, None)
    if header_line is None:
        problems.report(ProblemCode.FILE_EMPTY, path, "-", "table is empty (no header row)")
        return
    if lines.bad:
        code, message = lines.bad[1]
        problems.report(code, path, "line 1", f"header: {message}; table skipped")
        return
    delimiter = _delimiter(path, header_line)
    header = [c.strip().lower() for c in next(csv.reader([header_line], delimiter=delimiter))]
    columns: dict[str, int] = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in header:
                columns[field] = header.index(alias)
                break
    if "text" not in columns:
        found = ", ".join(repr(c) for c in header) or "none"
        problems.report(
            ProblemCode.COLUMN_MISSING,
            path,
            "line 1",
            f"required column 'abstract' or 'text' is missing; columns found: {found}; "
            "no rows read",
        )
        return
    stem = Path(logical_name(path)).stem
    first_line = 2
    row_index = 0
    for row in csv.reader(lines, delimiter=delimiter):
        span = range(first_line, lines.number + 1)
        where = f"line {first_line}" if len(span) == 1 else f"lines {first_line}-{lines.number}"
        first_line = lines.number + 1
        # A line that was too long or not UTF-8 is checked before blank rows are passed over:
        # such a line reaches the csv module as an empty one.
        bad = next((lines.bad.pop(n) for n in span if n in lines.bad), None)
        if bad is None and (not row or all(not cell.strip() for cell in row)):
            continue
        row_index += 1
        if bad:
            problems.report(bad[0], path, f"row {row_index} ({where})", bad[1])
            continue
        record = f"row {row_index} ({where})"
        width = len(row)
        while width > len(header) and not row[width - 1].strip():
            width -= 1  # empty cells after the last column (a trailing tab) are harmless
        if width != len(header):
            problems.report(
                ProblemCode.RECORD_SUSPICIOUS,
                path,
                record,
                f"row has {len(row)} columns, the header {len(header)}; columns are read by "
                "position, so check that its values are where the header says",
                Severity.WARNING,
            )
        document = _row_document(
            path, stem, row, header, columns, row_index, where, problems, limits
        )
        if document is not None:
            yield document


def _control_characters(text: str) -> int:
    """How many characters of ``text`` are control characters other than tab and line ends."""
    if text.isprintable():  # the common case, checked in C
        return 0
    return sum(1 for c in text if c not in "\t\n\r" and unicodedata.category(c) == "Cc")


def _row_document(
    path: Path,
    stem: str,
    row: list[str],
    header: list[str],
    columns: dict[str, int],
    row_index: int,
    where: str,
    problems: ProblemLog,
    limits: ReaderLimits,
) -> Document | None:
    def cell(field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    record = f"row {row_index} ({where})"
    title, abstract = cell("title"), cell("text")
    id_column = header[columns["id"]] if "id" in columns else None
    for name, value in (("title", title), ("abstract", abstract)):
        message = oversized_field(name, value, limits)
        if message:
            problems.report(ProblemCode.FIELD_TOO_LARGE, path, record, message)
            return None
    if not title and not abstract:
        problems.report(ProblemCode.RECORD_EMPTY, path, record, "row has no title and no text")
        return None
    if not any(c.isalpha() for c in title) and not any(c.isalpha() for c in abstract):
        problems.report(
            ProblemCode.RECORD_EMPTY,
            path,
            record,
            f"row has no text, only {(title + ' ' + abstract).strip()[:40]!r} (no letter); skipped",
        )
        return None
    junk = _control_characters(title + abstract)
    if junk:
        share = junk / max(len(title) + len(abstract), 1)
        if "\x00" in title + abstract or share > _MAX_CONTROL_SHARE:
            problems.report(
                ProblemCode.RECORD_INVALID,
                path,
                record,
                f"row holds binary data ({junk:,} control characters); skipped",
            )
            return None
        problems.report(
            ProblemCode.RECORD_SUSPICIOUS,
            path,
            record,
            f"row holds {junk:,} control character(s); kept",
            Severity.WARNING,
        )
    raw_id = cell("id")
    doc_id = (pmid_curie(raw_id) or nct_curie(raw_id) or document_curie(raw_id)) if raw_id else None
    if doc_id is None:
        doc_id = content_curie(stem, f"{title}\n{abstract}")
    elif id_column == "pmid" and not doc_id.startswith("PMID:"):
        problems.report(
            ProblemCode.RECORD_SUSPICIOUS,
            path,
            record,
            f"pmid {raw_id[:40]!r} is not a PMID; the row is kept as {doc_id}",
            Severity.WARNING,
        )
    raw_year = cell("year")
    year = _year(raw_year) if raw_year else None
    if raw_year and year is None:
        problems.report(
            ProblemCode.FIELD_INVALID,
            path,
            f"{record} {doc_id}",
            f"year {raw_year[:40]!r} is not a year; left empty",
            Severity.WARNING,
        )
    kind = RecordKind.PUBLICATION if doc_id.startswith("PMID:") else RecordKind.DOCUMENT
    if doc_id.startswith("NCT:"):
        kind = RecordKind.CLINICAL_TRIAL
    trial_ids = nct_curies_in(title, abstract)
    if kind is RecordKind.CLINICAL_TRIAL and doc_id not in trial_ids:
        trial_ids = (doc_id, *trial_ids)
    return Document(
        id=doc_id,
        title=title,
        abstract=abstract,
        year=year,
        journal=cell("journal") or None,
        doi=cell("doi") or None,
        trial_ids=trial_ids,
        kind=kind,
        source=str(path),
        record_index=row_index,
    )
