"""``tcm_consistency``: one reading per agent and disease within a document.

An abstract that says "cisplatin-induced nephrotoxicity" has told the reader which way
cisplatin and nephrotoxicity are related. When another of its sentences names the two
together with a benefit word that belongs to a third agent — "the catalepsy induced by
haloperidol was attenuated by MK-801", "mesna to prevent ifosfamide-induced cystitis" read
pair by pair — the cue rules can read the inducer as treating its own harm. A treatment read
of the inducer against a harm the same document states by a glued cue ("X-induced Y",
confidence at least :data:`MIN_CAUSE_CONFIDENCE`) is therefore dropped, unless the treatment
reading is itself as confident (a cue glued to the agent, "X reduced Y" with nothing between).

Only ``treats`` relations are removed, never a harm, and only where the document itself reads
the harm: a wrong direction is worse than a missing relation.

It also drops the molecular relations (``inhibits``, ``activates``, ``binds``) of an aim
sentence ("to evaluate the effect of X on the synthesis of NO induced by IFN-gamma"): an aim
names what a study looked at, and its verbs are the question's, not a finding (on BioRED dev,
chemical–gene precision 0.57 → 0.73 for recall 0.27 → 0.26). Treatment readings of an aim are
kept and weigh less in scoring (:mod:`ingest.nlp.statements`). On BC5CDR dev (development data,
used to choose the rule) this drops 8 of the 36 treatment readings of drug-induced (CID) pairs
and no treatment reading of a BioRED dev protective pair.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.mentions import mentions_of
from ingest.nlp.relations import Relation
from ingest.nlp.sentences import sentence_bounds
from ingest.nlp.statements import AIM
from kg.model import Predicate

# A harm read from a cue glued to the agent ("X-induced Y") is at least this confident
# (ingest.nlp.relations.GLUED_STRENGTH less at most one penalty).
MIN_CAUSE_CONFIDENCE = 0.8
_MOLECULAR = frozenset({Predicate.INHIBITS, Predicate.ACTIVATES, Predicate.BINDS})


def _pairs(doc: Doc, relation: Relation) -> set[tuple[str, str]]:
    mentions = mentions_of(doc)
    subject, obj = mentions[relation.subject], mentions[relation.object]
    return {(s, o) for s in subject.curies for o in obj.curies}


class ConsistencyComponent:
    """Drops treatment readings of an agent against a harm the document says it induces."""

    def __init__(self, nlp: Language, name: str, enabled: bool) -> None:
        self.name = name
        self.enabled = enabled

    def __call__(self, doc: Doc) -> Doc:
        relations: list[Relation] = list(doc._.tcm_relations or ())
        if not self.enabled or not relations:
            return doc
        roles = dict(zip((s for s, _ in sentence_bounds(doc)), doc._.tcm_statements, strict=True))
        relations = [
            r
            for r in relations
            if not (r.predicate in _MOLECULAR and roles.get(r.sentence[0]) == AIM)
        ]
        doc._.tcm_relations = relations
        induced: set[tuple[str, str]] = set()
        for r in relations:
            if (
                r.predicate is Predicate.CAUSES
                and not r.negated
                and r.confidence >= MIN_CAUSE_CONFIDENCE
            ):
                induced |= _pairs(doc, r)
        if not induced:
            return doc
        kept = [
            r
            for r in relations
            if not (
                r.predicate is Predicate.TREATS
                and not r.negated
                and r.confidence < MIN_CAUSE_CONFIDENCE
                and _pairs(doc, r) & induced
            )
        ]
        if len(kept) != len(relations):
            doc._.tcm_relations = kept
        return doc


@Language.factory("tcm_consistency", default_config={"enabled": True})
def make_consistency(nlp: Language, name: str, enabled: bool) -> ConsistencyComponent:
    """One reading per agent and disease in a document (see the module docs)."""
    return ConsistencyComponent(nlp, name, enabled)
