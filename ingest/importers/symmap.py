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
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ingest.importers.graph_load import quad_lines, replace_graph_bulk
from ingest.importers.report import GraphWrite, ImportReport, NoProgress, Progress
from ingest.importers.resolve import resolve
from ingest.importers.rows import Row, TableError, count_lines, read_rows
from ingest.problems import ProblemCode, ProblemLog, Severity
from ingest.vocabulary import Vocabulary
from ingest.vocabulary.store_seed import ensure_seed_vocabulary
from kg import iri
from kg.model import Entity, EntityKind, Label
from kg.names import PART_WORDS
from kg.store import GraphStore
from kg.writer import vocabulary_quads

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


RowMapper = Callable[[Row, Vocabulary], Entity | None]

# file, required columns, mapper; herbs first so that later tables see them.
TABLES: tuple[tuple[str, tuple[str, ...], RowMapper], ...] = (
    ("symmap_v2_SMHB.tsv", ("herb_id", "chinese_name", "pinyin_name", "latin_name"), _herb),
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
) -> list[Entity]:
    """Read SymMap's tables into entities (and into ``vocabulary``), without writing a store.

    ``tables`` limits the files read (e.g. only the herb table, to resolve another source's
    herb names). A missing table is a warning; a table lacking a required column is an error
    and marks the report failed.
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
        except TableError:
            report.failed = True
        if file == TABLES[0][0]:
            # Later tables and other importers resolve herb names through these.
            for entity in list(collector.entities.values())[before:]:
                vocabulary.add(entity)
    return list(collector.entities.values())


def import_symmap(
    directory: Path,
    store: GraphStore,
    vocabulary: Vocabulary,
    progress: Progress | None = None,
) -> ImportReport:
    """Import SymMap's names into the ``symmap`` vocabulary graph of ``store``."""
    progress = progress or NoProgress()
    report = ImportReport(NAME, str(directory))
    entities = read_symmap(directory, vocabulary, report, progress)
    if report.failed:
        return report
    for entity in entities:
        vocabulary.add(entity)
    progress.start(f"writing {len(entities):,} SymMap entities", None)
    graph = iri.vocabulary_graph(VOCABULARY_SOURCE)

    written = replace_graph_bulk(
        store, graph, quad_lines(vocabulary_quads(entities, VOCABULARY_SOURCE))
    )
    report.graphs.append(GraphWrite(graph, report.rows, written))
    report.entities = len(entities)
    # The shipped vocabulary's names and hierarchy travel with every store an import fills.
    ensure_seed_vocabulary(store)
    return report
