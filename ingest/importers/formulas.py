"""``tcmkg import formulas FILE``: formula compositions (TCMNP ``formula_composition.tsv``).

Columns: ``formula_cn``, ``formula_pinyin``, ``herb_cn``, ``dose`` (``24克``), optional ``type``
(``tcmp`` classic prescription, ``cpm`` Chinese patent medicine). Each row becomes the claim
*formula has_part herb* with the dose on its evidence item (design ``traditional``: a formula
composition is a pharmacopoeia/classical-text assertion, not a study). Formulas are keyed on
their pinyin, so they merge with the seed formulas; herbs are resolved through the vocabulary
by their characters, and a herb name it does not know is reported with its row and skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.importers.graph_load import quad_lines, replace_graph_bulk, table_lines
from ingest.importers.report import GraphWrite, ImportReport, NoProgress, Progress
from ingest.importers.resolve import resolve
from ingest.importers.rows import TableError, count_lines, read_rows
from ingest.problems import ProblemCode, Severity
from ingest.vocabulary import Vocabulary
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
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
from kg.writer import vocabulary_quads

NAME = "formulas"
METHOD = "formulas-import"
REQUIRED = ("formula_cn", "formula_pinyin", "herb_cn", "dose")
KIND_NOTE = {"tcmp": "classic prescription (经典方剂)", "cpm": "Chinese patent medicine (中成药)"}
_GRAMS = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:克|g)\s*$")


def normalise_dose(dose: str) -> str | None:
    """``24克`` -> ``24 g``; other doses (``4枚``, ``适量``) are kept as written."""
    dose = dose.strip()
    if not dose:
        return None
    match = _GRAMS.match(dose)
    return f"{match.group(1)} g" if match else dose


def record_id_for(path: Path) -> str:
    """The table record (and named graph) of a formula file, keyed on its file name."""
    return iri.own_curie("TCMKG.TABLE", f"formulas-{path.stem}")


def import_formulas(
    path: Path,
    store: GraphStore,
    vocabulary: Vocabulary,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one formula composition table into ``store``; return what was written."""
    progress = progress or NoProgress()
    record_id = record_id_for(path)
    report = ImportReport(NAME, str(path))
    problems = report.problems
    formulas: dict[str, Entity] = {}
    herbs: dict[str, Entity] = {}
    claims: dict[tuple[str, str], Claim] = {}
    progress.start(f"formulas {path.name}", count_lines(path))
    try:
        for row in read_rows(path, REQUIRED, problems, progress):
            report.rows += 1
            pinyin = " ".join(row["formula_pinyin"].lower().split())
            chinese, herb_name = row["formula_cn"], row["herb_cn"]
            if not pinyin or not herb_name:
                problems.report(
                    ProblemCode.RECORD_INVALID,
                    path,
                    row.where,
                    "empty formula_pinyin or herb_cn; row skipped",
                )
                continue
            found = resolve(vocabulary, herb_name, EntityKind.HERB)
            if found.entity is None:
                code = (
                    ProblemCode.NAME_AMBIGUOUS if found.ambiguous else ProblemCode.NAME_UNRESOLVED
                )
                what = (
                    "is shared by " + ", ".join(e.id for e in found.candidates)
                    if found.ambiguous
                    else "is not in the vocabulary"
                )
                problems.report(
                    code,
                    path,
                    row.where,
                    f"herb {herb_name!r} of formula {chinese or pinyin!r} {what}; row skipped",
                )
                continue
            herb = found.entity
            formula_id = iri.formula_curie(pinyin)
            if formula_id not in formulas:
                formulas[formula_id] = _formula_entity(formula_id, pinyin, chinese, row["type"])
            herbs[herb.id] = herb
            key = (formula_id, herb.id)
            if key in claims:
                problems.report(
                    ProblemCode.RECORD_INVALID,
                    path,
                    row.where,
                    f"herb {herb_name!r} listed twice in formula {chinese or pinyin!r}; "
                    "the first dose is kept",
                    Severity.WARNING,
                )
                continue
            claims[key] = Claim(
                formula_id,
                Predicate.HAS_PART,
                herb.id,
                (
                    EvidenceItem(
                        source=record_id,
                        design=StudyDesign.TRADITIONAL,
                        direction=Direction.UNKNOWN,
                        dose=normalise_dose(row["dose"]),
                        method=METHOD,
                        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
                        agent_type=AgentType.MANUAL_AGENT,
                    ),
                ),
            )
    except TableError:
        report.failed = True
        return report
    for entity in formulas.values():
        vocabulary.add(entity)
    record = SourceRecord(record_id, RecordKind.TABLE, title=f"Formula compositions: {path.name}")
    graph = iri.graph_iri(record_id)

    lines = table_lines(record, graph, [*formulas.values(), *herbs.values()], claims.values())
    written = replace_graph_bulk(store, graph, lines)
    report.graphs.append(GraphWrite(graph, report.rows, written))
    vocab_source = f"table-formulas-{path.stem}"
    vocab_graph = iri.vocabulary_graph(vocab_source)
    written = replace_graph_bulk(
        store, vocab_graph, quad_lines(vocabulary_quads(formulas.values(), vocab_source))
    )
    report.graphs.append(GraphWrite(vocab_graph, 0, written))
    report.entities = len(formulas)
    report.claims = len(claims)
    # The shipped vocabulary's names and hierarchy travel with every store an import fills.
    ensure_seed_vocabulary(store)
    return report


def _formula_entity(curie: str, pinyin: str, chinese: str, kind: str) -> Entity:
    # Imported names are alternative labels: the seed vocabulary holds the preferred ones, and
    # SKOS allows one prefLabel per language.
    labels = [
        Label(pinyin, "zh-Latn-pinyin"),
        Label(pinyin.replace(" ", ""), "zh-Latn-pinyin"),
    ]
    if chinese:
        labels.append(Label(chinese, "zh"))
    note = KIND_NOTE.get(kind.strip().lower())
    return Entity(
        id=curie,
        kind=EntityKind.FORMULA,
        label=pinyin.title(),
        labels=tuple(dict.fromkeys(labels)),
        description=note,
    )
