"""The spaCy components, run as one pipeline over the seed vocabulary, on sentences written
for these tests (illustrative, not from any paper)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from thinc.api import Config

from ingest.document import Document
from ingest.extract import VERSION, Extractor, extraction_bundle
from ingest.nlp.design import design_from_publication_types, sample_size, study_info
from ingest.nlp.effect import SHIPPED_MODEL as SHIPPED_EFFECT
from ingest.nlp.mentions import Mention
from ingest.nlp.negation import hedged, mention_negated, relation_negated
from ingest.nlp.pipeline import (
    CONFIG_PATH,
    PIPELINE_NAME,
    PIPELINE_VERSION,
    build_pipeline,
    pipe,
    pipeline_version,
    run,
)
from ingest.nlp.relations import Relation
from kg.model import Direction, Predicate, StudyDesign


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


def relations(nlp: Language, text: str) -> list[tuple[str, str, str, str, bool]]:
    doc = run(nlp, text)
    ms: list[Mention] = doc._.tcm_mentions
    rs: list[Relation] = doc._.tcm_relations
    return [
        (ms[r.subject].text, r.predicate.value, ms[r.object].text, r.direction.value, r.negated)
        for r in rs
    ]


def test_pipeline_is_named_versioned_and_made_of_registered_factories(nlp: Language) -> None:
    assert nlp.meta["name"] == PIPELINE_NAME and nlp.meta["version"] == PIPELINE_VERSION
    assert nlp.pipe_names == [
        "sentencizer",
        "tcm_dictionary",
        "tcm_organisms",
        "tcm_formula_names",
        "tcm_abbreviations",
        "tcm_ner",
        "tcm_negation",
        "tcm_study_design",
        "tcm_syndromes",
        "tcm_relations",
        "tcm_relation_model",
        "tcm_effect",
        "tcm_consistency",
    ]


def test_pipeline_is_assembled_from_the_shipped_versioned_config(nlp: Language) -> None:
    config = Config().from_disk(CONFIG_PATH)
    assert nlp.pipe_names == config["nlp"]["pipeline"]
    assert (
        config["tcmkg"]["name"],
        config["tcmkg"]["version"],
    ) == (PIPELINE_NAME, PIPELINE_VERSION)
    # Every component's settings are typed: a wrong type is refused when the pipeline is built.
    bad = spacy.util.load_config(CONFIG_PATH, overrides={"components.tcm_dictionary.use_seed": 7})
    with pytest.raises(Exception, match="use_seed"):
        spacy.util.load_model_from_config(bad, auto_fill=True, validate=True)


def test_the_config_version_and_each_model_go_into_every_evidence_item(tmp_path: Path) -> None:
    document = Document("TCMKG.DOC:v", "Berberine", "Berberine reduced HbA1c.")
    versions = {}
    for models in (True, False):
        extraction = Extractor(models=models).extract(document)
        bundle, _ = extraction_bundle(document, extraction)
        items = [item for claim in bundle.claims for item in claim.evidence]
        assert items
        (versions[models],) = {i.method_version for i in items}
    # The dictionary and rules alone: the config's version; with the shipped models, each
    # model by name and a digest of its files.
    assert versions[False] == f"{PIPELINE_NAME}-{PIPELINE_VERSION}" == VERSION
    base, *models = versions[True].split("+")
    assert base == VERSION
    assert [m.split(".")[0] for m in models] == ["ner", "relations", "effect"]
    assert all(len(m.split(".")[1]) == 8 for m in models)
    # A model retrained on other data (here: one changed byte) is a different version.
    effect = tmp_path / "effect_model.json"
    effect.write_bytes(SHIPPED_EFFECT.read_bytes() + b" ")
    nlp = build_pipeline()
    nlp.replace_pipe("tcm_effect", "tcm_effect", config={"model": str(effect)})
    assert pipeline_version(nlp) != versions[True]
    assert pipeline_version(nlp).split("+")[:3] == versions[True].split("+")[:3]


def test_batches_through_nlp_pipe_give_what_one_document_at_a_time_gives(nlp: Language) -> None:
    texts = [
        "Berberine attenuated cisplatin-induced nephrotoxicity in rats.",
        "No nephrotoxicity was seen, but hepatotoxicity was.",
        "Astragaloside IV (AS-IV) was tested. AS-IV lowered blood glucose.",
        "",
        "Huang Qi may reduce diabetic nephropathy.",
    ] * 30
    piped = list(pipe(nlp, ((t, ("Randomized Controlled Trial",)) for t in texts)))
    single = [run(nlp, t, ("Randomized Controlled Trial",)) for t in texts]
    for a, b in zip(piped, single, strict=True):
        assert a._.tcm_mentions == b._.tcm_mentions and a._.tcm_mentions is not None
        assert a._.tcm_relations == b._.tcm_relations
        assert a._.tcm_study == b._.tcm_study


def test_a_new_component_is_a_factory_and_a_config_entry() -> None:
    @Language.factory("test_mention_counter", default_config={"label": "n"})
    def make_counter(nlp: Language, name: str, label: str) -> object:
        def count(doc: spacy.tokens.Doc) -> spacy.tokens.Doc:
            doc.user_data[label] = len(doc._.tcm_mentions or [])
            return doc

        return count

    config = spacy.util.load_config(CONFIG_PATH)
    config["nlp"]["pipeline"].append("test_mention_counter")
    config["components"]["test_mention_counter"] = {"factory": "test_mention_counter"}
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    (doc,) = nlp.pipe(["Berberine reduced HbA1c."])
    assert doc.user_data["n"] == 2


def test_abbreviation_defined_in_the_text_names_the_same_compound(nlp: Language) -> None:
    doc = run(nlp, "Astragaloside IV (AS-IV) was tested. AS-IV lowered blood glucose.")
    ids = {m.text: m.ids for m in doc._.tcm_mentions}
    assert ids["AS-IV"] == ids["Astragaloside IV"] == ("PUBCHEM.COMPOUND:13943297",)
    assert [m.text for m in doc._.tcm_mentions].count("AS-IV") == 2
    assert relations(nlp, doc.text)[-1][:3] == ("AS-IV", "treats", "blood glucose")


def test_span_extension_gives_the_mentions_of_a_sentence(nlp: Language) -> None:
    doc = run(nlp, "Berberine was given. Huang Qi was not.")
    first, second = list(doc.sents)
    assert [m.text for m in first._.tcm_mentions] == ["Berberine"]
    assert [m.text for m in second._.tcm_mentions] == ["Huang Qi"]


def test_drug_induced_disease_is_caused_not_treated(nlp: Language) -> None:
    found = relations(nlp, "Berberine attenuated cisplatin-induced nephrotoxicity in rats.")
    assert ("cisplatin", "causes", "nephrotoxicity", "harm", False) in found
    assert ("Berberine", "treats", "nephrotoxicity", "benefit", False) in found
    assert not any(s == "cisplatin" and p == "treats" for s, p, *_ in found)


def test_the_inducing_agent_is_not_the_studied_exposure(nlp: Language) -> None:
    # No harm claim for the herb compound studied in a disease model; the inducing agent
    # (found by the trained model, not the vocabulary) is the one that causes it.
    found = relations(nlp, "Astragaloside IV in streptozotocin-induced diabetic rats.")
    assert not any(p == "causes" and s == "Astragaloside IV" for s, p, *_ in found)
    assert ("streptozotocin", "causes", "diabetic", "harm", False) in found
    found = relations(
        nlp,
        "Diabetic nephropathy was induced in rats with streptozotocin; 40 rats received "
        "astragaloside IV or vehicle.",
    )
    assert not any(p == "causes" and s == "astragaloside IV" for s, p, *_ in found)
    # A note between the agent and its glued participle keeps the agent's harm claim.
    found = relations(nlp, "Cisplatin (5 mg/kg)-induced nephrotoxicity was severe.")
    assert ("Cisplatin", "causes", "nephrotoxicity", "harm", False) in found
    found = relations(nlp, "Nephrotoxicity was induced by cisplatin in rats.")
    assert ("cisplatin", "causes", "Nephrotoxicity", "harm", False) in found


def test_an_anti_effect_treats_and_a_named_cause_is_not_the_treatment(nlp: Language) -> None:
    found = relations(
        nlp,
        "Ginkgo biloba extract produces an anti-hypertensive effect in spontaneously "
        "hypertensive rats.",
    )
    assert [(s, p) for s, p, *_ in found] == [("Ginkgo biloba", "treats")]
    found = relations(
        nlp,
        "Patients with vertigo caused by vestibular disorders were treated with extract of "
        "Ginkgo biloba.",
    )
    assert not any(p == "causes" for _, p, *_ in found)
    found = relations(nlp, "Nephrotoxicity caused by high doses of cisplatin was reported.")
    assert ("cisplatin", "causes", "Nephrotoxicity", "harm", False) in found


def test_adverse_event_in_treated_patients_is_not_treats(nlp: Language) -> None:
    found = relations(nlp, "Hepatotoxicity occurred in patients treated with cisplatin.")
    assert all(p != "treats" for _, p, *_ in found)
    found = relations(nlp, "Patients with type 2 diabetes were treated with berberine.")
    assert ("berberine", "treats", "type 2 diabetes", "benefit", False) in found


def test_negated_relation_has_null_direction(nlp: Language) -> None:
    found = relations(nlp, "Berberine did not improve type 2 diabetes.")
    assert found == [("Berberine", "treats", "type 2 diabetes", "null", True)]


def test_no_significant_difference_is_a_null_result_not_a_negation(nlp: Language) -> None:
    found = relations(nlp, "Berberine showed no significant difference in HbA1c.")
    assert found == [("Berberine", "treats", "HbA1c", "null", False)]


def test_hedged_sentence_marks_its_relations(nlp: Language) -> None:
    doc = run(nlp, "Huang Qi may reduce diabetic nephropathy.")
    (relation,) = doc._.tcm_relations
    assert relation.hedged and relation.predicate is Predicate.TREATS
    assert relation.direction is Direction.BENEFIT


def test_molecular_contains_and_interaction_relations(nlp: Language) -> None:
    found = relations(nlp, "Berberine inhibited IL-6 and activated CYP3A4.")
    assert ("Berberine", "inhibits", "IL-6", "unknown", False) in found
    assert ("Berberine", "activates", "CYP3A4", "unknown", False) in found
    found = relations(nlp, "Astragaloside IV is a main constituent of Huang Qi.")
    assert found == [("Huang Qi", "contains", "Astragaloside IV", "unknown", False)]
    found = relations(nlp, "St John's wort lowered plasma concentrations of midazolam.")
    assert ("St John's wort", "interacts_with", "midazolam", "unknown", False) in found


def test_cooccurrence_without_a_cue_makes_no_relation(nlp: Language) -> None:
    assert relations(nlp, "Berberine and type 2 diabetes were both mentioned.") == []


def test_negated_mention(nlp: Language) -> None:
    doc = run(nlp, "No nephrotoxicity was seen, but hepatotoxicity was.")
    negated = {m.text: m.negated for m in doc._.tcm_mentions}
    assert negated == {"nephrotoxicity": True, "hepatotoxicity": False}


def test_cue_helpers_on_their_own() -> None:
    assert hedged("These data suggest a benefit.") and not hedged("It lowered glucose.")
    assert mention_negated("without nephrotoxicity", 8)
    assert not mention_negated("nephrotoxicity was seen", 0)
    text = "X did not reduce Y"
    assert relation_negated(text, (0, 1), text.index("Y"))
    assert not relation_negated("X not only reduced Y", (0, 1), 19)


@pytest.mark.parametrize(
    ("types", "text", "design"),
    [
        (("Journal Article", "Randomized Controlled Trial"), "rats", StudyDesign.RCT),
        (("Meta-Analysis",), "", StudyDesign.META_ANALYSIS),
        (("Case Reports",), "", StudyDesign.CASE_REPORT),
        ((), "A randomised, double-blind, placebo-controlled trial.", StudyDesign.RCT),
        ((), "A systematic review and meta-analysis of trials.", StudyDesign.META_ANALYSIS),
        ((), "We report a 45-year-old woman with hepatitis.", StudyDesign.CASE_REPORT),
        ((), "A retrospective cohort of 2,310 patients.", StudyDesign.COHORT),
        ((), "Sprague-Dawley rats were fed the extract.", StudyDesign.ANIMAL),
        ((), "HepG2 cells were exposed in vitro.", StudyDesign.IN_VITRO),
        ((), "Network pharmacology and molecular docking.", StudyDesign.IN_SILICO),
        ((), "Healthy volunteers took part.", StudyDesign.OTHER),
        ((), "Chemistry of a root.", StudyDesign.UNKNOWN),
    ],
)
def test_study_design_from_publication_types_first_then_text(
    types: tuple[str, ...], text: str, design: StudyDesign
) -> None:
    assert study_info(types, text).design is design


def test_sample_size_and_species() -> None:
    info = study_info((), "A randomised trial in 120 patients with type 2 diabetes (n = 60).")
    assert (info.sample_size, info.species) == (120, "human")
    assert sample_size("twelve healthy volunteers") == 12
    assert sample_size("In 2010 patients were enrolled.") is None  # a year, not a count
    info = study_info((), "Thirty male Wistar rats received the extract.")
    assert (info.design, info.sample_size, info.species) == (StudyDesign.ANIMAL, 30, "rat")
    assert design_from_publication_types(["Journal Article"]) is None


def test_a_herb_extract_states_no_composition_and_an_effect_verb_ends_one(nlp: Language) -> None:
    # Written in the style of the herbal abstracts where these pairs were misread.
    def contains(text: str) -> set[tuple[str, str]]:
        return {(s, o) for s, p, o, _, _ in relations(nlp, text) if p == "contains"}

    assert not contains("Ginkgo biloba extract EGb 761 versus pentoxifylline in tinnitus.")
    assert not contains(
        "Inhibition was antagonized by garlic alcoholic extract, "
        "but sodium selenate did not alter it."
    )
    assert contains(
        "The Ginkgo biloba extract and its main constituent flavonoids increase dopamine levels."
    ) == {("Ginkgo biloba", "flavonoids")}
    assert ("Coptis chinensis", "Berberine") in contains(
        "Berberine was isolated from Coptis chinensis rhizome."
    )
