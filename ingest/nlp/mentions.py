"""Entity mentions found in a document: what the NLP components hand to each other."""

from __future__ import annotations

from dataclasses import dataclass

from kg.model import EntityKind


@dataclass(frozen=True, slots=True)
class Mention:
    """A named entity in a text: ``text[start:end]``, its kind and what it may name.

    ``ids`` holds the one CURIE of an unambiguous name; an ambiguous name has no ``ids`` and
    lists every CURIE it may name in ``candidates`` — it is never resolved silently.
    """

    start: int
    end: int
    text: str
    kind: EntityKind
    ids: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    negated: bool = False
    sentence: int = 0  # index of the sentence that holds it

    @property
    def ambiguous(self) -> bool:
        """True when the mention names several entities and none was chosen."""
        return not self.ids and len(self.candidates) > 1

    @property
    def curies(self) -> tuple[str, ...]:
        """The CURIE(s) the mention may name."""
        return self.ids or self.candidates
