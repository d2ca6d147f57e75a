"""ClinicalTrials.gov API v2 study JSON: a page of studies, one study, a list, JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.problems import ProblemLog
from ingest.readers.ctgov import read_ctgov
from kg.model import RecordKind

FIXTURE = Path(__file__).parent / "fixtures" / "ctgov_page.json"


def test_page_of_studies() -> None:
    log = ProblemLog()
    docs = list(read_ctgov(FIXTURE, log))
    assert [d.id for d in docs] == ["NCT:NCT00000000", "NCT:NCT00000001"]
    trial = docs[0]
    assert trial.kind is RecordKind.CLINICAL_TRIAL
    assert trial.title == "Illustrative Herbal Granules for Type 2 Diabetes"
    assert trial.year == 2019 and trial.revised == "2022-08-01"
    assert trial.trial_ids == ("NCT:NCT00000000", "NCT:NCT00000001")
    assert trial.mesh_terms == ("MESH:D999901",) and trial.chemicals == ("MESH:C999901",)
    summary, description = trial.sections
    assert trial.text[summary.start : summary.end].startswith("This illustrative summary")
    assert trial.text[description.start : description.end].endswith("See also NCT00000001.")
    info = trial.trial
    assert info is not None
    assert info.conditions == ("Type 2 Diabetes", "Illustrative Condition")
    assert info.interventions == ("DRUG: Illustrative herbal granules", "DRUG: Placebo granules")
    assert (info.study_type, info.phases, info.allocation) == (
        "INTERVENTIONAL",
        ("PHASE2", "PHASE3"),
        "RANDOMIZED",
    )
    assert (info.masking, info.enrollment, info.status) == ("QUADRUPLE", 120, "COMPLETED")
    assert info.has_results
    # Official title when there is no brief title; an enrolment that is not a number is dropped.
    observational = docs[1]
    assert observational.title == "An Illustrative Observational Study"
    assert observational.trial is not None and observational.trial.enrollment is None
    assert not observational.trial.has_results
    assert [(p.code, p.record) for p in log] == [
        ("record.no_id", "study 3 (12345)"),
        ("record.invalid", "study 4"),
    ]


def test_single_study_and_json_lines_read_alike(tmp_path: Path) -> None:
    study = json.loads(FIXTURE.read_text())["studies"][0]
    single = tmp_path / "NCT00000000.json"
    single.write_text(json.dumps(study))
    lines = tmp_path / "studies.jsonl"
    lines.write_text(json.dumps(study) + "\n" + json.dumps([study]) + "\n")
    log = ProblemLog()
    one = list(read_ctgov(single, log))
    many = list(read_ctgov(lines, log))
    assert not log
    assert [d.id for d in one] == ["NCT:NCT00000000"]
    assert [(d.id, d.record_index) for d in many] == [
        ("NCT:NCT00000000", 1),
        ("NCT:NCT00000000", 2),
    ]
    assert many[0].trial == one[0].trial
