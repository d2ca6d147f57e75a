"""PubTator reader: ``PMID|t|title``, ``PMID|a|abstract``, then tab-separated annotation lines.

Mention lines (``PMID, start, end, mention, type, ids``) become :class:`Annotation` hints; their
offsets index ``title + " " + abstract``, and one whose offsets do not match its mention is
dropped with an ``annotation.invalid`` warning. Relation lines (``PMID, CID, chemical,
disease``) are document-level gold labels, not text hints, and are not read. Identifiers
``D…``/``C…`` become ``MESH:`` CURIEs, numeric ones of genes ``NCBIGene:``; ``-1`` (unmapped)
gives none. A document with a line that is not UTF-8 is skipped (``encoding.invalid``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import Annotation, Document
from ingest.problems import ProblemCode, ProblemLog, Severity
from ingest.readers.identifiers import document_curie, nct_curies_in, pmid_curie
from ingest.readers.limits import DEFAULT_LIMITS, ReaderLimits, oversized_field
from ingest.readers.opening import InputError, decode_utf8, iter_lines, open_binary
from kg.model import RecordKind

_TEXT_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$", re.DOTALL)
_MESH = re.compile(r"^(?:MESH:)?([CD]\d{6,9})$")
_GENE = re.compile(r"^(?:NCBIGene:)?(\d+)$")
# Type names of gene mentions: BC5CDR-style corpora and BioRED's.
_GENE_TYPES = frozenset({"gene", "geneorgeneproduct"})
_RELATION_TYPE = re.compile(r"^[A-Za-z][A-Za-z_-]*$")
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass
class _Block:
    """The lines of one document, gathered until the blank line that ends it."""

    key: str
    first_line: int
    title: str | None = None
    abstract: str | None = None
    mentions: list[tuple[int, list[str]]] = field(default_factory=list)
    failure: tuple[ProblemCode, str] | None = None


def _annotation_ids(raw: str, kind: str) -> tuple[str, ...]:
    ids: list[str] = []
    for part in re.split(r"[|;,]", raw):
        part = part.strip()
        mesh = _MESH.match(part)
        gene = _GENE.match(part)
        if mesh:
            ids.append(f"MESH:{mesh.group(1)}")
        elif gene and kind.lower() in _GENE_TYPES:
            ids.append(f"NCBIGene:{gene.group(1)}")
    return tuple(dict.fromkeys(ids))


def read_pubtator(
    path: Path, problems: ProblemLog, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Iterator[Document]:
    """Documents, with their mention annotations, from a PubTator file."""
    index = 0
    block: _Block | None = None
    try:
        with open_binary(path, limits) as stream:
            for raw in iter_lines(stream, limits.max_line_bytes):
                if raw.data is None:
                    failure = (
                        ProblemCode.FIELD_TOO_LARGE,
                        f"line {raw.number} has {raw.size:,} bytes, above the line limit",
                    )
                    head = raw.prefix.decode("utf-8", errors="replace")
                    key = re.split(r"[|\t]", head, maxsplit=1)[0]
                    if block is not None and key != block.key:
                        index += 1
                        yield from _finish(path, block, index, problems, limits)
                        block = None
                    if block is None:
                        block = _Block(key=key, first_line=raw.number)
                    block.failure = block.failure or failure
                    continue
                line, reason = decode_utf8(raw.data)
                line = line.rstrip("\r\n")
                if not line.strip():
                    if block is not None:
                        index += 1
                        yield from _finish(path, block, index, problems, limits)
                        block = None
                    continue
                text_line = _TEXT_LINE.match(line)
                if text_line:
                    key, part, value = text_line.groups()
                    # A new |t| line (or another document's key) starts a new document even
                    # when the blank separator line is missing.
                    if block is not None and (key != block.key or part == "t"):
                        index += 1
                        yield from _finish(path, block, index, problems, limits)
                        block = None
                    if block is None:
                        block = _Block(key=key, first_line=raw.number)
                    if part == "t":
                        block.title = value
                    else:
                        block.abstract = value
                elif block is None:
                    block = _Block(key=line.split("\t", 1)[0], first_line=raw.number)
                    block.failure = (
                        ProblemCode.RECORD_INVALID,
                        f"line {raw.number}: annotation line before the document's text lines",
                    )
                else:
                    block.mentions.append((raw.number, line.split("\t")))
                if reason and block.failure is None:
                    block.failure = (ProblemCode.ENCODING_INVALID, f"line {raw.number}: {reason}")
    except InputError as exc:
        where = f"after record {index}" if index else "-"
        problems.report(exc.code, path, where, exc.message)
        return
    if block is not None:
        index += 1
        yield from _finish(path, block, index, problems, limits)


def _finish(
    path: Path, block: _Block, index: int, problems: ProblemLog, limits: ReaderLimits
) -> Iterator[Document]:
    doc_id = pmid_curie(block.key) or document_curie(block.key)
    record = f"record {index} ({doc_id}, line {block.first_line})"
    if block.failure:
        code, message = block.failure
        problems.report(code, path, record, f"{message}; document skipped")
        return
    title, abstract = block.title or "", block.abstract or ""
    for name, value in (("title", title), ("abstract", abstract)):
        oversized = oversized_field(name, value, limits)
        if oversized:
            problems.report(ProblemCode.FIELD_TOO_LARGE, path, record, oversized)
            return
    if not title.strip() and not abstract.strip():
        problems.report(ProblemCode.RECORD_EMPTY, path, record, "document has no title and no text")
        return
    text = f"{title} {abstract}"
    annotations: list[Annotation] = []
    for number, cells in block.mentions:
        if _is_relation(cells):
            continue  # a relation line (PMID, CID, chemical, disease)
        annotation = _annotation(cells, text)
        if isinstance(annotation, str):
            problems.report(
                ProblemCode.ANNOTATION_INVALID,
                path,
                f"{record[:-1]}; line {number})",
                f"{annotation}; annotation dropped",
                Severity.WARNING,
            )
        else:
            annotations.append(annotation)
    yield Document(
        id=doc_id,
        title=title,
        abstract=abstract,
        trial_ids=nct_curies_in(title, abstract),
        annotations=tuple(annotations),
        kind=RecordKind.PUBLICATION if doc_id.startswith("PMID:") else RecordKind.DOCUMENT,
        source=str(path),
        record_index=index,
    )


def _is_relation(cells: list[str]) -> bool:
    """Whether a tab-separated line is a relation (``PMID, CID, D…, D…``), not a mention.

    A relation names its type where a mention has its start offset, has no end offset, and
    has four fields (five in BioRED, whose last says ``Novel`` or ``No``); a mention line
    whose offsets are negative or not numbers is not a relation (it is reported, not passed
    over).
    """
    if _RELATION_TYPE.match(cells[1]) is None:
        return False
    if len(cells) == 5 and cells[4].strip() in ("Novel", "No"):
        return True  # BioRED: its ids may be numbers (NCBI Gene), so they tell nothing
    return len(cells) == 4 and _INTEGER.match(cells[2].strip()) is None


def _annotation(cells: list[str], text: str) -> Annotation | str:
    """The annotation of one mention line, or the reason it is unusable."""
    if len(cells) < 5:
        return f"mention line has {len(cells)} fields, expected at least 5"
    try:
        start, end = int(cells[1]), int(cells[2])
    except ValueError:
        return f"offsets {cells[1][:20]!r}, {cells[2][:20]!r} are not integers"
    if start < 0 or end < 0:
        return f"offsets {start}, {end}: an offset is negative"
    mention, kind = cells[3], cells[4]
    if not 0 <= start < end <= len(text) or text[start:end] != mention:
        return f"offsets {start}-{end} do not match mention {mention[:60]!r} in the text"
    ids = _annotation_ids(cells[5], kind) if len(cells) > 5 else ()
    return Annotation(start=start, end=end, text=mention, type=kind, ids=ids)
