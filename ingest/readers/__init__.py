"""Literature readers: one module per input format, each a streaming generator of documents.

A reader is ``reader(path, problems, *, limits=DEFAULT_LIMITS) -> Iterator[ReadItem]``: it
yields :class:`~ingest.document.Document` objects and, where the format can withdraw records
(PubMed's ``DeleteCitation``), :class:`~ingest.document.Deletion` objects in file order. It
treats its input as hostile: a bad record becomes a :class:`~ingest.problems.Problem` in
``problems`` (naming file, record and reason) and the rest of the file is still read. A new
format is one module plus one line in :data:`READERS`.

Formats: ``pubmed-xml`` (PubMed/MEDLINE ``PubmedArticleSet``, plain or gzipped, baseline files
included), ``pubtator``, ``tsv`` (TSV and CSV abstract tables), ``text`` (one document per
file) and ``ctgov`` (ClinicalTrials.gov API v2 study JSON or JSON Lines).

:func:`read_items` gives both kinds, for the ingest run, which applies deletions;
:func:`read_documents` gives the documents alone, for callers that only extract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from ingest.document import Deletion, Document, ReadItem
from ingest.problems import ProblemLog
from ingest.readers.ctgov import read_ctgov
from ingest.readers.limits import DEFAULT_LIMITS, ReaderLimits
from ingest.readers.opening import InputError, check_bom, head, logical_name
from ingest.readers.pubmed_xml import read_pubmed_xml
from ingest.readers.pubtator import read_pubtator
from ingest.readers.table import read_table
from ingest.readers.text import read_text


class Reader(Protocol):
    """A streaming reader of one input format."""

    def __call__(
        self, path: Path, problems: ProblemLog, *, limits: ReaderLimits = DEFAULT_LIMITS
    ) -> Iterator[ReadItem]: ...


READERS: dict[str, Reader] = {
    "pubmed-xml": read_pubmed_xml,
    "pubtator": read_pubtator,
    "tsv": read_table,
    "text": read_text,
    "ctgov": read_ctgov,
}

# File name endings that decide the format without sniffing the content.
_BY_EXTENSION: dict[str, str] = {
    ".pubtator": "pubtator",
    ".tsv": "tsv",
    ".csv": "tsv",
    ".tab": "tsv",
    ".jsonl": "ctgov",
    ".json": "ctgov",
    ".xml": "pubmed-xml",
}

_PUBTATOR_LINE = re.compile(rb"^[^|\t\r\n]+\|[ta]\|")
_TABLE_TEXT_COLUMNS = {"abstract", "text"}


def _sniff(first: bytes) -> str | None:
    """The format given away by the first bytes of the content, if any."""
    start = first.lstrip()
    if start.startswith((b"<?xml", b"<PubmedArticleSet", b"<!DOCTYPE PubmedArticleSet")):
        return "pubmed-xml"
    if _PUBTATOR_LINE.match(start):
        return "pubtator"
    if start[:1] in (b"{", b"[") and b'"protocolSection"' in first:
        return "ctgov"
    header = start.split(b"\n", 1)[0].decode("utf-8", errors="replace").lower()
    for delimiter in ("\t", ","):
        columns = {c.strip().strip('"') for c in header.split(delimiter)}
        if len(columns) > 1 and columns & _TABLE_TEXT_COLUMNS:
            return "tsv"
    return None


def detect_format(path: Path) -> str:
    """The reader name for ``path``: by sniffing its first bytes, then by extension, else text.

    Content wins over the name where it is unambiguous (a ``.txt`` file in PubTator format is
    PubTator); a ``.gz`` file is sniffed after decompression. Raises
    :class:`~ingest.readers.opening.InputError` when the file cannot be read.
    """
    first = check_bom(head(path))
    sniffed = _sniff(first)
    if sniffed:
        return sniffed
    suffix = Path(logical_name(path)).suffix.lower()
    return _BY_EXTENSION.get(suffix, "text")


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named by ``paths``: directories expand to their files, recursively, sorted.

    Hidden files and folders (``.name``) inside a directory are skipped.
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and not any(part.startswith(".") for part in relative):
                    yield child
        else:
            yield path


def read_items(
    paths: Iterable[Path | str],
    fmt: str = "auto",
    problems: ProblemLog | None = None,
    *,
    limits: ReaderLimits = DEFAULT_LIMITS,
) -> Iterator[ReadItem]:
    """Documents and deletions from every file in ``paths``, in file order.

    ``fmt`` is a name in :data:`READERS`, or ``auto`` to detect each file's format. Problems go
    to ``problems`` (a fresh log when None); an unreadable file is reported and skipped.
    Directories expand to their files, sorted, so a folder of PubMed update files is applied
    in the order NLM numbers them.
    """
    if fmt != "auto" and fmt not in READERS:
        known = ", ".join(["auto", *READERS])
        raise ValueError(f"unknown input format {fmt!r}; known: {known}")
    log = problems if problems is not None else ProblemLog()
    for path in expand_paths(Path(p) for p in paths):
        name = fmt
        if name == "auto":
            try:
                name = detect_format(path)
            except InputError as exc:
                log.report(exc.code, path, "-", exc.message)
                continue
        yield from READERS[name](path, log, limits=limits)


def read_documents(
    paths: Iterable[Path | str],
    fmt: str = "auto",
    problems: ProblemLog | None = None,
    *,
    limits: ReaderLimits = DEFAULT_LIMITS,
) -> Iterator[Document]:
    """Documents from every file in ``paths`` (directories expand to their files).

    As :func:`read_items`, less the deletions, for callers that only want documents. A caller
    that writes records into a store should read :func:`read_items` and give the deletions to
    :func:`ingest.pipeline.ingest`, so that a PubMed update file withdraws what it deletes.
    """
    for item in read_items(paths, fmt, problems, limits=limits):
        if not isinstance(item, Deletion):
            yield item


__all__ = [
    "DEFAULT_LIMITS",
    "READERS",
    "Reader",
    "ReaderLimits",
    "detect_format",
    "expand_paths",
    "read_documents",
    "read_items",
]
