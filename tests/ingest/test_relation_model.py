"""The trained relation classifier beside the cue rules, and ``tcmkg train-relations``.

Sentences are quoted from PubMed abstracts of the DFI corpus (PMID in the comment) or are the
textbook shapes of a disease model and a protective effect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from typer.testing import CliRunner

from ingest.nlp.mentions import Mention
from ingest.nlp.pipeline import build_pipeline, run
from ingest.nlp.relation_model import (
    SHIPPED_MODEL,
    WEIGHTS_FILE,
    RelationModelError,
    load_weights,
)
from ingest.nlp.relations import Relation
from tcmkg.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def nlp() -> Iterator[Language]:
    yield build_pipeline()


def readings(nlp: Language, text: str, *, model: bool = True) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) of the relations not negated, with or without the model."""
    off = [] if model else ["tcm_relation_model"]
    with nlp.select_pipes(disable=off):
        doc = run(nlp, text)
    ms: list[Mention] = doc._.tcm_mentions
    rs: list[Relation] = doc._.tcm_relations
    return {(ms[r.subject].text, r.predicate.value, ms[r.object].text) for r in rs if not r.negated}


def test_the_model_runs_after_the_rules_with_its_shipped_weights(nlp: Language) -> None:
    names = nlp.pipe_names
    assert names.index("tcm_relation_model") == names.index("tcm_relations") + 1
    weights = load_weights(SHIPPED_MODEL)
    assert set(weights.families) == {"effect", "molecular"}
    assert weights.summary["excluded"]  # the evaluation sets were left out of training
    # An added harm needs a held-out precision of at least 0.9.
    causes = weights.summary["families"]["effect"]["causes"]
    assert causes["threshold"] is None or causes["held_out_precision"] >= 0.9
    assert (SHIPPED_MODEL / WEIGHTS_FILE).stat().st_size < 10_000_000


def test_a_disease_model_phrase_is_never_a_harm_of_the_treatment(nlp: Language) -> None:
    text = "Streptozotocin-induced diabetic rats were treated with berberine for 8 weeks."
    found = readings(nlp, text)
    assert not {r for r in found if r[0] == "berberine" and r[1] == "causes"}
    # PMID 26849937: "after diabetes induction" names the model.
    text = (
        "Two weeks after diabetes induction, rats were treated with berberine (100 mg/kg) and "
        "rosiglitazone (4 mg/kg) for 24 weeks."
    )
    assert not {r for r in readings(nlp, text) if r[1] == "causes"}


@pytest.mark.parametrize(
    ("sentence", "exposure"),
    [
        ("Curcumin protected against cisplatin-induced nephrotoxicity in rats.", "Curcumin"),
        # PMID 21977912
        (
            "In conclusion, CGA treatment resulted in beneficial effects on blood glucose "
            "response, with alterations seen in GIP concentrations.",
            "CGA",
        ),
        # PMID 25370610
        (
            "These results indicate that the potential of E. bicyclis and its phlorotannin for "
            "use in the development of therapeutic or preventive agents of Alzheimer's disease "
            "mainly through ChE inhibition and additional antioxidant capacities.",
            "phlorotannin",
        ),
    ],
)
def test_a_protective_sentence_is_never_a_harm(nlp: Language, sentence: str, exposure: str) -> None:
    assert not {r for r in readings(nlp, sentence) if r[0] == exposure and r[1] == "causes"}


def test_the_model_vetoes_a_rule_harm_it_is_sure_is_none(nlp: Language) -> None:
    # PMID 16309225: "induced by" is a harm cue to the rules, but the death is of cancer cells.
    text = (
        "Our previous studies on active constituents of Nigella sativa have indicated that cell "
        "death induced by thymoquinone and alpha-hederin was dose- and time-dependent, in a "
        "range of four cancer cell lines."
    )
    assert ("thymoquinone", "causes", "death") in readings(nlp, text, model=False)
    assert ("thymoquinone", "causes", "death") not in readings(nlp, text)
    doc = run(nlp, text)
    assert doc._.tcm_vetoed  # later components can tell the pair was read and dropped


def test_a_rule_treats_is_kept_as_it_is(nlp: Language) -> None:
    text = "Curcumin protected against cisplatin-induced nephrotoxicity in rats."
    with nlp.select_pipes(disable=["tcm_relation_model"]):
        rules = run(nlp, text)._.tcm_relations
    with_model = run(nlp, text)._.tcm_relations
    treats = [r for r in rules if r.predicate.value == "treats"]
    assert treats and all(r in with_model for r in treats)


def _tiny_corpus(path: Path) -> Path:
    """Six BioRED-shaped documents: chemical–disease relations stated in one sentence each."""
    docs = [
        ("901", "Cisplatin induced nephrotoxicity in rats.", "Positive_Correlation"),
        ("902", "Doxorubicin caused cardiomyopathy in two patients.", "Positive_Correlation"),
        ("903", "Gentamicin induced nephrotoxicity in rabbits.", "Positive_Correlation"),
        ("904", "Metformin reduced hyperglycemia in diabetic patients.", "Negative_Correlation"),
        ("905", "Captopril lowered hypertension in elderly patients.", "Negative_Correlation"),
        ("906", "Aspirin prevented thrombosis after surgery.", "Negative_Correlation"),
    ]
    ids = {
        "Cisplatin": "D002945",
        "Doxorubicin": "D004317",
        "Gentamicin": "D005839",
        "Metformin": "D008687",
        "Captopril": "D002216",
        "Aspirin": "D001241",
        "nephrotoxicity": "D007674",
        "cardiomyopathy": "D009202",
        "hyperglycemia": "D006943",
        "hypertension": "D006973",
        "thrombosis": "D013927",
    }
    lines: list[str] = []
    for pmid, title, relation in docs:
        abstract = "The effect was measured in a small study."
        lines += [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
        chemical, disease = title.split()[0], next(w for w in ids if w in title.split()[1:])
        for word, kind in ((chemical, "ChemicalEntity"), (disease, "DiseaseOrPhenotypicFeature")):
            start = title.index(word)
            lines.append(f"{pmid}\t{start}\t{start + len(word)}\t{word}\t{kind}\t{ids[word]}")
        lines += [f"{pmid}\t{relation}\t{ids[chemical]}\t{ids[disease]}\tNovel", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_relations_trains_loadable_weights_on_a_tiny_corpus(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path / "tiny.PubTator")
    out = tmp_path / "weights"
    result = runner.invoke(
        app, ["train-relations", str(corpus), "--output", str(out), "--folds", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "6 documents" in result.output
    weights = load_weights(out)
    summary = weights.summary
    assert summary["pairs"]["effect/causes (tiny.PubTator)"] == 3
    assert summary["pairs"]["effect/treats (tiny.PubTator)"] == 3
    assert "tiny.PubTator" in (out / "TRAINED.md").read_text(encoding="utf-8")
    # The pipeline takes the new weights in place of the shipped ones, and runs.
    nlp = build_pipeline()
    nlp.replace_pipe("tcm_relation_model", "tcm_relation_model", config={"model": str(out)})
    doc = run(nlp, "Cisplatin induced nephrotoxicity in rats.")
    assert doc._.tcm_relations


def test_train_relations_names_a_missing_corpus(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["train-relations", str(tmp_path / "absent.txt"), "--output", str(tmp_path / "w")]
    )
    assert result.exit_code == 2
    assert "absent.txt: no such file" in result.output


def test_missing_or_corrupt_weights_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RelationModelError, match="no relation model weights"):
        spacy.blank("en").add_pipe("tcm_relation_model", config={"model": str(tmp_path)})
    corrupt = tmp_path / WEIGHTS_FILE
    corrupt.write_text("{not json", encoding="utf-8")
    with pytest.raises(RelationModelError, match="not relation model weights"):
        load_weights(tmp_path)
    corrupt.write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    with pytest.raises(RelationModelError, match="not relation model weights"):
        load_weights(corrupt)
    # Switched off, the component needs no weights at all.
    spacy.blank("en").add_pipe(
        "tcm_relation_model", config={"model": str(tmp_path / "nowhere"), "enabled": False}
    )
