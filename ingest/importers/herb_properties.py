"""``tcmkg import herb-properties FILE``: nature, flavours and meridians of herbs (性味归经).

The table is the Chinese Pharmacopoeia's property table as TCMNP ships it
(``herb_property_flavor_meridian.tsv``): ``Herb_cn_name``, ``Herb_name_pinyin``, ``Property``
(one English nature word: ``mildly warm``, ``even``, ``cold`` …), ``Flavor`` and ``Meridian``
(comma lists: ``astringent,pungent``; ``lung,largeintestine``). Herbs are matched to the
vocabulary by their characters, then by their pinyin; a herb matched by neither is reported and
skipped. Each row gives ``has_nature`` / ``has_flavour`` / ``enters_meridian`` TCM theory claims
whose evidence names the table, all in one named graph per file, replaced as a whole on
re-import. A word that names no nature, flavour or meridian is reported (file, line, word) and
the rest of the row is imported.

The word-to-scheme mapping and the graph writer here are shared with the SymMap import, whose
herb table mixes nature, flavours and toxicity in one cell (``辛,苦,温,有小毒``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ingest.importers.graph_load import quad_lines, replace_graph_bulk
from ingest.importers.report import GraphWrite, ImportReport, NoProgress, Progress
from ingest.importers.resolve import resolve
from ingest.importers.rows import Row, TableError, count_lines, read_rows
from ingest.problems import ProblemCode, ProblemLog, Severity
from ingest.vocabulary import Vocabulary
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from ingest.vocabulary.tcm_theory import (
    FLAVOURS,
    MERIDIANS,
    NATURES,
    TOXICITY_GRADES,
    TheoryClaim,
    TheoryPredicate,
    claim_quads,
)
from kg import iri
from kg.model import (
    AgentType,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    KnowledgeLevel,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import GraphStore
from kg.writer import entity_quads, record_quads

NAME = "herb-properties"
METHOD = "herb-properties-import"
COLUMNS = ("herb_cn_name", "herb_name_pinyin", "property", "flavor", "meridian")

# Every scheme a property word may name, and the claim it gives.
SCHEMES: tuple[tuple[dict[str, str], TheoryPredicate], ...] = (
    (NATURES, TheoryPredicate.HAS_NATURE),
    (FLAVOURS, TheoryPredicate.HAS_FLAVOUR),
    (TOXICITY_GRADES, TheoryPredicate.HAS_TOXICITY_GRADE),
    (MERIDIANS, TheoryPredicate.ENTERS_MERIDIAN),
)
_SEPARATORS = re.compile(r"[,，、;；/]")
# TCMNP's export glued a trailing "others" to the last meridian of some rows
# (smallintestineothers, heartandspleensothers): the Pharmacopoeia lists no other channel there.
_OTHERS = "others"


def record_id_for(path: Path) -> str:
    """The table record (and named graph) of a property file, keyed on its file name."""
    return iri.own_curie("TCMKG.TABLE", f"herb-properties-{path.stem}")


def theory_evidence(record_id: str, method: str = METHOD) -> EvidenceItem:
    """Evidence of a property claim read from a table: the Pharmacopoeia's assertion."""
    return EvidenceItem(
        source=record_id,
        design=StudyDesign.TRADITIONAL,
        direction=Direction.UNKNOWN,
        method=method,
        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
        agent_type=AgentType.MANUAL_AGENT,
    )


def split_words(cell: str) -> list[str]:
    """The words of a list cell (commas of either width, 、 and semicolons), casefolded."""
    return [w.strip().casefold() for w in _SEPARATORS.split(cell) if w.strip()]


def word_scheme(word: str, allowed: Iterable[TheoryPredicate]) -> list[tuple[TheoryPredicate, str]]:
    """(predicate, concept IRI) pairs a property word names, within the ``allowed`` schemes.

    A word is one concept (``温``, ``mildly warm``, ``有小毒``), or a run of flavours under one
    ``微`` (``微酸涩``: slightly sour and astringent). Empty: the word names nothing known.
    """
    allowed = set(allowed)
    for scheme, predicate in SCHEMES:
        if predicate in allowed and word in scheme:
            return [(predicate, scheme[word])]
    if TheoryPredicate.HAS_FLAVOUR in allowed and word.startswith("微") and len(word) > 2:
        parts = [FLAVOURS.get(c) for c in word[1:]]
        if all(parts):
            return [(TheoryPredicate.HAS_FLAVOUR, p) for p in parts if p]
    return []


def meridian_words(cell: str) -> tuple[list[str], bool]:
    """The meridian words of an English meridian cell, and whether it said ``others``.

    Undoes TCMNP's run-together forms: ``heartothers`` → heart; ``heartandspleensothers`` →
    heart, spleen.
    """
    words: list[str] = []
    others = False
    for word in split_words(cell):
        if word.endswith(_OTHERS):
            others = True
            word = word.removesuffix(_OTHERS)
        for part in word.split("and") if word not in MERIDIANS else [word]:
            part = part.strip()
            if part and part not in MERIDIANS and part.endswith("s") and part[:-1] in MERIDIANS:
                part = part[:-1]
            if part:
                words.append(part)
    return words, others


def claims_of_words(
    herb: str,
    words: Iterable[str],
    allowed: Iterable[TheoryPredicate],
    evidence: EvidenceItem,
    unknown: list[str],
) -> list[TheoryClaim]:
    """Claims of one herb from property words; words naming nothing are appended to
    ``unknown``."""
    allowed = tuple(allowed)
    claims: list[TheoryClaim] = []
    for word in words:
        found = word_scheme(word, allowed)
        if not found:
            unknown.append(word)
        for predicate, concept in found:
            claims.append(TheoryClaim(herb, predicate, concept, (evidence,)))
    return claims


def theory_graph_lines(
    record: SourceRecord, graph: str, herbs: Iterable[Entity], claims: Iterable[TheoryClaim]
) -> Iterator[str]:
    """N-Triples of one table's theory graph: its record, its herbs' types and its claims."""
    yield from quad_lines(record_quads(record, graph))
    for herb in herbs:
        yield from quad_lines(entity_quads(herb, graph, full=False))
    for claim in claims:
        yield from quad_lines(claim_quads(claim, graph, record))


def match_herb(
    vocabulary: Vocabulary, chinese: str, pinyin: str, path: Path, row: Row, problems: ProblemLog
) -> Entity | None:
    """The vocabulary herb a row names by characters, else by pinyin; None (reported) if none.

    A name in characters with a parenthesised variant (海藻（羊栖菜）) is also tried as each.
    """
    parts = [p.strip() for p in re.split(r"[（()）]", chinese)]
    names = [chinese, *parts, pinyin, pinyin.replace(" ", "")]
    ambiguous: list[str] = []
    for name in dict.fromkeys(n for n in names if n):
        found = resolve(vocabulary, name, EntityKind.HERB)
        if found.entity is not None:
            return found.entity
        if found.ambiguous:
            ambiguous.append(f"{name!r} ({', '.join(e.id for e in found.candidates)})")
    if ambiguous:
        problems.report(
            ProblemCode.NAME_AMBIGUOUS,
            path,
            row.where,
            f"herb {chinese or pinyin!r} names several herbs: {'; '.join(ambiguous)}; row skipped",
            Severity.WARNING,
        )
    else:
        problems.report(
            ProblemCode.NAME_UNRESOLVED,
            path,
            row.where,
            f"herb {chinese or pinyin!r} is not in the vocabulary; row skipped",
            Severity.WARNING,
        )
    return None


def _row_claims(
    herb: str, row: Row, evidence: EvidenceItem, path: Path, problems: ProblemLog
) -> list[TheoryClaim]:
    unknown: list[str] = []
    claims = claims_of_words(
        herb, split_words(row["property"]), (TheoryPredicate.HAS_NATURE,), evidence, unknown
    )
    claims += claims_of_words(
        herb, split_words(row["flavor"]), (TheoryPredicate.HAS_FLAVOUR,), evidence, unknown
    )
    meridians, others = meridian_words(row["meridian"])
    claims += claims_of_words(
        herb, meridians, (TheoryPredicate.ENTERS_MERIDIAN,), evidence, unknown
    )
    # "others" alone names no nature or meridian: the table has none for this herb.
    named = [w for w in unknown if w != _OTHERS]
    if named:
        problems.report(
            ProblemCode.FIELD_INVALID,
            path,
            row.where,
            f"herb {row['herb_cn_name']!r}: unknown nature/flavour/meridian word(s) "
            f"{', '.join(repr(w) for w in named)}; the rest of the row is imported",
        )
    if len(named) < len(unknown) or (others and not meridians):
        problems.report(
            ProblemCode.FIELD_INVALID,
            path,
            row.where,
            f"herb {row['herb_cn_name']!r}: 'others' names no nature or meridian; ignored",
            Severity.WARNING,
        )
    return claims


def import_herb_properties(
    path: Path,
    store: GraphStore,
    vocabulary: Vocabulary,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one herb property/flavour/meridian table into its named graph of ``store``."""
    progress = progress or NoProgress()
    report = ImportReport(NAME, str(path))
    problems = report.problems
    record_id = record_id_for(path)
    evidence = theory_evidence(record_id)
    herbs: dict[str, Entity] = {}
    claims: dict[tuple[str, str, str], TheoryClaim] = {}
    progress.start(f"herb properties {path.name}", count_lines(path))
    try:
        for row in read_rows(path, COLUMNS, problems, progress):
            report.rows += 1
            chinese, pinyin = row["herb_cn_name"], row["herb_name_pinyin"]
            if not (chinese or pinyin):
                problems.report(ProblemCode.RECORD_NO_ID, path, row.where, "no herb; row skipped")
                continue
            herb = match_herb(vocabulary, chinese, pinyin, path, row, problems)
            if herb is None:
                continue
            herbs[herb.id] = herb
            for claim in _row_claims(herb.id, row, evidence, path, problems):
                claims.setdefault((claim.subject, claim.predicate, claim.object), claim)
    except TableError:
        report.failed = True
        return report
    record = SourceRecord(
        record_id, RecordKind.TABLE, title=f"Herb nature, flavours and meridians: {path.name}"
    )
    graph = iri.graph_iri(record_id)
    lines = theory_graph_lines(record, graph, herbs.values(), claims.values())
    written = replace_graph_bulk(store, graph, lines)
    report.graphs.append(GraphWrite(graph, report.rows, written))
    report.entities = len(herbs)
    report.claims = len(claims)
    # The shipped vocabulary's names and hierarchy travel with every store an import fills.
    ensure_seed_vocabulary(store)
    return report
