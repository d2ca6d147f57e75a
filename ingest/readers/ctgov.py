"""ClinicalTrials.gov API v2 study JSON: one study, a list of studies, a page, or JSON Lines.

A page is what ``/api/v2/studies`` returns: ``{"studies": [...], "nextPageToken": ...}``. Each
study becomes a document ``NCT:<nctId>`` whose title is the brief title (else the official
title) and whose abstract is the brief summary followed by the detailed description, each a
:class:`Section`. The trial itself (conditions, interventions, design, enrolment, status,
results) is in :class:`TrialInfo`; MeSH terms the registry derived for conditions and
interventions become ``mesh_terms`` and ``chemicals``.

Values of an unexpected type are treated as absent rather than trusted, so a hostile or
mangled study yields what is usable or a ``record.invalid`` problem, never an exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.document import Document, Section, TrialInfo
from ingest.problems import ProblemCode, ProblemLog
from ingest.readers.identifiers import nct_curie, nct_curies_in
from ingest.readers.json_records import JsonStreamError, first_bytes, json_records
from ingest.readers.limits import DEFAULT_LIMITS, ReaderLimits, oversized_field
from ingest.readers.opening import (
    InputError,
    decode_utf8,
    iter_lines,
    logical_name,
    open_binary,
)
from kg.model import RecordKind

_YEAR = re.compile(r"^(\d{4})")
_MESH_UI = re.compile(r"^[CD]\d{6,9}$")
# Memory one parsed JSON object or list costs at least (an empty dict is 64 bytes).
_CONTAINER_COST = 64
# Unlisted bad studies counted before the log's counts are brought up to date.
_COUNT_IN_BULK = 100_000
_SHAPE = (
    "expected a study object (with 'protocolSection'), a list of studies, or a page with 'studies'"
)


def _obj(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _str(value: Any, key: str) -> str | None:
    found = value.get(key) if isinstance(value, dict) else None
    return found.strip() or None if isinstance(found, str) else None


def _strs(value: Any, key: str) -> tuple[str, ...]:
    found = value.get(key) if isinstance(value, dict) else None
    if not isinstance(found, list):
        return ()
    return tuple(item.strip() for item in found if isinstance(item, str) and item.strip())


def _mesh_ids(browse: dict[str, Any]) -> tuple[str, ...]:
    meshes = browse.get("meshes")
    if not isinstance(meshes, list):
        return ()
    ids = (_str(m, "id") for m in meshes)
    return tuple(dict.fromkeys(f"MESH:{i}" for i in ids if i and _MESH_UI.match(i)))


def read_ctgov(
    path: Path, problems: ProblemLog, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Iterator[Document]:
    """Trial documents from a ClinicalTrials.gov v2 JSON (or JSON Lines) file."""
    try:
        if logical_name(path).lower().endswith(".jsonl"):
            yield from _read_lines(path, problems, limits)
        else:
            yield from _read_whole(path, problems, limits)
    except InputError as exc:
        problems.report(exc.code, path, "-", exc.message)


def _read_lines(path: Path, problems: ProblemLog, limits: ReaderLimits) -> Iterator[Document]:
    index = 0
    limit = min(limits.max_line_bytes, limits.max_json_record_bytes)
    with open_binary(path, limits) as stream:
        for raw in iter_lines(stream, limit):
            record = f"line {raw.number}"
            if raw.data is None:
                problems.report(
                    ProblemCode.FIELD_TOO_LARGE,
                    path,
                    record,
                    f"line has {raw.size:,} bytes, above the limit of {limit:,}; skipped",
                )
                continue
            if not raw.data.strip():
                continue
            # Each object or list costs far more memory parsed than its two bytes of text: a
            # line of a million '{},' is refused before it is parsed.
            containers = raw.data.count(b"{") + raw.data.count(b"[")
            if raw.size + containers * _CONTAINER_COST > limit:
                problems.report(
                    ProblemCode.FIELD_TOO_LARGE,
                    path,
                    record,
                    f"line holds {containers:,} JSON objects or lists, above what the limit "
                    f"of {limit:,} bytes allows for one record; skipped",
                )
                continue
            text, reason = decode_utf8(raw.data)
            if reason:
                problems.report(ProblemCode.ENCODING_INVALID, path, record, f"{reason}; skipped")
                continue
            value = _parse(path, text, record, problems)
            if value is None:
                continue
            for study in _studies(path, value, record, problems):
                index += 1
                document = _study_document(path, study, index, f", {record}", problems, limits)
                if document is not None:
                    yield document


def _read_whole(path: Path, problems: ProblemLog, limits: ReaderLimits) -> Iterator[Document]:
    # Streamed one study at a time: a page of thousands of studies, or a hostile file of
    # millions of tiny objects, costs the memory of one study (see json_records).
    index = 0
    with open_binary(path, limits) as stream:
        first = first_bytes(stream)
        if not first.strip():
            problems.report(ProblemCode.FILE_EMPTY, path, "-", "file holds no JSON")
            return
        records = json_records(
            stream,
            first,
            page_key="studies",
            max_record_bytes=limits.max_json_record_bytes,
            max_depth=limits.max_json_depth,
        )
        # Studies without a 'protocolSection' once the log lists no more of them: counted here
        # and given to the log in bulk, since a hostile file holds millions of them ('{},').
        unlisted = 0
        try:
            for record in records:
                index = record.number
                value = record.value
                if (
                    unlisted
                    and record.skipped is None
                    and not (type(value) is dict and value.get("protocolSection"))
                ):
                    unlisted += 1
                    if unlisted > _COUNT_IN_BULK:
                        problems.count(ProblemCode.RECORD_INVALID, unlisted - 1)
                        unlisted = 1
                    continue
                if record.skipped is not None:
                    problems.report(
                        ProblemCode.FIELD_TOO_LARGE,
                        path,
                        f"study {record.number} (line {record.line})",
                        f"study is above the limit of {limits.max_json_record_bytes:,} bytes "
                        f"of JSON (about {record.skipped.size:,} read); skipped",
                    )
                    continue
                if record.whole and not _obj(record.value, "protocolSection"):
                    problems.report(ProblemCode.JSON_MALFORMED, path, "-", _SHAPE)
                    continue
                if not _obj(value, "protocolSection") and not problems.lists(
                    ProblemCode.RECORD_INVALID
                ):
                    unlisted = 1
                    continue
                document = _study_document(path, value, record.number, "", problems, limits)
                if document is not None:
                    yield document
        except JsonStreamError as exc:
            after = f" (after study {index})" if index else ""
            where = "-" if exc.line is None else f"line {exc.line}"
            problems.report(exc.code, path, where, f"{exc.message}{after}")
        finally:
            if unlisted:
                problems.count(ProblemCode.RECORD_INVALID, unlisted)


def _parse(path: Path, text: str, record: str, problems: ProblemLog) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}" if record == "-" else record
        problems.report(
            ProblemCode.JSON_MALFORMED,
            path,
            where,
            f"JSON does not parse: {exc.msg} (line {exc.lineno}, column {exc.colno})",
        )
    except RecursionError:
        problems.report(ProblemCode.JSON_MALFORMED, path, record, "JSON is nested too deeply")
    return None


def _studies(path: Path, value: Any, record: str, problems: ProblemLog) -> list[Any]:
    if isinstance(value, dict) and "protocolSection" in value:
        return [value]
    if isinstance(value, dict) and isinstance(value.get("studies"), list):
        studies: list[Any] = value["studies"]
        return studies
    if isinstance(value, list):
        return value
    problems.report(ProblemCode.JSON_MALFORMED, path, record, _SHAPE)
    return []


def _study_document(
    path: Path,
    study: Any,
    index: int,
    where: str,
    problems: ProblemLog,
    limits: ReaderLimits,
) -> Document | None:
    """The document of one study; ``where`` adds its place in the file (``, line 3``)."""
    protocol = _obj(study, "protocolSection")
    if not protocol:
        problems.report(
            ProblemCode.RECORD_INVALID,
            path,
            f"study {index}{where}",
            "study has no 'protocolSection' object; skipped",
        )
        return None
    identification = _obj(protocol, "identificationModule")
    raw_id = _str(identification, "nctId") or ""
    doc_id = nct_curie(raw_id)
    record = f"study {index}{where} ({raw_id or 'no id'})"
    if doc_id is None:
        problems.report(
            ProblemCode.RECORD_NO_ID,
            path,
            record,
            f"nctId {raw_id[:40]!r} is not an NCT number (NCT + 8 digits); skipped",
        )
        return None
    title = _str(identification, "briefTitle") or _str(identification, "officialTitle") or ""
    description = _obj(protocol, "descriptionModule")
    summary = _str(description, "briefSummary") or ""
    detail = _str(description, "detailedDescription") or ""
    for name, value in (("title", title), ("briefSummary", summary), ("detail", detail)):
        message = oversized_field(name, value, limits)
        if message:
            problems.report(ProblemCode.FIELD_TOO_LARGE, path, record, message)
            return None
    if not title and not summary and not detail:
        problems.report(ProblemCode.RECORD_EMPTY, path, record, "study has no title or summary")
        return None
    abstract, sections = _abstract(title, summary, detail)
    status = _obj(protocol, "statusModule")
    start_date = _str(_obj(status, "startDateStruct"), "date")
    year_match = _YEAR.match(start_date or "")
    derived = _obj(study, "derivedSection")
    return Document(
        id=doc_id,
        title=title,
        abstract=abstract,
        year=int(year_match.group(1)) if year_match else None,
        mesh_terms=_mesh_ids(_obj(derived, "conditionBrowseModule")),
        chemicals=_mesh_ids(_obj(derived, "interventionBrowseModule")),
        trial_ids=tuple(dict.fromkeys((doc_id, *nct_curies_in(summary, detail)))),
        sections=sections,
        kind=RecordKind.CLINICAL_TRIAL,
        source=str(path),
        record_index=index,
        revised=_str(_obj(status, "lastUpdatePostDateStruct"), "date"),
        trial=_trial_info(study, protocol, summary, start_date),
    )


def _abstract(title: str, summary: str, detail: str) -> tuple[str, tuple[Section, ...]]:
    """Summary then detailed description, with sections offset into ``title + " " + abstract``."""
    sections: list[Section] = []
    parts: list[str] = []
    offset = len(title) + 1
    for label, part in (("SUMMARY", summary), ("DESCRIPTION", detail)):
        if not part:
            continue
        if parts:
            offset += 1  # the joining space
        sections.append(Section(label, offset, offset + len(part)))
        parts.append(part)
        offset += len(part)
    return " ".join(parts), tuple(sections)


def _trial_info(
    study: Any, protocol: dict[str, Any], summary: str, start_date: str | None
) -> TrialInfo:
    design = _obj(protocol, "designModule")
    info = _obj(design, "designInfo")
    enrollment = _obj(design, "enrollmentInfo")
    count = enrollment.get("count")
    interventions: list[str] = []
    arms = _obj(protocol, "armsInterventionsModule").get("interventions")
    for item in arms if isinstance(arms, list) else []:
        name = _str(item, "name")
        if name:
            kind = _str(item, "type")
            interventions.append(f"{kind}: {name}" if kind else name)
    return TrialInfo(
        conditions=_strs(_obj(protocol, "conditionsModule"), "conditions"),
        interventions=tuple(interventions),
        study_type=_str(design, "studyType"),
        phases=_strs(design, "phases"),
        allocation=_str(info, "allocation"),
        intervention_model=_str(info, "interventionModel"),
        masking=_str(_obj(info, "maskingInfo"), "masking"),
        primary_purpose=_str(info, "primaryPurpose"),
        enrollment=count if isinstance(count, int) and not isinstance(count, bool) else None,
        enrollment_type=_str(enrollment, "type"),
        status=_str(_obj(protocol, "statusModule"), "overallStatus"),
        start_date=start_date,
        has_results=study.get("hasResults") is True or bool(_obj(study, "resultsSection")),
        brief_summary=summary or None,
    )
