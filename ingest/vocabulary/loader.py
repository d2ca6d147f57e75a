"""The seed vocabulary: herbs, formulas, compounds, targets, pathways, diseases and drugs.

The project ships readable TSV files (``ingest/vocabulary/data/*.tsv``, formats in that
folder's README). :func:`load_seed` reads every file present into a :class:`Vocabulary`: one
:class:`~kg.model.Entity` per row with labels in every name system, formula compositions as
``has_part`` claims and known herb constituents as ``contains`` claims, plus a name index that
keeps every candidate of a shared name. A bad row is reported (file, line, reason) and skipped;
the rest of the file still loads.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ingest.vocabulary.names import NameIndex
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
    StudyDesign,
)
from kg.names import has_cjk, name_tokens

if TYPE_CHECKING:
    from ingest.vocabulary.tcm_theory import TcmTheory

DATA_DIR = Path(__file__).resolve().parent / "data"

ZH = "zh"
PINYIN = "zh-Latn-pinyin"
LATIN = "la"
EN = "en"

SEED_FORMULAS_SOURCE = "TCMKG.TABLE:seed-formulas"
SEED_COMPOUNDS_SOURCE = "TCMKG.TABLE:seed-compounds"
SEED_METHOD = "seed-vocabulary"

# A seed row is small; a cell this long is a broken file (a lost tab or quote), not a name.
MAX_CELL = 2000

# Expected header of each seed file, in order.
# Names an entity keeps as labels but that free text is not searched for: in biomedical
# writing they mostly mean something else ("hippocampus", the brain region, not the herb).
NOT_MATCHED_FILE = "names_not_matched.tsv"

COLUMNS: dict[str, tuple[str, ...]] = {
    "herbs.tsv": ("latin", "latin_alt", "chinese", "pinyin", "english", "species", "aliases"),
    # Medicinal plants outside the Chinese Pharmacopoeia (valerian, echinacea, green tea):
    # herbs as well, in the same columns, kept apart because no TCM table can check them.
    "medicinal_plants.tsv": (
        "latin",
        "latin_alt",
        "chinese",
        "pinyin",
        "english",
        "species",
        "aliases",
    ),
    "formulas.tsv": ("pinyin", "chinese", "english", "composition", "source", "aliases"),
    "compounds.tsv": ("name", "synonyms", "pubchem_cid", "chebi", "mesh", "herbs", "id_status"),
    "targets.tsv": ("symbol", "ncbi_gene", "name", "synonyms", "id_status"),
    "pathways.tsv": ("name", "id", "synonyms", "id_status"),
    "diseases.tsv": ("name", "mesh", "chinese", "synonyms", "broader", "kind", "id_status"),
    "drugs.tsv": ("name", "mesh", "pubchem_cid", "synonyms", "id_status"),
    NOT_MATCHED_FILE: ("id", "name", "reason"),
}

_MESH_RE = re.compile(r"^[CD]\d{6,9}$")
_DIGITS_RE = re.compile(r"^\d+$")
_CHEBI_RE = re.compile(r"^(?:CHEBI:)?(\d+)$")
# Syllables of Mandarin pinyin (toneless), to tell a pinyin alias from an English one.
_PINYIN_SYLLABLE = re.compile(
    r"^(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:a|ai|an|ang|ao|e|ei|en|eng|er|i|ia|ian|iang|iao|ie|in|ing|iong|iu|o|ong|ou|"
    r"u|ua|uai|uan|uang|ue|ui|un|uo|v|ve|ü|üe)$"
)


@dataclass(frozen=True, slots=True)
class VocabularyProblem:
    """One bad seed row: which file, which line, what is wrong with it."""

    code: str  # e.g. "bad-header", "missing-field", "unknown-herb", "bad-id"
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.code}: {self.message}"


class VocabularyError(ValueError):
    """A seed row that cannot become an entity; carries the reason for the report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Vocabulary:
    """Entities by CURIE, the seed claims among them, and an index of every name they carry."""

    entities: dict[str, Entity] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    problems: list[VocabularyProblem] = field(default_factory=list)
    _names: NameIndex = field(default_factory=NameIndex, repr=False)
    _claim_keys: dict[tuple[str, str, str], int] = field(default_factory=dict, repr=False)
    # (CURIE, case-folded name) pairs kept as labels but not matched in free text.
    not_matched: set[tuple[str, str]] = field(default_factory=set)
    # Syndromes, action categories and curated herb/formula claims (ingest.vocabulary.tcm_theory).
    theory: TcmTheory | None = None

    def matched_in_text(self, curie: str, name: str) -> bool:
        """Whether free text is searched for ``name`` as a name of ``curie``."""
        return (curie, name.casefold()) not in self.not_matched

    def add(self, entity: Entity) -> None:
        """Add an entity, or merge its labels, cross-references and broader terms into the
        entity already held under its id (the first kind and preferred label stay)."""
        old = self.entities.get(entity.id)
        if old is not None:
            entity = replace(
                old,
                labels=_merge(old.labels, entity.labels),
                xrefs=_merge(old.xrefs, entity.xrefs),
                broader=_merge(old.broader, entity.broader),
                description=old.description or entity.description,
            )
        self.entities[entity.id] = entity
        self._names.add(entity.label, entity.id)
        for label in entity.labels:
            self._names.add(label.text, entity.id)

    def add_claim(self, claim: Claim) -> None:
        """Add a claim; a second claim with the same triple adds its evidence to the first."""
        key = (claim.subject, claim.predicate.value, claim.object)
        at = self._claim_keys.get(key)
        if at is None:
            self._claim_keys[key] = len(self.claims)
            self.claims.append(claim)
            return
        old = self.claims[at]
        self.claims[at] = replace(old, evidence=_merge(old.evidence, claim.evidence))

    def lookup(self, name: str) -> list[Entity]:
        """Every entity called ``name``, whatever its spelling (case, spaces and hyphens, tone
        marks, full-width characters, Latin word order). Shared names return every candidate."""
        return [self.entities[i] for i in self._names.get(name)]

    def is_ambiguous(self, name: str) -> bool:
        """True when ``name`` belongs to more than one entity (the caller must not pick one)."""
        return self._names.is_ambiguous(name)

    def ambiguous_names(self) -> Iterator[tuple[str, list[Entity]]]:
        """Every normalised name shared by several entities, with those entities."""
        for key, ids in self._names.ambiguous_keys():
            yield key, [self.entities[i] for i in ids]

    def surface_names(self) -> Iterator[tuple[str, str, EntityKind]]:
        """Every name variant as (name, curie, kind), for dictionary matchers."""
        for entity in self.entities.values():
            seen: set[str] = set()
            for text in (entity.label, *(label.text for label in entity.labels)):
                if text and text not in seen and self.matched_in_text(entity.id, text):
                    seen.add(text)
                    yield text, entity.id, entity.kind

    def by_kind(self, kind: EntityKind) -> list[Entity]:
        """All entities of one kind, in the order they were added."""
        return [e for e in self.entities.values() if e.kind == kind]

    def find_herb(self, name: str) -> list[Entity]:
        """Herbs called ``name`` (characters, pinyin, Latin either order, English, species)."""
        return [e for e in self.lookup(name) if e.kind == EntityKind.HERB]

    def __len__(self) -> int:
        return len(self.entities)


_T = TypeVar("_T")


def _merge(old: tuple[_T, ...], new: Iterable[_T]) -> tuple[_T, ...]:
    out = list(old)
    for item in new:
        if item not in out:
            out.append(item)
    return tuple(out)


# --- reading the files ---------------------------------------------------------------------


def read_rows(
    path: Path, problems: list[VocabularyProblem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from one seed TSV, checking its header; bad lines are reported.

    Quotes are ordinary characters in these files (names like 5'-nucleotidase), so no CSV
    quoting is applied; a row with the wrong number of cells is reported and skipped.
    """
    name = path.name
    expected = COLUMNS.get(name)
    try:
        handle = path.open(encoding="utf-8", newline="")
        with handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader, None)
            if header is None:
                problems.append(VocabularyProblem("empty-file", name, 1, "no header row"))
                return
            header = [h.strip().lstrip("\ufeff") for h in header]
            if expected is not None and tuple(header) != expected:
                problems.append(
                    VocabularyProblem(
                        "bad-header",
                        name,
                        1,
                        f"header is {header}, expected {list(expected)}",
                    )
                )
                return
            for cells in reader:
                line = reader.line_num
                if not cells or all(not c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    problems.append(
                        VocabularyProblem(
                            "bad-row",
                            name,
                            line,
                            f"{len(cells)} cells, expected {len(header)}",
                        )
                    )
                    continue
                if any(len(c) > MAX_CELL for c in cells):
                    problems.append(
                        VocabularyProblem(
                            "cell-too-long", name, line, f"a cell is longer than {MAX_CELL}"
                        )
                    )
                    continue
                yield line, {h: c.strip() for h, c in zip(header, cells, strict=True)}
    except UnicodeDecodeError as exc:
        problems.append(
            VocabularyProblem("bad-encoding", name, 0, f"not UTF-8 ({exc.reason} at {exc.start})")
        )
    except csv.Error as exc:
        problems.append(VocabularyProblem("bad-row", name, 0, str(exc)))


def split_list(cell: str) -> list[str]:
    """The items of a ``;``-separated cell, stripped, empties dropped."""
    return [item.strip() for item in cell.split(";") if item.strip()]


def _required(row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise VocabularyError("missing-field", f"empty {column!r}")
    return value


def looks_like_pinyin(text: str) -> bool:
    """True when every word of ``text`` is a toneless pinyin syllable run (``fang ji``)."""
    tokens = name_tokens(text)
    if not tokens or text != text.lower():
        return False
    return all(_is_pinyin_word(t) for t in tokens)


def _is_pinyin_word(word: str) -> bool:
    # A word may join several syllables (huangqi); split greedily from the left, longest first.
    if not word:
        return True
    for end in range(min(len(word), 6), 0, -1):
        if _PINYIN_SYLLABLE.match(word[:end]) and _is_pinyin_word(word[end:]):
            return True
    return False


def pinyin_labels(spaced: str, *, preferred: bool = True) -> list[Label]:
    """Spaced (the preferred one), unspaced, and capitalised forms of a pinyin name."""
    spaced = " ".join(spaced.lower().split())
    unspaced = spaced.replace(" ", "")
    forms = [
        Label(spaced, PINYIN, preferred),
        Label(unspaced, PINYIN),
        Label(spaced.title(), PINYIN),
        Label(unspaced.capitalize(), PINYIN),
    ]
    if "ü" in spaced:
        # Keyboards and databases write ü as v (nvzhenzi) or drop the dots (nuzhenzi).
        for plain in (spaced.replace("ü", "v"), spaced.replace("ü", "u")):
            forms += [Label(plain, PINYIN), Label(plain.replace(" ", ""), PINYIN)]
    return list(dict.fromkeys(forms))


def alias_label(text: str) -> list[Label]:
    """Labels for an alias of unknown name system: characters, pinyin or English."""
    if has_cjk(text):
        return [Label(text, ZH)]
    if looks_like_pinyin(text):
        return pinyin_labels(text, preferred=False)
    return [Label(text, EN)]


def herb_entity(row: dict[str, str]) -> Entity:
    """One ``herbs.tsv`` row as a herb entity."""
    latin = _required(row, "latin")
    labels: list[Label] = [Label(latin, LATIN, True)]
    if row["latin_alt"]:
        labels.append(Label(row["latin_alt"], LATIN))
    if row["chinese"]:
        labels.append(Label(row["chinese"], ZH, True))
    if row["pinyin"]:
        labels.extend(pinyin_labels(row["pinyin"]))
    if row["english"]:
        labels.append(Label(row["english"], EN, True))
    labels.extend(Label(s, LATIN) for s in split_list(row["species"]))
    for alias in split_list(row["aliases"]):
        labels.extend(alias_label(alias))
    return Entity(
        id=iri.herb_curie(latin),
        kind=EntityKind.HERB,
        label=latin,
        labels=tuple(dict.fromkeys(labels)),
    )


def formula_entity(row: dict[str, str]) -> Entity:
    """One ``formulas.tsv`` row as a formula entity (its composition is read separately)."""
    pinyin = " ".join(_required(row, "pinyin").lower().split())
    labels: list[Label] = pinyin_labels(pinyin)
    if row["chinese"]:
        labels.append(Label(row["chinese"], ZH, True))
    if row["english"]:
        labels.append(Label(row["english"], EN, True))
    for alias in split_list(row["aliases"]):
        labels.extend(alias_label(alias))
    source = row["source"]
    return Entity(
        id=iri.formula_curie(pinyin),
        kind=EntityKind.FORMULA,
        label=pinyin.title(),
        labels=tuple(dict.fromkeys(labels)),
        description=f"Source: {source}" if source else None,
    )


def composition(cell: str) -> list[tuple[str, str | None]]:
    """``黄芪:24 g;当归:`` → [("黄芪", "24 g"), ("当归", None)]."""
    parts: list[tuple[str, str | None]] = []
    for item in split_list(cell):
        herb, _, dose = item.partition(":")
        if not herb.strip():
            raise VocabularyError("bad-composition", f"no herb name in {item!r}")
        parts.append((herb.strip(), dose.strip() or None))
    return parts


def _pubchem(cell: str) -> str | None:
    if not cell:
        return None
    if not _DIGITS_RE.match(cell):
        raise VocabularyError("bad-id", f"PubChem CID {cell!r} is not a number")
    return f"PUBCHEM.COMPOUND:{int(cell)}"


def _chebi(cell: str) -> str | None:
    if not cell:
        return None
    match = _CHEBI_RE.match(cell)
    if not match:
        raise VocabularyError("bad-id", f"ChEBI id {cell!r} is not CHEBI:digits")
    return f"CHEBI:{match.group(1)}"


def _mesh(cell: str) -> str | None:
    if not cell:
        return None
    local = cell.removeprefix("MESH:")
    if not _MESH_RE.match(local):
        raise VocabularyError("bad-id", f"MeSH id {cell!r} is not a descriptor/SCR UI")
    return f"MESH:{local}"


def _en_labels(name: str, synonyms: str) -> list[Label]:
    labels = [Label(name, EN, True)]
    for synonym in split_list(synonyms):
        labels.extend(alias_label(synonym) if has_cjk(synonym) else [Label(synonym, EN)])
    return labels


def compound_entity(row: dict[str, str]) -> Entity:
    """One ``compounds.tsv`` row: id PubChem CID, else ChEBI, else the project's own."""
    name = _required(row, "name")
    ids = [i for i in (_pubchem(row["pubchem_cid"]), _chebi(row["chebi"])) if i]
    mesh = _mesh(row["mesh"])
    main = ids[0] if ids else iri.own_curie("TCMKG.COMPOUND", name)
    xrefs = [i for i in (*ids, mesh) if i and i != main]
    return Entity(
        id=main,
        kind=EntityKind.COMPOUND,
        label=name,
        labels=tuple(dict.fromkeys(_en_labels(name, row["synonyms"]))),
        xrefs=tuple(xrefs),
    )


def target_entity(row: dict[str, str]) -> Entity:
    """One ``targets.tsv`` row: id NCBI Gene, else the project's own keyed on the symbol."""
    symbol = _required(row, "symbol")
    gene = row["ncbi_gene"].removeprefix("NCBIGene:")
    if gene and not _DIGITS_RE.match(gene):
        raise VocabularyError("bad-id", f"NCBI Gene id {row['ncbi_gene']!r} is not a number")
    main = f"NCBIGene:{int(gene)}" if gene else iri.own_curie("TCMKG.TARGET", symbol)
    labels = [Label(symbol, EN, True)]
    if row["name"]:
        labels.append(Label(row["name"], EN))
    labels.extend(Label(s, EN) for s in split_list(row["synonyms"]))
    return Entity(
        id=main,
        kind=EntityKind.TARGET,
        label=symbol,
        labels=tuple(dict.fromkeys(labels)),
        description=row["name"] or None,
    )


def pathway_entity(row: dict[str, str]) -> Entity:
    """One ``pathways.tsv`` row; its id is a KEGG or Reactome CURIE."""
    name = _required(row, "name")
    pathway_id = _required(row, "id")
    try:
        iri.split_curie(pathway_id)
    except iri.CurieError as exc:
        raise VocabularyError("bad-id", str(exc)) from exc
    return Entity(
        id=pathway_id,
        kind=EntityKind.PATHWAY,
        label=name,
        labels=tuple(dict.fromkeys(_en_labels(name, row["synonyms"]))),
    )


def disease_entity(row: dict[str, str]) -> Entity:
    """One ``diseases.tsv`` row: a disease (or symptom) or an outcome measure."""
    name = _required(row, "name")
    kind_cell = row["kind"] or "Disease"
    if kind_cell not in (EntityKind.DISEASE.value, EntityKind.OUTCOME.value):
        raise VocabularyError("bad-kind", f"kind {kind_cell!r} is not Disease or Outcome")
    kind = EntityKind(kind_cell)
    mesh = _mesh(row["mesh"])
    own = "TCMKG.DISEASE" if kind == EntityKind.DISEASE else "TCMKG.OUTCOME"
    main = mesh or iri.own_curie(own, name)
    labels = _en_labels(name, row["synonyms"])
    if row["chinese"]:
        labels.append(Label(row["chinese"], ZH, True))
    broader = tuple(b for b in (_mesh(x) for x in split_list(row["broader"])) if b)
    return Entity(
        id=main,
        kind=kind,
        label=name,
        labels=tuple(dict.fromkeys(labels)),
        broader=broader,
    )


def drug_entity(row: dict[str, str]) -> Entity:
    """One ``drugs.tsv`` row: id MeSH, else PubChem CID."""
    name = _required(row, "name")
    mesh = _mesh(row["mesh"])
    cid = _pubchem(row["pubchem_cid"])
    main = mesh or cid
    if main is None:
        main = iri.own_curie("TCMKG.COMPOUND", name)
    return Entity(
        id=main,
        kind=EntityKind.DRUG,
        label=name,
        labels=tuple(dict.fromkeys(_en_labels(name, row["synonyms"]))),
        xrefs=tuple(i for i in (mesh, cid) if i and i != main),
    )


def seed_evidence(source: str, dose: str | None = None) -> EvidenceItem:
    """The evidence item of a seed-vocabulary edge: a manual assertion from tradition."""
    return EvidenceItem(
        source=source,
        design=StudyDesign.TRADITIONAL,
        direction=Direction.UNKNOWN,
        dose=dose,
        method=SEED_METHOD,
        knowledge_level=KnowledgeLevel.KNOWLEDGE_ASSERTION,
        agent_type=AgentType.MANUAL_AGENT,
    )


RowReader = Callable[[dict[str, str]], Entity]

# The files whose rows are herbs: a herb listed twice (in one or across both) is reported.
HERB_FILES = frozenset({"herbs.tsv", "medicinal_plants.tsv"})

# Files in load order: herbs first, so that compositions and constituents can name them.
ENTITY_FILES: tuple[tuple[str, RowReader], ...] = (
    ("herbs.tsv", herb_entity),
    ("medicinal_plants.tsv", herb_entity),
    ("formulas.tsv", formula_entity),
    ("compounds.tsv", compound_entity),
    ("targets.tsv", target_entity),
    ("pathways.tsv", pathway_entity),
    ("diseases.tsv", disease_entity),
    ("drugs.tsv", drug_entity),
)


def chinese_herb_names(vocabulary: Vocabulary) -> dict[str, str]:
    """Chinese herb name → herb id, for the composition and constituent cells.

    The ChP name of each herb first; then any other Chinese name that belongs to exactly one
    herb (代赭石 for 赭石, 神曲 for 六神曲). A name shared by several herbs (乌头) is left out,
    so a cell using it is reported rather than silently resolved.
    """
    herbs = vocabulary.by_kind(EntityKind.HERB)
    names = {x.text: e.id for e in herbs for x in e.labels if x.lang == ZH and x.preferred}
    owners: dict[str, set[str]] = {}
    for e in herbs:
        for x in e.labels:
            if x.lang == ZH and not x.preferred and x.text not in names:
                owners.setdefault(x.text, set()).add(e.id)
    names.update({text: ids.pop() for text, ids in owners.items() if len(ids) == 1})
    return names


def load_file(vocabulary: Vocabulary, path: Path, reader: RowReader) -> int:
    """Load one seed file into ``vocabulary``; returns the number of rows loaded."""
    herb_by_chinese = chinese_herb_names(vocabulary)
    loaded = 0
    for line, row in read_rows(path, vocabulary.problems):
        try:
            entity = reader(row)
            claims, unknown = _row_claims(path.name, row, entity, herb_by_chinese)
        except VocabularyError as exc:
            vocabulary.problems.append(VocabularyProblem(exc.code, path.name, line, str(exc)))
            continue
        except iri.CurieError as exc:
            vocabulary.problems.append(VocabularyProblem("bad-id", path.name, line, str(exc)))
            continue
        if path.name in HERB_FILES and entity.id in vocabulary.entities:
            vocabulary.problems.append(
                VocabularyProblem(
                    "duplicate", path.name, line, f"{entity.label!r} is already listed"
                )
            )
            continue
        if unknown:
            # The row still loads with the herbs that are known; the gap is reported.
            vocabulary.problems.append(
                VocabularyProblem(
                    "unknown-herb",
                    path.name,
                    line,
                    f"{entity.label}: herbs not in herbs.tsv: {', '.join(unknown)}",
                )
            )
        vocabulary.add(entity)
        for claim in claims:
            vocabulary.add_claim(claim)
        loaded += 1
    return loaded


def _row_claims(
    file: str, row: dict[str, str], entity: Entity, herbs: dict[str, str]
) -> tuple[list[Claim], list[str]]:
    """The seed claims of one row, and the Chinese herb names it uses that are not known."""
    claims: list[Claim] = []
    unknown: list[str] = []
    if file == "formulas.tsv":
        for herb, dose in composition(row["composition"]):
            if herb not in herbs:
                unknown.append(herb)
                continue
            evidence = seed_evidence(SEED_FORMULAS_SOURCE, dose)
            claims.append(Claim(entity.id, Predicate.HAS_PART, herbs[herb], (evidence,)))
    elif file == "compounds.tsv":
        for herb in split_list(row["herbs"]):
            if herb not in herbs:
                unknown.append(herb)
                continue
            evidence = seed_evidence(SEED_COMPOUNDS_SOURCE)
            claims.append(Claim(herbs[herb], Predicate.CONTAINS, entity.id, (evidence,)))
    return claims, unknown


def load_seed(data_dir: Path | None = None) -> Vocabulary:
    """Read every seed file present in ``data_dir`` (default: the bundled one).

    Missing files are fine (that kind of entity is simply absent); bad rows are listed in
    ``Vocabulary.problems`` and skipped.
    """
    folder = DATA_DIR if data_dir is None else data_dir
    vocabulary = Vocabulary()
    for name, reader in ENTITY_FILES:
        path = folder / name
        if path.is_file():
            load_file(vocabulary, path, reader)
    path = folder / NOT_MATCHED_FILE
    if path.is_file():
        _load_not_matched(vocabulary, path)
    from ingest.vocabulary.tcm_theory import load_theory  # it reads rows with this module

    vocabulary.theory = load_theory(folder, vocabulary)
    vocabulary.problems.extend(vocabulary.theory.problems)
    return vocabulary


def _load_not_matched(vocabulary: Vocabulary, path: Path) -> None:
    """Read the names not searched for in text; each must be a label of a seed entity."""
    for line, row in read_rows(path, vocabulary.problems):
        curie, name = row["id"], row["name"]
        entity = vocabulary.entities.get(curie)
        names = {entity.label, *(x.text for x in entity.labels)} if entity else set()
        if entity is None or name.casefold() not in {n.casefold() for n in names}:
            vocabulary.problems.append(
                VocabularyProblem(
                    "unknown-name", path.name, line, f"{name!r} is not a name of {curie}"
                )
            )
            continue
        if not row["reason"]:
            vocabulary.problems.append(
                VocabularyProblem("missing-field", path.name, line, "no reason given")
            )
            continue
        vocabulary.not_matched.add((curie, name.casefold()))
