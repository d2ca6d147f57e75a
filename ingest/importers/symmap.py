"""``tcmkg import symmap DIR``: herb, ingredient, target and disease names from SymMap v2.

DIR holds SymMap's bulk-download tables converted to TSV: ``symmap_v2_SMHB.tsv`` (herbs),
``SMIT`` (ingredients), ``SMTT`` (targets), ``SMDE`` (diseases) and ``SMMS`` (modern-medicine
symptoms). Rows marked ``Suppress = 1`` are withdrawn by SymMap and skipped. SymMap's bulk
download has no herb–ingredient or ingredient–target pair tables, so this import adds names
and cross-references — all into the vocabulary graph ``vocabulary_graph("symmap")``, replaced
as a whole on re-import — and no edges.

Identifiers: a herb already in the vocabulary (matched by any Latin variant, then by its
characters) keeps its id, so SymMap's names merge with the seed herb; else it is keyed on the
modern-order Latin name (``herb_curie``), else — no Latin name — on its pinyin. Ingredients are
``PUBCHEM.COMPOUND:cid`` (the first CID SymMap lists), else keyed on their TCMSP ``MOL`` id as
the TCMSP import keys them, else on SymMap's own id. Targets are the vocabulary's (by gene
symbol), else ``NCBIGene``, else ``TCMKG.TARGET:symbol``. Diseases and symptoms are ``MESH``
where SymMap gives a MeSH id, else keyed on their name.

TCM theory (written only by :func:`import_symmap`): syndromes (``SMSY``) become ``tcm:Syndrome``
concepts and TCM symptoms (``SMTS``) ``tcm:TcmSymptom`` concepts, with SymMap's definition, in
the same vocabulary graph. A syndrome whose characters (with or without the trailing 证) name a
seed syndrome keeps the seed's id, so the names merge; else it is keyed on its pinyin
(``syndrome_curie``), and on its pinyin and SymMap id when a homophone (实热 / 湿热) holds that
key. Each herb's nature, flavours and toxicity (``Properties_Chinese``, one mixed list:
``辛,苦,温,有小毒``), meridians (``Meridians_Chinese``) and class (``Class_Chinese``) become TCM
theory claims whose evidence names the herb table, in the named graph of
:data:`THEORY_RECORD`. A class is the seed action category it names (活血祛瘀药 → 活血化瘀);
a textbook section the seed holds only as its chapter maps to the chapter
(:data:`CLASS_CHAPTER`: 收敛止血药 → 止血); any other class (拔毒化腐生肌药) becomes an action
concept of its own. A word naming nothing known is reported with its line; the rest is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad
from pypinyin import lazy_pinyin

from ingest.importers.graph_load import quad_lines, replace_graph_bulk
from ingest.importers.herb_properties import (
    claims_of_words,
    split_words,
    theory_evidence,
    theory_graph_lines,
)
from ingest.importers.report import GraphWrite, ImportReport, NoProgress, Progress
from ingest.importers.resolve import resolve
from ingest.importers.rows import Row, TableError, count_lines, read_rows
from ingest.problems import ProblemCode, ProblemLog, Severity
from ingest.vocabulary import Vocabulary
from ingest.vocabulary.loader import pinyin_labels
from ingest.vocabulary.names import has_cjk
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from ingest.vocabulary.tcm_theory import (
    SYNDROME_SUFFIX,
    Concept,
    ConceptKind,
    TcmTheory,
    TheoryClaim,
    TheoryPredicate,
    concept_quads,
)
from kg import iri
from kg.iri import SKOS
from kg.model import Entity, EntityKind, Label, RecordKind, SourceRecord
from kg.names import PART_WORDS
from kg.store import GraphStore
from kg.writer import node, vocabulary_quads

NAME = "symmap"
VOCABULARY_SOURCE = "symmap"

_CURIE_LOCAL = re.compile(r"^[A-Za-z0-9_.:-]+$")
_MESH = re.compile(r"^[CD]\d{6,9}$")


def modern_latin(variants: list[str]) -> str:
    """The modern-order variant of a Latin name (``Astragali Radix``), else the first one.

    The modern order puts the drug-part word (:data:`kg.names.PART_WORDS`) last, the
    traditional order first (``Radix Astragali``).
    """
    for variant in variants:
        words = variant.lower().split()
        if words and words[0] not in PART_WORDS and words[-1] in PART_WORDS:
            return variant
    for variant in variants:
        words = variant.lower().split()
        if words and words[0] not in PART_WORDS:
            return variant
    return variants[0]


def _looks_latin(text: str) -> bool:
    return any(w in PART_WORDS for w in text.lower().split())


def _split(cell: str, sep: str = ",") -> list[str]:
    return [c.strip() for c in cell.split(sep) if c.strip()]


def _xref(prefix: str, local: str) -> list[str]:
    local = local.strip()
    return [f"{prefix}:{local}"] if local and _CURIE_LOCAL.match(local) else []


def _suppressed(row: Row) -> bool:
    return row["suppress"] in ("1", "1.0")


class _Collector:
    """Entities by id, merging the names of rows that share one id."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.entities: dict[str, Entity] = {}

    def add(self, entity: Entity) -> None:
        known = self.vocabulary.entities.get(entity.id)
        if known is not None and known.kind != entity.kind:
            # One id, two kinds (a MeSH id the seed holds as an outcome): the seed's kind wins.
            entity = replace(entity, kind=known.kind)
        old = self.entities.get(entity.id)
        if old is not None:
            entity = replace(
                old,
                labels=tuple(dict.fromkeys((*old.labels, *entity.labels))),
                xrefs=tuple(dict.fromkeys((*old.xrefs, *entity.xrefs))),
            )
        self.entities[entity.id] = entity


def _herb(row: Row, vocabulary: Vocabulary) -> Entity | None:
    chinese, pinyin = row["chinese_name"], row["pinyin_name"]
    latin = _split(row["latin_name"])
    english = row["english_name"]
    if not latin and english and _looks_latin(english):
        # A few SymMap rows carry the Latin name in the English column.
        latin, english = _split(english), ""
    if not (latin or chinese or pinyin):
        return None
    seed = None
    for name in (*latin, chinese):
        if name:
            seed = resolve(vocabulary, name, EntityKind.HERB).entity
            if seed is not None:
                break
    if seed is not None:
        curie, label = seed.id, seed.label
    elif latin:
        curie, label = iri.herb_curie(modern_latin(latin)), modern_latin(latin)
    else:
        curie, label = iri.herb_pinyin_curie(pinyin or chinese), chinese or pinyin
    labels = [Label(v, "la") for v in latin]
    if chinese:
        labels.append(Label(chinese, "zh"))
    labels += [Label(a, "zh") for a in _split(row["alias"].replace("，", ","))]
    if pinyin:
        labels += [Label(pinyin, "zh-Latn-pinyin"), Label(pinyin.lower(), "zh-Latn-pinyin")]
    if english:
        labels.append(Label(english, "en"))
    herb_id = row["herb_id"]
    xrefs = _xref("SYMMAP.HERB", f"{int(herb_id):05d}") if herb_id.isdigit() else []
    return Entity(curie, EntityKind.HERB, label, tuple(dict.fromkeys(labels)), tuple(xrefs))


def _ingredient(row: Row, vocabulary: Vocabulary) -> Entity | None:
    name = row["molecule_name"]
    cids = [c for c in _split(row["pubchem_cid"], "|") if c.isdigit()]
    mol = row["tcmsp_id"]
    if cids:
        curie = f"PUBCHEM.COMPOUND:{int(cids[0])}"
    elif mol.startswith("MOL"):
        curie = iri.own_curie("TCMKG.COMPOUND", mol)
    elif row["mol_id"]:
        curie = iri.own_curie("TCMKG.COMPOUND", f"symmap-smit-{row['mol_id']}")
    else:
        return None
    xrefs = _xref("TCMSP.MOL", mol) if mol.startswith("MOL") else []
    labels = (Label(name, "en"),) if name else ()
    return Entity(curie, EntityKind.COMPOUND, name or curie, labels, tuple(xrefs))


def _target(row: Row, vocabulary: Vocabulary) -> Entity | None:
    symbol = row["gene_symbol"]
    if not symbol:
        return None
    seed = resolve(vocabulary, symbol, EntityKind.TARGET).entity
    ncbi = row["ncbi_id"]
    if seed is not None:
        curie = seed.id
    elif ncbi.isdigit():
        curie = f"NCBIGene:{int(ncbi)}"
    else:
        curie = iri.own_curie("TCMKG.TARGET", symbol)
    labels = [Label(symbol, "en")]
    labels += [Label(n, "en") for n in (row["gene_name"], row["protein_name"]) if n]
    xrefs = [
        *(_xref("UniProtKB", _split(row["uniprot_id"], "|")[0]) if row["uniprot_id"] else []),
        *(_xref("HGNC", row["hgnc_id"]) if row["hgnc_id"].isdigit() else []),
    ]
    if ncbi.isdigit() and curie != f"NCBIGene:{int(ncbi)}":
        xrefs.append(f"NCBIGene:{int(ncbi)}")
    return Entity(curie, EntityKind.TARGET, symbol, tuple(dict.fromkeys(labels)), tuple(xrefs))


def _disease(name: str, mesh_cell: str, umls_cell: str) -> Entity | None:
    if not name:
        return None
    meshes = [m for m in _split(mesh_cell, "|") if _MESH.match(m)]
    curie = f"MESH:{meshes[0]}" if meshes else iri.own_curie("TCMKG.DISEASE", name)
    xrefs = [x for u in _split(umls_cell, "|")[:1] for x in _xref("UMLS", u)]
    return Entity(curie, EntityKind.DISEASE, name, (Label(name, "en"),), tuple(xrefs))


def _disease_row(row: Row, vocabulary: Vocabulary) -> Entity | None:
    return _disease(row["disease_name"], row["mesh_id"], row["umls_id"])


def _symptom_row(row: Row, vocabulary: Vocabulary) -> Entity | None:
    return _disease(row["mm_symptom_name"], row["mesh_id"], row["umls_id"])


HERBS_TABLE = "symmap_v2_SMHB.tsv"
SYNDROMES_TABLE = "symmap_v2_SMSY.tsv"
SYMPTOMS_TABLE = "symmap_v2_SMTS.tsv"

RowMapper = Callable[[Row, Vocabulary], Entity | None]

# file, required columns, mapper; herbs first so that later tables see them.
TABLES: tuple[tuple[str, tuple[str, ...], RowMapper], ...] = (
    (HERBS_TABLE, ("herb_id", "chinese_name", "pinyin_name", "latin_name"), _herb),
    ("symmap_v2_SMIT.tsv", ("mol_id", "molecule_name", "pubchem_cid"), _ingredient),
    ("symmap_v2_SMTT.tsv", ("gene_symbol", "ncbi_id"), _target),
    ("symmap_v2_SMDE.tsv", ("disease_name", "mesh_id"), _disease_row),
    ("symmap_v2_SMMS.tsv", ("mm_symptom_name", "mesh_id"), _symptom_row),
)


def read_symmap(
    directory: Path,
    vocabulary: Vocabulary,
    report: ImportReport,
    progress: Progress | None = None,
    tables: tuple[str, ...] | None = None,
    herb_ids: dict[int, str] | None = None,
) -> list[Entity]:
    """Read SymMap's tables into entities (and into ``vocabulary``), without writing a store.

    ``tables`` limits the files read (e.g. only the herb table, to resolve another source's
    herb names). A missing table is a warning; a table lacking a required column is an error
    and marks the report failed. ``herb_ids``, if given, is filled with the id each line of the
    herb table was given (the theory reader keys its claims on them).
    """
    progress = progress or NoProgress()
    problems: ProblemLog = report.problems
    collector = _Collector(vocabulary)
    for file, required, mapper in TABLES:
        if tables is not None and file not in tables:
            continue
        path = directory / file
        if not path.exists():
            problems.report(
                ProblemCode.FILE_UNREADABLE, path, "-", "table not found; skipped", Severity.WARNING
            )
            continue
        progress.start(f"symmap {file}", count_lines(path))
        before = len(collector.entities)
        try:
            for row in read_rows(path, (*required, "suppress"), problems, progress):
                report.rows += 1
                if _suppressed(row):
                    continue
                entity = mapper(row, vocabulary)
                if entity is None:
                    problems.report(
                        ProblemCode.RECORD_NO_ID, path, row.where, "no name or id; row skipped"
                    )
                    continue
                collector.add(entity)
                if herb_ids is not None and file == HERBS_TABLE:
                    herb_ids[row.line] = entity.id
        except TableError:
            report.failed = True
        if file == TABLES[0][0]:
            # Later tables and other importers resolve herb names through these.
            for entity in list(collector.entities.values())[before:]:
                vocabulary.add(entity)
    return list(collector.entities.values())


# --- TCM theory: syndromes, TCM symptoms, herb properties and classes -------------------------

THEORY_RECORD = "TCMKG.TABLE:symmap-herb-properties"
THEORY_TITLE = (
    "SymMap v2 herb table (symmap_v2_SMHB.tsv): nature, flavours, toxicity, meridians and class"
)
THEORY_METHOD = "symmap-import"
CLASS_SUFFIX = "药"

# SymMap's herb classes are the sections of the materia medica textbook; the seed's action
# categories hold their chapters. A herb of a section has its chapter's action (a 收敛止血药
# stops bleeding), so a section the seed lacks maps to its chapter rather than to a new concept.
CLASS_CHAPTER: dict[str, str] = {
    "凉血止血": "止血",
    "化瘀止血": "止血",
    "收敛止血": "止血",
    "温经止血": "止血",
    "攻下": "泻下",
    "润下": "泻下",
    "通水": "泻下",  # SymMap's "Drastic Purgatives" (峻下逐水药: 甘遂, 芫花, 商陆 …)
    "峻下逐水": "泻下",
    "活血疗伤": "活血化瘀",
    "活血止痛": "活血化瘀",
    "活血调经": "活血化瘀",
    "破血消癥": "活血化瘀",
    "清化热痰": "化痰",
    "温化寒痰": "化痰",
    "祛风湿散寒": "祛风湿",
    "祛风寒湿": "祛风湿",
    "祛风湿清热": "祛风湿",
    "祛风湿热": "祛风湿",
    "祛风湿筋骨": "祛风湿",
    "祛风湿强筋骨": "祛风湿",
    "解毒杀虫燥湿止痒": "攻毒杀虫止痒",  # the same chapter under its other textbook name
}

_PROPERTY_SCHEMES = (
    TheoryPredicate.HAS_NATURE,
    TheoryPredicate.HAS_FLAVOUR,
    TheoryPredicate.HAS_TOXICITY_GRADE,
)


@dataclass
class SymmapTheory:
    """What SymMap's tables give TCM theory: concepts, their definitions and herb claims."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)  # concept id -> definition (@zh)
    claims: dict[tuple[str, str, str], TheoryClaim] = field(default_factory=dict)
    herbs: dict[str, Entity] = field(default_factory=dict)  # subjects of the claims
    merged: list[str] = field(default_factory=list)  # SymMap syndromes that are seed syndromes
    _keys: dict[str, str] = field(default_factory=dict)  # id -> characters it was minted for

    def add_claim(self, claim: TheoryClaim) -> None:
        """Add a claim once (a herb listing a word twice gives one claim)."""
        self.claims.setdefault((claim.subject, claim.predicate.value, claim.object), claim)


def _theory_rows(
    path: Path, required: tuple[str, ...], report: ImportReport, progress: Progress
) -> Iterator[Row]:
    """Rows of one theory table not withdrawn by SymMap; a missing table is a warning."""
    if not path.exists():
        report.problems.report(
            ProblemCode.FILE_UNREADABLE, path, "-", "table not found; skipped", Severity.WARNING
        )
        return
    progress.start(f"symmap {path.name}", count_lines(path))
    try:
        for row in read_rows(path, (*required, "suppress"), report.problems, progress):
            if not _suppressed(row):
                yield row
    except TableError:
        report.failed = True


def _seed_concept(seed: TcmTheory | None, kind: ConceptKind, names: list[str]) -> Concept | None:
    """The one seed concept of ``kind`` carrying one of ``names``, if there is exactly one."""
    if seed is None:
        return None
    for name in names:
        found = {c.id: c for c in seed.lookup(name, kind)}
        if len(found) == 1:
            return next(iter(found.values()))
    return None


def _pinyin_key(pinyin: str, chinese: str) -> str:
    spaced = " ".join(pinyin.lower().split())
    return spaced if spaced and not has_cjk(spaced) else " ".join(lazy_pinyin(chinese))


def _mint(
    theory: SymmapTheory,
    seed: TcmTheory | None,
    mint: Callable[[str], str],
    key: str,
    chinese: str,
    symmap_id: str,
) -> str:
    """A new concept id keyed on pinyin; a homophone of an earlier concept adds SymMap's id."""
    curie = mint(key)
    seed_ids = seed.concepts if seed is not None else {}
    if curie in seed_ids or theory._keys.get(curie, chinese) != chinese:
        curie = mint(f"{key} symmap {symmap_id}")
    theory._keys[curie] = chinese
    return curie


def _concept(
    theory: SymmapTheory,
    seed: TcmTheory | None,
    kind: ConceptKind,
    row: Row,
    cells: tuple[str, str, str, str, str],
) -> Concept | None:
    """A syndrome or TCM symptom row as a concept: the seed's, with SymMap's names, or new.

    ``cells`` names the columns of characters, English, pinyin, definition and SymMap id.
    """
    chinese, english, pinyin, definition, symmap_id = (row[c] for c in cells)
    if not chinese:
        return None
    bare = chinese.removesuffix(SYNDROME_SUFFIX) if kind == ConceptKind.SYNDROME else chinese
    names = list(dict.fromkeys([chinese, bare, bare + SYNDROME_SUFFIX]))
    seed_concept = _seed_concept(seed, kind, names if kind == ConceptKind.SYNDROME else [chinese])
    key = _pinyin_key(pinyin, bare)
    if seed_concept is not None:
        # SymMap's names join the seed concept's as alternatives: SKOS allows one prefLabel per
        # language, and the seed holds it.
        labels = [Label(n, "zh") for n in names if kind == ConceptKind.SYNDROME or n == chinese]
        labels += pinyin_labels(key, preferred=False)
        labels += [Label(english, "en")] if english else []
        curie, label = seed_concept.id, seed_concept.label
        theory.merged.append(chinese)
    else:
        mint = iri.syndrome_curie if kind == ConceptKind.SYNDROME else iri.tcm_symptom_curie
        curie = _mint(theory, seed, mint, key, chinese, symmap_id)
        labels = [Label(chinese, "zh", True)]
        labels += [Label(n, "zh") for n in names[1:]] if kind == ConceptKind.SYNDROME else []
        labels += pinyin_labels(key)
        labels += [Label(english, "en", True)] if english else []
        label = english or chinese
    concept = Concept(curie, kind, label, tuple(dict.fromkeys(labels)))
    old = theory.concepts.get(curie)
    if old is not None:
        concept = replace(concept, labels=tuple(dict.fromkeys((*old.labels, *concept.labels))))
    theory.concepts[curie] = concept
    if definition and curie not in theory.definitions:
        theory.definitions[curie] = definition
    return concept


def _action(theory: SymmapTheory, seed: TcmTheory | None, herb_class: str, english: str) -> str:
    """The action concept of a SymMap herb class: the seed's it names, its chapter, or new."""
    bare = herb_class.removesuffix(CLASS_SUFFIX)
    found = _seed_concept(seed, ConceptKind.ACTION, [herb_class, bare])
    if found is None and bare in CLASS_CHAPTER:
        found = _seed_concept(seed, ConceptKind.ACTION, [CLASS_CHAPTER[bare]])
    if found is not None:
        return found.id
    key = " ".join(lazy_pinyin(bare))
    curie = iri.action_curie(key)
    if curie not in theory.concepts:
        labels = [Label(bare, "zh", True), Label(herb_class, "zh"), *pinyin_labels(key)]
        labels += [Label(english, "en", True)] if english else []
        theory.concepts[curie] = Concept(
            curie, ConceptKind.ACTION, english or bare, tuple(dict.fromkeys(labels))
        )
    return curie


def _herb_claims(
    theory: SymmapTheory,
    seed: TcmTheory | None,
    row: Row,
    herb: Entity,
    path: Path,
    problems: ProblemLog,
) -> None:
    evidence = theory_evidence(THEORY_RECORD, THEORY_METHOD)
    unknown: list[str] = []
    claims = claims_of_words(
        herb.id, split_words(row["properties_chinese"]), _PROPERTY_SCHEMES, evidence, unknown
    )
    claims += claims_of_words(
        herb.id,
        split_words(row["meridians_chinese"]),
        (TheoryPredicate.ENTERS_MERIDIAN,),
        evidence,
        unknown,
    )
    classes = split_words(row["class_chinese"])
    english = row["class_english"] if len(classes) == 1 else ""
    for herb_class in classes:
        action = _action(theory, seed, herb_class, english)
        claims.append(TheoryClaim(herb.id, TheoryPredicate.HAS_ACTION, action, (evidence,)))
    if unknown:
        problems.report(
            ProblemCode.FIELD_INVALID,
            path,
            row.where,
            f"herb {row['chinese_name']!r}: unknown nature/flavour/toxicity/meridian word(s) "
            f"{', '.join(repr(w) for w in unknown)}; the rest of the row is imported",
        )
    if claims:
        theory.herbs[herb.id] = herb
    for claim in claims:
        theory.add_claim(claim)


def read_symmap_theory(
    directory: Path,
    vocabulary: Vocabulary,
    report: ImportReport,
    herb_ids: dict[int, str],
    progress: Progress | None = None,
) -> SymmapTheory:
    """Read SymMap's syndromes, TCM symptoms and herb properties, without writing a store.

    ``herb_ids`` maps each line of the herb table to the id :func:`read_symmap` gave it.
    """
    progress = progress or NoProgress()
    seed = vocabulary.theory
    theory = SymmapTheory()
    concept_tables = (
        (
            SYNDROMES_TABLE,
            ConceptKind.SYNDROME,
            (
                "syndrome_name",
                "syndrome_english",
                "syndrome_pinyin",
                "syndrome_definition",
                "syndrome_id",
            ),
        ),
        (
            SYMPTOMS_TABLE,
            ConceptKind.TCM_SYMPTOM,
            (
                "tcm_symptom_name",
                "symptom_english",  # SymMap has no English names of TCM symptoms
                "symptom_pinyin",
                "symptom_definition",
                "tcm_symptom_id",
            ),
        ),
    )
    for file, kind, cells in concept_tables:
        path = directory / file
        required = tuple(c for c in cells if c != "symptom_english")
        for row in _theory_rows(path, required, report, progress):
            report.rows += 1
            if _concept(theory, seed, kind, row, cells) is None:
                report.problems.report(
                    ProblemCode.RECORD_NO_ID, path, row.where, "no name; row skipped"
                )
    path = directory / HERBS_TABLE
    required = ("chinese_name", "properties_chinese", "meridians_chinese", "class_chinese")
    for row in _theory_rows(path, required, report, progress):
        herb_id = herb_ids.get(row.line)
        herb = vocabulary.entities.get(herb_id) if herb_id else None
        if herb is not None:
            _herb_claims(theory, seed, row, herb, path, report.problems)
    return theory


def theory_vocabulary_quads(theory: SymmapTheory, graph: str) -> Iterator[Quad]:
    """The concepts SymMap names or adds names to, with their definitions, in ``graph``."""
    yield from concept_quads(theory.concepts.values(), graph)
    g = NamedNode(graph)
    for curie, text in theory.definitions.items():
        yield Quad(node(curie), NamedNode(SKOS + "definition"), Literal(text, language="zh"), g)


def import_symmap(
    directory: Path,
    store: GraphStore,
    vocabulary: Vocabulary,
    progress: Progress | None = None,
) -> ImportReport:
    """Import SymMap's names into the ``symmap`` vocabulary graph of ``store``."""
    progress = progress or NoProgress()
    report = ImportReport(NAME, str(directory))
    herb_ids: dict[int, str] = {}
    entities = read_symmap(directory, vocabulary, report, progress, herb_ids=herb_ids)
    if report.failed:
        return report
    for entity in entities:
        vocabulary.add(entity)
    theory = read_symmap_theory(directory, vocabulary, report, herb_ids, progress)
    if report.failed:
        return report
    progress.start(f"writing {len(entities):,} SymMap entities", None)
    # The claims graph is made in full before the store is touched, so a fault in it cannot
    # leave the new vocabulary beside the old claims.
    record = SourceRecord(THEORY_RECORD, RecordKind.TABLE, title=THEORY_TITLE)
    theory_graph = iri.graph_iri(THEORY_RECORD)
    claim_lines = list(
        theory_graph_lines(record, theory_graph, theory.herbs.values(), theory.claims.values())
    )
    graph = iri.vocabulary_graph(VOCABULARY_SOURCE)
    vocabulary_lines = quad_lines(
        chain(
            vocabulary_quads(entities, VOCABULARY_SOURCE),
            theory_vocabulary_quads(theory, graph),
        )
    )
    written = replace_graph_bulk(store, graph, vocabulary_lines)
    report.graphs.append(GraphWrite(graph, report.rows, written))
    written = replace_graph_bulk(store, theory_graph, claim_lines)
    report.graphs.append(GraphWrite(theory_graph, 0, written))
    report.entities = len(entities) + len(theory.concepts)
    report.claims = len(theory.claims)
    # The shipped vocabulary's names and hierarchy travel with every store an import fills.
    ensure_seed_vocabulary(store)
    return report
