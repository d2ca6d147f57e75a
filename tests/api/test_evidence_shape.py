"""One evidence record from writer to wire: the JSON clients read is checked against it.

:class:`kg.model.EvidenceItem` declares every attribute of an evidence item once, and the
response models are made from that table. The claims API shows the record's attributes, a
ranking shows each item's scoring inputs: a field added to the record and missing from a
response model, or a JSON key the model does not describe, fails here.
"""

from __future__ import annotations

from dataclasses import fields

from api.models import EvidenceOut, ScoredEvidenceOut
from kg.model import EVIDENCE_FIELDS, SCORING_FIELDS, Predicate, StudyDesign
from kg.scoring_inputs import ScoringInputs
from queries.rank import ScoredEvidence
from queries.scoring import Evidence, Polarity


def test_claim_evidence_model_has_exactly_the_records_attributes() -> None:
    assert set(EvidenceOut.model_fields) == {"id"} | {f.name for f in EVIDENCE_FIELDS}


def test_ranked_evidence_model_has_exactly_what_a_ranked_item_shows() -> None:
    item = Evidence(
        evidence="https://w3id.org/tcmkg/id/evidence/x",
        subject="TCMKG.HERB:astragali-radix",
        predicate=Predicate.TREATS,
        object="MESH:D003924",
        source="PMID:99000001",
        design=StudyDesign.RCT,
        sample_size=120,
        trials=("NCT:NCT-SYNTHETIC-1",),
        sentence="Astragalus lowered HbA1c.",
    )
    shown = ScoredEvidence(item, 0.5, Polarity.FOR, "clinical").to_json()
    assert set(ScoredEvidenceOut.model_fields) == set(shown)
    # The values have the types the model promises clients.
    assert ScoredEvidenceOut.model_validate(shown).model_dump() == shown


def test_scoring_inputs_are_the_records_scoring_fields() -> None:
    assert [f.name for f in fields(ScoringInputs)] == [f.score for f in SCORING_FIELDS]
