"""Plain-text reader: one document per file, UTF-8.

The first non-blank line is the title and the rest the abstract, so that ``text`` keeps the
``title + " " + abstract`` convention. The id is ``TCMKG.DOC:<slug of the file stem>`` (two
files of one name in one ingest run: the second is reported as ``record.duplicate``). A file
with bytes that are not UTF-8 is skipped (``encoding.invalid``, naming the line) rather than
decoded with replacements, so no mangled sentence reaches the graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.document import Document
from ingest.problems import ProblemCode, ProblemLog
from ingest.readers.identifiers import document_curie, nct_curies_in
from ingest.readers.limits import DEFAULT_LIMITS, ReaderLimits, oversized_field
from ingest.readers.opening import InputError, check_bom, logical_name, open_binary
from kg.model import RecordKind

_RECORD = "record 1"


def read_text(
    path: Path, problems: ProblemLog, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Iterator[Document]:
    """The one document of a plain-text file (none, with a problem, when it is unusable)."""
    try:
        with open_binary(path, limits) as stream:
            data = stream.read(limits.max_text_file_bytes + 1)
        data = check_bom(data)
    except InputError as exc:
        problems.report(exc.code, path, "-", exc.message)
        return
    if len(data) > limits.max_text_file_bytes:
        problems.report(
            ProblemCode.FIELD_TOO_LARGE,
            path,
            _RECORD,
            f"file is larger than the limit of {limits.max_text_file_bytes:,} bytes; skipped",
        )
        return
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.report(
            ProblemCode.ENCODING_INVALID,
            path,
            f"line {line}",
            f"invalid UTF-8 at byte {exc.start} ({exc.reason}); file skipped",
        )
        return
    title, _, rest = content.strip().partition("\n")
    title, abstract = title.strip(), rest.strip()
    if not title:
        problems.report(ProblemCode.FILE_EMPTY, path, "-", "no text in the file")
        return
    for name, value in (("title", title), ("text", abstract)):
        message = oversized_field(name, value, limits)
        if message:
            problems.report(ProblemCode.FIELD_TOO_LARGE, path, _RECORD, message)
            return
    stem = Path(logical_name(path)).stem
    yield Document(
        id=document_curie(stem),
        title=title,
        abstract=abstract,
        trial_ids=nct_curies_in(title, abstract),
        kind=RecordKind.DOCUMENT,
        source=str(path),
        record_index=1,
    )
