"""Resolving the names of curated tables to vocabulary entities, without guessing.

A table names a herb by its characters (黄芪) and a target by its gene symbol. A name that one
vocabulary entity carries resolves to it; a name several carry is resolved only when exactly one
of them has it as its *preferred* label in that script (the characters of the pharmacopoeia
entry), otherwise it is reported as ambiguous — never silently picked.

Names are compared by the project's one rule, :func:`kg.names.normalise_name`, the rule the
resolver of ``rank``, ``explain``, the API and the page uses (``queries/resolve.py``): the
vocabulary's lookup folds case, tone marks, spacing, Latin word order, plurals, British
spelling and traditional characters. A species typed with its authority or a variety
(``Astragalus membranaceus (Fisch.) Bunge``) that no entity carries whole is tried as its
binomial, the resolver's second step. The resolver's pinyin step (a pinyin name of an entity
known only by characters) is not taken here: tables name herbs by characters or Latin.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.vocabulary import Vocabulary
from kg.model import Entity, EntityKind
from kg.names import species_binomial


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of resolving one name: the entity, or every candidate (none or several)."""

    entity: Entity | None
    candidates: tuple[Entity, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when several entities carry the name and none is preferred."""
        return self.entity is None and len(self.candidates) > 1


def resolve(vocabulary: Vocabulary, name: str, kind: EntityKind) -> Resolution:
    """Resolve ``name`` to the one entity of ``kind`` that carries it, if there is one."""
    candidates = [e for e in vocabulary.lookup(name) if e.kind == kind]
    binomial = species_binomial(name) if not candidates else None
    if binomial is not None:
        candidates = [e for e in vocabulary.lookup(binomial) if e.kind == kind]
        name = binomial
    unique = list({e.id: e for e in candidates}.values())
    if len(unique) == 1:
        return Resolution(unique[0], tuple(unique))
    # The preferred label is compared as written, not by key: "fangji" (pinyin, lower case)
    # must stay ambiguous between 防己 Stephania and 广防己 Aristolochia, though its key is the
    # key of Stephania's preferred pinyin "Fangji"; only the pharmacopoeia's own spelling
    # (防己) picks its entry.
    preferred = [
        e
        for e in unique
        if e.label == name or any(lb.preferred and lb.text == name for lb in e.labels)
    ]
    if len(preferred) == 1:
        return Resolution(preferred[0], tuple(unique))
    return Resolution(None, tuple(unique))
