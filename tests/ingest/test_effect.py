"""Effect direction of trial results: the classifier, outcome polarity, the ``tcm_effect``
component in the real pipeline, and ``tcmkg train-effect`` on a tiny corpus.

The sentences are written for these tests in the style of trial reports; none is taken from a
paper or from the training corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from ingest.document import Document
from ingest.extract import Extraction, Extractor
from ingest.nlp.effect import (
    Effect,
    EffectModel,
    EffectModelError,
    Polarity,
    benefit_of,
    outcome_polarity,
    read_effect,
    reports_result,
)
from ingest.nlp.effect_training import example_features, read_prompts, split_by_article
from kg.model import Direction, Predicate
from tcmkg.cli import app
from tests.conftest import shared_data

runner = CliRunner()


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _extract(extractor: Extractor, sentence: str, *, effect: bool = True) -> Extraction:
    document = Document(id="TCMKG.DOC:effect-test", title=sentence, abstract="")
    with extractor.nlp.select_pipes(disable=[] if effect else ["tcm_effect"]):
        return extractor.extract(document)


def _relations(extraction: Extraction) -> list[tuple[str, str, str, str]]:
    m = extraction.mentions
    return [
        (m[r.subject].text, r.predicate.value, m[r.object].text, r.direction.value)
        for r in extraction.relations
    ]


# --- the classifier and polarity ----------------------------------------------------------------


def test_a_reduction_of_hba1c_against_placebo_is_a_decrease_and_a_benefit() -> None:
    sentence = "Berberine significantly reduced HbA1c compared with placebo (P < 0.001)."
    reading = read_effect(sentence, "berberine", "HbA1c", "placebo")
    assert reading.effect is Effect.DECREASED and reading.probability > 0.8
    assert benefit_of(reading.effect, outcome_polarity("HbA1c")) is Direction.BENEFIT


def test_no_significant_difference_in_pain_is_null() -> None:
    sentence = (
        "There was no significant difference in pain scores between the ginger and placebo "
        "groups at 24 hours (P = 0.42)."
    )
    reading = read_effect(sentence, "ginger", "pain scores", "placebo")
    assert reading.effect is Effect.NO_DIFFERENCE
    assert benefit_of(reading.effect, outcome_polarity("pain scores")) is Direction.NULL


def test_the_arm_a_comparative_describes_decides_the_direction() -> None:
    # The same words, with the arms swapped, read the other way.
    lower = "Pain scores were lower in the acupuncture group than in the sham group (P = 0.01)."
    higher = "Pain scores were lower in the sham group than in the acupuncture group (P = 0.01)."
    assert read_effect(lower, "acupuncture", "pain scores", "sham").effect is Effect.DECREASED
    assert read_effect(higher, "acupuncture", "pain scores", "sham").effect is Effect.INCREASED


def test_higher_mortality_under_the_intervention_is_harm() -> None:
    sentence = "Mortality was higher in the aspirin group than in the placebo group (P = 0.03)."
    reading = read_effect(sentence, "aspirin", "mortality", "placebo")
    assert reading.effect is Effect.INCREASED
    assert benefit_of(reading.effect, outcome_polarity("mortality")) is Direction.HARM


@pytest.mark.parametrize(
    ("outcome", "polarity"),
    [
        ("VAS pain score", Polarity.LESS_IS_BETTER),
        ("all-cause mortality", Polarity.LESS_IS_BETTER),
        ("systolic blood pressure", Polarity.LESS_IS_BETTER),
        ("adverse events", Polarity.LESS_IS_BETTER),
        ("overall survival", Polarity.MORE_IS_BETTER),
        ("complete remission rate", Polarity.MORE_IS_BETTER),
        ("bone mineral density", Polarity.MORE_IS_BETTER),
        ("HDL cholesterol", Polarity.MORE_IS_BETTER),
        ("pain relief", Polarity.MORE_IS_BETTER),
        ("reduction in HbA1c", Polarity.MORE_IS_BETTER),
        ("progression-free survival", Polarity.MORE_IS_BETTER),
        ("time to relapse", Polarity.MORE_IS_BETTER),
        ("time to recovery", Polarity.LESS_IS_BETTER),
        ("serum zinc concentration", Polarity.UNKNOWN),
    ],
)
def test_outcome_polarity(outcome: str, polarity: Polarity) -> None:
    assert outcome_polarity(outcome) is polarity


def test_a_significant_change_of_unknown_polarity_is_no_benefit() -> None:
    assert benefit_of(Effect.INCREASED, Polarity.UNKNOWN) is Direction.UNKNOWN
    assert benefit_of(Effect.NO_DIFFERENCE, Polarity.UNKNOWN) is Direction.NULL
    assert benefit_of(Effect.DECREASED, Polarity.MORE_IS_BETTER) is Direction.HARM


def test_aims_and_methods_are_not_results() -> None:
    assert not reports_result("The aim was to compare berberine with placebo on HbA1c.")
    assert reports_result("HbA1c fell more with berberine than with placebo (P = 0.02).")


# --- the component in the real pipeline ---------------------------------------------------------


def test_a_result_the_rules_miss_becomes_a_benefit_claim(extractor: Extractor) -> None:
    sentence = (
        "HbA1c was significantly lower in the berberine group than in the placebo group "
        "(P = 0.002)."
    )
    assert _relations(_extract(extractor, sentence, effect=False)) == []
    assert _relations(_extract(extractor, sentence)) == [
        ("berberine", "treats", "HbA1c", "benefit")
    ]


def test_a_reduction_read_by_the_rules_stays_a_benefit(extractor: Extractor) -> None:
    sentence = "Berberine significantly reduced HbA1c compared with placebo (P < 0.001)."
    assert _relations(_extract(extractor, sentence)) == [
        ("Berberine", "treats", "HbA1c", "benefit")
    ]


def test_no_significant_difference_becomes_a_null_treats(extractor: Extractor) -> None:
    sentence = (
        "There was no significant difference in pain scores between the aspirin and placebo "
        "groups (P = 0.42)."
    )
    assert _relations(_extract(extractor, sentence)) == [
        ("aspirin", "treats", "pain scores", "null")
    ]


def test_higher_mortality_is_neither_a_causes_nor_a_benefit(extractor: Extractor) -> None:
    sentence = "Mortality was higher in the aspirin group than in the placebo group (P = 0.03)."
    relations = _relations(_extract(extractor, sentence))
    assert not any(p == "causes" for _, p, _, _ in relations)
    assert not any(d == "benefit" for _, _, _, d in relations)


def test_a_fall_in_survival_read_as_benefit_by_the_rules_becomes_harm(
    extractor: Extractor,
) -> None:
    sentence = "Aspirin reduced overall survival compared with placebo (P = 0.01)."
    assert _relations(_extract(extractor, sentence, effect=False)) == [
        ("Aspirin", "treats", "overall survival", "benefit")
    ]
    assert _relations(_extract(extractor, sentence)) == [
        ("Aspirin", "treats", "overall survival", "harm")
    ]


def test_a_rule_causes_is_left_as_it_is(extractor: Extractor) -> None:
    sentence = "Aspirin caused gastrointestinal bleeding more often than placebo (P = 0.02)."
    with_effect = _extract(extractor, sentence)
    assert _relations(with_effect) == _relations(_extract(extractor, sentence, effect=False))
    assert [r.predicate for r in with_effect.relations] == [Predicate.CAUSES]


def test_nothing_is_added_where_the_sentence_names_an_agent_of_harm(extractor: Extractor) -> None:
    # A harm word ("-induced") says an agent caused something: this component, which writes
    # no harm, leaves such a sentence to the rules.
    sentence = (
        "Cisplatin-induced nephrotoxicity was significantly lower in the berberine group than "
        "in the control group (P < 0.05)."
    )
    assert _relations(_extract(extractor, sentence)) == _relations(
        _extract(extractor, sentence, effect=False)
    )


def test_a_substance_measured_is_no_arm(extractor: Extractor) -> None:
    sentence = (
        "Plasma levels of nitric oxide were higher in the berberine group, and hypertension "
        "was less frequent than with placebo (P = 0.03)."
    )
    relations = _relations(_extract(extractor, sentence))
    assert not any(subject == "nitric oxide" for subject, _, _, _ in relations)


# --- the model file and the training command ----------------------------------------------------

# Written for this test: three articles' worth of prompts per label, in trial-report style.
_TINY = [
    (
        "1",
        "901",
        "drug A",
        "placebo",
        "pain score",
        "significantly decreased",
        "Pain scores were significantly lower with drug A than with placebo (P < 0.01).",
    ),
    (
        "2",
        "901",
        "drug A",
        "placebo",
        "nausea",
        "no significant difference",
        "Nausea did not differ between drug A and placebo (P = 0.61).",
    ),
    (
        "3",
        "902",
        "herb B",
        "control",
        "response rate",
        "significantly increased",
        "The response rate was significantly higher with herb B than in the control group "
        "(P = 0.004).",
    ),
    (
        "4",
        "902",
        "herb B",
        "control",
        "headache",
        "no significant difference",
        "Headache was similar in both groups (P = 0.7).",
    ),
    (
        "5",
        "903",
        "formula C",
        "usual care",
        "HbA1c",
        "significantly decreased",
        "Formula C reduced HbA1c more than usual care (P = 0.02).",
    ),
    (
        "6",
        "903",
        "formula C",
        "usual care",
        "quality of life",
        "significantly increased",
        "Quality of life improved more with formula C than with usual care (P = 0.01).",
    ),
    (
        "7",
        "904",
        "drug D",
        "placebo",
        "relapse",
        "significantly decreased",
        "Fewer patients relapsed on drug D than on placebo (P = 0.03).",
    ),
    (
        "8",
        "904",
        "drug D",
        "placebo",
        "weight",
        "no significant difference",
        "There was no significant difference in weight between drug D and placebo.",
    ),
    (
        "9",
        "905",
        "herb E",
        "placebo",
        "remission",
        "significantly increased",
        "Remission was more frequent with herb E than with placebo (P < 0.001).",
    ),
    (
        "10",
        "906",
        "drug F",
        "sham",
        "fatigue",
        "significantly decreased",
        "Fatigue decreased significantly with drug F compared with sham (P = 0.01).",
    ),
]
_HEADER = (
    "prompt_id\tpmcid\tsplit\tintervention\tcomparator\toutcome\tlabel\tlabel_share\t"
    "n_annotations\tn_valid\tevidence_in_abstract\tquality_flag\tevidence"
)


def _tiny_prompts(path: Path) -> Path:
    lines = [_HEADER]
    for pid, pmcid, intervention, comparator, outcome, label, evidence in _TINY:
        lines.append(
            "\t".join(
                [
                    pid,
                    pmcid,
                    "train",
                    intervention,
                    comparator,
                    outcome,
                    label,
                    "1.0",
                    "2",
                    "2",
                    "1",
                    "",
                    evidence,
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_effect_trains_a_loadable_model_on_a_tiny_corpus(tmp_path: Path) -> None:
    prompts = _tiny_prompts(tmp_path / "prompts.tsv")
    out = tmp_path / "model"
    result = runner.invoke(app, ["train-effect", str(prompts), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "model written to" in result.output
    model = EffectModel.load(out)
    assert set(model.labels) == set(Effect)
    assert "held out" in (out / "TRAINED.md").read_text(encoding="utf-8")
    # The held-out article was not trained on: the split is by article and fixed.
    train, held = split_by_article(read_prompts(prompts))
    assert held and not {p.pmcid for p in train} & {p.pmcid for p in held}
    # The pipeline takes the trained file.
    nlp = spacy.blank("en")
    nlp.add_pipe("tcm_effect", config={"model": str(out / "effect_model.json")})


def test_train_effect_names_a_file_that_is_not_a_prompts_table(tmp_path: Path) -> None:
    bad = tmp_path / "prompts.tsv"
    bad.write_text("id\ttext\n1\tnothing here\n", encoding="utf-8")
    result = runner.invoke(app, ["train-effect", str(bad), "--output", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "not a prompts table" in result.output


def test_a_corrupt_weights_file_gives_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "effect_model.json"
    broken.write_text('{"format": "tcmkg-effect-model", "labels": [', encoding="utf-8")
    with pytest.raises(EffectModelError, match="not a readable effect model"):
        EffectModel.load(broken)
    damaged = EffectModel.load().to_json()
    damaged["coef"] = damaged["coef"][:1]
    broken.write_text(json.dumps(damaged), encoding="utf-8")
    with pytest.raises(EffectModelError, match="damaged"):
        EffectModel.load(broken)
    nlp = spacy.blank("en")
    with pytest.raises(EffectModelError, match=str(broken)):
        nlp.add_pipe("tcm_effect", config={"model": str(broken)})


# --- the shipped model on the held-out part of Evidence Inference --------------------------------


def test_the_shipped_model_reads_the_held_out_part_at_least_80_percent_right() -> None:
    prompts = shared_data("training", "evidence_inference_train", "prompts.tsv")
    _, held = split_by_article(read_prompts(prompts))
    model = EffectModel.load()
    right = sum(model.predict(example_features(p)).effect is p.label for p in held)
    assert right / len(held) >= 0.80
