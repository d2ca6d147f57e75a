"""``tcmkg import preparations FILE``: a hospital's own preparations (医疗机构制剂).

A catalogue is a CSV (UTF-8, or GB18030 as Chinese spreadsheets export it) or an ``.xlsx``
sheet with a header row. Columns are found by name, in English or Chinese, in any order:

===================================  ======================================================
``name_zh`` (名称)                   preparation name in characters  } at least one of the
``name_pinyin`` (拼音)               preparation name in pinyin       } three
``name_en`` (英文名)                 preparation name in English      }
``hospital`` (医疗机构)              required: the same name at two hospitals is two
                                     preparations
``hospital_pinyin`` (医疗机构拼音)   the hospital's name in pinyin, or else
``hospital_en`` (医疗机构英文名)     its English name: gives the preparation id a readable
                                     key when the hospital is named in characters
``approval_number`` (批准文号)       e.g. 沪药制字Z…
``dosage_form`` (剂型)               granules, capsules, decoction …
``composition`` (处方组成)           required: ``黄芪 30g；丹参 15g；甘草 6g`` — herbs in any
                                     name system (characters, pinyin, Latin), each with an
                                     optional dose
``indications`` (适应症)             indication names (``2型糖尿病；糖尿病肾病``)
``functions`` (功能主治)             the catalogue's own wording, kept as the description
``status`` (状态)                    in use, suspended …
===================================  ======================================================

Every name of a preparation is written as a ``skos:prefLabel`` of its language (characters
``@zh``, pinyin ``@zh-Latn-pinyin`` with an unspaced ``altLabel``, English ``@en``), so a later
``tcmkg ingest`` recognises a paper naming the preparation in any of them.

The preparation's id joins a key of its hospital and one of its name (pinyin, else characters,
else English: an English name added later never changes an id), minted by
:func:`kg.iri.preparation_curie`. A hospital named in characters keys on its
``hospital_pinyin`` (else ``hospital_en``) and a short digest of its characters, so two hospitals
whose pinyin is the same stay two (``TCMKG.PREP:shili-zhongyi-yiyuan-ff7301fe--qi-dan-…``);
without either column the key is the digest alone. Giving a hospital a romanisation, or changing
it, therefore changes its preparations' ids: a re-import replaces the catalogue's graphs, and
papers ingested before keep their claims under the old ids until they are ingested again.

Each row becomes a ``HospitalPreparation`` with the claims *preparation has_part herb* (dose
on the evidence item) and *preparation treats indication* for each stated indication. Both are
the hospital's own assertion, not a study: design ``traditional`` (the lowest prior of any
human-facing evidence, DESIGN §5), so a preparation's ranking rests on papers that study it
and on its herbs' evidence, not on its label.

Herb names are resolved through the vocabulary and never guessed: an unknown or misspelled
name is reported with its row (with the closest known names as a hint) and an ambiguous one
with every candidate; the preparation is imported with the herbs that did resolve. An
indication not in the vocabulary becomes a project indication (``TCMKG.DISEASE``) and is
reported as a warning. The catalogue's graph is replaced as a whole on re-import.

**Syndromes** (病证结合): an indication may name the TCM syndrome of the patients it is for,
in characters or in English — ``用于气虚血瘀型糖尿病肾病``, ``糖尿病肾病（气阴两虚证）``,
``diabetic nephropathy of qi deficiency and blood stasis type``, ``qi-yin deficiency type diabetic
nephropathy`` (:func:`read_indication`). The syndrome is read with the extraction's syndrome
recogniser (:mod:`ingest.nlp.syndromes`, the seed's syndromes) and the rest of the text, less
its joining words (用于, 型, 所致, "of … type"), is the indication, resolved as any other. The
*preparation treats indication* evidence item then carries the syndrome
(``population_syndromes``), and the preparation gets the theory claim *preparation
indicated_for syndrome* (``tcm:indicatedFor``, as the seed writes formula → syndrome), in the
catalogue's own graph, so a re-import replaces both. An indication listed both with and without
a syndrome is for every patient: its evidence item names no syndrome. A syndrome the seed does
not know ("气虚痰阻型…") is reported with its row, and the indication is imported without it.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.importers.report import GraphWrite, ImportReport, NoProgress, Progress
from ingest.importers.resolve import resolve
from ingest.nlp.syndromes import TCM_WORDS, SyndromeMention, find_syndromes
from ingest.problems import ProblemCode, ProblemLog, Severity
from ingest.vocabulary import Vocabulary, normalise_name
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from ingest.vocabulary.tcm_theory import TheoryClaim, TheoryPredicate
from ingest.vocabulary.tcm_theory import claim_quads as theory_claim_quads
from kg import iri
from kg.model import (
    AgentType,
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    KnowledgeLevel,
    Label,
    Predicate,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore
from kg.writer import claim_quads, entity_quads, record_quads, vocabulary_quads

NAME = "preparations"
METHOD = "preparations-import"
MAX_BYTES = 50 * 1024 * 1024  # a catalogue of thousands of preparations is well below this
MAX_CELL = 10_000

# Column name (lower case, either language) -> field.
COLUMNS: dict[str, str] = {
    "name_zh": "name_zh",
    "name": "name_zh",
    "名称": "name_zh",
    "制剂名称": "name_zh",
    "name_pinyin": "name_pinyin",
    "pinyin": "name_pinyin",
    "拼音": "name_pinyin",
    "name_en": "name_en",
    "english_name": "name_en",
    "英文名": "name_en",
    "英文名称": "name_en",
    "hospital": "hospital",
    "医疗机构": "hospital",
    "医院": "hospital",
    "hospital_pinyin": "hospital_pinyin",
    "医疗机构拼音": "hospital_pinyin",
    "医院拼音": "hospital_pinyin",
    "hospital_en": "hospital_en",
    "医疗机构英文名": "hospital_en",
    "医院英文名": "hospital_en",
    "approval_number": "approval_number",
    "批准文号": "approval_number",
    "dosage_form": "dosage_form",
    "剂型": "dosage_form",
    "composition": "composition",
    "处方组成": "composition",
    "处方": "composition",
    "组成": "composition",
    "indications": "indications",
    "适应症": "indications",
    "functions": "functions",
    "功能主治": "functions",
    "status": "status",
    "状态": "status",
}
REQUIRED = ("hospital", "composition")
NAME_FIELDS = ("name_zh", "name_pinyin", "name_en")

_ITEM_SPLIT = re.compile(r"[；;，,、\n]+")
_DOSE = re.compile(
    r"^(?P<name>.*?)\s*(?P<dose>\d+(?:\.\d+)?\s*(?:g|mg|kg|ml|mL|克|毫克|毫升|枚|片)?)\s*$"
)
_UNIT = {"克": "g", "毫克": "mg", "毫升": "ml", "mL": "ml"}


def parse_composition(cell: str) -> list[tuple[str, str | None]]:
    """``黄芪 30g；丹参15克`` -> ``[("黄芪", "30 g"), ("丹参", "15 g")]``."""
    out: list[tuple[str, str | None]] = []
    for item in _ITEM_SPLIT.split(cell):
        item = item.strip()
        if not item:
            continue
        match = _DOSE.match(item)
        if match and match.group("name").strip():
            dose = match.group("dose").replace(" ", "")
            number = re.match(r"\d+(?:\.\d+)?", dose)
            assert number is not None
            unit = dose[number.end() :]
            out.append((match.group("name").strip(), f"{number.group(0)} {_UNIT.get(unit, unit)}"))
        else:
            out.append((item, None))
    return out


def split_indications(cell: str) -> list[str]:
    """Indication names of a cell, separators of either language."""
    return [p.strip() for p in _ITEM_SPLIT.split(cell) if p.strip()]


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """One catalogue row: its number as a user would find it, and its fields."""

    number: int  # data row number (1 = first row under the header)
    line: str  # how problems name it: "row 3" (CSV line / sheet row)
    fields: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.fields.get(name, "")


class CatalogueError(Exception):
    """The catalogue cannot be read at all; the problem has been logged."""


def _header(cells: list[str], path: Path, problems: ProblemLog) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for i, cell in enumerate(cells):
        field = COLUMNS.get(cell.strip().lstrip("\ufeff").lower())
        if field is not None and field not in mapping.values():
            mapping[i] = field
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if not set(NAME_FIELDS) & set(mapping.values()):
        missing.append("name_zh, name_pinyin or name_en")
    if missing:
        problems.report(
            ProblemCode.COLUMN_MISSING,
            path,
            "header",
            f"required column(s) {', '.join(missing)} missing; columns found: "
            f"{', '.join(repr(c) for c in cells)}; catalogue skipped",
        )
        raise CatalogueError(str(path))
    return mapping


def _decode(path: Path, data: bytes, problems: ProblemLog) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            problems.report(
                ProblemCode.ENCODING_INVALID,
                path,
                "-",
                f"neither UTF-8 ({exc.reason} at byte {exc.start}) nor GB18030; catalogue skipped",
            )
            raise CatalogueError(str(path)) from exc
        problems.report(
            ProblemCode.ENCODING_INVALID,
            path,
            "-",
            "not UTF-8; read as GB18030 (the usual encoding of Chinese spreadsheet exports)",
            Severity.WARNING,
        )
        return text


def _csv_rows(path: Path, problems: ProblemLog) -> Iterator[list[str]]:
    data = path.read_bytes()
    text = _decode(path, data, problems)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(path: Path, problems: ProblemLog) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        problems.report(
            ProblemCode.FILE_UNREADABLE, path, "-", f"not a readable .xlsx workbook: {exc}"
        )
        raise CatalogueError(str(path)) from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if v is None else str(v) for v in values]
    finally:
        book.close()


def read_catalogue(path: Path, problems: ProblemLog) -> Iterator[CatalogueRow]:
    """Rows of a catalogue file; raises :class:`CatalogueError` (logged) if none can be read."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.report(ProblemCode.FILE_UNREADABLE, path, "-", f"cannot read: {exc}")
        raise CatalogueError(str(path)) from exc
    if size > MAX_BYTES:
        problems.report(
            ProblemCode.FIELD_TOO_LARGE,
            path,
            "-",
            f"{size:,} bytes, above the limit of {MAX_BYTES:,} for a catalogue; skipped",
        )
        raise CatalogueError(str(path))
    rows = (
        _xlsx_rows(path, problems) if path.suffix.lower() == ".xlsx" else _csv_rows(path, problems)
    )
    header: dict[int, str] | None = None
    number = 0
    try:
        for line, cells in enumerate(rows, start=1):
            if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue  # blank rows and the catalogue's own notes
            if header is None:
                header = _header(cells, path, problems)
                continue
            number += 1
            where = f"row {line}"
            if any(len(c) > MAX_CELL for c in cells):
                problems.report(
                    ProblemCode.FIELD_TOO_LARGE,
                    path,
                    where,
                    f"a cell above {MAX_CELL:,} characters; row skipped",
                )
                continue
            fields = {header[i]: c.strip() for i, c in enumerate(cells) if i in header}
            yield CatalogueRow(number, where, fields)
    except csv.Error as exc:
        problems.report(ProblemCode.RECORD_INVALID, path, "-", f"malformed CSV: {exc}")
    if header is None:
        problems.report(ProblemCode.FILE_EMPTY, path, "-", "no header row; catalogue skipped")
        raise CatalogueError(str(path))


@dataclass(frozen=True, slots=True)
class IndicationReading:
    """An indication cell item read as disease and syndrome.

    ``disease``: the text of the disease (empty when the item names a syndrome only);
    ``syndromes``: seed syndrome CURIEs it names; ``unknown_syndrome``: syndrome-like text the
    seed does not know, for the report.
    """

    disease: str
    syndromes: tuple[str, ...] = ()
    unknown_syndrome: str | None = None


# What an indication opens with: "用于…", "indicated for …".
_LEAD = re.compile(
    r"^\s*(?:用于|适用于|主治|治疗|用治|indicated for|used for|for the treatment of|for)\s*",
    re.IGNORECASE,
)
# Words that join a syndrome to its disease: 型/证 are already in a syndrome mention.
_ZH_JOIN_START = re.compile(r"^[\s，,、:：]*(?:所致的?|引起的?|导致的?|之|的|属|伴|兼)?\s*")
_ZH_JOIN_END = re.compile(r"\s*(?:所致的?|引起的?|之|的|属|伴有?|兼|证属)?[\s，,、:：]*$")
_EN_JOIN_START = re.compile(
    r"^[\s,;:\-–]*(?:(?:syndrome|pattern|type|of|with|and|in|due to|caused by)\b[\s\-–]*)*",
    re.IGNORECASE,
)
_EN_JOIN_END = re.compile(
    r"(?:[\s\-–]*\b(?:of|with|and|in|the|due to|patients with|type|pattern))*[\s,;:\-–]*$",
    re.IGNORECASE,
)
_EMPTY_BRACKETS = re.compile(r"[（(\[【]\s*[）)\]】]")
# Syndrome-like text the seed may not know: characters of TCM pathology before 型 or 证, or
# an English "of … type/pattern" with a TCM word.
_ZH_TCM_CHARS = re.compile(r"[虚瘀湿热寒痰郁滞阴阳火风毒燥亏]")
_ZH_UNKNOWN = (
    re.compile(r"^(?P<s>[\u4e00-\u9fff]{2,8}?)(?:证型|证|型)(?=[\u4e00-\u9fff]{2,})"),
    re.compile(r"[（(](?P<s>[\u4e00-\u9fff]{2,10}?)(?:证型|证|型)[）)]"),
)
_EN_UNKNOWN = (
    re.compile(r"\b(?:of|with)\s+(?P<s>[a-z][a-z\s\-–]+?)\s+(?:type|pattern)\s*$", re.I),
    re.compile(r"^(?P<s>[a-z][a-z\s\-–]+?)\s+(?:type|pattern)\s+(?=[a-z])", re.I),
)


def _remove(text: str, mentions: list[SyndromeMention]) -> str:
    """``text`` less the syndrome mentions and the words joining them to the disease."""
    out = text
    for mention in sorted(mentions, key=lambda m: -m.start):
        before, after = out[: mention.start], out[mention.end :]
        if re.search(r"[\u3400-\u9fff]", mention.text):
            before = _ZH_JOIN_END.sub("", before)
            after = _ZH_JOIN_START.sub("", after)
        else:
            before = _EN_JOIN_END.sub("", before)
            after = _EN_JOIN_START.sub("", after)
        out = f"{before} {after}" if before and after else before or after
    out = _EMPTY_BRACKETS.sub("", out)
    return " ".join(out.split()).strip(" ，,、;；:：-–")


def _syndrome_segment(text: str) -> tuple[int, int, int, str] | None:
    """Where ``text`` writes a syndrome by its form (``…型…``, ``（…证）``, ``of … type``),
    known to the seed or not: the start and end of what to cut (with any brackets), where
    the syndrome's words start, and the words."""
    for pattern in _ZH_UNKNOWN:
        found = pattern.search(text)
        if found and _ZH_TCM_CHARS.search(found.group("s")):
            return found.start(), found.end(), found.start("s"), found.group("s")
    for pattern in _EN_UNKNOWN:
        found = pattern.search(text)
        words = set(re.split(r"[\s\-–]+", found.group("s").lower())) if found else set()
        if found and words & (TCM_WORDS | {"stasis", "heat", "cold", "fire", "dryness"}):
            return found.start("s"), found.end(), found.start("s"), found.group("s")
    return None


def read_indication(item: str) -> IndicationReading:
    """One indication (``用于气虚血瘀型糖尿病肾病``, ``diabetic nephropathy of qi deficiency and
    blood stasis type``) read as its disease text and the seed syndromes it names.

    Where the text writes a syndrome by its form (before 型 or 证, in brackets, "of … type"),
    the seed must know the whole of it: "气虚痰阻型" is reported as unknown, not read as 气虚.
    """
    text = _LEAD.sub("", item).strip()
    mentions = [m for m in find_syndromes(text) if not m.contrast]
    segment = _syndrome_segment(text)
    if segment is not None:
        start, end, own, words = segment
        inside = [m for m in mentions if m.start < end and m.end > start]
        whole = [m for m in inside if m.start <= own and m.end >= end - 1]
        if not whole:
            rest = _remove(text, [SyndromeMention(start, end, text[start:end], "")])
            return IndicationReading(rest, (), words)
        mentions = [m for m in mentions if m not in inside or m in whole]
    if mentions:
        syndromes = tuple(dict.fromkeys(m.id for m in mentions))
        return IndicationReading(_remove(text, mentions), syndromes)
    return IndicationReading(text)


def _merged(listings: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The syndromes of an indication listed one or more times; listed once without a
    syndrome, it is for every patient (no syndrome)."""
    if any(not s for s in listings):
        return ()
    return tuple(dict.fromkeys(x for s in listings for x in s))


def _hint(vocabulary: Vocabulary, name: str) -> str:
    """Closest herb names to a misspelled one, as a hint for the report."""
    herbs = {
        normalise_name(t): t
        for e in vocabulary.by_kind(EntityKind.HERB)
        for t in (e.label, *(lb.text for lb in e.labels))
    }
    close = difflib.get_close_matches(normalise_name(name), list(herbs), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(herbs[c]) for c in close)}?" if close else ""


def record_id_for(path: Path) -> str:
    """The catalogue record (and named graph) of a file, keyed on its file name."""
    return iri.own_curie("TCMKG.TABLE", f"preparations-{path.stem}")


def _evidence(
    record_id: str,
    *,
    part: bool = False,
    dose: str | None = None,
    syndromes: tuple[str, ...] = (),
) -> EvidenceItem:
    # A stated indication is a claim of benefit; a composition line (or a syndrome the
    # preparation is indicated for) has no direction.
    return EvidenceItem(
        source=record_id,
        design=StudyDesign.TRADITIONAL,
        direction=Direction.UNKNOWN if part else Direction.BENEFIT,
        dose=dose,
        population_syndromes=syndromes,
        method=METHOD,
        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
        agent_type=AgentType.MANUAL_AGENT,
    )


def _has_other_letters(text: str) -> bool:
    # The rule kg.iri.preparation_curie applies: tone marks and punctuation are Latin enough
    # (Xī’ān), a character is not.
    decomposed = unicodedata.normalize("NFKD", text)
    return any(c.isalnum() and not c.isascii() for c in decomposed if not unicodedata.combining(c))


def _hospital_romanised(row: CatalogueRow, path: Path, problems: ProblemLog) -> str | None:
    """The hospital's pinyin, else its English name, when in Latin letters (else reported)."""
    if not _has_other_letters(row["hospital"]):
        return None  # a hospital named in Latin letters is its own readable key
    for field in ("hospital_pinyin", "hospital_en"):
        value = " ".join(row[field].split())
        if not value:
            continue
        if _has_other_letters(value) or not any(c.isascii() and c.isalnum() for c in value):
            problems.report(
                ProblemCode.FIELD_INVALID,
                path,
                row.line,
                f"{field} {value!r} is not a name in Latin letters; not used for the "
                "preparation id",
                Severity.WARNING,
            )
            continue
        return value
    return None


def _preparation(row: CatalogueRow, hospital_romanised: str | None) -> Entity:
    zh, pinyin = row["name_zh"], " ".join(row["name_pinyin"].split())
    english = " ".join(row["name_en"].split())
    labels: list[Label] = []
    if zh:
        labels.append(Label(zh, "zh", preferred=True))
    if pinyin:
        labels.append(Label(pinyin.lower(), "zh-Latn-pinyin", preferred=True))
        if " " in pinyin:
            labels.append(Label(pinyin.lower().replace(" ", ""), "zh-Latn-pinyin"))
    if english:
        # As the catalogue writes it: literature matching folds case and hyphens itself.
        labels.append(Label(english, "en", preferred=True))
    notes = [row["functions"]] if row["functions"] else []
    if row["status"]:
        notes.append(f"status: {row['status']}")
    return Entity(
        # The name key never falls to the English name while pinyin or characters are there,
        # so adding an English name to a row keeps its id.
        id=iri.preparation_curie(row["hospital"], pinyin or zh or english, hospital_romanised),
        kind=EntityKind.HOSPITAL_PREPARATION,
        label=zh or pinyin.title() or english,
        labels=tuple(labels),
        description="; ".join(notes) or None,
        hospital=row["hospital"],
        approval_number=row["approval_number"] or None,
        dosage_form=row["dosage_form"] or None,
    )


def import_preparations(
    path: Path,
    store: GraphStore,
    vocabulary: Vocabulary,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one hospital preparation catalogue into ``store``; return what was written."""
    progress = progress or NoProgress()
    record_id = record_id_for(path)
    report = ImportReport(NAME, str(path))
    problems = report.problems
    preparations: dict[str, Entity] = {}
    new_indications: dict[str, Entity] = {}
    used: dict[str, Entity] = {}
    claims: dict[tuple[str, str, str], Claim] = {}
    # (preparation, indication) -> the syndromes of each listing; () = listed without one
    treated: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    theory_claims: dict[tuple[str, str], TheoryClaim] = {}
    # hospital -> (its key in ids, the row that set it), so a row that romanises its hospital
    # differently (or not at all) is reported: its preparations would be keyed apart.
    hospital_keys: dict[str, tuple[str, str]] = {}
    progress.start(f"preparations {path.name}", None)
    try:
        for row in read_catalogue(path, problems):
            report.rows += 1
            progress.advance()
            if not row["hospital"] or not any(row[f] for f in NAME_FIELDS):
                problems.report(
                    ProblemCode.RECORD_INVALID,
                    path,
                    row.line,
                    "no preparation name or no hospital; row skipped",
                )
                continue
            romanised = _hospital_romanised(row, path, problems)
            prep = _preparation(row, romanised)
            where = f"{row.line} ({prep.label})"
            _check_hospital_key(row, romanised, hospital_keys, path, where, problems)
            if prep.id in preparations:
                problems.report(
                    ProblemCode.RECORD_INVALID,
                    path,
                    where,
                    "the same preparation of the same hospital is listed again; row skipped",
                )
                continue
            parts = _composition(row, prep, record_id, vocabulary, path, where, problems)
            if not parts:
                problems.report(
                    ProblemCode.RECORD_INVALID,
                    path,
                    where,
                    "no herb of the composition could be resolved; preparation skipped",
                )
                continue
            preparations[prep.id] = prep
            for herb, claim in parts:
                used[herb.id] = herb
                claims[(claim.subject, claim.predicate.value, claim.object)] = claim
            for item in split_indications(row["indications"]):
                reading = read_indication(item)
                if reading.unknown_syndrome:
                    problems.report(
                        ProblemCode.NAME_UNRESOLVED,
                        path,
                        where,
                        f"syndrome {reading.unknown_syndrome!r} of indication {item!r} is not a "
                        "syndrome of the vocabulary; indication imported without it",
                        Severity.WARNING,
                    )
                for syndrome in reading.syndromes:
                    theory_claims[(prep.id, syndrome)] = TheoryClaim(
                        prep.id,
                        TheoryPredicate.INDICATED_FOR,
                        syndrome,
                        (_evidence(record_id, part=True),),
                    )
                if not reading.disease:
                    continue
                disease = _indication(
                    reading.disease, vocabulary, new_indications, path, where, problems
                )
                if disease is None:
                    continue
                used[disease.id] = disease
                listings = treated.setdefault((prep.id, disease.id), [])
                listings.append(reading.syndromes)
                claim = Claim(
                    prep.id,
                    Predicate.TREATS,
                    disease.id,
                    (_evidence(record_id, syndromes=_merged(listings)),),
                )
                claims[(prep.id, Predicate.TREATS.value, disease.id)] = claim
    except CatalogueError:
        report.failed = True
        return report
    record = SourceRecord(
        record_id, RecordKind.CATALOGUE, title=f"Hospital preparation catalogue: {path.name}"
    )
    graph = iri.graph_iri(record_id)
    quads = list(record_quads(record, graph))
    for entity in (*preparations.values(), *used.values()):
        quads.extend(entity_quads(entity, graph, full=False))
    for claim in claims.values():
        quads.extend(claim_quads(claim, graph, record))
    for theory_claim in theory_claims.values():
        quads.extend(theory_claim_quads(theory_claim, graph, record))
    progress.start(f"writing {len(preparations):,} preparations", None)
    store.replace_graph(graph, quads)
    report.graphs.append(GraphWrite(graph, report.rows, len(quads)))
    vocab = [*preparations.values(), *new_indications.values()]
    for entity in vocab:
        vocabulary.add(entity)
    source = f"table-preparations-{path.stem}"
    vocab_graph = iri.vocabulary_graph(source)
    vocab_quads = list(vocabulary_quads(vocab, source))
    store.replace_graph(vocab_graph, vocab_quads)
    report.graphs.append(GraphWrite(vocab_graph, 0, len(vocab_quads)))
    report.entities = len(preparations)
    report.claims = len(claims) + len(theory_claims)
    # The shipped vocabulary's names and hierarchy travel with every store an import fills.
    ensure_seed_vocabulary(store)
    return report


def _check_hospital_key(
    row: CatalogueRow,
    romanised: str | None,
    keys: dict[str, tuple[str, str]],
    path: Path,
    where: str,
    problems: ProblemLog,
) -> None:
    """Report a row whose hospital is romanised otherwise than in an earlier row."""
    if not _has_other_letters(row["hospital"]):
        return
    key = iri.slug(romanised) if romanised else ""
    held = keys.setdefault(row["hospital"], (key, row.line))
    if held[0] != key:
        here = f"romanised as {romanised!r}" if romanised else "not romanised"
        problems.report(
            ProblemCode.FIELD_INVALID,
            path,
            where,
            f"hospital {row['hospital']!r} is {here} here but otherwise in {held[1]}: its "
            "preparations get ids with different hospital keys; give every row of a hospital "
            "the same hospital_pinyin",
            Severity.WARNING,
        )


def _composition(
    row: CatalogueRow,
    prep: Entity,
    record_id: str,
    vocabulary: Vocabulary,
    path: Path,
    where: str,
    problems: ProblemLog,
) -> list[tuple[Entity, Claim]]:
    out: dict[str, tuple[Entity, Claim]] = {}
    for name, dose in parse_composition(row["composition"]):
        found = resolve(vocabulary, name, EntityKind.HERB)
        if found.entity is None:
            if found.ambiguous:
                problems.report(
                    ProblemCode.NAME_AMBIGUOUS,
                    path,
                    where,
                    f"herb {name!r} is ambiguous: "
                    + ", ".join(f"{e.id} ({e.label})" for e in found.candidates)
                    + "; left out of the composition (write the Latin or full name)",
                )
            else:
                problems.report(
                    ProblemCode.NAME_UNRESOLVED,
                    path,
                    where,
                    f"herb {name!r} is not in the vocabulary{_hint(vocabulary, name)}; "
                    "left out of the composition",
                )
            continue
        herb = found.entity
        if herb.id in out:
            continue
        out[herb.id] = (
            herb,
            Claim(
                prep.id, Predicate.HAS_PART, herb.id, (_evidence(record_id, part=True, dose=dose),)
            ),
        )
    return list(out.values())


def _indication(
    name: str,
    vocabulary: Vocabulary,
    new: dict[str, Entity],
    path: Path,
    where: str,
    problems: ProblemLog,
) -> Entity | None:
    found = resolve(vocabulary, name, EntityKind.DISEASE)
    if found.entity is not None:
        return found.entity
    if found.ambiguous:
        problems.report(
            ProblemCode.NAME_AMBIGUOUS,
            path,
            where,
            f"indication {name!r} is ambiguous: "
            + ", ".join(e.id for e in found.candidates)
            + "; left out",
        )
        return None
    curie = iri.own_curie("TCMKG.DISEASE", name)
    if curie not in new:
        lang = "zh" if re.search(r"[\u3400-\u9fff]", name) else "en"
        new[curie] = Entity(curie, EntityKind.DISEASE, name, (Label(name, lang, preferred=True),))
        problems.report(
            ProblemCode.NAME_UNRESOLVED,
            path,
            where,
            f"indication {name!r} is not in the vocabulary; added as {curie}",
            Severity.WARNING,
        )
    return new[curie]
