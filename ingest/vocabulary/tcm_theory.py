"""TCM theory in the seed vocabulary: syndromes, action categories and curated herb properties.

Five shipped files (formats in ``data/README.md``), written from knowledge and marked as such:

- ``tcm_actions.tsv``: action categories (功效分类: 补气, 活血化瘀 …), each a SKOS concept with
  names in characters, pinyin and English and its broader chapter (补气 → 补虚);
- ``syndromes.tsv``: syndromes (证候), with the English renderings papers use and the treatment
  principle (治法) in characters and English, and the action categories it calls for;
- ``herb_actions.tsv``: herb → action category;
- ``herb_toxicity.tsv``: herb → Chinese Pharmacopoeia toxicity grade (有小毒 / 有毒 / 有大毒);
- ``formula_syndromes.tsv``: formula → syndrome it is classically indicated for.

:func:`load_theory` reads them against the herbs and formulas of a loaded
:class:`~ingest.vocabulary.loader.Vocabulary` into a :class:`TcmTheory`: concepts, and claims
whose evidence item names the seed table it comes from (a manual assertion from tradition, as
formula compositions are). A bad row is reported (file, line, reason) and skipped; the rest of
the file still loads. :func:`concept_quads` and :func:`table_graphs` give the RDF: concepts in a
vocabulary graph, claims in one named graph per seed table. The closed schemes — nature (四气),
flavour (五味), meridian (归经) and toxicity grade — are declared in the ontology; their IRIs are
looked up here by name for the importers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from ingest.vocabulary.loader import (
    EN,
    ZH,
    Vocabulary,
    VocabularyError,
    VocabularyProblem,
    pinyin_labels,
    read_rows,
    seed_evidence,
    split_list,
)
from ingest.vocabulary.names import NameIndex, has_cjk
from kg import iri
from kg.iri import RDF, RDFS, SKOS, term
from kg.model import EntityKind, EvidenceItem, Label, RecordKind, SourceRecord
from kg.writer import evidence_quads, node, record_quads

ACTIONS_FILE = "tcm_actions.tsv"
SYNDROMES_FILE = "syndromes.tsv"
HERB_ACTIONS_FILE = "herb_actions.tsv"
HERB_TOXICITY_FILE = "herb_toxicity.tsv"
FORMULA_SYNDROMES_FILE = "formula_syndromes.tsv"

# Expected header of each file, in order; files are read in this order (actions first, so
# syndromes can name the actions their treatment principle calls for).
COLUMNS: dict[str, tuple[str, ...]] = {
    ACTIONS_FILE: ("chinese", "pinyin", "english", "synonyms", "broader"),
    SYNDROMES_FILE: (
        "chinese",
        "pinyin",
        "english",
        "synonyms",
        "principle_chinese",
        "principle_english",
        "principle_actions",
        "broader",
    ),
    HERB_ACTIONS_FILE: ("latin", "chinese", "actions"),
    HERB_TOXICITY_FILE: ("latin", "chinese", "grade", "note"),
    FORMULA_SYNDROMES_FILE: ("pinyin", "chinese", "syndromes", "note"),
}

# One source record (and named graph) per seed table of claims.
SEED_HERB_ACTIONS_SOURCE = "TCMKG.TABLE:seed-herb-actions"
SEED_HERB_TOXICITY_SOURCE = "TCMKG.TABLE:seed-herb-toxicity"
SEED_FORMULA_SYNDROMES_SOURCE = "TCMKG.TABLE:seed-formula-syndromes"
SOURCE_TITLES: dict[str, str] = {
    SEED_HERB_ACTIONS_SOURCE: "tcmkg seed: herb action categories (功效分类), written from "
    "knowledge of the materia medica",
    SEED_HERB_TOXICITY_SOURCE: "tcmkg seed: Chinese Pharmacopoeia toxicity grades of herbs, "
    "written from knowledge",
    SEED_FORMULA_SYNDROMES_SOURCE: "tcmkg seed: classical syndrome indications of formulas, "
    "written from knowledge",
}

# A syndrome's name in characters ends in 证 (气阴两虚证); papers and catalogues also write it
# without (气阴两虚型, 气阴两虚).
SYNDROME_SUFFIX = "证"


class ConceptKind(StrEnum):
    """Kinds of TCM theory concept held as data (the closed schemes live in the ontology)."""

    SYNDROME = "Syndrome"
    TCM_SYMPTOM = "TcmSymptom"
    ACTION = "ActionCategory"


CONCEPT_SCHEME: dict[ConceptKind, str] = {
    ConceptKind.SYNDROME: term("SyndromeScheme"),
    ConceptKind.TCM_SYMPTOM: term("TcmSymptomScheme"),
    ConceptKind.ACTION: term("ActionCategoryScheme"),
}


class TheoryPredicate(StrEnum):
    """Predicates of TCM theory claims; each is an ontology term (``tcm:hasAction`` …)."""

    HAS_NATURE = "has_nature"
    HAS_FLAVOUR = "has_flavour"
    ENTERS_MERIDIAN = "enters_meridian"
    HAS_ACTION = "has_action"
    HAS_TOXICITY_GRADE = "has_toxicity_grade"
    INDICATED_FOR = "indicated_for"  # formula/preparation → syndrome


PREDICATE_TERM: dict[TheoryPredicate, str] = {
    TheoryPredicate.HAS_NATURE: term("hasNature"),
    TheoryPredicate.HAS_FLAVOUR: term("hasFlavour"),
    TheoryPredicate.ENTERS_MERIDIAN: term("entersMeridian"),
    TheoryPredicate.HAS_ACTION: term("hasAction"),
    TheoryPredicate.HAS_TOXICITY_GRADE: term("hasToxicityGrade"),
    TheoryPredicate.INDICATED_FOR: term("indicatedFor"),
}

# The closed schemes, by the words sources write them in (characters and English).
TOXICITY_GRADES: dict[str, str] = {
    "无毒": term("ToxicityNone"),
    "有小毒": term("ToxicitySlight"),
    "小毒": term("ToxicitySlight"),
    "微毒": term("ToxicitySlight"),
    "有毒": term("ToxicityToxic"),
    "有大毒": term("ToxicitySevere"),
    "大毒": term("ToxicitySevere"),
    "non-toxic": term("ToxicityNone"),
    "slightly toxic": term("ToxicitySlight"),
    "toxic": term("ToxicityToxic"),
    "highly toxic": term("ToxicitySevere"),
}
# The grades the Pharmacopoeia prints in a monograph, mildest first.
CHP_GRADES: tuple[str, ...] = ("有小毒", "有毒", "有大毒")

NATURES: dict[str, str] = {
    "大寒": term("NatureVeryCold"),
    "寒": term("NatureCold"),
    "微寒": term("NatureSlightlyCold"),
    "凉": term("NatureCool"),
    "平": term("NatureNeutral"),
    "微温": term("NatureSlightlyWarm"),
    "温": term("NatureWarm"),
    "热": term("NatureHot"),
    "大热": term("NatureVeryHot"),
    # English, as the Pharmacopoeia's English tables write them (lower case: match casefolded).
    "great cold": term("NatureVeryCold"),
    "very cold": term("NatureVeryCold"),
    "cold": term("NatureCold"),
    "mildly cold": term("NatureSlightlyCold"),
    "slightly cold": term("NatureSlightlyCold"),
    "cool": term("NatureCool"),
    "even": term("NatureNeutral"),
    "neutral": term("NatureNeutral"),
    "calm": term("NatureNeutral"),
    "mildly warm": term("NatureSlightlyWarm"),
    "slightly warm": term("NatureSlightlyWarm"),
    "warm": term("NatureWarm"),
    "hot": term("NatureHot"),
    "great hot": term("NatureVeryHot"),
    "very hot": term("NatureVeryHot"),
}

FLAVOURS: dict[str, str] = {
    "酸": term("FlavourSour"),
    "苦": term("FlavourBitter"),
    "甘": term("FlavourSweet"),
    "辛": term("FlavourPungent"),
    "咸": term("FlavourSalty"),
    "淡": term("FlavourBland"),
    "涩": term("FlavourAstringent"),
    # A flavour "slightly" present (微苦, mildly bitter) is still that flavour: the scheme has
    # no degrees of flavour, as it has of nature.
    "微酸": term("FlavourSour"),
    "微苦": term("FlavourBitter"),
    "微甘": term("FlavourSweet"),
    "微辛": term("FlavourPungent"),
    "微咸": term("FlavourSalty"),
    "微涩": term("FlavourAstringent"),
    "sour": term("FlavourSour"),
    "bitter": term("FlavourBitter"),
    "sweet": term("FlavourSweet"),
    "pungent": term("FlavourPungent"),
    "acrid": term("FlavourPungent"),
    "salty": term("FlavourSalty"),
    "bland": term("FlavourBland"),
    "astringent": term("FlavourAstringent"),
    "mildly sour": term("FlavourSour"),
    "mildly bitter": term("FlavourBitter"),
    "mildly sweet": term("FlavourSweet"),
    "mildly pungent": term("FlavourPungent"),
    "mildly salty": term("FlavourSalty"),
    "mildly astringent": term("FlavourAstringent"),
    "slightly sour": term("FlavourSour"),
    "slightly bitter": term("FlavourBitter"),
    "slightly sweet": term("FlavourSweet"),
    "slightly pungent": term("FlavourPungent"),
    "slightly salty": term("FlavourSalty"),
    "slightly astringent": term("FlavourAstringent"),
}

MERIDIANS: dict[str, str] = {
    "肺": term("MeridianLung"),
    "大肠": term("MeridianLargeIntestine"),
    "胃": term("MeridianStomach"),
    "脾": term("MeridianSpleen"),
    "心": term("MeridianHeart"),
    "小肠": term("MeridianSmallIntestine"),
    "膀胱": term("MeridianBladder"),
    "肾": term("MeridianKidney"),
    "心包": term("MeridianPericardium"),
    "三焦": term("MeridianTripleEnergizer"),
    "胆": term("MeridianGallbladder"),
    "肝": term("MeridianLiver"),
    # English, spaced or run together as tables write them (lower case: match casefolded).
    "lung": term("MeridianLung"),
    "large intestine": term("MeridianLargeIntestine"),
    "largeintestine": term("MeridianLargeIntestine"),
    "stomach": term("MeridianStomach"),
    "spleen": term("MeridianSpleen"),
    "heart": term("MeridianHeart"),
    "small intestine": term("MeridianSmallIntestine"),
    "smallintestine": term("MeridianSmallIntestine"),
    "bladder": term("MeridianBladder"),
    "urinary bladder": term("MeridianBladder"),
    "kidney": term("MeridianKidney"),
    "pericardium": term("MeridianPericardium"),
    "triple burner": term("MeridianTripleEnergizer"),
    "tripleburner": term("MeridianTripleEnergizer"),
    "triple energizer": term("MeridianTripleEnergizer"),
    "sanjiao": term("MeridianTripleEnergizer"),
    "gallbladder": term("MeridianGallbladder"),
    "liver": term("MeridianLiver"),
}


@dataclass(frozen=True, slots=True)
class Concept:
    """A syndrome, TCM symptom or action category: a SKOS concept of its scheme."""

    id: str  # CURIE minted by kg.iri (TCMKG.SYNDROME:…, TCMKG.ACTION:…)
    kind: ConceptKind
    label: str  # the English preferred name
    labels: tuple[Label, ...] = ()
    broader: tuple[str, ...] = ()  # CURIEs of broader concepts (补气 → 补虚)
    principle: tuple[Label, ...] = ()  # syndromes: the treatment principle (治法), @zh and @en
    principle_actions: tuple[str, ...] = ()  # syndromes: action CURIEs the principle calls for

    def names(self, lang: str | None = None) -> list[str]:
        """Every name of the concept, or those of one language tag."""
        return [x.text for x in self.labels if lang is None or x.lang == lang]

    def preferred(self, lang: str) -> str | None:
        """The preferred name in one language tag, if any."""
        return next((x.text for x in self.labels if x.lang == lang and x.preferred), None)


@dataclass(frozen=True, slots=True)
class TheoryClaim:
    """A TCM theory statement (herb has action …) with its evidence from one seed table.

    ``object`` is a CURIE (a concept of a vocabulary graph) or the full IRI of a concept the
    ontology declares (a toxicity grade, nature, flavour or meridian).
    """

    subject: str
    predicate: TheoryPredicate
    object: str
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass
class TcmTheory:
    """The TCM theory concepts and claims of the seed, with an index of every concept name."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    claims: list[TheoryClaim] = field(default_factory=list)
    problems: list[VocabularyProblem] = field(default_factory=list)
    _names: NameIndex = field(default_factory=NameIndex, repr=False)

    def add(self, concept: Concept) -> None:
        """Add a concept and index its names."""
        self.concepts[concept.id] = concept
        self._names.add(concept.label, concept.id)
        for label in concept.labels:
            self._names.add(label.text, concept.id)

    def lookup(self, name: str, kind: ConceptKind | None = None) -> list[Concept]:
        """Every concept called ``name`` in any language (case, hyphens and spaces folded)."""
        found = [self.concepts[i] for i in self._names.get(name)]
        return [c for c in found if kind is None or c.kind == kind]

    def by_kind(self, kind: ConceptKind) -> list[Concept]:
        """All concepts of one kind, in file order."""
        return [c for c in self.concepts.values() if c.kind == kind]

    def claims_of(self, predicate: TheoryPredicate) -> list[TheoryClaim]:
        """All claims with one predicate, in file order."""
        return [c for c in self.claims if c.predicate == predicate]


# --- reading the files ---------------------------------------------------------------------


def _rows(path: Path, problems: list[VocabularyProblem]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of one theory file; a header other than the expected one skips the whole file."""
    expected = COLUMNS[path.name]
    for line, row in read_rows(path, problems):
        if tuple(row) != expected:
            problems.append(
                VocabularyProblem(
                    "bad-header", path.name, 1, f"header is {list(row)}, expected {list(expected)}"
                )
            )
            return
        yield line, row


def _required(row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise VocabularyError("missing-field", f"empty {column!r}")
    return value


def _pinyin(row: dict[str, str]) -> str:
    pinyin = " ".join(_required(row, "pinyin").lower().split())
    if has_cjk(pinyin) or not any(c.isalpha() for c in pinyin):
        raise VocabularyError("bad-pinyin", f"pinyin {pinyin!r} is not in Latin letters")
    return pinyin


def _chinese(row: dict[str, str]) -> str:
    chinese = _required(row, "chinese")
    if not has_cjk(chinese):
        raise VocabularyError("bad-chinese", f"{chinese!r} has no Chinese characters")
    return chinese


def _synonym_labels(cell: str, *, strip_suffix: bool = False) -> list[Label]:
    labels: list[Label] = []
    for synonym in split_list(cell):
        if has_cjk(synonym):
            labels.append(Label(synonym, ZH))
            if strip_suffix and synonym.endswith(SYNDROME_SUFFIX) and len(synonym) > 2:
                labels.append(Label(synonym.removesuffix(SYNDROME_SUFFIX), ZH))
        else:
            labels.append(Label(synonym, EN))
    return labels


def action_concept(row: dict[str, str], actions: dict[str, str]) -> Concept:
    """One ``tcm_actions.tsv`` row; ``actions`` maps the characters of earlier rows to ids."""
    chinese, pinyin = _chinese(row), _pinyin(row)
    english = _required(row, "english")
    labels = [Label(chinese, ZH, True), *pinyin_labels(pinyin), Label(english, EN, True)]
    labels.extend(_synonym_labels(row["synonyms"]))
    return Concept(
        id=iri.action_curie(pinyin),
        kind=ConceptKind.ACTION,
        label=english,
        labels=tuple(dict.fromkeys(labels)),
        broader=_broader(row["broader"], actions, ACTIONS_FILE),
    )


def _broader(cell: str, earlier: dict[str, str], file: str) -> tuple[str, ...]:
    """The ids of the broader concepts a cell names by characters; each is an earlier row."""
    ids: list[str] = []
    for name in split_list(cell):
        if name not in earlier:
            raise VocabularyError(
                "unknown-broader", f"broader {name!r} is not an earlier row of {file}"
            )
        ids.append(earlier[name])
    return tuple(dict.fromkeys(ids))


def syndrome_concept(
    row: dict[str, str], actions: dict[str, str], earlier: dict[str, str] | None = None
) -> Concept:
    """One ``syndromes.tsv`` row: names, treatment principle and the actions it calls for.

    ``earlier`` maps the characters of the rows above to their ids, for the ``broader`` cell
    (气虚血瘀证 → 气虚证, 血瘀证: a population of the narrower syndrome is one of the broader).
    """
    chinese, pinyin = _chinese(row), _pinyin(row)
    if not chinese.endswith(SYNDROME_SUFFIX):
        raise VocabularyError("bad-chinese", f"{chinese!r} does not end in {SYNDROME_SUFFIX}")
    english = _required(row, "english")
    labels = [
        Label(chinese, ZH, True),
        Label(chinese.removesuffix(SYNDROME_SUFFIX), ZH),
        *pinyin_labels(pinyin),
        Label(english, EN, True),
    ]
    labels.extend(_synonym_labels(row["synonyms"], strip_suffix=True))
    principle = []
    if row["principle_chinese"]:
        principle.append(Label(row["principle_chinese"], ZH))
    if row["principle_english"]:
        principle.append(Label(row["principle_english"], EN))
    called: list[str] = []
    for action in split_list(row["principle_actions"]):
        if action not in actions:
            raise VocabularyError(
                "unknown-action", f"principle action {action!r} is not in {ACTIONS_FILE}"
            )
        called.append(actions[action])
    return Concept(
        id=iri.syndrome_curie(pinyin),
        kind=ConceptKind.SYNDROME,
        label=english,
        labels=tuple(dict.fromkeys(labels)),
        broader=_broader(row["broader"], earlier or {}, SYNDROMES_FILE),
        principle=tuple(principle),
        principle_actions=tuple(dict.fromkeys(called)),
    )


def _herb(vocabulary: Vocabulary, row: dict[str, str]) -> str:
    """The id of the herbs.tsv herb a row names by Latin name, checked against its characters."""
    latin = _required(row, "latin")
    curie = iri.herb_curie(latin)
    herb = vocabulary.entities.get(curie)
    if herb is None or herb.kind != EntityKind.HERB:
        raise VocabularyError("unknown-herb", f"{latin!r} is not a herb of herbs.tsv")
    chinese = row["chinese"]
    if chinese and chinese not in {x.text for x in herb.labels if x.lang == ZH}:
        raise VocabularyError("herb-mismatch", f"{latin!r} is not called {chinese!r} in herbs.tsv")
    return curie


def _formula(vocabulary: Vocabulary, row: dict[str, str]) -> str:
    """The id of the formulas.tsv formula a row names by pinyin, checked against its characters."""
    pinyin = _pinyin(row)
    curie = iri.formula_curie(pinyin)
    formula = vocabulary.entities.get(curie)
    if formula is None or formula.kind != EntityKind.FORMULA:
        raise VocabularyError("unknown-formula", f"{pinyin!r} is not a formula of formulas.tsv")
    chinese = row["chinese"]
    if chinese and chinese not in {x.text for x in formula.labels if x.lang == ZH}:
        raise VocabularyError(
            "formula-mismatch", f"{pinyin!r} is not called {chinese!r} in formulas.tsv"
        )
    return curie


def _claim(subject: str, predicate: TheoryPredicate, obj: str, source: str) -> TheoryClaim:
    return TheoryClaim(subject, predicate, obj, (seed_evidence(source),))


def herb_action_claims(
    vocabulary: Vocabulary, row: dict[str, str], actions: dict[str, str]
) -> list[TheoryClaim]:
    """One ``herb_actions.tsv`` row: one ``has_action`` claim per action category."""
    herb = _herb(vocabulary, row)
    names = split_list(_required(row, "actions"))
    unknown = [a for a in names if a not in actions]
    if unknown:
        raise VocabularyError("unknown-action", f"not in {ACTIONS_FILE}: {', '.join(unknown)}")
    return [
        _claim(herb, TheoryPredicate.HAS_ACTION, actions[a], SEED_HERB_ACTIONS_SOURCE)
        for a in dict.fromkeys(names)
    ]


def herb_toxicity_claim(vocabulary: Vocabulary, row: dict[str, str]) -> TheoryClaim:
    """One ``herb_toxicity.tsv`` row: the herb's Pharmacopoeia toxicity grade."""
    herb = _herb(vocabulary, row)
    grade = _required(row, "grade")
    if grade not in CHP_GRADES:
        raise VocabularyError("bad-grade", f"grade {grade!r} is not one of {', '.join(CHP_GRADES)}")
    return _claim(
        herb, TheoryPredicate.HAS_TOXICITY_GRADE, TOXICITY_GRADES[grade], SEED_HERB_TOXICITY_SOURCE
    )


def formula_syndrome_claims(
    vocabulary: Vocabulary, row: dict[str, str], syndromes: dict[str, str]
) -> list[TheoryClaim]:
    """One ``formula_syndromes.tsv`` row: one ``indicated_for`` claim per syndrome."""
    formula = _formula(vocabulary, row)
    names = split_list(_required(row, "syndromes"))
    unknown = [s for s in names if s not in syndromes]
    if unknown:
        raise VocabularyError("unknown-syndrome", f"not in {SYNDROMES_FILE}: {', '.join(unknown)}")
    return [
        _claim(formula, TheoryPredicate.INDICATED_FOR, syndromes[s], SEED_FORMULA_SYNDROMES_SOURCE)
        for s in dict.fromkeys(names)
    ]


def _read_concepts(
    theory: TcmTheory, path: Path, kind: ConceptKind, by_chinese: dict[str, str]
) -> dict[str, str]:
    """Read a concept file into ``theory``; returns characters (with and without 证) → id."""
    own: dict[str, str] = {}
    for line, row in _rows(path, theory.problems):
        try:
            if kind == ConceptKind.ACTION:
                concept = action_concept(row, own)
            else:
                concept = syndrome_concept(row, by_chinese, own)
        except VocabularyError as exc:
            theory.problems.append(VocabularyProblem(exc.code, path.name, line, str(exc)))
            continue
        # Two rows sharing a name would make that name ambiguous: the later row is refused.
        taken = [
            text
            for text in (concept.label, *concept.names())
            if any(c.id != concept.id for c in theory.lookup(text, kind))
        ]
        if concept.id in theory.concepts or taken:
            why = (
                f"{concept.label!r} is already listed"
                if not taken
                else (f"names already used by another row: {', '.join(dict.fromkeys(taken))}")
            )
            theory.problems.append(VocabularyProblem("duplicate", path.name, line, why))
            continue
        theory.add(concept)
        for text in concept.names(ZH):
            own.setdefault(text, concept.id)
    return own


def load_theory(folder: Path, vocabulary: Vocabulary) -> TcmTheory:
    """Read the TCM theory files present in ``folder`` against ``vocabulary``'s herbs and
    formulas. Missing files are fine; bad rows are listed in ``TcmTheory.problems``."""
    theory = TcmTheory()
    path = folder / ACTIONS_FILE
    actions = _read_concepts(theory, path, ConceptKind.ACTION, {}) if path.is_file() else {}
    path = folder / SYNDROMES_FILE
    syndromes = (
        _read_concepts(theory, path, ConceptKind.SYNDROME, actions) if path.is_file() else {}
    )
    readers: tuple[tuple[str, Callable[[dict[str, str]], list[TheoryClaim]]], ...] = (
        (HERB_ACTIONS_FILE, lambda row: herb_action_claims(vocabulary, row, actions)),
        (HERB_TOXICITY_FILE, lambda row: [herb_toxicity_claim(vocabulary, row)]),
        (FORMULA_SYNDROMES_FILE, lambda row: formula_syndrome_claims(vocabulary, row, syndromes)),
    )
    for name, read in readers:
        path = folder / name
        if not path.is_file():
            continue
        for line, row in _rows(path, theory.problems):
            try:
                theory.claims.extend(read(row))
            except VocabularyError as exc:
                theory.problems.append(VocabularyProblem(exc.code, name, line, str(exc)))
            except iri.CurieError as exc:
                theory.problems.append(VocabularyProblem("bad-id", name, line, str(exc)))
    return theory


# --- RDF -------------------------------------------------------------------------------------

A = NamedNode(RDF + "type")
_CONCEPT = NamedNode(SKOS + "Concept")


def ref_node(ref: str) -> NamedNode:
    """The node of a CURIE, or of a full IRI (the concepts the ontology declares)."""
    return NamedNode(ref) if "://" in ref else node(ref)


def concept_quads(concepts: Iterable[Concept], graph: str) -> Iterator[Quad]:
    """Quads describing TCM theory concepts in ``graph`` (a vocabulary graph)."""
    g = NamedNode(graph)
    for concept in concepts:
        s = node(concept.id)
        yield Quad(s, A, NamedNode(term(concept.kind.value)), g)
        yield Quad(s, A, _CONCEPT, g)
        yield Quad(s, NamedNode(SKOS + "inScheme"), NamedNode(CONCEPT_SCHEME[concept.kind]), g)
        yield Quad(s, NamedNode(RDFS + "label"), _literal(concept.label), g)
        for label in concept.labels:
            prop = SKOS + ("prefLabel" if label.preferred else "altLabel")
            yield Quad(s, NamedNode(prop), _literal(label.text, label.lang), g)
        for parent in concept.broader:
            yield Quad(s, NamedNode(SKOS + "broader"), node(parent), g)
        for label in concept.principle:
            principle = NamedNode(term("treatmentPrinciple"))
            yield Quad(s, principle, _literal(label.text, label.lang), g)
        for action in concept.principle_actions:
            yield Quad(s, NamedNode(term("principleAction")), node(action), g)


def _literal(text: str, lang: str | None = None) -> Literal:
    return Literal(text, language=lang) if lang else Literal(text)


def claim_quads(claim: TheoryClaim, graph: str, record: SourceRecord) -> Iterator[Quad]:
    """The direct triple, the association node and the evidence items of one theory claim."""
    g = NamedNode(graph)
    s, o = node(claim.subject), ref_node(claim.object)
    p = NamedNode(PREDICATE_TERM[claim.predicate])
    c = node(iri.claim_curie(claim.subject, claim.predicate.value, claim.object))
    yield Quad(s, p, o, g)
    yield Quad(c, A, NamedNode(term("TheoryClaim")), g)
    yield Quad(c, A, NamedNode(iri.biolink("Association")), g)
    yield Quad(c, NamedNode(iri.biolink("subject")), s, g)
    yield Quad(c, NamedNode(iri.biolink("predicate")), p, g)
    yield Quad(c, NamedNode(iri.biolink("object")), o, g)
    for item in claim.evidence:
        yield from evidence_quads(c, item, graph, record)


def table_records(theory: TcmTheory) -> list[SourceRecord]:
    """The seed tables the theory's claims come from, as source records."""
    sources = sorted({item.source for claim in theory.claims for item in claim.evidence})
    return [
        SourceRecord(s, RecordKind.TABLE, title=SOURCE_TITLES.get(s, f"tcmkg {s}")) for s in sources
    ]


def table_graphs(theory: TcmTheory) -> list[tuple[str, list[Quad]]]:
    """(named graph, quads) of each seed table: its record and the claims it gives evidence."""
    out: list[tuple[str, list[Quad]]] = []
    for record in table_records(theory):
        graph = iri.graph_iri(record.id)
        quads: dict[Quad, None] = dict.fromkeys(record_quads(record, graph))
        for claim in theory.claims:
            items = tuple(e for e in claim.evidence if e.source == record.id)
            if items:
                one = TheoryClaim(claim.subject, claim.predicate, claim.object, items)
                quads.update(dict.fromkeys(claim_quads(one, graph, record)))
        out.append((graph, list(quads)))
    return out
