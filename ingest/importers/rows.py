"""Rows of the curated TSV tables (SymMap, TCMSP, TCMNP), read as hostile input.

These tables are tab-separated with a header row and **no quoting** (TCMSP names hold literal
``"``), so a line is split on tabs and nothing else. Columns are found by name, case-insensitively,
in any order; extra columns are ignored. A table lacking a required column yields no row and
raises :class:`TableError` (the caller reports it and imports nothing from that table). A row
with the wrong number of cells, invalid UTF-8 or an over-long line becomes a problem naming the
file and line, and the rest of the table is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.importers.report import NoProgress, Progress
from ingest.problems import ProblemCode, ProblemLog
from ingest.readers.opening import InputError, decode_utf8, iter_lines, open_binary

# A curated-table line is short (SymMap's longest definitions are a few KB); anything above
# this is a broken file (a lost line end), not a record.
MAX_LINE_BYTES = 1_000_000


class TableError(Exception):
    """A table that cannot be imported at all; the problem has been logged already."""


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: its 1-based line number and its cells by (lower-case) column name."""

    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column.lower(), "")

    @property
    def where(self) -> str:
        """How a problem names this row."""
        return f"line {self.line}"


def count_lines(path: Path) -> int | None:
    """Data rows in a table (lines minus the header), for a progress bar; None if unreadable."""
    try:
        with open_binary(path) as stream:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    except InputError:
        return None
    return max(lines - 1, 0)


def read_rows(
    path: Path,
    required: Sequence[str],
    problems: ProblemLog,
    progress: Progress | None = None,
) -> Iterator[Row]:
    """Yield the rows of a TSV table that has every ``required`` column.

    Raises :class:`TableError` (after logging a problem) when the file cannot be opened, is
    empty, or lacks a required column.
    """
    progress = progress or NoProgress()
    try:
        with open_binary(path) as stream:
            lines = iter_lines(stream, MAX_LINE_BYTES)
            first = next(lines, None)
            if first is None or first.data is None:
                problems.report(ProblemCode.FILE_EMPTY, path, "-", "no header row; table skipped")
                raise TableError(str(path))
            text, reason = decode_utf8(first.data)
            if reason:
                problems.report(
                    ProblemCode.ENCODING_INVALID, path, "line 1", f"header: {reason}; table skipped"
                )
                raise TableError(str(path))
            header = [c.strip().lower() for c in text.rstrip("\r\n").split("\t")]
            missing = [c for c in required if c.lower() not in header]
            if missing:
                problems.report(
                    ProblemCode.COLUMN_MISSING,
                    path,
                    "line 1",
                    f"required column(s) {', '.join(repr(c) for c in missing)} missing; "
                    f"columns found: {', '.join(repr(c) for c in header)}; table skipped",
                )
                raise TableError(str(path))
            for raw in lines:
                progress.advance()
                where = f"line {raw.number}"
                if raw.data is None:
                    problems.report(
                        ProblemCode.FIELD_TOO_LARGE,
                        path,
                        where,
                        f"line has {raw.size:,} bytes (limit {MAX_LINE_BYTES:,}); row skipped",
                    )
                    continue
                text, reason = decode_utf8(raw.data)
                if reason:
                    problems.report(
                        ProblemCode.ENCODING_INVALID, path, where, f"{reason}; row skipped"
                    )
                    continue
                text = text.rstrip("\r\n")
                if not text.strip():
                    continue
                cells = text.split("\t")
                if len(cells) != len(header):
                    problems.report(
                        ProblemCode.RECORD_INVALID,
                        path,
                        where,
                        f"{len(cells)} cells, the header has {len(header)}; row skipped",
                    )
                    continue
                yield Row(raw.number, {h: c.strip() for h, c in zip(header, cells, strict=True)})
    except InputError as exc:
        problems.report(exc.code, path, "-", exc.message)
        raise TableError(str(path)) from exc
