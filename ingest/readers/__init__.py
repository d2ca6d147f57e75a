"""Literature readers: one module per input format, each a streaming generator of documents.

A reader is ``reader(path, problems, *, limits=DEFAULT_LIMITS) -> Iterator[ReadItem]``: it
yields :class:`~ingest.document.Document` objects and, where the format can withdraw records
(PubMed's ``DeleteCitation``), :class:`~ingest.document.Deletion` objects in file order. It
treats its input as hostile: a bad record becomes a :class:`~ingest.problems.Problem` in
``problems`` (naming file, record and reason) and the rest of the file is still read. A new
format is one module plus one :func:`register_reader` line below: the format's name, reader,
description, file suffixes and content sniffer. The CLI's ``--format`` choices and the API's
upload formats are read from this registry when the app is built.

Formats: ``pubmed-xml`` (PubMed/MEDLINE ``PubmedArticleSet``, plain or gzipped, baseline files
included), ``pubtator``, ``tsv`` (TSV and CSV abstract tables), ``text`` (one document per
file) and ``ctgov`` (ClinicalTrials.gov API v2 study JSON or JSON Lines).

:func:`read_items` gives both kinds, for the ingest run, which applies deletions;
:func:`read_documents` gives the documents alone, for callers that only extract.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ReaderFormat:
    """An input format: its name, its reader, and how a file of it is recognised.

    ``sniff`` gets the first bytes of the (decompressed) content and says whether they are
    this format's (sniffers run in registration order, loose ones after the others);
    ``suffixes`` are the file name endings that decide it when no sniffer
    recognises the content. ``description`` is what the CLI's help and the API's
    documentation say of it.
    """

    name: str
    read: Reader
    description: str
    suffixes: tuple[str, ...] = ()
    sniff: Callable[[bytes], bool] | None = None
    loose_sniff: bool = False  # a sniffer that may also match other formats: tried after the rest


AUTO = "auto"  # not a format: detect each file's
FALLBACK = "text"  # what a file no sniffer and no suffix recognises is read as
_FORMATS: dict[str, ReaderFormat] = {}


def register_reader(fmt: ReaderFormat) -> ReaderFormat:
    """Add an input format: ``tcmkg ingest``/``extract --format`` and ``POST /ingest`` offer it.

    Raises ValueError when the name is taken.
    """
    if fmt.name == AUTO or fmt.name in _FORMATS:
        raise ValueError(f"input format {fmt.name!r} is already registered")
    _FORMATS[fmt.name] = fmt
    return fmt


def unregister_reader(name: str) -> None:
    """Remove an input format (for a test or a plugin that registered one)."""
    _FORMATS.pop(name, None)


def reader_formats() -> tuple[ReaderFormat, ...]:
    """The registered input formats, in registration order."""
    return tuple(_FORMATS.values())


def format_names() -> list[str]:
    """The names a caller can ask for: ``auto`` and every registered format."""
    return [AUTO, *_FORMATS]


def known_suffixes() -> tuple[str, ...]:
    """File name endings the readers look at, longest first (``.xml.gz`` before ``.gz``)."""
    plain = {suffix for fmt in _FORMATS.values() for suffix in fmt.suffixes}
    endings = {*plain, *(f"{suffix}.gz" for suffix in plain), ".gz"}
    return tuple(sorted(endings, key=lambda s: (-len(s), s)))


class _ReaderView(Mapping[str, Reader]):
    """The registered readers by format name, as the registry holds them now."""

    def __getitem__(self, name: str) -> Reader:
        return _FORMATS[name].read

    def __iter__(self) -> Iterator[str]:
        return iter(list(_FORMATS))

    def __len__(self) -> int:
        return len(_FORMATS)


READERS: Mapping[str, Reader] = _ReaderView()

_PUBTATOR_LINE = re.compile(rb"^[^|\t\r\n]+\|[ta]\|")
_TABLE_TEXT_COLUMNS = {"abstract", "text"}


def _is_pubmed_xml(first: bytes) -> bool:
    return first.lstrip().startswith(
        (b"<?xml", b"<PubmedArticleSet", b"<!DOCTYPE PubmedArticleSet")
    )


def _is_pubtator(first: bytes) -> bool:
    return _PUBTATOR_LINE.match(first.lstrip()) is not None


def _is_ctgov(first: bytes) -> bool:
    return first.lstrip()[:1] in (b"{", b"[") and b'"protocolSection"' in first


def _is_table(first: bytes) -> bool:
    header = first.lstrip().split(b"\n", 1)[0].decode("utf-8", errors="replace").lower()
    for delimiter in ("\t", ","):
        columns = {c.strip().strip('"') for c in header.split(delimiter)}
        if len(columns) > 1 and columns & _TABLE_TEXT_COLUMNS:
            return True
    return False


# One line per format; a new format is its reader module plus one line here.
register_reader(
    ReaderFormat(
        "pubmed-xml",
        read_pubmed_xml,
        "PubMed/MEDLINE XML (PubmedArticleSet, plain or gzipped, baseline and update files)",
        (".xml",),
        _is_pubmed_xml,
    )
)
register_reader(
    ReaderFormat(
        "pubtator", read_pubtator, "PubTator title/abstract lines", (".pubtator",), _is_pubtator
    )
)
register_reader(
    ReaderFormat(
        "tsv",
        read_table,
        "TSV or CSV table of abstracts (an abstract or text column)",
        (".tsv", ".csv", ".tab"),
        _is_table,
        loose_sniff=True,
    )
)
register_reader(ReaderFormat(FALLBACK, read_text, "plain text, one document per file", (".txt",)))
register_reader(
    ReaderFormat(
        "ctgov",
        read_ctgov,
        "ClinicalTrials.gov API v2 study JSON or JSON Lines",
        (".json", ".jsonl"),
        _is_ctgov,
    )
)


def _sniff(first: bytes) -> str | None:
    """The format given away by the first bytes of the content, if any."""
    ordered = sorted(_FORMATS.values(), key=lambda fmt: fmt.loose_sniff)  # stable: keeps order
    for fmt in ordered:
        if fmt.sniff is not None and fmt.sniff(first):
            return fmt.name
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
    by_suffix = (fmt.name for fmt in _FORMATS.values() if suffix in fmt.suffixes)
    return next(by_suffix, FALLBACK)


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
    if fmt != AUTO and fmt not in _FORMATS:
        known = ", ".join(format_names())
        raise ValueError(f"unknown input format {fmt!r}; known: {known}")
    log = problems if problems is not None else ProblemLog()
    for path in expand_paths(Path(p) for p in paths):
        name = fmt
        if name == AUTO:
            try:
                name = detect_format(path)
            except InputError as exc:
                log.report(exc.code, path, "-", exc.message)
                continue
        yield from _FORMATS[name].read(path, log, limits=limits)


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
    "AUTO",
    "DEFAULT_LIMITS",
    "READERS",
    "Reader",
    "ReaderFormat",
    "ReaderLimits",
    "detect_format",
    "expand_paths",
    "format_names",
    "known_suffixes",
    "read_documents",
    "read_items",
    "reader_formats",
    "register_reader",
    "unregister_reader",
]
