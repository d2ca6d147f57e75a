"""What the pipeline reads in a text, as the relation tests compare it."""

from __future__ import annotations

from spacy.language import Language

from ingest.nlp.mentions import Mention
from ingest.nlp.pipeline import run
from ingest.nlp.relations import Relation


def claims(nlp: Language, text: str) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) of every relation read in ``text``, by mention text."""
    return {(s, p, o) for s, p, o, _ in directed_claims(nlp, text)}


def directed_claims(nlp: Language, text: str) -> set[tuple[str, str, str, str]]:
    """(subject, predicate, object, direction) of every relation read in ``text``."""
    doc = run(nlp, text)
    ms: list[Mention] = doc._.tcm_mentions
    rs: list[Relation] = doc._.tcm_relations
    return {
        (ms[r.subject].text, r.predicate.value, ms[r.object].text, r.direction.value) for r in rs
    }
