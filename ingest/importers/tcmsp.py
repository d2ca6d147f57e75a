"""``tcmkg import tcmsp DIR``: TCMSP herb–compound and compound–target tables (TCMNP export).

DIR holds ``tcmsp_herb_molecule.tsv`` (herb characters, pinyin, TCMNP molecule id, name),
``tcmsp_molecule_target.tsv`` (TCMNP molecule id, gene symbol, target name) and
``tcmnp_id_to_tcmsp_mol_id.tsv`` (TCMNP id -> TCMSP ``MOL…`` id where the name match is
unique). An optional TCMSP entity folder (``tcmsp_ingredients.tsv`` for oral bioavailability
and drug-likeness, ``tcmsp_herbs.tsv`` for Latin names) adds detail when present.

Mapping decisions:

* herb **contains** compound: a curated constituent list — knowledge assertion by a manual
  agent, database design, confidence 0.8;
* compound **binds** target: TCMSP's targets are mostly predictions of a drug–target
  interaction model (with some DrugBank-known ones mixed in), i.e. claimed physical
  interactions, so ``binds`` (Biolink ``directly_physically_interacts_with``) — but every
  evidence item says ``prediction`` by a ``computational_model`` with confidence 0.5, and the
  design prior for database edges keeps their weight low;
* compounds are keyed by their seed-vocabulary id (PubChem CID) when the name matches a seed
  compound, else ``TCMKG.COMPOUND:mol000098`` from the TCMSP MOL id (with a ``TCMSP.MOL``
  cross-reference), else on the TCMNP id; herbs are resolved through the vocabulary by their
  characters, else by TCMSP's Latin name, else a new herb keyed on pinyin; targets by gene
  symbol, else ``TCMKG.TARGET:symbol``.

Each table file goes into its own named graph (``TCMKG.TABLE:tcmsp-herb-molecule``,
``TCMKG.TABLE:tcmsp-molecule-target``) through the bulk path; re-importing replaces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.importers.graph_load import quad_lines, replace_graph_bulk, table_lines
from ingest.importers.report import GraphWrite, ImportReport, NoProgress, Progress
from ingest.importers.resolve import resolve
from ingest.importers.rows import TableError, count_lines, read_rows
from ingest.problems import ProblemCode, ProblemLog, Severity
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

NAME = "tcmsp"
METHOD = "tcmsp-import"
VOCABULARY_SOURCE = "tcmsp"
HERB_MOLECULE = "tcmsp_herb_molecule.tsv"
MOLECULE_TARGET = "tcmsp_molecule_target.tsv"
ID_MAP = "tcmnp_id_to_tcmsp_mol_id.tsv"
INGREDIENTS = "tcmsp_ingredients.tsv"
HERBS = "tcmsp_herbs.tsv"

HERB_MOLECULE_RECORD = "TCMKG.TABLE:tcmsp-herb-molecule"
MOLECULE_TARGET_RECORD = "TCMKG.TABLE:tcmsp-molecule-target"

CONSTITUENT_CONFIDENCE = 0.8
PREDICTED_TARGET_CONFIDENCE = 0.5


def constituent_evidence() -> EvidenceItem:
    """Evidence of a TCMSP herb–compound edge: a curated constituent list."""
    return EvidenceItem(
        source=HERB_MOLECULE_RECORD,
        design=StudyDesign.DATABASE,
        direction=Direction.UNKNOWN,
        method=METHOD,
        confidence=CONSTITUENT_CONFIDENCE,
        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
        agent_type=AgentType.MANUAL_AGENT,
    )


def target_evidence() -> EvidenceItem:
    """Evidence of a TCMSP compound–target edge: mostly a model's prediction."""
    return EvidenceItem(
        source=MOLECULE_TARGET_RECORD,
        design=StudyDesign.DATABASE,
        direction=Direction.UNKNOWN,
        method=METHOD,
        confidence=PREDICTED_TARGET_CONFIDENCE,
        knowledge_level=KnowledgeLevel.PREDICTION,
        agent_type=AgentType.COMPUTATIONAL_MODEL,
    )


@dataclass
class _Compounds:
    """TCMNP molecule ids -> compound entities, built lazily as the tables name them."""

    vocabulary: Vocabulary
    id_map: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name, MOL id
    adme: dict[str, tuple[str, str]] = field(default_factory=dict)  # MOL id -> OB, DL
    by_tcmnp: dict[str, Entity] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)

    def get(self, tcmnp_id: str, name: str) -> Entity:
        known = self.by_tcmnp.get(tcmnp_id)
        if known is not None:
            return known
        mapped_name, mol = self.id_map.get(tcmnp_id, (name, None))
        name = mapped_name or name or tcmnp_id
        seed = resolve(self.vocabulary, name, EntityKind.COMPOUND).entity
        if seed is not None:
            curie = seed.id
        elif mol:
            curie = iri.own_curie("TCMKG.COMPOUND", mol)
        else:
            curie = iri.own_curie("TCMKG.COMPOUND", f"tcmnp-{tcmnp_id}")
        description = None
        if mol and mol in self.adme:
            ob, dl = self.adme[mol]
            description = f"TCMSP {mol}: oral bioavailability {ob} %, drug-likeness {dl}"
        entity = Entity(
            id=curie,
            kind=EntityKind.COMPOUND,
            label=seed.label if seed else name,
            labels=(Label(name, "en"),),
            xrefs=(f"TCMSP.MOL:{mol}",) if mol else (),
            description=description,
        )
        old = self.entities.get(curie)
        if old is not None:
            # Two TCMNP ids for one compound (one name matched twice): keep both MOL xrefs.
            entity = Entity(
                id=curie,
                kind=EntityKind.COMPOUND,
                label=old.label,
                labels=tuple(dict.fromkeys((*old.labels, *entity.labels))),
                xrefs=tuple(dict.fromkeys((*old.xrefs, *entity.xrefs))),
                description=old.description or entity.description,
            )
        self.entities[curie] = entity
        self.by_tcmnp[tcmnp_id] = entity
        return entity


def _read_id_map(path: Path, problems: ProblemLog) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    if not path.exists():
        problems.report(
            ProblemCode.FILE_UNREADABLE,
            path,
            "-",
            "no TCMNP -> TCMSP id map; compounds are keyed on TCMNP ids",
            Severity.WARNING,
        )
        return out
    try:
        for row in read_rows(path, ("tcmnp_mol_id", "molecule_name", "tcmsp_mol_id"), problems):
            # Only a unique name match is a trustworthy MOL id; ambiguous ones stay unmapped.
            unique = row["match"] in ("", "unique")
            mol = row["tcmsp_mol_id"] if unique and row["tcmsp_mol_id"] else None
            out[row["tcmnp_mol_id"]] = (row["molecule_name"], mol)
    except TableError:
        return {}
    return out


def _read_adme(path: Path, problems: ProblemLog) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return out
    try:
        for row in read_rows(path, ("mol_id", "ob", "dl"), problems):
            out[row["mol_id"]] = (_round(row["ob"], 2), _round(row["dl"], 3))
    except TableError:
        return {}
    return out


def _read_latin(path: Path, problems: ProblemLog) -> dict[str, str]:
    out: dict[str, str] = {}
    if not path.exists():
        return out
    try:
        for row in read_rows(path, ("herb_cn_name", "herb_en_name"), problems):
            if row["herb_en_name"]:
                out[row["herb_cn_name"]] = row["herb_en_name"]
    except TableError:
        return {}
    return out


def _round(value: str, digits: int) -> str:
    try:
        return f"{float(value):.{digits}f}"
    except ValueError:
        return value or "?"


@dataclass
class _Herbs:
    """Herb characters -> herb entity (vocabulary, TCMSP Latin name, or a new pinyin key)."""

    vocabulary: Vocabulary
    latin: dict[str, str]
    problems: ProblemLog
    path: Path
    by_name: dict[str, Entity | None] = field(default_factory=dict)
    new: dict[str, Entity] = field(default_factory=dict)

    def get(self, chinese: str, pinyin: str, where: str) -> Entity | None:
        if chinese in self.by_name:
            return self.by_name[chinese]
        found = resolve(self.vocabulary, chinese, EntityKind.HERB)
        entity = found.entity
        if entity is None and not found.ambiguous and chinese in self.latin:
            entity = resolve(self.vocabulary, self.latin[chinese], EntityKind.HERB).entity
        if entity is None and found.ambiguous:
            self.problems.report(
                ProblemCode.NAME_AMBIGUOUS,
                self.path,
                where,
                f"herb {chinese!r} is shared by {', '.join(e.id for e in found.candidates)}; "
                "its rows are skipped",
            )
        elif entity is None:
            labels = [Label(chinese, "zh")]
            if pinyin:
                spaced = " ".join(pinyin.lower().split())
                labels += [
                    Label(spaced, "zh-Latn-pinyin"),
                    Label(spaced.replace(" ", ""), "zh-Latn-pinyin"),
                ]
            if chinese in self.latin:
                labels.append(Label(self.latin[chinese], "la"))
            entity = Entity(
                id=iri.herb_pinyin_curie(pinyin or chinese),
                kind=EntityKind.HERB,
                label=chinese,
                labels=tuple(dict.fromkeys(labels)),
            )
            self.new[entity.id] = entity
            self.vocabulary.add(entity)
        self.by_name[chinese] = entity
        return entity


def import_tcmsp(
    directory: Path,
    store: GraphStore,
    vocabulary: Vocabulary,
    progress: Progress | None = None,
    entities_dir: Path | None = None,
) -> ImportReport:
    """Import the TCMSP tables of ``directory`` into ``store``; return what was written."""
    progress = progress or NoProgress()
    report = ImportReport(NAME, str(directory))
    problems = report.problems
    if entities_dir is None:
        sibling = directory.parent / "tcmsp_entities"
        entities_dir = sibling if sibling.is_dir() else None
    compounds = _Compounds(vocabulary)
    compounds.id_map = _read_id_map(directory / ID_MAP, problems)
    latin: dict[str, str] = {}
    if entities_dir is not None:
        compounds.adme = _read_adme(entities_dir / INGREDIENTS, problems)
        latin = _read_latin(entities_dir / HERBS, problems)
    herbs = _Herbs(vocabulary, latin, problems, directory / HERB_MOLECULE)
    targets: dict[str, Entity] = {}
    new_targets: list[Entity] = []

    # --- herb contains compound ------------------------------------------------------------
    path = directory / HERB_MOLECULE
    contains: dict[tuple[str, str], Claim] = {}
    used_herbs: dict[str, Entity] = {}
    progress.start(f"tcmsp {HERB_MOLECULE}", count_lines(path))
    try:
        for row in read_rows(path, ("herb_cn_name", "mol_id", "molecule_name"), problems, progress):
            report.rows += 1
            herb = herbs.get(row["herb_cn_name"], row["herb_name_pin_yin"], row.where)
            if herb is None:
                continue
            compound = compounds.get(row["mol_id"], row["molecule_name"])
            used_herbs[herb.id] = herb
            key = (herb.id, compound.id)
            if key not in contains:
                contains[key] = Claim(
                    herb.id, Predicate.CONTAINS, compound.id, (constituent_evidence(),)
                )
    except TableError:
        report.failed = True
        return report

    # --- compound binds target (predicted) ---------------------------------------------------
    path = directory / MOLECULE_TARGET
    binds: dict[tuple[str, str], Claim] = {}
    target_compounds: dict[str, Entity] = {}
    progress.start(f"tcmsp {MOLECULE_TARGET}", count_lines(path))
    try:
        for row in read_rows(path, ("mol_id", "target"), problems, progress):
            report.rows += 1
            symbol = row["target"]
            if not symbol or not row["mol_id"]:
                problems.report(
                    ProblemCode.RECORD_INVALID,
                    path,
                    row.where,
                    "empty MOL_ID or Target; row skipped",
                )
                continue
            compound = compounds.get(row["mol_id"], "")
            target = targets.get(symbol)
            if target is None:
                target = resolve(vocabulary, symbol, EntityKind.TARGET).entity
                if target is None:
                    target = _new_target(symbol, row["target_full_name"])
                    new_targets.append(target)
                targets[symbol] = target
            target_compounds[compound.id] = compound
            key = (compound.id, target.id)
            if key not in binds:
                binds[key] = Claim(compound.id, Predicate.BINDS, target.id, (target_evidence(),))
    except TableError:
        report.failed = True
        return report

    # --- write ---------------------------------------------------------------------------
    for record_id, title, claims, entities in (
        (
            HERB_MOLECULE_RECORD,
            "TCMSP herb–ingredient table (TCMNP export)",
            contains,
            [*used_herbs.values(), *(compounds.entities[c.object] for c in contains.values())],
        ),
        (
            MOLECULE_TARGET_RECORD,
            "TCMSP ingredient–target table (TCMNP export; targets mostly predicted)",
            binds,
            [*target_compounds.values(), *targets.values()],
        ),
    ):
        progress.start(f"writing {len(claims):,} edges of {record_id}", None)
        graph = iri.graph_iri(record_id)
        quads = table_lines(
            SourceRecord(record_id, RecordKind.TABLE, title=title),
            graph,
            entities,
            claims.values(),
        )
        report.graphs.append(GraphWrite(graph, 0, replace_graph_bulk(store, graph, quads)))
    vocab = [*herbs.new.values(), *compounds.entities.values(), *new_targets]
    for entity in vocab:
        vocabulary.add(entity)
    vocab_graph = iri.vocabulary_graph(VOCABULARY_SOURCE)
    written = replace_graph_bulk(
        store, vocab_graph, quad_lines(vocabulary_quads(vocab, VOCABULARY_SOURCE))
    )
    report.graphs.append(GraphWrite(vocab_graph, 0, written))
    report.entities = len(vocab)
    report.claims = len(contains) + len(binds)
    if herbs.new:
        problems.report(
            ProblemCode.NAME_UNRESOLVED,
            directory / HERB_MOLECULE,
            "-",
            f"{len(herbs.new)} herb(s) not in the vocabulary were added, keyed on pinyin: "
            + ", ".join(sorted(e.label for e in herbs.new.values())[:20])
            + (" …" if len(herbs.new) > 20 else ""),
            Severity.WARNING,
        )
    # The shipped vocabulary's names and hierarchy travel with every store an import fills.
    ensure_seed_vocabulary(store)
    return report


def _new_target(symbol: str, full_name: str) -> Entity:
    labels = [Label(symbol, "en")]
    if full_name:
        labels.append(Label(full_name, "en"))
    return Entity(
        id=iri.own_curie("TCMKG.TARGET", symbol),
        kind=EntityKind.TARGET,
        label=symbol,
        labels=tuple(labels),
    )
