"""PubMed/MEDLINE XML reader (``PubmedArticleSet``: efetch output and the yearly baseline files).

Streaming: ``lxml.etree.iterparse`` on ``PubmedArticle`` end events, each element cleared once
read, so memory stays flat for a 1 GB baseline file, plain or gzipped.

Hostile input:

- The parser never resolves entities, loads a DTD or touches the network. Beyond that, the
  DOCTYPE is blanked out before parsing (bytes replaced by spaces, line breaks kept, so every
  reported line and column still points into the file): libxml2 would otherwise expand
  internal entities inside attribute values, the billion-laughs vector. A DOCTYPE that
  declares entities is reported (``xml.entity``); a record that uses one then fails to parse
  and is skipped with ``xml.entity``, naming its PMID.
- Malformed or truncated XML is reported (``xml.malformed``) with the line, the PMID of the
  broken record where it can be seen, and the last good PMID. Every record before it is kept,
  and reading resumes at the next ``<PubmedArticle>`` after the error.
- A field above the size limit skips its record (``field.too_large``).

Deletions: an update (or baseline) file may end with ``<DeleteCitation>``, the PMIDs NLM has
deleted. Each listed PMID is yielded as a :class:`~ingest.document.Deletion`, in file order
after the records before it, one element at a time (a list of any length keeps memory flat).
An entry that is not a PMID is reported (``record.no_id``, naming the entry and its line) and
the rest of the list is still read. The ``Version`` attribute is not kept: the store holds one
version of a PMID, and a deletion withdraws it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from lxml import etree

from ingest.document import Deletion, Document, ReadItem, Section
from ingest.problems import ProblemCode, ProblemLog, Severity
from ingest.readers.identifiers import nct_curie, nct_curies_in
from ingest.readers.limits import DEFAULT_LIMITS, ReaderLimits, oversized_field
from ingest.readers.opening import GuardedStream, InputError, check_bom, open_binary
from kg.model import RecordKind

_CHUNK = 1 << 16
_WINDOW = 1 << 20  # recent bytes kept to resume after an error without re-reading the file
_PROLOGUE_LIMIT = 1 << 20
_MAX_RESUMES = 10_000
_RECORD_START = re.compile(rb"<PubmedArticle[\s>]")
_ROOT_START = re.compile(rb"<(?!\?|!)")
_RESUME_PREFIX = b"<PubmedArticleSet>"
# Where reading resumes after an error: the next record, or the deletion list after the last
# record (a broken last record must not lose the file's deletions).
_RESUME_AT = re.compile(rb"<(?:PubmedArticle|DeleteCitation)[\s>]")
# After an error inside the deletion list: its next entry, inside a synthetic list.
_DELETION_START = re.compile(rb"<PMID[\s>]")
_DELETION_PREFIX = b"<PubmedArticleSet><DeleteCitation>"
_PMID_IN_BYTES = re.compile(rb"<PMID[^>]*>\s*(\d{1,9})\s*</PMID>")
# Tokens of a DOCTYPE's internal subset: quoted strings and comments may hold "]>".
_SUBSET_TOKEN = re.compile(rb"\"[^\"]*\"|'[^']*'|<!--.*?-->|\]\s*>|[^\"'\]<]+|.", re.DOTALL)
_YEAR = re.compile(r"\b(\d{4})\b")
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses. Twenty digits
# is far beyond any PMID and keeps int() away from its limit on huge digit strings.
_PMID = re.compile(r"\d{1,20}", re.ASCII)


def _pmid_curie(text: str | None) -> str | None:
    """``PMID:<n>`` for the text of a ``<PMID>`` element (leading zeros dropped), else None."""
    value = (text or "").strip()
    if not _PMID.fullmatch(value) or int(value) == 0:
        return None
    return f"PMID:{int(value)}"


class _RecordError(Exception):
    def __init__(self, code: ProblemCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _blank(data: bytes) -> bytes:
    """Same length, spaces for everything but line breaks (offsets and lines stay true)."""
    return re.sub(rb"[^\n]", b" ", data)


def _doctype_span(prologue: bytes) -> tuple[int, int] | None:
    """Start and end offsets of the DOCTYPE declaration before the root element, if any."""
    start = prologue.find(b"<!DOCTYPE")
    root = _first_element(prologue)
    if start < 0 or (root is not None and root < start):
        return None
    position = start + len(b"<!DOCTYPE")
    bracket = prologue.find(b"[", position)
    close = prologue.find(b">", position)
    if close >= 0 and (bracket < 0 or close < bracket):
        return start, close + 1
    if bracket < 0:
        return None  # unterminated; the parser reports it
    for token in _SUBSET_TOKEN.finditer(prologue, bracket + 1):
        if token.group(0).startswith(b"]"):
            return start, token.end()
    return None


def _first_element(prologue: bytes) -> int | None:
    """Offset of the first element start tag, skipping declarations, comments and PIs."""
    position = 0
    while True:
        match = _ROOT_START.search(prologue, position)
        if match is None:
            return None
        candidate = match.start()
        if prologue.startswith(b"<!--", candidate):
            end = prologue.find(b"-->", candidate)
            if end < 0:
                return None
            position = end + 3
            continue
        if prologue.startswith(b"<!", candidate) or prologue.startswith(b"<?", candidate):
            position = candidate + 2
            continue
        return candidate


class _Feed:
    """The file-like object iterparse reads: file bytes, with a window kept to resume from."""

    def __init__(self, stream: GuardedStream, pending: bytes) -> None:
        self._stream = stream
        self._prefix = b""  # synthetic bytes served before file bytes on a resumed parse
        self._pending = pending  # file bytes already read (or rewritten) but not yet served
        self.offset = 0  # file offset of the next file byte served
        self.line = 1  # file line of the next file byte served
        self.base_line = 1  # file line of the parser's line 1
        self._window = bytearray()
        self._window_offset = 0
        self._window_line = 1

    def read(self, size: int = _CHUNK) -> bytes:
        """Serve the next bytes to the parser."""
        if self._prefix:
            data, self._prefix = self._prefix, b""
            return data
        size = size if size > 0 else _CHUNK
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
        else:
            data = self._stream.read(size)
        if data:
            self._window += data
            self.offset += len(data)
            self.line += data.count(b"\n")
            if len(self._window) > 2 * _WINDOW:
                cut = len(self._window) - _WINDOW
                self._window_line += self._window.count(b"\n", 0, cut)
                self._window_offset += cut
                del self._window[:cut]
        return data

    def line_start(self, line: int) -> int:
        """File offset of the start of ``line`` if the window still holds it, else the window's."""
        if line <= self._window_line:
            return self._window_offset
        position = 0
        for _ in range(line - self._window_line):
            found = self._window.find(b"\n", position)
            if found < 0:
                return self._window_offset + len(self._window)
            position = found + 1
        return self._window_offset + position

    def pmid_near(self, offset: int) -> str | None:
        """PMID of the record being read at file ``offset``, if the window shows it."""
        local = max(0, min(offset - self._window_offset, len(self._window)))
        starts = list(_RECORD_START.finditer(self._window, 0, local + 1))
        begin = starts[-1].start() if starts else 0
        match = _PMID_IN_BYTES.search(self._window, begin, max(local, begin))
        if match is None:
            match = _PMID_IN_BYTES.search(self._window, begin, begin + 4096)
        return match.group(1).decode() if match else None

    def resume(
        self, after: int, target: re.Pattern[bytes] = _RESUME_AT, prefix: bytes = _RESUME_PREFIX
    ) -> bool:
        """Position at the first match of ``target`` (a record) at or after file offset ``after``.

        Returns False at the end of the file. The next reads serve ``prefix`` (a synthetic
        root start tag), then the file from that match on.
        """
        local = max(0, after - self._window_offset)
        buffer = bytes(self._window[local:]) + self._pending
        buffer_offset = max(after, self._window_offset)
        buffer_line = self._window_line + self._window.count(
            b"\n", 0, min(local, len(self._window))
        )
        self._pending = b""
        while True:
            match = target.search(buffer)
            if match:
                start = match.start()
                buffer_line += buffer.count(b"\n", 0, start)
                self._pending = buffer[start:]
                self.offset, self.line = buffer_offset + start, buffer_line
                self.base_line = buffer_line
                self._window = bytearray()
                self._window_offset, self._window_line = self.offset, self.line
                self._prefix = prefix
                return True
            more = self._stream.read(_CHUNK)
            if not more:
                return False
            # Keep a tail that may hold the start of a split "<PubmedArticle" tag (or "<PMID").
            keep = buffer[-32:]
            dropped = len(buffer) - len(keep)
            buffer_line += buffer.count(b"\n", 0, dropped)
            buffer_offset += dropped
            buffer = keep + more


@dataclass
class _Progress:
    index: int = 0
    last_pmid: str | None = None
    deletions: int = 0  # DeleteCitation entries read, valid or not
    in_deletions: bool = False  # inside DeleteCitation: an error there resumes at its next entry


def read_pubmed_xml(
    path: Path, problems: ProblemLog, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Iterator[ReadItem]:
    """Documents from a PubMed/MEDLINE XML file, plain or gzipped, then its deletions.

    Each PMID of the file's ``DeleteCitation`` list is yielded as a
    :class:`~ingest.document.Deletion` where it appears (PubMed puts the list after the
    records, so a PMID both given and deleted by one file ends up deleted).
    """
    progress = _Progress()
    try:
        with open_binary(path, limits) as stream:
            feed = _open_feed(path, stream, problems)
            if feed is not None:
                yield from _parse(path, feed, progress, problems, limits)
    except InputError as exc:
        where = f"after {progress.last_pmid}" if progress.last_pmid else "-"
        problems.report(exc.code, path, where, f"{exc.message}; records before it were kept")


def _open_feed(path: Path, stream: GuardedStream, problems: ProblemLog) -> _Feed | None:
    prologue = stream.read(_CHUNK)
    if not prologue.strip():
        problems.report(ProblemCode.FILE_EMPTY, path, "-", "file holds no XML")
        return None
    prologue = check_bom(prologue)
    while _first_element(prologue) is None and len(prologue) < _PROLOGUE_LIMIT:
        more = stream.read(_CHUNK)
        if not more:
            break
        prologue += more
    span = _doctype_span(prologue)
    if span is None and b"<!DOCTYPE" in prologue[: _first_element(prologue) or len(prologue)]:
        problems.report(
            ProblemCode.XML_MALFORMED,
            path,
            "line 1",
            "DOCTYPE declaration is not terminated (or is larger than 1 MB); file skipped",
        )
        return None
    if span is not None:
        start, end = span
        doctype = prologue[start:end]
        if b"<!ENTITY" in doctype:
            names = re.findall(rb"<!ENTITY\s+(%?\s*[\w.-]+)", doctype)
            listed = ", ".join(n.decode(errors="replace") for n in names[:10])
            problems.report(
                ProblemCode.XML_ENTITY,
                path,
                "DOCTYPE",
                f"DOCTYPE declares entities ({listed}); they are not expanded or fetched, and "
                "records using them are skipped",
                Severity.WARNING,
            )
        prologue = prologue[:start] + _blank(doctype) + prologue[end:]
    return _Feed(stream, prologue)


def _parser_events(feed: _Feed) -> etree.iterparse:
    return etree.iterparse(
        feed,
        events=("end",),
        # PMID too, for the entries of DeleteCitation: each is handled and freed as it ends.
        # The PMIDs inside records also come through here and are passed over.
        tag=("PubmedArticle", "PubmedBookArticle", "PMID", "DeleteCitation"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def _parse(
    path: Path, feed: _Feed, progress: _Progress, problems: ProblemLog, limits: ReaderLimits
) -> Iterator[ReadItem]:
    resumes = 0
    resumed_at = -1
    while True:
        events = _parser_events(feed)
        try:
            for _event, element in events:
                if element.tag == "PMID":
                    parent = element.getparent()
                    if parent is not None and parent.tag == "DeleteCitation":
                        progress.in_deletions = True
                        deletion = _deletion(path, element, feed, progress, problems)
                        if deletion is not None:
                            yield deletion
                        _free(element)
                    continue
                if element.tag == "DeleteCitation":
                    progress.in_deletions = False
                    _free(element)
                    continue
                progress.index += 1
                try:
                    if element.tag == "PubmedBookArticle":
                        raise _RecordError(
                            ProblemCode.RECORD_INVALID,
                            "PubmedBookArticle (a book chapter) is not read",
                        )
                    document = _document(path, element, progress.index, limits)
                except _RecordError as exc:
                    pmid = element.findtext("MedlineCitation/PMID") or element.findtext(".//PMID")
                    label = f"record {progress.index}" + (f" (PMID:{pmid.strip()})" if pmid else "")
                    severity = (
                        Severity.WARNING if element.tag == "PubmedBookArticle" else Severity.ERROR
                    )
                    problems.report(exc.code, path, label, exc.message, severity)
                else:
                    progress.last_pmid = document.id
                    yield document
                finally:
                    _free(element)
            return
        except etree.XMLSyntaxError as exc:
            line, column, message = _syntax_error(events, exc)
            absolute = feed.base_line + line - 1 if line > 0 else feed.line
            offset = feed.line_start(absolute) + (max(column - 1, 0) if line > 1 else 0)
            entity = "Entity '" in message and "not defined" in message
            if progress.in_deletions:
                label = f"line {absolute} (DeleteCitation)"
                after = f"; last entry read {progress.deletions}"
                resumes_at = "the next entry of the list"
            else:
                pmid = feed.pmid_near(offset)
                label = f"line {absolute}" + (f" (PMID:{pmid})" if pmid else "")
                after = f"; last good record {progress.last_pmid}" if progress.last_pmid else ""
                resumes_at = "the next record"
            problems.report(
                ProblemCode.XML_ENTITY if entity else ProblemCode.XML_MALFORMED,
                path,
                label,
                f"{message}{after}; reading resumes at {resumes_at}",
            )
            resumes += 1
            offset = max(offset, resumed_at + 1)
            if resumes > _MAX_RESUMES:
                problems.report(
                    ProblemCode.XML_MALFORMED,
                    path,
                    label,
                    f"more than {_MAX_RESUMES:,} XML errors; rest of the file skipped",
                )
                return
            resumed = (
                feed.resume(offset, _DELETION_START, _DELETION_PREFIX)
                if progress.in_deletions
                else feed.resume(offset)
            )
            if not resumed:
                return
            resumed_at = feed.offset


def _free(element: etree._Element) -> None:
    """Release an element once read, with the siblings read before it (flat memory)."""
    element.clear()  # the tail goes too: lxml's default keep_tail=False
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def _deletion(
    path: Path, element: etree._Element, feed: _Feed, progress: _Progress, problems: ProblemLog
) -> Deletion | None:
    """The deletion one ``DeleteCitation/PMID`` entry asks for, or None (reported) if invalid."""
    progress.deletions += 1
    source_line = cast("int | None", element.sourceline)  # the stubs leave it untyped
    line = feed.base_line + source_line - 1 if source_line else 0
    text = _text(element)
    curie = _pmid_curie(text)
    if curie is None:
        at = f", line {line}" if line else ""
        problems.report(
            ProblemCode.RECORD_NO_ID,
            path,
            f"DeleteCitation entry {progress.deletions}{at}",
            f"PMID {text[:40]!r} is not a PMID; this deletion is skipped",
        )
        return None
    return Deletion(id=curie, source=str(path), position=progress.deletions, line=line)


def _syntax_error(
    events: etree.iterparse,
    exc: etree.XMLSyntaxError,
) -> tuple[int, int, str]:
    """Line, column and message of the first fatal parse error (iterparse may hide it)."""
    for entry in events.error_log:
        if entry.level >= etree.ErrorLevels.ERROR and entry.line > 0:
            return entry.line, entry.column, entry.message
    line, column = exc.position if exc.position else (0, 0)
    return line, column, exc.msg or str(exc)


def _text(element: etree._Element | None) -> str:
    """Text of an element and its inline markup (<i>, <sup> …), whitespace collapsed."""
    if element is None:
        return ""
    return " ".join("".join(str(piece) for piece in element.itertext()).split())


def _document(path: Path, article: etree._Element, index: int, limits: ReaderLimits) -> Document:
    citation = article.find("MedlineCitation")
    if citation is None:
        raise _RecordError(ProblemCode.RECORD_INVALID, "no MedlineCitation element; skipped")
    pmid = (citation.findtext("PMID") or "").strip()
    doc_id = _pmid_curie(pmid)
    if doc_id is None:
        raise _RecordError(ProblemCode.RECORD_NO_ID, f"PMID {pmid[:40]!r} is not a PMID; skipped")
    if next(article.iter(etree.Entity), None) is not None:
        raise _RecordError(ProblemCode.XML_ENTITY, "uses an XML entity; not expanded; skipped")
    info = citation.find("Article")
    title = _text(info.find("ArticleTitle")) if info is not None else ""
    if not title and info is not None:
        title = _text(info.find("VernacularTitle"))
    parts: list[tuple[str, str]] = []
    abstract_element = info.find("Abstract") if info is not None else None
    if abstract_element is not None:
        for part in abstract_element.iterfind("AbstractText"):
            text = _text(part)
            label = (part.get("Label") or part.get("NlmCategory") or "").strip()
            if text:
                parts.append((label, text))
    for name, value in (("ArticleTitle", title), *(("AbstractText", t) for _, t in parts)):
        message = oversized_field(name, value, limits)
        if message:
            raise _RecordError(ProblemCode.FIELD_TOO_LARGE, message)
    abstract, sections = _sections(title, parts)
    if limits.max_field_chars < len(abstract):
        raise _RecordError(
            ProblemCode.FIELD_TOO_LARGE,
            f"abstract has {len(abstract):,} characters, above the limit of "
            f"{limits.max_field_chars:,}; record skipped",
        )
    if not title and not abstract:
        raise _RecordError(ProblemCode.RECORD_EMPTY, "no title and no abstract; skipped")
    publication_types = tuple(
        _text(p) for p in citation.iterfind("Article/PublicationTypeList/PublicationType")
    )
    retracted = "Retracted Publication" in publication_types or any(
        c.get("RefType") == "RetractionIn"
        for c in citation.iterfind("CommentsCorrectionsList/CommentsCorrections")
    )
    return Document(
        id=doc_id,
        title=title,
        abstract=abstract,
        year=_year(citation),
        journal=_journal(citation),
        doi=_doi(article, citation),
        publication_types=publication_types,
        mesh_terms=_mesh(citation, "MeshHeadingList/MeshHeading/DescriptorName"),
        chemicals=_mesh(citation, "ChemicalList/Chemical/NameOfSubstance"),
        trial_ids=_trial_ids(citation, title, abstract),
        sections=sections,
        kind=RecordKind.PUBLICATION,
        source=str(path),
        record_index=index,
        revised=_date(citation.find("DateRevised")),
        retracted=retracted,
    )


def _sections(title: str, parts: list[tuple[str, str]]) -> tuple[str, tuple[Section, ...]]:
    """Join abstract parts as PubTator does (``LABEL: text``), with sections offset into text.

    A section covers a part's text, not its label, so a sentence splitter given a section's
    span never sees the label as a sentence of its own.
    """
    sections: list[Section] = [Section("TITLE", 0, len(title))] if title else []
    pieces: list[str] = []
    offset = len(title) + 1
    for label, text in parts:
        if pieces:
            offset += 1
        head = f"{label}: " if label else ""
        start = offset + len(head)
        sections.append(Section(label.upper() or "ABSTRACT", start, start + len(text)))
        pieces.append(head + text)
        offset += len(head) + len(text)
    return " ".join(pieces), tuple(sections)


def _year(citation: etree._Element) -> int | None:
    issue = "Article/Journal/JournalIssue/PubDate/"
    for candidate in (
        citation.findtext(issue + "Year"),
        citation.findtext(issue + "MedlineDate"),
        citation.findtext("Article/ArticleDate/Year"),
    ):
        match = _YEAR.search(candidate or "")
        if match:
            return int(match.group(1))
    return None


def _journal(citation: etree._Element) -> str | None:
    for path in (
        "Article/Journal/Title",
        "Article/Journal/ISOAbbreviation",
        "MedlineJournalInfo/MedlineTA",
    ):
        value = (citation.findtext(path) or "").strip()
        if value:
            return value
    return None


def _doi(article: etree._Element, citation: etree._Element) -> str | None:
    candidates = [
        e.text
        for e in article.iterfind("PubmedData/ArticleIdList/ArticleId")
        if e.get("IdType") == "doi"
    ]
    candidates += [
        e.text for e in citation.iterfind("Article/ELocationID") if e.get("EIdType") == "doi"
    ]
    for candidate in candidates:
        value = (candidate or "").strip()
        value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.I)
        if value.startswith("10."):
            return value
    return None


def _mesh(citation: etree._Element, path: str) -> tuple[str, ...]:
    ids = ((e.get("UI") or "").strip() for e in citation.iterfind(path))
    return tuple(dict.fromkeys(f"MESH:{ui}" for ui in ids if re.fullmatch(r"[CD]\d{6,9}", ui)))


def _trial_ids(citation: etree._Element, title: str, abstract: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for bank in citation.iterfind("Article/DataBankList/DataBank"):
        if (bank.findtext("DataBankName") or "").strip() != "ClinicalTrials.gov":
            continue
        for accession in bank.iterfind("AccessionNumberList/AccessionNumber"):
            curie = nct_curie(accession.text or "")
            if curie:
                found[curie] = None
    for curie in nct_curies_in(title, abstract):
        found[curie] = None
    return tuple(found)


def _date(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    year, month, day = ((element.findtext(p) or "").strip() for p in ("Year", "Month", "Day"))
    if not year.isdigit():
        return None
    if month.isdigit() and day.isdigit():
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return year
