"""TCM theory in the seed: syndromes with the names papers use, action categories, Pharmacopoeia
toxicity grades and classical formula indications, as users of the vocabulary rely on them.

Where SymMap v2 lies beside the checkout (../shared/data), the seed is compared with it: the
English sense of the syndromes both name in characters, and the toxicity words of SymMap's herb
table. The figures are printed (run with ``-s``); the tests fail on any disagreement not listed
here with its reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from ingest.vocabulary import Vocabulary, load_seed, normalise_name
from ingest.vocabulary.loader import DATA_DIR, ZH, read_rows
from ingest.vocabulary.tcm_theory import (
    CHP_GRADES,
    COLUMNS,
    SEED_FORMULA_SYNDROMES_SOURCE,
    SEED_HERB_TOXICITY_SOURCE,
    TOXICITY_GRADES,
    ConceptKind,
    TcmTheory,
    TheoryPredicate,
    concept_quads,
    table_graphs,
)
from kg import iri
from kg.iri import term
from kg.model import AgentType, EntityKind, KnowledgeLevel, StudyDesign
from kg.store import GraphStore
from kg.validate import validate_quads
from kg.writer import node, vocabulary_quads
from tests.conftest import shared_data

# SymMap rows whose English (or toxicity word) the seed does not follow, and why.
SYMMAP_SYNDROME_ERRORS = {
    "寒湿内阻": "SymMap's English says 'cold and wind'; the characters say cold and dampness",
}
SYMMAP_TOXICITY_ERRORS = {
    "水蛭": "SymMap gives 辛, 热, 有大毒 (another drug's properties); ChP 2020: 咸、苦，平；有小毒",
}


@pytest.fixture(scope="module")
def seed() -> Vocabulary:
    return load_seed()


@pytest.fixture(scope="module")
def theory(seed: Vocabulary) -> TcmTheory:
    assert seed.theory is not None
    return seed.theory


def rows(name: str) -> list[dict[str, str]]:
    problems: list[object] = []
    out = [row for _line, row in read_rows(DATA_DIR / name, problems)]  # type: ignore[arg-type]
    assert not problems
    return out


def syndrome(theory: TcmTheory, name: str) -> str:
    found = theory.lookup(name, ConceptKind.SYNDROME)
    assert len(found) == 1, (name, [c.label for c in found])
    return found[0].id


def action(theory: TcmTheory, chinese: str) -> str:
    found = theory.lookup(chinese, ConceptKind.ACTION)
    assert len(found) == 1, chinese
    return found[0].id


def objects(theory: TcmTheory, subject: str, predicate: TheoryPredicate) -> set[str]:
    return {c.object for c in theory.claims_of(predicate) if c.subject == subject}


# --- the shipped files -------------------------------------------------------------------


def test_seed_files_load_without_problems(theory: TcmTheory) -> None:
    assert not theory.problems, "\n".join(map(str, theory.problems))
    syndromes = theory.by_kind(ConceptKind.SYNDROME)
    names = sum(len(c.labels) for c in syndromes)
    indications = theory.claims_of(TheoryPredicate.INDICATED_FOR)
    toxic = theory.claims_of(TheoryPredicate.HAS_TOXICITY_GRADE)
    actions = theory.claims_of(TheoryPredicate.HAS_ACTION)
    print(
        f"\nsyndromes {len(syndromes)} with {names} names; action categories "
        f"{len(theory.by_kind(ConceptKind.ACTION))}; herbs with a toxicity grade {len(toxic)}; "
        f"formula→syndrome {len(indications)} ({len({c.subject for c in indications})} "
        f"formulas); herb→action {len(actions)} ({len({c.subject for c in actions})} herbs)"
    )
    assert len(syndromes) >= 80
    assert len({c.subject for c in indications}) >= 40
    assert len(toxic) >= 40


def test_every_herb_and_formula_named_exists(seed: Vocabulary) -> None:
    for name in ("herb_actions.tsv", "herb_toxicity.tsv"):
        for row in rows(name):
            herb = seed.entities.get(iri.herb_curie(row["latin"]))
            assert herb is not None and herb.kind is EntityKind.HERB, (name, row["latin"])
            assert row["chinese"] in {x.text for x in herb.labels if x.lang == ZH}, row
    for row in rows("formula_syndromes.tsv"):
        formula = seed.entities.get(iri.formula_curie(row["pinyin"]))
        assert formula is not None and formula.kind is EntityKind.FORMULA, row["pinyin"]
        assert row["chinese"] in {x.text for x in formula.labels if x.lang == ZH}, row


def test_every_syndrome_has_characters_pinyin_and_english(theory: TcmTheory) -> None:
    for concept in theory.by_kind(ConceptKind.SYNDROME):
        chinese = concept.preferred("zh")
        assert chinese and chinese.endswith("证"), concept.id
        assert chinese.removesuffix("证") in concept.names("zh")  # 气阴两虚 as papers write it
        assert concept.preferred("zh-Latn-pinyin"), concept.id
        assert concept.preferred("en") == concept.label
        assert concept.id == iri.syndrome_curie(concept.preferred("zh-Latn-pinyin") or "")


def test_no_name_belongs_to_two_syndromes_or_two_actions(theory: TcmTheory) -> None:
    for kind in ConceptKind:
        owners: dict[str, set[str]] = {}
        for concept in theory.by_kind(kind):
            for text in (concept.label, *concept.names()):
                owners.setdefault(normalise_name(text), set()).add(concept.id)
        shared = {k: v for k, v in owners.items() if len(v) > 1}
        assert not shared, shared


@pytest.mark.parametrize(
    ("written", "chinese"),
    [
        ("qi deficiency", "气虚证"),
        ("qi-deficiency", "气虚证"),
        ("deficiency of qi", "气虚证"),
        ("Qi Deficiency", "气虚证"),
        ("liver qi stagnation", "肝气郁结证"),
        ("Liver-Qi stagnation", "肝气郁结证"),
        ("spleen–kidney yang deficiency", "脾肾阳虚证"),
        ("spleen-kidney yang deficiency", "脾肾阳虚证"),
        ("damp-heat", "湿热证"),
        ("dampness-heat", "湿热证"),
        ("phlegm-dampness", "痰湿证"),
        ("phlegm–dampness", "痰湿证"),
        ("blood stasis", "血瘀证"),
        ("blood-stasis", "血瘀证"),
        ("qi and yin deficiency", "气阴两虚证"),
        ("qi–yin deficiency", "气阴两虚证"),
        ("qi-yin deficiency", "气阴两虚证"),
        ("deficiency of both qi and yin", "气阴两虚证"),
        ("qi deficiency and blood stasis", "气虚血瘀证"),
        ("qi deficiency with blood stasis", "气虚血瘀证"),
        ("气阴两虚", "气阴两虚证"),
        ("气阴亏虚证", "气阴两虚证"),
        ("qi yin liang xu", "气阴两虚证"),
        ("Qiyin Liangxu", "气阴两虚证"),
    ],
)
def test_syndromes_found_by_every_written_form(
    theory: TcmTheory, written: str, chinese: str
) -> None:
    assert syndrome(theory, written) == syndrome(theory, chinese)


def test_syndrome_treatment_principle_actions_and_broader(theory: TcmTheory) -> None:
    qi_yin = theory.concepts[syndrome(theory, "气阴两虚证")]
    assert {(x.text, x.lang) for x in qi_yin.principle} == {
        ("益气养阴", "zh"),
        ("tonify qi and nourish yin", "en"),
    }
    assert set(qi_yin.principle_actions) == {action(theory, "补气"), action(theory, "补阴")}
    stasis = theory.concepts[syndrome(theory, "气虚血瘀证")]
    assert set(stasis.broader) == {syndrome(theory, "气虚证"), syndrome(theory, "血瘀证")}
    # Actions sit in their materia medica chapter, and are found by their English names.
    bu_qi = theory.concepts[action(theory, "补气")]
    assert bu_qi.broader == (action(theory, "补虚"),)
    assert action(theory, "activate blood and resolve stasis") == action(theory, "活血化瘀")


def test_pharmacopoeia_toxicity_grades(seed: Vocabulary, theory: TcmTheory) -> None:
    def grade(latin: str) -> set[str]:
        return objects(theory, iri.herb_curie(latin), TheoryPredicate.HAS_TOXICITY_GRADE)

    assert grade("Aconiti Lateralis Radix Praeparata") == {term("ToxicityToxic")}  # 附子
    assert grade("Strychni Semen") == {term("ToxicitySevere")}  # 马钱子
    assert grade("Aconiti Radix") == {term("ToxicitySevere")}  # 川乌
    assert grade("Asari Radix et Rhizoma") == {term("ToxicitySlight")}  # 细辛
    assert grade("Armeniacae Semen Amarum") == {term("ToxicitySlight")}  # 苦杏仁
    assert grade("Astragali Radix") == set()  # 黄芪: no grade
    claim = next(
        c
        for c in theory.claims_of(TheoryPredicate.HAS_TOXICITY_GRADE)
        if c.subject == iri.herb_curie("Strychni Semen")
    )
    (item,) = claim.evidence
    assert item.source == SEED_HERB_TOXICITY_SOURCE
    assert item.design is StudyDesign.TRADITIONAL
    assert item.knowledge_level is KnowledgeLevel.KNOWLEDGE_ASSERTION
    assert item.agent_type is AgentType.MANUAL_AGENT
    assert set(CHP_GRADES) <= set(TOXICITY_GRADES)


@pytest.mark.parametrize(
    ("pinyin", "syndromes"),
    [
        ("liu wei di huang wan", {"肾阴虚证"}),
        ("bu zhong yi qi tang", {"脾胃气虚证", "中气下陷证"}),
        ("si jun zi tang", {"脾胃气虚证"}),
        ("xue fu zhu yu tang", {"胸中血瘀证"}),
        ("xiao yao san", {"肝郁脾虚证", "血虚证"}),
        ("bu yang huan wu tang", {"气虚血瘀证"}),
        ("sheng mai san", {"气阴两虚证"}),
    ],
)
def test_classical_formula_indications(theory: TcmTheory, pinyin: str, syndromes: set[str]) -> None:
    found = objects(theory, iri.formula_curie(pinyin), TheoryPredicate.INDICATED_FOR)
    assert {syndrome(theory, s) for s in syndromes} <= found
    claim = next(
        c
        for c in theory.claims_of(TheoryPredicate.INDICATED_FOR)
        if c.subject == iri.formula_curie(pinyin)
    )
    assert claim.evidence[0].source == SEED_FORMULA_SYNDROMES_SOURCE


def test_herbs_by_action(seed: Vocabulary, theory: TcmTheory) -> None:
    blood = action(theory, "活血化瘀")
    herbs = {c.subject for c in theory.claims_of(TheoryPredicate.HAS_ACTION) if c.object == blood}
    names = {seed.entities[h].label for h in herbs}
    assert {"Salviae Miltiorrhizae Radix et Rhizoma", "Chuanxiong Rhizoma", "Persicae Semen"} <= (
        names
    )
    assert "Astragali Radix" not in names


# --- hostile input -------------------------------------------------------------------------

HERBS = (
    "latin\tlatin_alt\tchinese\tpinyin\tenglish\tspecies\taliases\n"
    "Strychni Semen\tSemen Strychni\t马钱子\tma qian zi\tnux vomica\tStrychnos nux-vomica\t\n"
    "Salviae Miltiorrhizae Radix et Rhizoma\t\t丹参\tdan shen\tdanshen\t\t\n"
)
FORMULAS = (
    "pinyin\tchinese\tenglish\tcomposition\tsource\taliases\n"
    "dan shen yin\t丹参饮\tSalvia Drink\t丹参:30 g\t时方歌括\t\n"
)


def table(name: str, *lines: str) -> str:
    return "\t".join(COLUMNS[name]) + "\n" + "".join(line + "\n" for line in lines)


def write_folder(folder: Path) -> None:
    files = {
        "herbs.tsv": HERBS,
        "formulas.tsv": FORMULAS,
        "tcm_actions.tsv": table(
            "tcm_actions.tsv",
            "活血化瘀\thuo xue hua yu\tactivate blood and resolve stasis\tinvigorate blood\t",
            "补气\tbu qi\ttonify qi\t\t补虚",  # line 3: broader is no earlier row
            "理气\t\tregulate qi\t\t",  # line 4: no pinyin
        ),
        "syndromes.tsv": table(
            "syndromes.tsv",
            "血瘀证\txue yu\tblood stasis\tblood-stasis;瘀血证\t活血\tactivate blood\t活血化瘀\t",
            "瘀血证\tyu xue\tstatic blood\t\t\t\t\t",  # line 3: name of the row above
            "气滞血瘀\tqi zhi xue yu\tqi stagnation and blood stasis\t\t\t\t\t",  # line 4: no 证
            "气虚证\tqi xu\tqi deficiency\t\t补气\ttonify qi\t补气\t",  # line 5: unknown action
            "气滞血瘀证\tqi zhi xue yu\tqi stagnation and blood stasis\t\t\t\t\t气滞证",  # 6
        ),
        "herb_toxicity.tsv": table(
            "herb_toxicity.tsv",
            "Strychni Semen\t马钱子\t有大毒\t",
            "Aconiti Radix\t川乌\t有大毒\t",  # line 3: not in herbs.tsv
            "Salviae Miltiorrhizae Radix et Rhizoma\t丹参\t剧毒\t",  # line 4: not a ChP grade
            "Salviae Miltiorrhizae Radix et Rhizoma\t人参\t有毒\t",  # line 5: wrong characters
        ),
        "herb_actions.tsv": table(
            "herb_actions.tsv",
            "Salviae Miltiorrhizae Radix et Rhizoma\t丹参\t活血化瘀;安神",  # 安神 unknown
        ),
        "formula_syndromes.tsv": table(
            "formula_syndromes.tsv",
            "dan shen yin\t丹参饮\t血瘀证\t",
            "dan shen yin\t丹参饮\t心血瘀阻证\t",  # line 3: unknown syndrome
            "xue fu zhu yu tang\t血府逐瘀汤\t血瘀证\t",  # line 4: not in formulas.tsv
            "dan shen yin\t丹参饮\t血瘀证\textra\tcell",  # line 5: wrong number of cells
        ),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_bad_rows_are_reported_with_file_line_and_reason(tmp_path: Path) -> None:
    write_folder(tmp_path)
    vocabulary = load_seed(tmp_path)
    theory = vocabulary.theory
    assert theory is not None
    got = {(p.file, p.line, p.code) for p in theory.problems}
    assert got == {
        ("tcm_actions.tsv", 3, "unknown-broader"),
        ("tcm_actions.tsv", 4, "missing-field"),
        ("syndromes.tsv", 3, "duplicate"),
        ("syndromes.tsv", 4, "bad-chinese"),
        ("syndromes.tsv", 5, "unknown-action"),
        ("syndromes.tsv", 6, "unknown-broader"),
        ("herb_toxicity.tsv", 3, "unknown-herb"),
        ("herb_toxicity.tsv", 4, "bad-grade"),
        ("herb_toxicity.tsv", 5, "herb-mismatch"),
        ("herb_actions.tsv", 2, "unknown-action"),
        ("formula_syndromes.tsv", 3, "unknown-syndrome"),
        ("formula_syndromes.tsv", 4, "unknown-formula"),
        ("formula_syndromes.tsv", 5, "bad-row"),
    }
    # Every problem says what is wrong, and reaches the vocabulary's own report.
    assert all(p.message for p in theory.problems)
    assert set(theory.problems) <= set(vocabulary.problems)
    reason = next(p for p in theory.problems if p.code == "duplicate")
    assert "瘀血证" in reason.message
    # The good rows still load.
    assert [c.preferred("zh") for c in theory.by_kind(ConceptKind.SYNDROME)] == ["血瘀证"]
    assert [(c.predicate, c.object) for c in theory.claims] == [
        (TheoryPredicate.HAS_TOXICITY_GRADE, term("ToxicitySevere")),
        (TheoryPredicate.INDICATED_FOR, syndrome(theory, "blood stasis")),
    ]


def test_a_file_with_the_wrong_header_is_refused(tmp_path: Path) -> None:
    write_folder(tmp_path)
    (tmp_path / "herb_toxicity.tsv").write_text(
        "latin\tgrade\nStrychni Semen\t有大毒\n", encoding="utf-8"
    )
    theory = load_seed(tmp_path).theory
    assert theory is not None
    assert ("herb_toxicity.tsv", 1, "bad-header") in {
        (p.file, p.line, p.code) for p in theory.problems
    }
    assert not theory.claims_of(TheoryPredicate.HAS_TOXICITY_GRADE)


def test_missing_theory_files_are_fine(tmp_path: Path) -> None:
    (tmp_path / "herbs.tsv").write_text(HERBS, encoding="utf-8")
    vocabulary = load_seed(tmp_path)
    assert vocabulary.theory is not None
    assert not vocabulary.theory.concepts and not vocabulary.problems


# --- RDF, SHACL and the store ----------------------------------------------------------------


def small_graph(folder: Path) -> list[Quad]:
    write_folder(folder)
    vocabulary = load_seed(folder)
    assert vocabulary.theory is not None
    quads = list(vocabulary_quads(vocabulary.entities.values(), "seed"))
    quads += concept_quads(vocabulary.theory.concepts.values(), iri.vocabulary_graph("seed"))
    for _graph, table_quads in table_graphs(vocabulary.theory):
        quads += table_quads
    return quads


def test_theory_graph_is_shacl_valid_and_the_shapes_bite(tmp_path: Path) -> None:
    quads = small_graph(tmp_path)
    report = validate_quads(quads, "theory")
    assert report.conforms and not report.results, [str(r) for r in report.results]

    g = NamedNode(iri.graph_iri(SEED_HERB_TOXICITY_SOURCE))
    herb = node(iri.herb_curie("Strychni Semen"))
    claim = next(q.subject for q in quads if q.object == NamedNode(term("hasToxicityGrade")))
    evidence = next(q.object for q in quads if q.predicate == NamedNode(term("hasEvidence")))
    bad = [
        # a toxicity grade that is none of the four
        Quad(herb, NamedNode(term("hasToxicityGrade")), NamedNode(term("Harm")), g),
        # a second, unknown predicate on a theory claim
        Quad(claim, NamedNode(iri.biolink("predicate")), NamedNode(term("hasTaste")), g),
        # a study population's syndrome that is no syndrome
        Quad(evidence, NamedNode(term("populationSyndrome")), herb, g),
    ]
    report = validate_quads([*quads, *bad], "theory")
    assert not report.conforms
    failed = {r.path for r in report.violations}
    assert {"tcm:hasToxicityGrade", "biolink:predicate", "tcm:populationSyndrome"} <= failed


def test_population_syndrome_on_an_evidence_item_is_valid(tmp_path: Path) -> None:
    quads = small_graph(tmp_path)
    theory = load_seed(tmp_path).theory
    assert theory is not None
    evidence = next(q.object for q in quads if q.predicate == NamedNode(term("hasEvidence")))
    blood_stasis = node(syndrome(theory, "血瘀证"))
    g = NamedNode(iri.graph_iri(SEED_HERB_TOXICITY_SOURCE))
    extra = Quad(evidence, NamedNode(term("populationSyndrome")), blood_stasis, g)
    report = validate_quads([*quads, extra], "theory")
    assert report.conforms and not report.results, [str(r) for r in report.results]


HERBS_BY_ACTION = """
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?latin WHERE {
  ?action a tcm:ActionCategory ; skos:altLabel|skos:prefLabel ?name .
  FILTER(STR(?name) = STR(?wanted))
  ?herb tcm:hasAction ?action ; rdfs:label ?latin .
}
"""


def test_seed_theory_in_a_store_answers_herbs_by_action(
    memory_store: GraphStore, seed: Vocabulary, theory: TcmTheory
) -> None:
    memory_store.replace_graph(
        iri.vocabulary_graph("seed"),
        list(vocabulary_quads(seed.entities.values(), "seed"))
        + list(concept_quads(theory.concepts.values(), iri.vocabulary_graph("seed"))),
    )
    for graph, quads in table_graphs(theory):
        memory_store.replace_graph(graph, quads)
    result = memory_store.select(
        HERBS_BY_ACTION, {"wanted": [Literal("invigorate blood and resolve stasis")]}
    )
    latin = {str(row["latin"].value) for row in result.dicts()}
    assert "Salviae Miltiorrhizae Radix et Rhizoma" in latin
    assert "Astragali Radix" not in latin


# --- agreement with SymMap v2 (beside the development checkout only) -----------------------

SENSE_WORDS = {
    "deficiency": "deficiency deficient insufficiency insufficient asthenia asthenic weakness "
    "weak debility vacuity depletion",
    "stagnation": "stagnation stasis stagnant depression constrained stagnancy congestion sluggish",
    "qi": "qi energy",
    "damp": "damp dampness wet humidity",
    "heat": "heat hot fever febrile",
    "phlegm": "phlegm sputum",
    "toxin": "toxin toxins toxic toxicity",
    "dryness": "dry dryness",
    "liver": "liver hepatic",
    "heart": "heart cardiac",
    "lung": "lung lungs pulmonary",
    "kidney": "kidney renal",
    "stomach": "stomach gastric",
    "intestine": "intestine intestines intestinal",
}
SENSE = {w: canon for canon, words in SENSE_WORDS.items() for w in words.split()}
SENSE |= {
    w: w
    for w in [
        "blood",
        "yin",
        "yang",
        "cold",
        "fire",
        "wind",
        "spleen",
        "gallbladder",
        "bladder",
        "essence",
        "fluid",
        "food",
    ]
}


def senses(text: str) -> set[str]:
    """The TCM sense words of an English name (organs, substances, pathogens, patterns)."""
    return {SENSE[w] for w in re.findall(r"[a-z]+", text.lower()) if w in SENSE}


def symmap(name: str) -> Iterator[dict[str, str]]:
    path = shared_data("symmap_v2", name)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("Suppress") != "1":
                yield row


def test_syndrome_english_agrees_with_symmap(theory: TcmTheory) -> None:
    """A SymMap syndrome named like a seed syndrome in characters means the same in English:
    every sense word of SymMap's English (organ, substance, pathogen, pattern) is one of the
    seed's English names. Strict: also every sense word of the seed's preferred name is
    SymMap's."""
    compared = agree = strict = 0
    disagree: list[str] = []
    for row in symmap("symmap_v2_SMSY.tsv"):
        found = theory.lookup(row["Syndrome_name"], ConceptKind.SYNDROME)
        theirs = senses(row["Syndrome_English"])
        if not found or not theirs:
            continue
        (concept,) = found
        ours = set().union(*(senses(n) for n in concept.names("en")))
        compared += 1
        if theirs <= ours:
            agree += 1
            strict += senses(concept.label) <= theirs
        elif row["Syndrome_name"] not in SYMMAP_SYNDROME_ERRORS:
            disagree.append(
                f"{row['Syndrome_name']}: {row['Syndrome_English']!r} vs {concept.label!r}"
            )
    print(
        f"\nSymMap syndromes named like a seed syndrome: {compared}; English sense agrees "
        f"{agree}/{compared} ({agree / max(compared, 1):.1%}); strict {strict}/{compared}"
    )
    assert compared >= 50
    assert not disagree, "\n".join(disagree)


@cache
def seed_herbs_by_chinese() -> dict[str, str]:
    seed = load_seed()
    return {
        x.text: e.id
        for e in seed.by_kind(EntityKind.HERB)
        for x in e.labels
        if x.lang == ZH and x.preferred
    }


def symmap_grade(properties: str) -> str | None:
    words = [w.strip() for w in properties.split(",")]
    return next((TOXICITY_GRADES[w] for w in words if w in TOXICITY_GRADES), None)


def test_toxicity_grades_agree_with_symmap(theory: TcmTheory) -> None:
    ours = {c.subject: c.object for c in theory.claims_of(TheoryPredicate.HAS_TOXICITY_GRADE)}
    herbs = seed_herbs_by_chinese()
    compared = agree = 0
    disagree: list[str] = []
    missing: list[str] = []
    for row in symmap("symmap_v2_SMHB.tsv"):
        theirs = symmap_grade(row["Properties_Chinese"])
        herb = herbs.get(row["Chinese_name"])
        if herb is None or theirs is None:
            continue
        grade = ours.get(herb)
        if grade is None:
            if theirs != term("ToxicityNone"):
                missing.append(f"{row['Chinese_name']}: {row['Properties_Chinese']}")
            continue
        compared += 1
        if grade == theirs:
            agree += 1
        elif row["Chinese_name"] not in SYMMAP_TOXICITY_ERRORS:
            disagree.append(f"{row['Chinese_name']}: SymMap {row['Properties_Chinese']}")
    print(
        f"\nseed herbs SymMap grades: {compared}; grade agrees {agree}/{compared} "
        f"({agree / max(compared, 1):.1%}); SymMap-toxic herbs with no seed grade: {len(missing)}"
    )
    assert compared >= 30
    assert not disagree, "\n".join(disagree)
    assert not missing, "\n".join(missing)


COUNT_SYNDROMES = """
PREFIX tcm: <https://w3id.org/tcmkg/ontology#>
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a tcm:Syndrome } }
"""


def test_demo_writes_the_seed_theory(memory_store: GraphStore, theory: TcmTheory) -> None:
    from ingest.examples.demo import demo_graphs, load_demo

    tables = {graph for graph, _ in table_graphs(theory)}
    assert {iri.graph_iri(s) for s in (SEED_HERB_TOXICITY_SOURCE,)} <= tables <= demo_graphs()
    load_demo(memory_store)
    (row,) = memory_store.select(
        COUNT_SYNDROMES, {"g": [NamedNode(iri.vocabulary_graph("seed"))]}
    ).dicts()
    assert int(row["n"].value) == len(theory.by_kind(ConceptKind.SYNDROME))
