"""The seed vocabulary as users of the name index rely on it: every spelling finds its herb,
shared names keep every candidate, bad rows are reported and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal

from ingest.vocabulary import Vocabulary, load_seed, normalise_name
from ingest.vocabulary.loader import (
    DATA_DIR,
    SEED_FORMULAS_SOURCE,
    looks_like_pinyin,
)
from kg import iri
from kg.model import (
    AgentType,
    EntityKind,
    KnowledgeLevel,
    Label,
    Predicate,
    StudyDesign,
)
from kg.store import GraphStore
from kg.writer import vocabulary_quads

HERBS_HEADER = "latin\tlatin_alt\tchinese\tpinyin\tenglish\tspecies\taliases\n"
FORMULAS_HEADER = "pinyin\tchinese\tenglish\tcomposition\tsource\taliases\n"


@pytest.fixture(scope="module")
def seed() -> Vocabulary:
    return load_seed()


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


# --- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("huang qi", "Huangqi"),
        ("huang qi", "Huáng Qí"),
        ("huang qi", "huang-qi"),
        ("huang qi", "ＨＵＡＮＧ　ＱＩ"),  # full-width letters and ideographic space
        ("Astragali Radix", "Radix Astragali"),
        ("Paeoniae Radix Alba", "Radix Paeoniae Alba"),
        ("Salviae Miltiorrhizae Radix et Rhizoma", "Radix et Rhizoma Salviae Miltiorrhizae"),
        ("lü dou", "lu dou"),
        ("St John's wort", "st johns wort"),
    ],
)
def test_spellings_of_one_name_share_a_key(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ma huang", "ma huang gen"),
        ("麻黄", "麻黄根"),
        ("Ginkgo Folium", "Ginkgo Semen"),
        ("Paeoniae Radix Alba", "Paeoniae Radix Rubra"),
        ("fang ji", "guang fang ji"),
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


def test_characters_are_kept() -> None:
    assert normalise_name(" 黄芪 ") == "黄芪"


def test_pinyin_is_told_from_english() -> None:
    assert looks_like_pinyin("fang ji")
    assert looks_like_pinyin("huangqi")
    assert not looks_like_pinyin("ginseng root")
    assert not looks_like_pinyin("Radix Stephaniae")


# --- the bundled seed ---------------------------------------------------------------------


def test_seed_has_at_least_300_herbs_and_loads_without_problems(seed: Vocabulary) -> None:
    herbs = seed.by_kind(EntityKind.HERB)
    assert len(herbs) >= 300
    herb_problems = [
        str(p) for p in seed.problems if p.file in {"herbs.tsv", "medicinal_plants.tsv"}
    ]
    assert herb_problems == []


def test_medicinal_plants_outside_the_pharmacopoeia_are_herbs_by_every_name(
    seed: Vocabulary,
) -> None:
    want = iri.herb_curie("Valerianae Radix")
    for name in ("Valerianae Radix", "Radix Valerianae", "Valeriana officinalis", "valerian"):
        assert [e.id for e in seed.find_herb(name)] == [want], name
    # A species of the same genus as a ChP drug is a drug of its own.
    assert [e.id for e in seed.find_herb("Cinnamomum zeylanicum")] == [
        iri.herb_curie("Cinnamomi Zeylanici Cortex")
    ]
    assert {e.id for e in seed.find_herb("cinnamon")} == {
        iri.herb_curie("Cinnamomi Cortex"),
        iri.herb_curie("Cinnamomi Zeylanici Cortex"),
    }


def test_a_herb_listed_in_both_herb_files_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "herbs.tsv",
        HERBS_HEADER + "Astragali Radix\tRadix Astragali\t黄芪\thuang qi\t\t\t\n",
    )
    write(
        tmp_path,
        "medicinal_plants.tsv",
        HERBS_HEADER
        + "Valerianae Radix\tRadix Valerianae\t\t\tvalerian root\tValeriana officinalis\t\n"
        + "Astragali Radix\tRadix Astragali\t\t\t\t\t\n",
    )
    vocabulary = load_seed(tmp_path)
    assert {(p.file, p.line, p.code) for p in vocabulary.problems} == {
        ("medicinal_plants.tsv", 3, "duplicate")
    }
    assert len(vocabulary.by_kind(EntityKind.HERB)) == 2


def test_herb_found_by_every_name_system(seed: Vocabulary) -> None:
    want = iri.herb_curie("Astragali Radix")
    for name in (
        "黄芪",
        "huang qi",
        "Huangqi",
        "huangqi",
        "Astragali Radix",
        "Radix Astragali",
        "RADIX ASTRAGALI",
        "Astragalus membranaceus",
        "Astragalus root",
        "milkvetch root",
    ):
        assert [e.id for e in seed.find_herb(name)] == [want], name


def test_herb_entity_carries_labels_in_every_language(seed: Vocabulary) -> None:
    herb = seed.entities[iri.herb_curie("Astragali Radix")]
    assert herb.kind == EntityKind.HERB
    langs = {label.lang for label in herb.labels}
    assert {"zh", "zh-Latn-pinyin", "la", "en"} <= langs
    assert Label("黄芪", "zh", True) in herb.labels
    assert Label("huang qi", "zh-Latn-pinyin", True) in herb.labels
    assert Label("huangqi", "zh-Latn-pinyin") in herb.labels
    assert Label("Radix Astragali", "la") in herb.labels
    assert Label("Astragalus membranaceus", "la") in herb.labels
    # One preferred label per language, as skos:prefLabel requires.
    for lang in langs:
        assert sum(1 for x in herb.labels if x.lang == lang and x.preferred) <= 1, lang


def test_fangji_keeps_both_herbs_and_is_flagged(seed: Vocabulary) -> None:
    found = {e.id for e in seed.lookup("fangji")}
    assert iri.herb_curie("Stephaniae Tetrandrae Radix") in found
    # The nephrotoxic Aristolochia herb sold under the same name must never be dropped.
    assert iri.herb_curie("Aristolochiae Fangchi Radix") in found
    assert seed.is_ambiguous("fangji")
    assert seed.is_ambiguous("Fang Ji")


@pytest.mark.parametrize(
    ("name", "must_include"),
    [
        ("mu tong", ("Akebiae Caulis", "Aristolochiae Manshuriensis Caulis")),
        ("aconite", ("Aconiti Lateralis Radix Praeparata", "Aconiti Radix")),
        ("ginkgo", ("Ginkgo Folium", "Ginkgo Semen")),
        ("ephedra", ("Ephedrae Herba", "Ephedrae Radix et Rhizoma")),
        ("bai fu zi", ("Typhonii Rhizoma", "Aconiti Coreani Radix")),
    ],
)
def test_shared_names_return_every_candidate(
    seed: Vocabulary, name: str, must_include: tuple[str, ...]
) -> None:
    found = {e.id for e in seed.find_herb(name)}
    assert {iri.herb_curie(x) for x in must_include} <= found
    assert seed.is_ambiguous(name)


def test_herb_and_its_root_stay_apart(seed: Vocabulary) -> None:
    assert [e.label for e in seed.find_herb("麻黄")] == ["Ephedrae Herba"]
    assert [e.label for e in seed.find_herb("麻黄根")] == ["Ephedrae Radix et Rhizoma"]
    assert not seed.is_ambiguous("ma huang")


def test_unknown_name_finds_nothing(seed: Vocabulary) -> None:
    assert seed.lookup("no such herb at all") == []
    assert not seed.is_ambiguous("no such herb at all")


def test_surface_names_cover_every_label(seed: Vocabulary) -> None:
    names = {(n, c) for n, c, _ in seed.surface_names()}
    curie = iri.herb_curie("Salviae Miltiorrhizae Radix et Rhizoma")
    for text in (
        "丹参",
        "dan shen",
        "danshen",
        "Radix Salviae Miltiorrhizae",
        "Salvia miltiorrhiza",
    ):
        assert (text, curie) in names


def test_vocabulary_writes_as_rdf(seed: Vocabulary) -> None:
    herbs = seed.by_kind(EntityKind.HERB)[:5]
    quads = list(vocabulary_quads(herbs, "seed"))
    assert quads
    chinese = [
        q.object for q in quads if isinstance(q.object, Literal) and q.object.value == "黄芪"
    ]
    assert chinese
    assert chinese[0].language == "zh"


# --- the loader on small files it is given ----------------------------------------------


def test_formula_composition_becomes_has_part_claims(tmp_path: Path) -> None:
    write(
        tmp_path,
        "herbs.tsv",
        HERBS_HEADER
        + "Astragali Radix\tRadix Astragali\t黄芪\thuang qi\tAstragalus root\t\t\n"
        + "Angelicae Sinensis Radix\tRadix Angelicae Sinensis\t当归\tdang gui\t\t\t\n",
    )
    write(
        tmp_path,
        "formulas.tsv",
        FORMULAS_HEADER
        + "dang gui bu xue tang\t当归补血汤\tChinese Angelica Blood-Supplementing Decoction\t"
        + "黄芪:30 g;当归:\t内外伤辨惑论\tDanggui Buxue decoction\n",
    )
    vocabulary = load_seed(tmp_path)
    assert vocabulary.problems == []
    formula = iri.formula_curie("dang gui bu xue tang")
    assert [e.id for e in vocabulary.lookup("Danggui Buxue Tang")] == [formula]
    parts = {c.object: c for c in vocabulary.claims if c.subject == formula}
    assert set(parts) == {
        iri.herb_curie("Astragali Radix"),
        iri.herb_curie("Angelicae Sinensis Radix"),
    }
    astragalus = parts[iri.herb_curie("Astragali Radix")]
    assert astragalus.predicate == Predicate.HAS_PART
    (evidence,) = astragalus.evidence
    assert evidence.dose == "30 g"
    assert evidence.source == SEED_FORMULAS_SOURCE
    assert evidence.design == StudyDesign.TRADITIONAL
    assert evidence.knowledge_level == KnowledgeLevel.KNOWLEDGE_ASSERTION
    assert evidence.agent_type == AgentType.MANUAL_AGENT
    assert parts[iri.herb_curie("Angelicae Sinensis Radix")].evidence[0].dose is None


def test_bad_rows_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    write(
        tmp_path,
        "herbs.tsv",
        HERBS_HEADER
        + "Astragali Radix\tRadix Astragali\t黄芪\thuang qi\t\t\t\n"
        + "only three\tcells\there\n"
        + "\tRadix Nullius\t无\twu\t\t\t\n"
        + "Astragali Radix\tRadix Astragali\t黄芪\thuang qi\t\t\t\n"
        + "Angelicae Sinensis Radix\tRadix Angelicae Sinensis\t当归\tdang gui\t\t\t\n",
    )
    write(
        tmp_path,
        "formulas.tsv",
        FORMULAS_HEADER + "some tang\t某汤\t\t黄芪:9 g;不存在:3 g\t\t\n",
    )
    write(
        tmp_path,
        "compounds.tsv",
        "name\tsynonyms\tpubchem_cid\tchebi\tmesh\therbs\tid_status\n"
        + "astragaloside IV\t\tnot-a-number\t\t\t黄芪\tunchecked\n",
    )
    vocabulary = load_seed(tmp_path)
    found = {(p.file, p.line, p.code) for p in vocabulary.problems}
    assert found == {
        ("herbs.tsv", 3, "bad-row"),
        ("herbs.tsv", 4, "missing-field"),
        ("herbs.tsv", 5, "duplicate"),
        ("formulas.tsv", 2, "unknown-herb"),
        ("compounds.tsv", 2, "bad-id"),
    }
    assert all("不存在" in p.message for p in vocabulary.problems if p.code == "unknown-herb")
    assert len(vocabulary.by_kind(EntityKind.HERB)) == 2
    # The formula keeps the part that is known.
    assert len([c for c in vocabulary.claims if c.predicate == Predicate.HAS_PART]) == 1


def test_wrong_header_and_wrong_encoding_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "herbs.tsv", "name\tchinese\nAstragali Radix\t黄芪\n")
    (tmp_path / "formulas.tsv").write_bytes(
        FORMULAS_HEADER.encode() + "liu wei\t六味\t\t\t\t\n".encode("gb18030")
    )
    vocabulary = load_seed(tmp_path)
    codes = {(p.file, p.code) for p in vocabulary.problems}
    assert ("herbs.tsv", "bad-header") in codes
    assert ("formulas.tsv", "bad-encoding") in codes
    assert len(vocabulary) == 0


def test_missing_files_are_fine(tmp_path: Path) -> None:
    vocabulary = load_seed(tmp_path)
    assert len(vocabulary) == 0
    assert vocabulary.problems == []


def test_adding_an_entity_twice_merges_its_names(seed: Vocabulary) -> None:
    vocabulary = load_seed(DATA_DIR)
    herb = vocabulary.entities[iri.herb_curie("Astragali Radix")]
    extra = type(herb)(id=herb.id, kind=herb.kind, label="x", labels=(Label("Hwanggi", "en"),))
    vocabulary.add(extra)
    merged = vocabulary.entities[herb.id]
    assert merged.label == herb.label
    assert Label("Hwanggi", "en") in merged.labels
    assert [e.id for e in vocabulary.find_herb("hwanggi")] == [herb.id]


def test_names_that_mostly_mean_something_else_are_labels_but_not_searched_for(
    seed: Vocabulary, memory_store: GraphStore
) -> None:
    from ingest.document import Document
    from ingest.extract import Extractor
    from ingest.vocabulary.store_terms import ingest_vocabulary

    assert [str(p) for p in seed.problems if p.file == "names_not_matched.tsv"] == []
    herb = iri.herb_curie("Hippocampus")
    assert "Hippocampus" in {
        seed.entities[herb].label,
        *(x.text for x in seed.entities[herb].labels),
    }
    assert [e.id for e in seed.find_herb("Hippocampus")] == [herb], "still a name to look up"
    names = {(n, c) for n, c, _ in seed.surface_names()}
    assert ("Hippocampus", herb) not in names and ("sea horse", herb) in names
    found = Extractor().extract(
        Document(
            id="TCMKG.DOC:names-test",
            title="Neurons of the hippocampus survived",
            abstract="Sea horse extract was given. Sulfur dioxide rose.",
        )
    )
    kinds = {(m.text.lower(), m.kind.value) for m in found.mentions}
    assert ("sea horse", "Herb") in kinds
    assert not any(text.lower() in ("hippocampus", "sulfur") for text, _ in kinds)
    # Names written into a store's vocabulary graph do not bring them back.
    memory_store.replace_graph(
        iri.vocabulary_graph("seed"), list(vocabulary_quads(seed.entities.values(), "seed"))
    )
    terms = ingest_vocabulary(memory_store).terms or ()
    assert not any(c == herb and n.casefold() == "hippocampus" for n, c, _ in terms)
